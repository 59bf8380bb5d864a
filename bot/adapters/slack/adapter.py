"""The Slack platform: slack-bolt's AsyncApp in Socket Mode or HTTP mode, wired to the desk.

Every listener runs before Bolt acknowledges (`process_before_response=True`): an event is
acknowledged only once the desk has committed it, so a crash never loses an acknowledged
message, and a listener that fails leaves its event un-acknowledged for Slack to deliver
again (the desk's dedupe keys make that harmless). Retries are never skipped: a retry may be
the first delivery that got through. What Slack never delivered (posted while deskbot was
down, or Socket Mode disconnected) is read back after each connection (`catchup`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from typing import Any

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient

from bot.adapters.slack import answering, blocks, escaping, inbound, startup, wording
from bot.adapters.slack.catchup import SlackCatchUp, Sleep
from bot.adapters.slack.client import (
    close_connections,
    error_code,
    is_transient,
    pool_connections,
    web_client,
)
from bot.adapters.slack.directory import SlackDirectory
from bot.adapters.slack.http import SlackHttpServer
from bot.adapters.slack.inbound import PLATFORM, SlackMessage
from bot.adapters.slack.outbound import SlackSender
from bot.adapters.slack.startup import SlackIdentity, SlackStartupError
from bot.config import Config, SlackConfig
from handlers.desk import Desk
from handlers.intake import IntakeResult
from handlers.models import Command, Inbound, Person, Place, Reply
from handlers.ports import Clock, Cursors

log = logging.getLogger(__name__)


class _QuietAboutTheClient(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN by itself, then warns it is unused: the client has it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("As you gave `client` as well")


BOLT_LOG = logging.getLogger("bot.adapters.slack.bolt")
BOLT_LOG.addFilter(_QuietAboutTheClient())

JsonDict = dict[str, Any]
STOP_TIMEOUT = 5.0  # seconds to let listeners in flight finish when stopping


class Stopping(RuntimeError):
    """deskbot is stopping: the request is refused un-acknowledged, so Slack delivers it again."""


class _InFlight:
    """Listeners running now: stopping waits for them, and refuses new ones."""

    def __init__(self) -> None:
        self.closing = False
        self._running = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @contextlib.asynccontextmanager
    async def __call__(self) -> AsyncIterator[None]:
        if self.closing:
            raise Stopping("deskbot is stopping; Slack will deliver this again")
        self._running += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._running -= 1
            if not self._running:
                self._idle.set()

    async def finish(self) -> None:
        """Refuse new work, and wait for the work in flight (bound it with a timeout)."""
        self.closing = True
        await self._idle.wait()


def _signing_secret(config: SlackConfig) -> str:
    """The secret that signs Slack's HTTP requests; Socket Mode has none to check."""
    secret = config.signing_secret
    return secret.get_secret_value() if secret and config.mode == "http" else ""


def _reaction_verbs(config: SlackConfig) -> dict[str, str]:
    """Which desk verb each configured reaction stands for."""
    reactions = config.reactions
    return {reactions.ticket: "ticket", reactions.claim: "claim", reactions.resolve: "resolve"}


