"""A fake Discord with a support desk laid out in it, and deskbot running against it.

The world: guild "Support" with #support (text), #help (forum), #triage and #leads; alice is
a customer, bob holds the Agents role, carol is a lead by user id. deskbot runs the real
`DiscordAdapter` (the unmodified discord.py) with a real outbox over a real SQLite file.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

# Imported first: it imports discord.py with its `audioop` DeprecationWarning silenced.
from tests.fakes.discord import (
    FakeDiscord,
    GuildRecord,
    InteractionRecord,
    discord_py_pointed_at,
    payloads,
)

from bot.adapters.discord import ClientOptions, DiscordAdapter  # isort: skip
from bot.config import Config  # isort: skip
from bot.desk_settings import desk_settings  # isort: skip
from bot.outbox import OutboxWorker  # isort: skip
from bot.sending import UNPACED  # isort: skip
from handlers.desk import Desk  # isort: skip
from storage.cursors import ChannelCursors  # isort: skip
from storage.store import SqliteStore  # isort: skip
from tests.builders import rows  # isort: skip
from tests.clock import FakeClock  # isort: skip

TIMEOUT = 5.0
DRAIN_TIMEOUT = 1.0
# The fake enforces Discord's limits loosely (50 a second) unless a test asks: no pacing.
FAST = ClientOptions(guild_ready_timeout=0.05, reidentify_delay=0.0, pace=UNPACED)
Payload = dict[str, Any]
Interaction = InteractionRecord


@dataclasses.dataclass
class World:
    """The fake Discord and who and what is in it."""

    fake: FakeDiscord
    guild: GuildRecord
    support: Payload
    forum: Payload
    triage: Payload
    leads: Payload
    lounge: Payload
    agents_role: Payload
    alice: str
    bob: str
    carol: str

    def config(self, **discord: Any) -> Config:
        """deskbot's config for this world (`discord` overrides keys of its section)."""
        section = {
            "enabled": True,
            "token": self.fake.token,
            "api_url": self.fake.api_url,
            "gateway_url": self.fake.gateway_url,
            "guilds": [self.guild.id],
            "support_channels": [self.support["id"], self.forum["id"]],
            "triage_channel": self.triage["id"],
            "leads_channel": self.leads["id"],
            **discord,
        }
        return Config.model_validate(
            {
                "discord": section,
                "roles": {
                    "agents": {"discord_roles": [self.agents_role["id"]]},
                    "leads": {"discord_users": [self.carol]},
                },
                "sla": {"policies": {"normal": {"first_response": "4h"}}},
            }
        )

    def sent_texts(self, channel_id: str) -> list[str]:
        """What the bot posted in a channel or thread, oldest first."""
        return [sent.content for sent in self.fake.sent_messages(channel_id)]

    def card(self) -> Payload:
        """The one triage card the bot posted, as Discord stores it now."""
        [card] = self.fake.sent_messages(self.triage["id"])
        return self.fake.state.message(self.triage["id"], card.message["id"])

    async def wait_for_message(self, channel_id: str, count: int = 1) -> list[str]:
        """Wait until the bot has posted `count` messages in a channel; return their texts."""
        await self.fake.wait_for(
            lambda: len(self.fake.sent_messages(channel_id)) >= count,
            f"{count} bot message(s) in channel {channel_id}",
        )
        return self.sent_texts(channel_id)

    def direct_texts(self, user: str) -> list[str]:
        """What the bot said to a user in direct messages, oldest first."""
        channel = self.fake.state.dm_channels.get(user)
        return [] if channel is None else self.sent_texts(channel)

    async def wait_for_direct(self, user: str, count: int = 1) -> list[str]:
        """Wait until the bot has sent a user `count` direct messages; return their texts."""
        await self.fake.wait_for(
            lambda: len(self.direct_texts(user)) >= count, f"{count} DM(s) to {user}"
        )
        return self.direct_texts(user)

    async def slash(self, user: str, channel: str, verb: str, *options: Payload) -> Interaction:
        """Run `/ticket <verb>` as `user` in `channel`; return it once its answer is seen."""
        record = await self.fake.invoke_command(
            "ticket", user_id=user, channel_id=channel, options=[payloads.subcommand(verb, options)]
        )
        await self.fake.wait_until_seen(record)
        return record

    async def open_ticket(self, text: str = "printer on fire\nit smells of toast") -> Payload:
        """Post as alice in #support and wait for the ack in the ticket's new thread."""
        message = await self.fake.post_as_user(self.support["id"], self.alice, text)
        await self.wait_for_message(message["id"])
        return message


