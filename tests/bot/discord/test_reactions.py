"""Reactions, as on Slack: 🎫 by anyone opens a ticket from any message; 👀 and ✅ by staff
claim and resolve; the desk's answer goes to whoever reacted, in a direct message."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from bot.adapters.discord.reactions import CANNOT_READ
from storage.store import SqliteStore
from tests.bot.discord.conftest import Deskbot, Payload, World, running
from tests.clock import FakeClock
from tests.fakes.discord import Permission

TICKET, EYES, CHECK = "🎫", "👀", "✅"


async def test_ticket_reaction_opens_a_ticket_from_any_channel(
    world: World, deskbot: Deskbot
) -> None:
    """🎫 on a message outside the support channels makes it a ticket, acked in its thread."""
    message = await world.fake.post_as_user(world.lounge["id"], world.alice, "invoice is wrong")
    await world.fake.react_as_user(world.lounge["id"], message["id"], world.carol, TICKET)
    [ack] = await world.wait_for_message(message["id"])
    assert "ticket #1" in ack
    assert await deskbot.rows("SELECT channel, thread, customer_name, subject FROM tickets") == [
        (world.lounge["id"], message["id"], "alice", "invoice is wrong")
    ]
    assert await deskbot.rows("SELECT actor_name, data ->> 'via' FROM events") == [
        ("carol", "reaction")
    ]


async def test_ticket_reaction_on_a_thread_reply_makes_that_thread_the_tickets(
    world: World, store: SqliteStore, clock: FakeClock
) -> None:
    """🎫 on a reply in a thread opens a ticket there; what was said before stays out of it,
    also when a restart's catch-up reads the thread."""
    # deskbot may not answer in the thread, so no ack of its own marks how far it has read.
    world.fake.deny_permission(world.lounge["id"], Permission.SEND_MESSAGES_IN_THREADS)
    async with running(world, store, clock) as bot:
        thread = world.fake.add_thread(world.lounge["id"], "chatter")
        await world.fake.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
        await world.fake.post_as_user(thread["id"], world.carol, "mine works")
        reply = await world.fake.post_as_user(thread["id"], world.alice, "my laptop won't boot")
        await world.fake.react_as_user(thread["id"], reply["id"], world.bob, TICKET)
        await bot.until("SELECT 1 FROM tickets", bool)
    async with running(world, store, clock) as restarted:
        tickets = await restarted.rows("SELECT thread, subject FROM tickets")
        said = await restarted.rows("SELECT text FROM messages WHERE role != 'bot'")
    assert tickets == [(thread["id"], "my laptop won't boot")]
    assert said == [("my laptop won't boot",)]


async def test_a_second_ticket_reaction_opens_no_second_ticket(
    world: World, deskbot: Deskbot
) -> None:
    """🎫 again (someone else's, or the same person's once more) leaves one ticket."""
    lounge, alice, carol = world.lounge["id"], world.alice, world.carol
    message = await world.fake.post_as_user(lounge, alice, "invoice is wrong")
    await world.fake.react_as_user(lounge, message["id"], alice, TICKET)
    await world.wait_for_message(message["id"])
    await world.fake.react_as_user(lounge, message["id"], carol, TICKET)
    assert await world.wait_for_direct(carol) == ["That message is already ticket #1."]
    await world.fake.unreact_as_user(lounge, message["id"], alice, TICKET)
    await world.fake.react_as_user(lounge, message["id"], alice, TICKET)
    await deskbot.settle(world)
    assert await deskbot.rows("SELECT count(*) FROM tickets") == [(1,)]
    assert world.direct_texts(alice) == []  # her own 🎫 again is the same request


async def test_ticket_reaction_on_a_ticket_says_so_privately(
    world: World, deskbot: Deskbot
) -> None:
    """🎫 on a message that already is a ticket tells the reactor which one, in a DM."""
    message = await world.open_ticket()
    await world.fake.react_as_user(world.support["id"], message["id"], world.carol, TICKET)
    assert await world.wait_for_direct(world.carol) == ["That message is already ticket #1."]
    assert await deskbot.rows("SELECT count(*) FROM tickets") == [(1,)]


async def test_ticket_reaction_on_an_unreadable_message_says_why(
    world: World, store: SqliteStore, clock: FakeClock
) -> None:
    """When deskbot may not read the message, the reactor is told what it needs."""
    world.fake.deny_permission(world.lounge["id"], Permission.READ_MESSAGE_HISTORY)
    async with running(world, store, clock) as bot:
        message = await world.fake.post_as_user(world.lounge["id"], world.alice, "help")
        await world.fake.react_as_user(world.lounge["id"], message["id"], world.alice, TICKET)
        assert await world.wait_for_direct(world.alice) == [CANNOT_READ]
        assert await bot.rows("SELECT count(*) FROM tickets") == [(0,)]


