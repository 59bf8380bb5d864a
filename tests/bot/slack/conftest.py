"""A running deskbot on Slack: the real slack-bolt adapter, a real SQLite desk, the real
outbox worker, all against the loopback FakeSlack, in Socket Mode or HTTP mode.

Tests pick the mode by parametrizing `mode` (Socket Mode by default) and change the slack
config by parametrizing `slack_overrides`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.slack.adapter import SlackAdapter
from bot.adapters.slack.catchup import Sleep
from bot.config import Config, SlackHttpConfig
from bot.desk_settings import desk_settings
from bot.outbox import OutboxWorker
from bot.sending import UNPACED
from handlers.desk import Desk
from storage.cursors import ChannelCursors
from storage.store import SqliteStore
from tests.builders import rows
from tests.clock import FakeClock
from tests.fakes.slack import AppResponse, FakeSlack
from tests.fakes.slack.state import Channel, User, Usergroup

JsonDict = dict[str, Any]
WAIT = 5.0


@dataclass(frozen=True)
class Scene:
    """A support team's workspace: channels, customers, agents (by group and by id), a lead."""

    support: Channel
    triage: Channel
    leads: Channel
    elsewhere: Channel
    alice: User  # customer
    dave: User  # customer
    bob: User  # agent, through the @support-agents user group
    erin: User  # agent, by user id
    carol: User  # lead
    agents: Usergroup


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack(wait_timeout=WAIT) as fake:
        yield fake


@pytest.fixture
def scene(slack: FakeSlack) -> Scene:
    alice, dave = slack.add_user("alice", "Alice Liddell"), slack.add_user("dave")
    bob, erin, carol = slack.add_user("bob"), slack.add_user("erin"), slack.add_user("carol")
    everyone = [alice.id, dave.id, bob.id, erin.id, carol.id]
    staff = [bob.id, erin.id, carol.id]
    return Scene(
        support=slack.add_channel("support", members=everyone),
        triage=slack.add_channel("triage", members=staff),
        leads=slack.add_channel("leads", members=[carol.id]),
        elsewhere=slack.add_channel("random", members=everyone),
        alice=alice,
        dave=dave,
        bob=bob,
        erin=erin,
        carol=carol,
        agents=slack.add_usergroup("support-agents", [bob.id]),
    )


@pytest.fixture
def mode() -> str:
    return "socket"


@pytest.fixture
def slack_overrides() -> JsonDict:
    return {}


def make_config(
    slack: FakeSlack, scene: Scene, db_path: Path, mode: str, overrides: JsonDict | None = None
) -> Config:
    """The config an operator would write for this workspace, pointed at the fake."""
    values: JsonDict = {
        "enabled": True,
        "mode": mode,
        "bot_token": slack.bot_token,
        "app_token": slack.app_token,
        "signing_secret": slack.signing_secret,
        "api_url": slack.api_url,
        "support_channels": [scene.support.id],
        "triage_channel": scene.triage.id,
        "leads_channel": scene.leads.id,
        **(overrides or {}),
    }
    config = Config.model_validate(
        {
            "storage": {"path": str(db_path)},
            "roles": {
                "agents": {"slack_usergroups": [scene.agents.id], "slack_users": [scene.erin.id]},
                "leads": {"slack_users": [scene.carol.id]},
            },
            "slack": values,
            "sla": {"policies": {"normal": {"first_response": "4h"}}},
        }
    )
    # Port 0 (any free port) is for tests only; config rightly refuses it.
    http = SlackHttpConfig.model_construct(host="127.0.0.1", port=0, path="/slack/events")
    return config.model_copy(update={"slack": config.slack.model_copy(update={"http": http})})


@pytest.fixture
def config(
    slack: FakeSlack, scene: Scene, db_path: Path, mode: str, slack_overrides: JsonDict
) -> Config:
    return make_config(slack, scene, db_path, mode, slack_overrides)


