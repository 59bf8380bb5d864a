"""Reconnects, resumes, redeliveries and downtime lose nothing and record nothing twice."""

from __future__ import annotations

import asyncio
import dataclasses
import os

from storage.store import SqliteStore
from tests.bot.discord.conftest import FAST, TIMEOUT, Deskbot, World, running
from tests.clock import FakeClock
from tests.fakes.discord import messages

import discord  # isort: skip


async def test_message_posted_while_the_connection_is_down_arrives_on_resume(
    world: World, deskbot: Deskbot
) -> None:
    """After a dropped connection the client RESUMEs and the missed message opens one ticket."""
    await world.open_ticket()
    await world.fake.gateway.drop()
    await world.fake.wait_until_disconnected()
    missed = await world.fake.post_as_user(world.support["id"], world.alice, "toner everywhere")
    await world.fake.wait_until_resumed()
    await world.wait_for_message(missed["id"])
    assert await deskbot.rows("SELECT id, subject FROM tickets") == [
        (1, "printer on fire"),
        (2, "toner everywhere"),
    ]
    assert world.fake.identify_count == 1


async def test_a_message_delivered_twice_opens_one_ticket(world: World, deskbot: Deskbot) -> None:
    """The same MESSAGE_CREATE delivered again (same message id) changes nothing."""
    root = await world.open_ticket()
    await world.fake.dispatch("MESSAGE_CREATE", messages.gateway_view(world.fake.state, root))
    await world.open_ticket("second printer")  # processed after the redelivery
    assert await deskbot.rows("SELECT id, thread FROM tickets ORDER BY id") == [
        (1, root["id"]),
        (2, world.fake.sent_messages()[-1].channel_id),
    ]
    assert await deskbot.rows("SELECT count(*) FROM events WHERE kind = 'opened'") == [(2,)]


async def test_invalid_session_identifies_again_and_keeps_working(
    world: World, deskbot: Deskbot
) -> None:
    """After INVALID_SESSION the client IDENTIFYs anew and the next message opens a ticket."""
    await world.fake.gateway.invalidate_session(resumable=False)
    await world.fake.wait_until_identified(count=2)
    await world.open_ticket()
    assert await deskbot.rows("SELECT count(*) FROM tickets") == [(1,)]


async def test_catch_up_opens_tickets_for_messages_posted_while_down(
    world: World, store: SqliteStore, clock: FakeClock
) -> None:
    """A message posted while the bot was stopped becomes a ticket when it starts again."""
    async with running(world, store, clock):
        await world.open_ticket()
    missed = await world.fake.post_as_user(world.support["id"], world.alice, "scanner jammed")
    async with running(world, store, clock) as restarted:
        [ack] = await world.wait_for_message(missed["id"])
        tickets = await restarted.rows("SELECT id, thread FROM tickets ORDER BY id")
    assert "ticket #2" in ack
    assert tickets[1] == (2, missed["id"])


async def test_catch_up_reads_replies_in_ticket_threads(
    world: World, store: SqliteStore, clock: FakeClock
) -> None:
    """A customer's reply in a ticket thread while the bot was down joins the ticket."""
    async with running(world, store, clock):
        root = await world.open_ticket()
    reply = await world.fake.post_as_user(root["id"], world.alice, "any news?")
    async with running(world, store, clock) as restarted:
        found = await restarted.until(
            "SELECT ticket_id, role FROM messages WHERE message_id = ?", bool, reply["id"]
        )
    assert found == [(1, "customer")]


async def test_catch_up_knows_agents_by_their_roles(
    world: World, store: SqliteStore, clock: FakeClock
) -> None:
    """An agent's reply read from history counts as the first response (roles looked up)."""
    async with running(world, store, clock):
        root = await world.open_ticket()
    await world.fake.post_as_user(root["id"], world.bob, "on my way")
    async with running(world, store, clock) as restarted:
        found = await restarted.until(
            "SELECT actor_key FROM events WHERE kind = 'first_response'", bool
        )
    assert found == [(f"discord:{world.bob}",)]


async def test_catch_up_opens_forum_posts_made_while_down(
    world: World, store: SqliteStore, clock: FakeClock
) -> None:
    """A forum post made while the bot was down becomes a ticket, with its replies."""
    async with running(world, store, clock):
        await world.open_ticket()
    thread, _ = await world.fake.forum_post_as_user(world.forum["id"], world.alice, "Jam", "jam")
    await world.fake.post_as_user(thread["id"], world.alice, "still jammed")
    async with running(world, store, clock) as restarted:
        [ack] = await world.wait_for_message(thread["id"])
        found = await restarted.rows(
            "SELECT t.id, count(m.id) FROM tickets t JOIN messages m ON m.ticket_id = t.id"
            " WHERE t.thread = ? AND m.role = 'customer'",
            thread["id"],
        )
    assert "ticket #2" in ack
    assert found == [(2, 2)]


async def test_first_start_leaves_old_messages_alone(
    world: World, store: SqliteStore, clock: FakeClock
) -> None:
    """Messages from before deskbot ever ran do not become tickets; later ones do."""
    await world.fake.post_as_user(world.support["id"], world.alice, "an old conversation")
    async with running(world, store, clock) as bot:
        await world.open_ticket()
        subjects = await bot.rows("SELECT subject FROM tickets")
    assert subjects == [("printer on fire",)]


async def test_stopping_before_on_ready_leaves_no_discord_py_task_running(
    world: World, store: SqliteStore, clock: FakeClock
) -> None:
    """Stopped while discord.py waits to fire on_ready, nothing of it runs on to fire later."""
    # Long enough that the stop lands inside discord.py's wait after the second READY.
    options = dataclasses.replace(FAST, guild_ready_timeout=1.0)
    async with running(world, store, clock, options=options) as bot:
        await world.fake.gateway.invalidate_session(resumable=False)
        await world.fake.wait_until_identified(count=2)
        await until_session(bot, world.fake.gateway.sessions[-1].id)
    assert discord_py_tasks() == []


async def until_session(bot: Deskbot, session_id: str) -> None:
    """Wait until discord.py has read the READY of a gateway session."""
    async with asyncio.timeout(TIMEOUT):
        while True:
            ws = bot.adapter.client.ws
            if ws is not None and ws.session_id == session_id:
                return
            await asyncio.sleep(0.01)  # reading READY shows on the fake only as silence


def discord_py_tasks() -> list[asyncio.Task[object]]:
    """The unfinished tasks running discord.py's own code."""
    package = os.path.dirname(discord.__file__)
    return [
        task
        for task in asyncio.all_tasks()
        if not task.done() and _code_file(task).startswith(package)
    ]


def _code_file(task: asyncio.Task[object]) -> str:
    code = getattr(task.get_coro(), "cr_code", None)
    return "" if code is None else code.co_filename