async def test_replies_in_a_reaction_tickets_thread_join_it(world: World, deskbot: Deskbot) -> None:
    """The thread of a ticket opened by 🎫 outside the support channels is listened to."""
    message = await world.fake.post_as_user(world.lounge["id"], world.alice, "invoice is wrong")
    await world.fake.react_as_user(world.lounge["id"], message["id"], world.alice, TICKET)
    await world.wait_for_message(message["id"])
    reply = await world.fake.post_as_user(message["id"], world.bob, "looking into it")
    found = await deskbot.until(
        "SELECT ticket_id, role FROM messages WHERE message_id = ?", bool, reply["id"]
    )
    assert found == [(1, "agent")]


async def test_catch_up_reads_a_reaction_tickets_thread(
    world: World, store: SqliteStore, clock: FakeClock
) -> None:
    """A reply in a 🎫 ticket's thread while deskbot was down joins the ticket on restart."""
    async with running(world, store, clock):
        message = await world.fake.post_as_user(world.lounge["id"], world.alice, "invoice")
        await world.fake.react_as_user(world.lounge["id"], message["id"], world.alice, TICKET)
        await world.wait_for_message(message["id"])
    reply = await world.fake.post_as_user(message["id"], world.alice, "any news?")
    async with running(world, store, clock) as restarted:
        found = await restarted.until(
            "SELECT ticket_id, role FROM messages WHERE message_id = ?", bool, reply["id"]
        )
    assert found == [(1, "customer")]


Where = Callable[[World, Payload], Awaitable[tuple[str, str]]]


async def _root(world: World, root: Payload) -> tuple[str, str]:
    return world.support["id"], root["id"]


async def _card(world: World, root: Payload) -> tuple[str, str]:
    await world.wait_for_message(world.triage["id"])
    return world.triage["id"], world.card()["id"]


async def _reply(world: World, root: Payload) -> tuple[str, str]:
    reply = await world.fake.post_as_user(root["id"], world.alice, "any news?")
    return root["id"], reply["id"]


WHERE: dict[str, Where] = {
    "the customer's message": _root,
    "the triage card": _card,
    "a reply in the thread": _reply,
}


@pytest.mark.parametrize("where", WHERE.values(), ids=WHERE.keys())
async def test_eyes_by_an_agent_claims(world: World, deskbot: Deskbot, where: Where) -> None:
    """👀 by an agent on the ticket's message, its card or a reply in its thread claims it."""
    channel, message = await where(world, await world.open_ticket())
    await world.fake.react_as_user(channel, message, world.bob, EYES)
    [answer] = await world.wait_for_direct(world.bob)
    assert answer.startswith("You claimed #1")
    assert await deskbot.rows("SELECT status, assignee_name FROM tickets") == [("claimed", "bob")]


async def test_check_mark_by_an_agent_resolves(world: World, deskbot: Deskbot) -> None:
    """✅ by an agent on the ticket's message resolves it."""
    root = await world.open_ticket()
    await world.fake.react_as_user(world.support["id"], root["id"], world.bob, CHECK)
    await world.wait_for_direct(world.bob)
    assert await deskbot.rows("SELECT status FROM tickets") == [("resolved",)]


@pytest.mark.parametrize("emoji", [EYES, CHECK])
async def test_staff_emoji_from_customers_are_just_reactions(
    world: World, deskbot: Deskbot, emoji: str
) -> None:
    """A customer's 👀 or ✅, even on their own ticket, changes nothing and says nothing."""
    root = await world.open_ticket()
    calls = len(world.fake.calls)
    await world.fake.react_as_user(world.support["id"], root["id"], world.alice, emoji)
    await deskbot.settle(world)
    assert await deskbot.rows("SELECT status FROM tickets") == [("open",)]
    assert [call.route for call in world.fake.calls[calls:]] == []


async def test_eyes_by_an_agent_on_ordinary_chatter_does_nothing(
    world: World, deskbot: Deskbot
) -> None:
    """👀 by an agent on a message that is no ticket's is just a reaction."""
    message = await world.fake.post_as_user(world.lounge["id"], world.alice, "cake!")
    await world.fake.react_as_user(world.lounge["id"], message["id"], world.bob, EYES)
    await deskbot.settle(world)
    assert world.direct_texts(world.bob) == []


async def test_eyes_on_a_claimed_ticket_explains_privately(world: World, deskbot: Deskbot) -> None:
    """👀 by a second agent is refused with who holds it, in a DM to that agent only."""
    root = await world.open_ticket()
    await world.fake.react_as_user(world.support["id"], root["id"], world.bob, EYES)
    await world.wait_for_direct(world.bob)
    await world.fake.react_as_user(world.support["id"], root["id"], world.carol, EYES)
    [refusal] = await world.wait_for_direct(world.carol)
    assert refusal.startswith("Ticket #1 is already claimed by bob.")
    assert await deskbot.rows("SELECT assignee_name FROM tickets") == [("bob",)]


async def test_check_mark_written_with_a_variation_selector_counts(
    world: World, deskbot: Deskbot
) -> None:
    """✅ as some clients send it (with U+FE0F) resolves like the plain one."""
    root = await world.open_ticket()
    await world.fake.react_as_user(world.support["id"], root["id"], world.bob, CHECK + "\ufe0f")
    await world.wait_for_direct(world.bob)
    assert await deskbot.rows("SELECT status FROM tickets") == [("resolved",)]