class SlackDesk:
    """deskbot running on the fake Slack, with ways to act as Slack and its people."""

    def __init__(self, slack: FakeSlack, scene: Scene, config: Config, store: SqliteStore,
                 clock: FakeClock, pause: Sleep = asyncio.sleep) -> None:  # fmt: skip
        self.slack, self.scene, self.config, self.store = slack, scene, config, store
        self.clock = clock
        self.mode = config.slack.mode
        self.outbox = OutboxWorker(store, clock)
        self.desk = Desk(store, clock, desk_settings(config), on_notices=self.outbox.wake)
        cursors = ChannelCursors(store)
        self.adapter = SlackAdapter(config, self.desk, cursors, clock, pause=pause)
        # The fake enforces no post limit unless a test asks for one (see test_pacing.py).
        self.adapter.sender.pace = UNPACED
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        ready = asyncio.Event()
        self.outbox.add_sender(self.adapter.sender)
        connections = self.slack.socket_connections_made
        self._tasks = [
            asyncio.create_task(self.outbox.run(), name="outbox"),
            asyncio.create_task(self.adapter.run(ready.set), name="slack"),
        ]
        waiting = asyncio.ensure_future(ready.wait())
        try:
            async with asyncio.timeout(WAIT):
                await asyncio.wait([self._tasks[1], waiting], return_when=asyncio.FIRST_COMPLETED)
            if self._tasks[1].done():
                await self._tasks[1]  # startup failed: raise its error here
            if self.mode == "socket":
                await self.slack.socket_wait_connected(connections + 1)
            await self.caught_up()
        except BaseException:
            await self.stop()
            raise
        finally:
            waiting.cancel()

    async def caught_up(self, runs: int = 1) -> None:
        """Wait until the adapter has caught up `runs` times since start, and notices went."""
        async with asyncio.timeout(WAIT):
            await self.adapter.catch_up.settled(runs)
        await self.settle()

    async def stop(self) -> None:
        """Stop the outbox, then Slack (letting events in flight finish), as the app does: a
        send cut off by Slack's connections closing would wait out a backoff."""
        for task in self._tasks:
            if task.done():
                continue  # a failed start was raised by start() already
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    @property
    def url(self) -> str:
        assert self.adapter.url is not None
        return self.adapter.url

    # -- acting as Slack ----------------------------------------------------------------------

    async def deliver(
        self, event: JsonDict, *, event_id: str | None = None, retry: int = 0
    ) -> JsonDict | AppResponse:
        """Deliver an event as Slack would in this mode; return the ack (or HTTP answer)."""
        if self.mode == "http":
            options: dict[str, Any] = {"retry_num": retry} if retry else {}
            return await self.slack.post_event(self.url, event, event_id=event_id, **options)
        envelope = await self.slack.socket_send_event(
            event, event_id=event_id, retry_attempt=retry, retry_reason="timeout" if retry else ""
        )
        return await self.slack.socket_ack(envelope)

    async def post(
        self, user: User, text: str, *, channel: Channel | None = None, thread: str | None = None
    ) -> JsonDict:
        """`user` writes in a channel (the support channel unless told); return the event."""
        where = channel or self.scene.support
        event = self.slack.user_posts(where.id, user.id, text, thread_ts=thread)
        await self.deliver(event)
        return event

    async def open_ticket(
        self, text: str = "Printer on fire", user: User | None = None
    ) -> JsonDict:
        """A customer (alice, unless told) writes in support; wait for the ack and the card."""
        event = await self.post(user or self.scene.alice, text)
        await self.settle()
        return event

    async def command(self, user: User, text: str, *, channel: Channel | None = None) -> str:
        """`user` types the slash command; return the text of the answer."""
        return str((await self.command_answer(user, text, channel=channel))["text"])

    async def command_answer(
        self, user: User, text: str, *, channel: Channel | None = None
    ) -> JsonDict:
        """`user` types the slash command; return the answer Slack gets (text, response_type)."""
        where = channel or self.scene.triage
        fields = self.slack.command(user.id, where.id, text, command=self.config.slack.command)
        if self.mode == "http":
            answer = await self.slack.post_command(self.url, fields)
            assert answer.status == 200, answer
            found: JsonDict = answer.json()
            return found
        ack = await self.slack.socket_ack(await self.slack.socket_send_command(fields))
        payload: JsonDict = ack["payload"]
        return payload

    async def click(
        self, user: User, message_ts: str, action: JsonDict, *, channel: Channel | None = None
    ) -> None:
        """`user` clicks `action` on the message at `message_ts` (a triage card unless told)."""
        where = channel or self.scene.triage
        payload = self.slack.block_action(user.id, where.id, message_ts, action)
        if self.mode == "http":
            answer = await self.slack.post_interaction(self.url, payload)
            assert answer.status == 200, answer
        else:
            await self.slack.socket_ack(await self.slack.socket_send_interaction(payload))

    async def submit(self, view_id: str, values: dict[str, str | None]) -> JsonDict | None:
        """Submit an open modal as its viewer; return its ack (None: an empty ack closed it)."""
        payload = self.slack.view_submission(view_id, values)
        if self.mode == "http":
            answer = await self.slack.post_interaction(self.url, payload)
            assert answer.status == 200, answer
            ack: JsonDict | None = answer.json() if answer.body else None
        else:
            envelope = await self.slack.socket_send_interaction(payload)
            ack = (await self.slack.socket_ack(envelope)).get("payload")
        self.slack.view_acknowledged(view_id, ack)
        return ack

    async def settle(self) -> None:
        """Wait until the desk's follow-ups (similar tickets) are written and the outbox has
        delivered every notice that is due."""
        async with asyncio.timeout(WAIT):
            await self.desk.settled()
            await self.outbox.drain()

    # -- looking at the result ----------------------------------------------------------------

    async def rows(self, sql: str, *params: object) -> list[tuple[object, ...]]:
        return await rows(self.store, sql, *params)

    def cards(self) -> list[JsonDict]:
        """The triage channel's cards, oldest first."""
        return [m for m in self.slack.messages(self.scene.triage.id) if m.get("metadata")]

    def card(self, ticket_id: int) -> JsonDict:
        found = [
            card
            for card in self.cards()
            if card["metadata"]["event_payload"]["ticket_id"] == ticket_id
        ]
        assert len(found) == 1, f"{len(found)} cards for ticket #{ticket_id}"
        return found[0]

    def replies(self, event: JsonDict) -> list[str]:
        """The texts of the replies in the thread of the message `event` announced."""
        thread = self.slack.thread(event["channel"], event["ts"])
        return [message["text"] for message in thread[1:]]

    def ephemerals(self, user: User) -> list[str]:
        """What only `user` was shown, by ephemeral message or response URL, in order."""
        return [str(e.get("text")) for e in self.slack.ephemerals() if e.get("user") == user.id]


@pytest.fixture
async def desk_on_slack(
    slack: FakeSlack, scene: Scene, config: Config, store: SqliteStore, clock: FakeClock
) -> AsyncIterator[SlackDesk]:
    running = SlackDesk(slack, scene, config, store, clock)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


Deskbot = Callable[..., SlackDesk]


@pytest.fixture
def deskbot(
    slack: FakeSlack, scene: Scene, config: Config, store: SqliteStore, clock: FakeClock
) -> Deskbot:
    """deskbot on the shared database, not started (`pause` stands in for rate-limit waits)."""

    def make(pause: Sleep = asyncio.sleep) -> SlackDesk:
        return SlackDesk(slack, scene, config, store, clock, pause)

    return make


@contextlib.asynccontextmanager
async def running(d: SlackDesk) -> AsyncIterator[SlackDesk]:
    """Run deskbot (caught up once started) until the block ends."""
    await d.start()
    try:
        yield d
    finally:
        await d.stop()