class SlackAdapter:
    """Translates Slack's events, commands and clicks for the desk; `sender` posts notices."""

    platform = PLATFORM

    def __init__(
        self,
        config: Config,
        desk: Desk,
        cursors: Cursors,
        clock: Clock,
        *,
        ping_interval: float = 10.0,
        pause: Sleep = asyncio.sleep,  # waits out rate limits while catching up
    ) -> None:
        self.config = config.slack
        self.roles = config.roles
        self.desk = desk
        self.texts = desk.settings.texts_for(PLATFORM)
        self.client = web_client(self.config)
        groups = (group for _, group in startup.configured_usergroups(config.roles))
        self.directory = SlackDirectory(self.client, groups, clock)
        self.sender = SlackSender(self.client, self.config, self.texts)
        self.catch_up = SlackCatchUp(
            self.client,
            desk,
            cursors,
            clock,
            self._take,
            self.config.support_channels,
            direct_messages=self.config.direct_messages,
            sleep=pause,
        )
        self._signing_secret = _signing_secret(self.config)
        self.app = self._bolt_app()
        self._reaction_verbs = _reaction_verbs(self.config)
        self.identity: SlackIdentity | None = None
        self.url: str | None = None  # where HTTP mode serves, once started
        self._ping_interval = ping_interval
        self._socket: AsyncSocketModeHandler | None = None
        self._http: SlackHttpServer | None = None
        self._in_flight = _InFlight()
        self._register()

    def _bolt_app(self) -> AsyncApp:
        """Bolt, verifying Slack's signature in HTTP mode (Socket Mode needs none)."""
        return AsyncApp(
            client=self.client,
            signing_secret=self._signing_secret,
            request_verification_enabled=self.config.mode == "http",
            process_before_response=True,
            logger=BOLT_LOG,
        )

    @property
    def workspace(self) -> str:
        return self._identity().workspace

    def leads_workspace(self) -> str | None:
        """The workspace the leads' channel is in (Slack's team), once connected."""
        return None if self.identity is None else self.identity.workspace

    def _identity(self) -> SlackIdentity:
        if self.identity is None:
            raise RuntimeError("SlackAdapter.start() has not run yet")
        return self.identity

    # -- lifecycle ----------------------------------------------------------------------------

    async def run(self, ready: Callable[[], None] = lambda: None) -> None:
        """Connect and serve until cancelled (`ready` is told once connected); then stop."""
        try:
            await self.start()
            ready()
            await asyncio.Event().wait()
        finally:
            await self.stop()

    async def connected(self) -> bool:
        """Whether Slack reaches deskbot now: its socket is up, or (HTTP mode) it listens."""
        if self._http is not None:
            return True
        return self._socket is not None and bool(await self._socket.client.is_connected())

    async def start(self) -> None:
        """Check the workspace set-up, then connect (Socket Mode) or listen (HTTP mode)."""
        self._in_flight = _InFlight()
        pool_connections(self.client)
        try:
            await self._connect()
        except Exception as error:
            self.sender.refuse(str(error))
            raise
        self.sender.accept()

    async def _connect(self) -> None:
        self.identity, _ = await startup.check(self.client, self.config, self.roles)
        if self.config.mode == "http":
            http = self.config.http
            secret = self._signing_secret
            self._http = SlackHttpServer(self.app, http.host, http.port, http.path, secret)
            try:
                self.url = await self._http.start()
            except OSError as error:
                where = f"{http.host}:{http.port}"
                raise SlackStartupError(
                    f"slack.http: cannot listen on {where} ({error.strerror or error})"
                ) from None
            log.info("Taking Slack's requests at %s", self.url)
            self.catch_up.request(self.identity)  # HTTP mode never reconnects: once is all
            return
        token = self.config.app_token.get_secret_value() if self.config.app_token else ""
        await startup.check_app_token(self.client, token)
        self._socket = AsyncSocketModeHandler(self.app, token, ping_interval=self._ping_interval)
        self._socket.client.message_listeners.append(self._on_socket_message)
        await self._socket.connect_async()
        log.info("Connected to Slack over Socket Mode")

    async def stop(self) -> None:
        """Refuse new events, let those in flight finish (and be acked), then disconnect."""
        self._in_flight.closing = True  # and a reconnection meanwhile starts no catch-up
        await self.catch_up.stop()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(STOP_TIMEOUT):
                await self._in_flight.finish()
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None
        if self._http is not None:
            await self._http.stop()
            self._http = None
        await close_connections(self.client)

    async def _on_socket_message(
        self, client: AsyncBaseSocketModeClient, message: dict[str, Any], raw: str | None
    ) -> None:
        # Slack says hello on every new connection: catch up on what came while there was none.
        if message.get("type") == "hello" and not self._in_flight.closing:
            self.catch_up.request(self._identity())

    # -- listeners ----------------------------------------------------------------------------

    def _register(self) -> None:
        # Bolt tries listeners in the order they were added: the catch-all event goes last.
        self._register_events()
        self._register_interactions()
        self._register_error()

    def _register_events(self) -> None:
        app = self.app

        @app.event("message")
        async def on_message(body: JsonDict, event: JsonDict) -> None:
            async with self._in_flight():
                await self._message(body, event)

        @app.event("reaction_added")
        async def on_reaction(body: JsonDict, event: JsonDict) -> None:
            async with self._in_flight():
                await self._reaction(body, event)

        @app.event("app_home_opened")
        async def on_home_opened(event: JsonDict) -> None:
            async with self._in_flight():
                await self._home(event)

        @app.event(re.compile(".*"))
        async def on_other_event(event: JsonDict) -> None:
            # Subscribed to, but nothing for the desk: acknowledge so Slack stops sending it.
            log.debug("Ignoring Slack event %s", event.get("type"))

    def _register_interactions(self) -> None:
        app = self.app

        @app.command(self.config.command)
        async def on_command(ack: Callable[..., Awaitable[None]], command: JsonDict) -> None:
            reply = await self._guarded(self._command(command), what=f"{self.config.command}")
            await ack(**self._reply_arguments(reply))

        @app.action(re.compile(f"^{re.escape(blocks.ACTION_PREFIX)}"))
        async def on_click(
            ack: Callable[..., Awaitable[None]],
            body: JsonDict,
            action: JsonDict,
            respond: Callable[..., Awaitable[Any]],
        ) -> None:
            await ack()
            if answering.reply_clicked(action) is not None:
                await self._guarded(self._ask_reply(body, action), what="a card's Reply")
                return
            reply = await self._guarded(self._click(body, action), what="a card button")
            # A replayed click gets the ack only: the person who clicked did so once.
            if reply is not None and not reply.repeated:
                await self._respond(respond, reply)
                if reply.ok:
                    await self._ask_comment(body, action)

        @app.view(blocks.COMMENT_VIEW)
        async def on_comment(ack: Callable[..., Awaitable[None]], body: JsonDict) -> None:
            field = blocks.COMMENT_FIELD
            reply = await self._guarded(self._submitted(body, field), what="a rating's comment")
            await ack(**self._modal_ack(reply, field, self.texts.comment_title()))

        @app.view(answering.REPLY_VIEW)
        async def on_reply(ack: Callable[..., Awaitable[None]], body: JsonDict) -> None:
            field = answering.REPLY_FIELD
            reply = await self._guarded(self._submitted(body, field), what="a card's Reply")
            await ack(**self._modal_ack(reply, field, self.texts.reply_title()))

    def _register_error(self) -> None:
        @self.app.error
        async def on_error(error: Exception, body: JsonDict) -> None:
            # Bolt answers 500 (HTTP) or leaves the envelope un-acked (Socket Mode): Slack
            # delivers the event again, and the desk's dedupe keys make that harmless.
            what = body.get("event", {}).get("type") or body.get("type") or "request"
            if isinstance(error, Stopping):
                log.info("Left a Slack %s for redelivery: %s", what, error)
            else:
                log.error("A Slack %s failed; Slack will deliver it again", what, exc_info=error)

    async def _guarded(self, work: Awaitable[Reply | None], what: str) -> Reply | None:
        """Run a command's work; anything unexpected is logged and answered, not lost."""
        try:
            async with self._in_flight():
                return await work
        except Exception:
            log.exception("Handling %s failed", what)
            return Reply(wording.unexpected_error(self.texts), ok=False)

    # -- messages -----------------------------------------------------------------------------

    async def _message(self, body: JsonDict, event: JsonDict) -> None:
        message = inbound.read_message(event, self._identity().team_id, body.get("event_id"))
        if message is None:
            return
        result = await self._take(message)
        await self.catch_up.seen(self.workspace, message, result)

    async def _take(self, message: SlackMessage) -> IntakeResult:
        """Hand a message to the desk (live or caught up); tell its author what they should know."""
        result = await self.desk.receive(await self._inbound(message))
        if result.reply and message.user:
            await self._tell(message.user, message.channel, message.thread_ts, result.reply)
        return result

    async def _inbound(self, message: SlackMessage, requested_by: Person | None = None) -> Inbound:
        identity = self._identity()
        author = await self.directory.author(message)
        names = await self.directory.names(inbound.mentioned_users(message.text))
        link = inbound.permalink(identity.url, message.channel, message.ts, message.thread_ts)
        return message.inbound(identity.workspace, author, link, names, requested_by)

    # -- reactions ----------------------------------------------------------------------------

    async def _reaction(self, body: JsonDict, event: JsonDict) -> None:
        item, user = event.get("item") or {}, event.get("user")
        verb = self._reaction_verbs.get(inbound.reaction_name(str(event.get("reaction", ""))))
        if verb is None or item.get("type") != "message" or not user:
            return
        channel, ts = str(item["channel"]), str(item["ts"])
        if verb == "ticket":
            await self._ticket_reaction(body, user, channel, ts)
        else:
            event_id = body.get("event_id")
            # Slack retries an unacknowledged event with the same id: one reaction, one change.
            key = inbound.event_key(self._identity().team_id, event_id) if event_id else None
            await self._staff_reaction(verb, user, channel, ts, key)

    async def _ticket_reaction(self, body: JsonDict, user: str, channel: str, ts: str) -> None:
        """🎫 by anyone: the reacted message becomes a ticket, its thread the ticket's."""
        reactor = await self.directory.person(user)
        fetched = await self._fetch(channel, ts)
        if fetched is None:
            await self._tell(user, channel, None, wording.cannot_read_message(self.texts))
            return
        event_id = body.get("event_id") or f"{channel}:{ts}:{user}:{self.config.reactions.ticket}"
        key = inbound.event_key(self._identity().team_id, event_id)
        message = inbound.read_posted(fetched, channel, key)
        result = await self.desk.receive(await self._inbound(message, requested_by=reactor))
        # After downtime the ticket's thread is read from the reaction on.
        reacted_at = (body.get("event") or {}).get("event_ts")
        await self.catch_up.seen(self.workspace, message, result, at=reacted_at)
        if result.reply:
            await self._tell(user, channel, None, result.reply)

    async def _staff_reaction(
        self, verb: str, user: str, channel: str, ts: str, key: str | None
    ) -> None:
        """👀 or ✅ by staff on a ticket's message (or its card): claim or resolve it."""
        actor = await self.directory.person(user)
        if not self.desk.works_tickets(actor):
            return  # everyone else's 👀 is just a reaction: no look-ups, no answer
        root = Place(self.workspace, channel, ts)
        # The desk checks the ticket in the command's own transaction; Slack is asked about
        # the message only when it is no ticket's root.
        reply = await self.desk.react(Command(actor, root, verb, dedupe_key=key))
        if reply is None:
            command = await self._reacted_command(actor, verb, channel, ts)
            command = replace(command, dedupe_key=key) if command is not None else None
            reply = await self.desk.react(command) if command is not None else None
        if reply is not None and not reply.repeated:  # a redelivered reaction was answered once
            await self._tell(user, channel, None, reply.text)

    async def _reacted_command(
        self, actor: Person, verb: str, channel: str, ts: str
    ) -> Command | None:
        """What a reaction on `ts`, no ticket's root, means: its card's or its thread's command."""
        fetched = await self._fetch(channel, ts)
        if fetched is None:
            return None
        ticket_id = blocks.card_ticket(fetched)
        if ticket_id is not None:
            return Command(actor, Place(self.workspace, channel), f"{verb} {ticket_id}")
        thread = fetched.get("thread_ts")
        if thread and thread != ts:
            return Command(actor, Place(self.workspace, channel, str(thread)), verb)
        return None

    async def _fetch(self, channel: str, ts: str) -> JsonDict | None:
        """The message at `ts`, top-level or in a thread; None when the bot cannot read it."""
        try:
            history = await self.client.conversations_history(
                channel=channel,
                latest=ts,
                oldest=ts,
                inclusive=True,
                limit=1,
                include_all_metadata=True,
            )
            found = _with_ts(history.get("messages"), ts)
            if found is None:
                replies = await self.client.conversations_replies(
                    channel=channel, ts=ts, include_all_metadata=True
                )
                found = _with_ts(replies.get("messages"), ts)
        except SlackApiError as error:
            if is_transient(error):
                raise  # un-acknowledged: Slack delivers the reaction again later
            log.warning("Cannot read message %s in %s: %s", ts, channel, error_code(error))
            return None
        return found

    # -- commands and clicks ------------------------------------------------------------------

    async def _command(self, fields: JsonDict) -> Reply:
        actor = await self.directory.person(str(fields["user_id"]))
        text = inbound.command_text(str(fields.get("text") or ""))
        mentions = await self.directory.people(inbound.mentioned_users(text))
        place = Place(self.workspace, str(fields["channel_id"]))
        key = inbound.trigger_key(self._identity().team_id, fields)
        return await self.desk.execute(Command(actor, place, text, mentions, key))

    async def _click(self, body: JsonDict, action: JsonDict) -> Reply | None:
        text = blocks.clicked_command(action)
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
            "channel_id"
        )
        if text is None or not channel:
            return None
        actor = await self.directory.person(str(body["user"]["id"]))
        place = Place(self.workspace, str(channel))
        key = inbound.trigger_key(self._identity().team_id, body)
        return await self.desk.execute(Command(actor, place, text, dedupe_key=key))

    # -- a rating's comment -------------------------------------------------------------------

    async def _ask_comment(self, body: JsonDict, action: JsonDict) -> None:
        """After a score button's rating, open the modal that takes an optional comment."""
        rating = blocks.rating_clicked(action)
        channel = (body.get("channel") or {}).get("id")
        if rating is not None and channel:
            # If it cannot open, the rating stands; only the chance to comment is lost.
            modal = blocks.comment_modal(*rating, str(channel), self.texts)
            await self._open_modal(body, modal, "the comment modal")

    async def _ask_reply(self, body: JsonDict, action: JsonDict) -> None:
        """Reply was clicked on a card: open the modal that takes the answer."""
        ticket_id = answering.reply_clicked(action)
        channel = (body.get("channel") or {}).get("id")
        if ticket_id is not None and channel:
            # If it cannot open, nothing was run: `/ticket reply` still answers the ticket.
            modal = answering.reply_modal(ticket_id, str(channel), self.texts)
            await self._open_modal(body, modal, "the Reply modal")

    async def _open_modal(self, body: JsonDict, modal: JsonDict, what: str) -> None:
        if not body.get("trigger_id"):
            return
        try:
            await self.client.views_open(trigger_id=str(body["trigger_id"]), view=modal)
        except SlackApiError as error:
            log.warning("Cannot open %s: %s", what, error_code(error))

    async def _submitted(self, body: JsonDict, field: str) -> Reply:
        """A command modal was submitted: run its command, with what was written, as whoever
        submitted it (`/ticket rate <id> <score> <comment>`, `/ticket reply <id> <answer>`)."""
        channel, text = blocks.submitted(body.get("view") or {}, field)
        actor = await self.directory.person(str(body["user"]["id"]))
        key = inbound.trigger_key(self._identity().team_id, body)
        return await self.desk.execute(
            Command(actor, Place(self.workspace, channel), text, dedupe_key=key)
        )

    def _modal_ack(self, reply: Reply | None, field: str, title: str) -> JsonDict:
        """Show the desk's answer in the modal; a refusal stays on the form, by its field."""
        if reply is None or reply.repeated:
            return {}  # answered once already: just close the modal
        if not reply.ok:
            return {"response_action": "errors", "errors": {field: reply.text}}
        view = blocks.command_answer(self._say(reply.text), title, self.texts)
        return {"response_action": "update", "view": view}

    # -- App Home -----------------------------------------------------------------------------

    async def _home(self, event: JsonDict) -> None:
        if event.get("tab") != "home" or not self.config.home_tab or not event.get("user"):
            return
        viewer = await self.directory.person(str(event["user"]))
        home = await self.desk.home(viewer, self.workspace)
        view = blocks.home_view(home, self.config.command, self.texts)
        try:
            await self.client.views_publish(user_id=viewer.id, view=view)
        except SlackApiError as error:
            log.warning("Cannot publish %s's App Home: %s", viewer.id, error_code(error))

    # -- answering one person -----------------------------------------------------------------

    def _say(self, text: str) -> str:
        return escaping.mrkdwn(escaping.named_command(text, self.config.command))

    def _reply_arguments(self, reply: Reply | None) -> JsonDict:
        reply = reply or Reply(wording.unexpected_error(self.texts), ok=False)
        kind = "ephemeral" if reply.ephemeral else "in_channel"
        return {"text": self._say(reply.text), "response_type": kind}

    async def _respond(self, respond: Callable[..., Awaitable[Any]], reply: Reply) -> None:
        try:
            await respond(replace_original=False, **self._reply_arguments(reply))
        except Exception as error:
            # The card itself shows the change; this answer is a courtesy.
            log.warning("Cannot answer a click through its response_url: %r", error)

    async def _tell(self, user: str, channel: str, thread: str | None, text: str) -> None:
        """Show `text` to one person where they are (a courtesy: failures are only logged)."""
        try:
            await self.client.chat_postEphemeral(
                channel=channel, user=user, text=self._say(text), thread_ts=thread
            )
        except SlackApiError as error:
            log.warning("Cannot show %s a message in %s: %s", user, channel, error_code(error))


def _with_ts(messages: object, ts: str) -> JsonDict | None:
    if not isinstance(messages, list):
        return None
    return next((m for m in messages if isinstance(m, dict) and m.get("ts") == ts), None)