@pytest.fixture
async def world() -> AsyncIterator[World]:
    """Start a fake Discord with the support desk's guild and point discord.py at it."""
    async with FakeDiscord(wait_timeout=TIMEOUT) as fake:
        guild = fake.add_guild("Support")
        agents = fake.add_role(guild.id, "Agents")
        people = [
            fake.add_member(guild.id, "alice"),
            fake.add_member(guild.id, "bob", roles=[agents["id"]]),
            fake.add_member(guild.id, "carol"),
        ]
        alice, bob, carol = (str(member["user"]["id"]) for member in people)
        with discord_py_pointed_at(fake.api_url, fake.gateway_url):
            yield World(
                fake,
                guild,
                support=fake.add_text_channel(guild.id, "support"),
                forum=fake.add_forum_channel(guild.id, "help"),
                triage=fake.add_text_channel(guild.id, "triage"),
                leads=fake.add_text_channel(guild.id, "leads"),
                lounge=fake.add_text_channel(guild.id, "lounge"),
                agents_role=agents,
                alice=alice,
                bob=bob,
                carol=carol,
            )


@dataclasses.dataclass
class Deskbot:
    """deskbot's Discord platform, running: the adapter, its desk, outbox and storage."""

    adapter: DiscordAdapter
    desk: Desk
    outbox: OutboxWorker
    store: SqliteStore

    async def rows(self, sql: str, *params: object) -> list[tuple[object, ...]]:
        return await rows(self.store, sql, *params)

    async def settle(self, world: World) -> None:
        """Wait until discord.py has read every event sent so far and handled each of them."""
        session = world.fake.gateway.sessions[-1]
        async with asyncio.timeout(TIMEOUT):
            while True:
                ws = self.adapter.client.ws
                read = ws is not None and ws.sequence is not None and ws.sequence >= session.seq
                if read and not _handling():
                    return
                await asyncio.sleep(0.01)  # discord.py's handlers are tasks with no end signal

    async def matched(self, world: World) -> None:
        """Wait until similar tickets are found beside the writer and their edits delivered."""
        await self.settle(world)
        async with asyncio.timeout(TIMEOUT):
            await self.desk.settled()
            await self.outbox.drain()

    async def until(
        self, sql: str, wanted: Callable[[list[tuple[object, ...]]], bool], *params: object
    ) -> list[tuple[object, ...]]:
        """Wait until a query's rows satisfy `wanted` (for effects Discord does not show)."""
        async with asyncio.timeout(TIMEOUT):
            while True:
                found = await self.rows(sql, *params)
                if wanted(found):
                    return found
                await asyncio.sleep(0.01)  # SQLite has no change feed to wait on


@contextlib.asynccontextmanager
async def running(
    world: World,
    store: SqliteStore,
    clock: FakeClock,
    config: Config | None = None,
    options: ClientOptions = FAST,
) -> AsyncIterator[Deskbot]:
    """Run deskbot on the fake until the block ends (caught up and live when it starts)."""
    config = config or world.config()
    outbox = OutboxWorker(store, clock, poll=0.05)
    desk = Desk(store, clock, desk_settings(config), on_notices=outbox.wake)
    adapter = DiscordAdapter(config.discord, desk, ChannelCursors(store), clock, options)
    outbox.add_sender(adapter)
    bot = asyncio.create_task(adapter.run())
    delivering = asyncio.create_task(outbox.run())
    try:
        await first_of(adapter.caught_up.wait(), bot)
        yield Deskbot(adapter, desk, outbox, store)
    finally:
        # Stop as the app does: deliver what is queued, so a restart does not resend it.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(DRAIN_TIMEOUT):
                await outbox.drain()
        delivering.cancel()
        await adapter.close()
        await asyncio.gather(bot, delivering, return_exceptions=True)


def _handling() -> bool:
    """Whether discord.py is still running an event handler (it names their tasks so)."""
    return any(
        task.get_name().startswith("discord.py: on_") and not task.done()
        for task in asyncio.all_tasks()
    )


async def first_of(wanted: Awaitable[Any], task: asyncio.Task[None]) -> None:
    """Wait for `wanted`, unless `task` ends first (then raise what ended it)."""
    waiter = asyncio.ensure_future(wanted)
    done, _ = await asyncio.wait({waiter, task}, timeout=TIMEOUT, return_when="FIRST_COMPLETED")
    waiter.cancel()
    if task in done:
        task.result()
        raise AssertionError("deskbot stopped before it was ready")
    if not done:
        raise TimeoutError("deskbot did not get ready")


@pytest.fixture
async def deskbot(world: World, store: SqliteStore, clock: FakeClock) -> AsyncIterator[Deskbot]:
    async with running(world, store, clock) as bot:
        yield bot


def ticket_id(value: int) -> Payload:
    return payloads.option("id", value, type=4)
