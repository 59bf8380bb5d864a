"""After (re)connecting, read what was posted on Slack while deskbot was away.

Slack retries an event only a few times, and over Socket Mode nobody is there to deliver to
while deskbot is down: a customer who writes during a deploy would never be answered. So
each time deskbot connects (at start, and whenever Socket Mode connects again) it reads in
the background what came after each channel's cursor, the newest message ts it has taken
there: the support channels' history, the replies in the threads of its active tickets
and, with direct messages on, the bot's DMs (private tickets). They go to the desk oldest
first, through the same intake as live events. A posted message is keyed by its channel and
ts however it arrives, so a message read here and also delivered live is one ticket.

A support channel read for the first time starts at its newest message: turning deskbot on
in a busy channel does not turn its past into tickets. So do the DMs there are the first
time deskbot reads DMs at all; a DM it meets later is new (a customer's first DM may have
been written while deskbot was down), and is read from its beginning.

While a channel is caught up, live messages still reach the desk at once, but its cursor
moves past them only when everything read before them is recorded, so stopping half-way
loses nothing. A live reply the desk ignored meanwhile (its thread's first message may be
one being caught up) is offered to the desk again afterwards.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.adapters.slack import inbound
from bot.adapters.slack.client import error_code, is_transient, rate_limit_wait
from bot.adapters.slack.inbound import SlackMessage
from bot.adapters.slack.startup import SlackIdentity
from handlers.desk import Desk
from handlers.intake import IntakeResult, Outcome
from handlers.models import ACTIVE_STATUSES, InboundKind, Status, TicketQuery
from handlers.ports import Clock, Cursors

log = logging.getLogger(__name__)

JsonDict = dict[str, Any]
Take = Callable[[SlackMessage], Awaitable[IntakeResult]]
Sleep = Callable[[float], Awaitable[None]]

PAGE = 200  # messages (or conversations) a call: Slack advises no more than 200
HISTORY_PAGES = 10  # a channel's newest 2,000 messages at most, per catch-up
THREAD_PAGES = 5
DM_PAGES = 50  # the bot's DMs listed per catch-up: 10,000 at most
# A cursor that is no channel's: present once DMs have been read, so a DM without a cursor
# is a new one. Slack's channel ids are capitals and digits, so it names none of theirs.
DMS_READ = "direct-messages"
THREADS = 200  # active tickets whose threads are read per catch-up, last updated first
TICKETS_SCANNED = 10_000
RATE_LIMIT_WAITS = 10  # Retry-After waits for one call before leaving it for the next try
RETRY_DELAY = 60.0  # seconds before trying again after Slack's passing trouble
# A reply reopens a resolved ticket, so its thread is read too; a closed one's is not.
THREAD_STATUSES = ACTIVE_STATUSES | {Status.RESOLVED}
_TAKEN = frozenset({Outcome.OPENED, Outcome.APPENDED})
_MICROS = 1_000_000


def ts_number(ts: str) -> int:
    """A Slack ts (`1712345678.123456`) as the integer the cursor store keeps: microseconds."""
    seconds, _, fraction = ts.partition(".")
    return int(seconds) * _MICROS + int(fraction.ljust(6, "0")[:6])


def ts_text(number: int) -> str:
    """The Slack ts of a cursor."""
    seconds, micros = divmod(number, _MICROS)
    return f"{seconds}.{micros:06d}"


@dataclass
class _Held:
    """A channel being caught up: its cursor waits, and live replies may be offered again."""

    newest: int = 0  # the newest live message taken meanwhile
    again: list[SlackMessage] = field(default_factory=list)


class SlackCatchUp:
    """Reads what the bot missed in support channels and ticket threads; keeps the cursors."""

    def __init__(
        self,
        client: AsyncWebClient,
        desk: Desk,
        cursors: Cursors,
        clock: Clock,
        take: Take,
        support_channels: Iterable[str],
        *,
        direct_messages: bool = False,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.client = client
        self.desk = desk
        self.cursors = cursors
        self.clock = clock
        self.take = take  # the live intake: the desk, then an answer to the author if due
        self.support_channels = frozenset(support_channels)
        self.direct_messages = direct_messages  # read the bot's DMs too
        self.sleep = sleep
        self.runs = 0  # catch-ups finished since start
        self._identity: SlackIdentity | None = None
        self._wanted = False
        self._holding = False  # a catch-up is due or under way: live messages wait to count
        self._task: asyncio.Task[None] | None = None
        self._held: dict[str, _Held] = {}
        self._finished = asyncio.Condition()

    # -- running ------------------------------------------------------------------------------

    def request(self, identity: SlackIdentity) -> None:
        """Catch up in the background now, or once more after the catch-up under way."""
        self._identity, self._wanted, self._holding = identity, True, True
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._runs(), name="slack-catch-up")

    async def settled(self, runs: int = 1) -> None:
        """Wait until `runs` catch-ups have finished since start."""
        async with self._finished:
            await self._finished.wait_for(lambda: self.runs >= runs)

    async def stop(self) -> None:
        """Stop catching up; cursors stay where what was recorded left them."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self._task, self._wanted, self._holding, self.runs = None, False, False, 0
        self._held.clear()

    async def _runs(self) -> None:
        while self._wanted and self._identity is not None:
            self._wanted = False
            try:
                retry = await self.run(self._identity)
            except Exception:
                log.exception("Catching up on Slack failed; trying again shortly")
                retry = True
            async with self._finished:
                self.runs += 1
                self._finished.notify_all()
            if retry and not self._wanted:
                await self.sleep(RETRY_DELAY)
                self._wanted = True

    async def run(self, identity: SlackIdentity) -> bool:
        """Catch up on every channel once; True when Slack's passing trouble left some over."""
        workspace = identity.workspace
        positions = await self.cursors.positions(workspace)
        threads = await self._threads(workspace)
        dms, retrying = await self._dms(workspace, positions)
        listed = self.support_channels | {c for c in threads if c in positions} | dms.keys()
        channels = sorted(listed)
        caught = 0
        for channel in channels:
            cursor = positions.get(channel, dms.get(channel))
            try:
                caught += await self._channel(identity, channel, cursor, threads, channel in dms)
            except SlackApiError as error:
                if is_transient(error):
                    retrying.add(channel)
                    self._later(channel, error_code(error))
                else:
                    # The set-up check at start says what to fix; reading again will not help.
                    self._held.pop(channel, None)
                    log.warning(
                        "Cannot catch up on Slack channel %s: %s", channel, error_code(error)
                    )
            except (aiohttp.ClientError, TimeoutError) as error:
                retrying.add(channel)
                self._later(channel, str(error) or type(error).__name__)
        # A channel left for another try keeps its cursor where it was until then.
        self._holding = self._wanted
        for channel in [channel for channel in self._held if channel not in retrying]:
            await self._release(workspace, channel)
        log.info("Caught up %d message(s) in %d Slack channel(s)", caught, len(channels))
        return bool(retrying)

    def _later(self, channel: str, why: str) -> None:
        log.warning(
            "Cannot catch up on Slack %s yet (%s); trying again in %.0f s",
            channel if channel == "DMs" else f"channel {channel}",
            why,
            RETRY_DELAY,
        )

    # -- live messages ------------------------------------------------------------------------

    async def seen(
        self, workspace: str, message: SlackMessage, result: IntakeResult, at: str | None = None
    ) -> None:
        """Note a live message the desk took: its channel's cursor moves on (or waits).

        `at` is when the desk took it, if not when it was posted: a 🎫 on an older message
        makes a ticket whose thread counts from the reaction on, not from the message.
        """
        watched = (
            message.channel in self.support_channels
            or message.direct
            or result.ticket_id is not None
        )
        if message.kind is not InboundKind.POSTED or not watched:
            return
        ts, held = ts_number(at or message.ts), self._held.get(message.channel)
        if held is None and not self._holding:
            await self.cursors.advance(workspace, message.channel, ts, self.clock.now())
            return
        held = self._held.setdefault(message.channel, _Held())
        held.newest = max(held.newest, ts)
        if result.outcome is Outcome.IGNORED and message.thread_ts is not None:
            held.again.append(message)

    # -- one channel --------------------------------------------------------------------------

    async def _channel(
        self,
        identity: SlackIdentity,
        channel: str,
        cursor: int | None,
        threads: dict[str, list[str]],
        direct: bool = False,
    ) -> int:
        """Catch up on one channel; its cursor passes live messages only once this is done."""
        # Live replies ignored until now are read from Slack below, in order.
        self._held.setdefault(channel, _Held()).again.clear()
        caught = 0
        if cursor is None:
            await self._start(identity.workspace, channel)
        else:
            found = await self._read(identity, channel, cursor, threads.get(channel, []), direct)
            caught = await self._feed(identity.workspace, channel, found)
        await self._release(identity.workspace, channel)
        return caught

    async def _release(self, workspace: str, channel: str) -> None:
        """Offer the desk again the live replies it ignored, then let the cursor pass them."""
        held = self._held[channel]
        while held.again:
            await self.take(held.again.pop(0))
        del self._held[channel]
        if held.newest:
            await self.cursors.advance(workspace, channel, held.newest, self.clock.now())

    async def _start(self, workspace: str, channel: str) -> None:
        """Start reading a channel at its newest message (at the beginning, if it has none)."""
        answer = await self._call(self.client.conversations_history, channel=channel, limit=1)
        newest = [ts_number(str(m["ts"])) for m in answer.get("messages") or [] if m.get("ts")]
        await self.cursors.advance(workspace, channel, max(newest, default=0), self.clock.now())
        log.info("Reading Slack channel %s from its newest message on", channel)

    async def _feed(self, workspace: str, channel: str, messages: list[SlackMessage]) -> int:
        """Hand the messages to the desk oldest first, moving the cursor after each."""
        caught = 0
        for message in messages:
            result = await self.take(message)
            await self.cursors.advance(workspace, channel, ts_number(message.ts), self.clock.now())
            caught += result.outcome in _TAKEN
        if caught:
            log.info("Caught up %d message(s) in Slack channel %s", caught, channel)
        return caught

    # -- reading Slack ------------------------------------------------------------------------

    async def _read(
        self,
        identity: SlackIdentity,
        channel: str,
        cursor: int,
        threads: list[str],
        direct: bool = False,
    ) -> list[SlackMessage]:
        """What was posted in the channel and the tickets' threads after `cursor`, oldest first."""
        found: dict[int, JsonDict] = {}
        if channel in self.support_channels or direct:
            for message in await self._history(channel, cursor):
                found[ts_number(str(message["ts"]))] = message
                if _replied_after(message, cursor):
                    threads = [*threads, str(message["ts"])]
        for thread in dict.fromkeys(threads):
            for message in await self._replies(channel, thread, cursor):
                found.setdefault(ts_number(str(message["ts"])), message)
        # deskbot's own messages (its acks in ticket threads) go to the desk too, which
        # ignores bots' messages as it does live.
        team = identity.team_id
        read = (inbound.read_history(found[ts], channel, team, direct) for ts in sorted(found))
        return [message for message in read if message is not None]

    async def _history(self, channel: str, cursor: int) -> list[JsonDict]:
        """The channel's messages after `cursor` (newest first, as Slack pages them)."""
        messages, page = await self._pages(
            HISTORY_PAGES,
            self.client.conversations_history,
            channel=channel,
            oldest=ts_text(cursor),
        )
        if page is not None:
            log.warning(
                "Slack channel %s had more new messages than a catch-up reads (%d): the"
                " newest are caught up, the older ones are not",
                channel,
                len(messages),
            )
        return [m for m in messages if m.get("ts") and ts_number(str(m["ts"])) > cursor]

    async def _replies(self, channel: str, thread: str, cursor: int) -> list[JsonDict]:
        """A thread's replies after `cursor`; none when the thread is gone."""
        try:
            messages, _ = await self._pages(
                THREAD_PAGES,
                self.client.conversations_replies,
                channel=channel,
                ts=thread,
                oldest=ts_text(cursor),
            )
        except SlackApiError as error:
            if is_transient(error) or error_code(error) != "thread_not_found":
                raise
            return []  # its first message was deleted
        return [m for m in messages if m.get("ts") and ts_number(str(m["ts"])) > cursor]

    async def _pages(
        self,
        pages: int,
        method: Callable[..., Awaitable[AsyncSlackResponse]],
        key: str = "messages",
        **arguments: Any,
    ) -> tuple[list[JsonDict], str | None]:
        """Up to `pages` pages of a paginated read, and the cursor of the next one if any."""
        messages: list[JsonDict] = []
        page: str | None = None
        for _ in range(pages):
            answer = await self._call(method, limit=PAGE, cursor=page, **arguments)
            messages += [m for m in answer.get(key) or [] if isinstance(m, dict)]
            metadata = answer.get("response_metadata") or {}
            # History says has_more; conversations.list says only the next cursor.
            more = answer.get("has_more", key != "messages")
            page = metadata.get("next_cursor") if more else None
            if not page:
                return messages, None
        return messages, page

    async def _call(
        self, method: Callable[..., Awaitable[AsyncSlackResponse]], **arguments: Any
    ) -> AsyncSlackResponse:
        """Make a call, waiting out Slack's rate limits as long as Retry-After says."""
        waits = 0
        while True:
            try:
                return await method(**arguments)
            except SlackApiError as error:
                if error.response.status_code != 429 or waits == RATE_LIMIT_WAITS:
                    raise
                waits += 1
                wait = rate_limit_wait(error)
                log.info("Slack rate-limits the catch-up; waiting %.0f s", wait)
                await self.sleep(wait)

    async def _dms(
        self, workspace: str, positions: dict[str, int]
    ) -> tuple[dict[str, int | None], set[str]]:
        """The bot's DMs to read, each with where to start, and a mark when Slack said later.

        None starts a DM at its newest message: the first time DMs are read, their past is
        left alone. After that, a DM without a cursor is read from its beginning.
        """
        if not self.direct_messages:
            return {}, set()
        try:
            listed, _ = await self._pages(
                DM_PAGES, self.client.conversations_list, key="channels", types="im"
            )
        except SlackApiError as error:
            if is_transient(error):
                self._later("DMs", error_code(error))
                return {}, {DMS_READ}
            # Listing again will not help until the app is set up anew.
            code = error_code(error)
            hint = ": the app lacks the im:read scope" if code == "missing_scope" else ""
            log.warning("Cannot list the Slack DMs to catch up on (%s)%s", code, hint)
            return {}, set()
        except (aiohttp.ClientError, TimeoutError) as error:
            self._later("DMs", str(error) or type(error).__name__)
            return {}, {DMS_READ}
        start = 0 if DMS_READ in positions else None
        dms = {str(dm["id"]): start for dm in listed if dm.get("id") and dm.get("is_im")}
        await self.cursors.advance(workspace, DMS_READ, 0, self.clock.now())
        return dms, set()

    async def _threads(self, workspace: str) -> dict[str, list[str]]:
        """The threads of the active tickets to read, by channel, last updated first."""
        query = TicketQuery(workspace, THREAD_STATUSES, limit=TICKETS_SCANNED)
        tickets = sorted(await self.desk.tickets(query), key=lambda t: t.updated_at, reverse=True)
        if len(tickets) > THREADS:
            log.warning(
                "%d tickets are active on Slack; catching up on the threads of the %d last updated",
                len(tickets),
                THREADS,
            )
        threads: dict[str, list[str]] = defaultdict(list)
        for ticket in tickets[:THREADS]:
            # A private ticket's conversation is a direct message, flat: it has no thread.
            if ticket.place.thread is not None and not ticket.private:
                threads[ticket.place.channel].append(ticket.place.thread)
        return threads


def _replied_after(message: JsonDict, cursor: int) -> bool:
    latest = message.get("latest_reply")
    return bool(message.get("reply_count")) and bool(latest) and ts_number(str(latest)) > cursor
