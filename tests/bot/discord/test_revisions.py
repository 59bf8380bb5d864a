"""Edits and deletions made while deskbot was down are found on restart, and recorded once."""

from __future__ import annotations

from storage.store import SqliteStore
from tests.bot.discord.conftest import Payload, World, running
from tests.clock import FakeClock
from tests.fakes.discord import Permission

EDITS = "SELECT count(*) FROM events WHERE kind = 'message_edited'"
DELETIONS = "SELECT count(*) FROM events WHERE kind = 'message_deleted'"


async def restart(world: World, store: SqliteStore, clock: FakeClock) -> None:
    """Start deskbot again and stop it once it has caught up."""
    async with running(world, store, clock):
        pass


async def stopped_with_a_ticket(
    world: World, store: SqliteStore, clock: FakeClock
) -> tuple[Payload, Payload]:
    """Run deskbot while alice opens a ticket and replies in it; return both messages."""
    async with running(world, store, clock) as bot:
        root = await world.open_ticket()
        reply = await world.fake.post_as_user(root["id"], world.alice, "it smells of toast")
        await bot.until("SELECT 1 FROM messages WHERE message_id = ?", bool, reply["id"])
    await world.fake.wait_until_disconnected()
    return root, reply


async def test_an_edit_made_while_down_updates_the_ticket_once(
    world: World, store: SqliteStore, clock: FakeClock
) -> None:
    """The customer's first message edited while down becomes the ticket's text; once."""
    root, _ = await stopped_with_a_ticket(world, store, clock)
    await world.fake.edit_as_user(world.support["id"], root["id"], "scanner on fire")
    async with running(world, store, clock) as bot:
        tickets = await bot.rows("SELECT subject, body FROM tickets")
        texts = await bot.rows("SELECT text FROM messages WHERE message_id = ?", root["id"])
    await restart(world, store, clock)
    assert tickets == [("scanner on fire", "scanner on fire")]
    assert texts == [("scanner on fire",)]
    async with running(world, store, clock) as bot:
        assert await bot.rows(EDITS) == [(1,)]


async def test_an_edit_of_a_reply_made_while_down_is_recorded_once(
    world: World, store: SqliteStore, clock: FakeClock
) -> None:
    """A reply edited while down is updated on restart; a second restart adds nothing."""
    root, reply = await stopped_with_a_ticket(world, store, clock)
    await world.fake.edit_as_user(root["id"], reply["id"], "it smells of burnt toast")
    await restart(world, store, clock)
    await restart(world, store, clock)
    async with running(world, store, clock) as bot:
        texts = await bot.rows("SELECT text FROM messages WHERE message_id = ?", reply["id"])
        edits = await bot.rows(EDITS)
    assert texts == [("it smells of burnt toast",)]
    assert edits == [(1,)]


async def test_an_edit_seen_live_is_not_recorded_again_on_restart(
    world: World, store: SqliteStore, clock: FakeClock
) -> None:
    """Catch-up keys an edit as the live MESSAGE_UPDATE did, so the desk records it once."""
    async with running(world, store, clock) as bot:
        root = await world.open_ticket()
        await world.fake.edit_as_user(world.support["id"], root["id"], "scanner on fire")
        await bot.until(EDITS, lambda found: found == [(1,)])
    await restart(world, store, clock)
    async with running(world, store, clock) as bot:
        assert await bot.rows(EDITS) == [(1,)]


async def test_a_deletion_made_while_down_is_recorded_once(
    world: World, store: SqliteStore, clock: FakeClock
) -> None:
    """A reply deleted while down is marked deleted by one audit event, however many restarts."""
    root, reply = await stopped_with_a_ticket(world, store, clock)
    await world.fake.delete_as_user(root["id"], reply["id"])
    await restart(world, store, clock)
    await restart(world, store, clock)
    async with running(world, store, clock) as bot:
        deleted = await bot.rows(
            "SELECT deleted_at IS NOT NULL FROM messages WHERE message_id = ?", reply["id"]
        )
        deletions = await bot.rows(DELETIONS)
    assert deleted == [(1,)]
    assert deletions == [(1,)]


async def test_the_first_message_deleted_while_down_is_recorded(
    world: World, store: SqliteStore, clock: FakeClock
) -> None:
    """The customer's message in the support channel, gone on restart, is marked deleted."""
    root, _ = await stopped_with_a_ticket(world, store, clock)
    await world.fake.delete_as_user(world.support["id"], root["id"])
    async with running(world, store, clock) as bot:
        found = await bot.rows(
            "SELECT message_id FROM messages WHERE deleted_at IS NOT NULL AND role != 'bot'"
        )
    assert found == [(root["id"],)]


async def test_a_forum_post_edited_while_down_keeps_its_title(
    world: World, store: SqliteStore, clock: FakeClock
) -> None:
    """A forum post's starter edited while down is its title and new text, as when seen live."""
    async with running(world, store, clock):
        thread, starter = await world.fake.forum_post_as_user(
            world.forum["id"], world.alice, "Jam", "paper jam"
        )
        await world.wait_for_message(thread["id"])
    await world.fake.edit_as_user(thread["id"], starter["id"], "paper jam in tray 2")
    async with running(world, store, clock) as bot:
        found = await bot.rows("SELECT text FROM messages WHERE message_id = ?", starter["id"])
    assert found == [("Jam\npaper jam in tray 2",)]


async def test_a_channel_deskbot_may_not_read_is_not_taken_for_deleted(
    world: World, store: SqliteStore, clock: FakeClock
) -> None:
    """Without Read Message History Discord shows no history: nothing is marked deleted."""
    await stopped_with_a_ticket(world, store, clock)
    world.fake.deny_permission(world.support["id"], Permission.READ_MESSAGE_HISTORY)
    async with running(world, store, clock) as bot:
        assert await bot.rows(DELETIONS) == [(0,)]


async def test_edits_are_looked_for_in_open_tickets_only(
    world: World, store: SqliteStore, clock: FakeClock
) -> None:
    """A closed ticket's messages are not read back."""
    async with running(world, store, clock) as bot:
        root = await world.open_ticket()
        for verb in ("resolve", "close"):
            await world.slash(world.bob, root["id"], verb)
        await bot.until("SELECT status FROM tickets", lambda found: found == [("closed",)])
    await world.fake.edit_as_user(world.support["id"], root["id"], "scanner on fire")
    async with running(world, store, clock) as bot:
        assert await bot.rows("SELECT subject FROM tickets") == [("printer on fire",)]
    path = f"/channels/{world.support['id']}/messages/{root['id']}"
    assert world.fake.calls_to("GET", path) == []
