"""Customers' messages become tickets with a thread and an ack; threads become conversations."""

from __future__ import annotations

from tests.bot.discord.conftest import Deskbot, World
from tests.fakes.discord import payloads


async def test_message_in_support_channel_opens_a_ticket(world: World, deskbot: Deskbot) -> None:
    """A message in a support text channel opens a ticket rooted at that message."""
    message = await world.open_ticket()
    tickets = await deskbot.rows("SELECT id, workspace, channel, thread, customer_key FROM tickets")
    assert tickets == [
        (
            1,
            f"discord:{world.guild.id}",
            world.support["id"],
            message["id"],
            f"discord:{world.alice}",
        )
    ]


async def test_ticket_thread_is_started_on_the_message_and_named_after_the_ticket(
    world: World, deskbot: Deskbot
) -> None:
    """The bot starts a public thread on the customer's message, named `#1 <subject>`."""
    message = await world.open_ticket()
    thread = world.fake.channel(message["id"])
    assert (thread["parent_id"], thread["type"]) == (world.support["id"], payloads.PUBLIC_THREAD)
    assert thread["name"] == "#1 printer on fire"


async def test_ack_in_the_thread_gives_the_number_and_the_promise(
    world: World, deskbot: Deskbot
) -> None:
    """The ack in the thread names the ticket and when to expect a first response."""
    message = await world.open_ticket()
    [ack] = world.sent_texts(message["id"])
    assert "This is ticket #1." in ack
    assert "within 4 hours" in ack


async def test_forum_post_opens_a_ticket_whose_thread_is_the_post(
    world: World, deskbot: Deskbot
) -> None:
    """A post in a support forum is a ticket; the ack goes in the post, no thread is made."""
    thread, _ = await world.fake.forum_post_as_user(
        world.forum["id"], world.alice, "Printer", "printer on fire"
    )
    [ack] = await world.wait_for_message(thread["id"])
    assert "ticket #1" in ack
    assert await deskbot.rows("SELECT channel, thread FROM tickets") == [
        (world.forum["id"], thread["id"])
    ]
    assert world.fake.calls_to("POST", "/channels/{id}/messages/{id}/threads") == []


async def test_forum_post_title_is_the_ticket_subject(world: World, deskbot: Deskbot) -> None:
    """A forum post's title becomes the subject; its body follows in the ticket's text."""
    thread, _ = await world.fake.forum_post_as_user(
        world.forum["id"], world.alice, "Printer on fire", "since this morning"
    )
    await world.wait_for_message(thread["id"])
    assert await deskbot.rows("SELECT subject, body FROM tickets") == [
        ("Printer on fire", "Printer on fire\nsince this morning")
    ]


async def test_attachment_only_message_opens_a_ticket(world: World, deskbot: Deskbot) -> None:
    """A screenshot with no text opens a ticket named after the file, keeping its URL."""
    message = await world.fake.post_as_user(
        world.support["id"], world.alice, "", files=[("screenshot.png", b"\x89PNG")]
    )
    await world.wait_for_message(message["id"])
    [(subject, attachments)] = await deskbot.rows(
        "SELECT t.subject, m.attachments FROM tickets t JOIN messages m ON m.ticket_id = t.id"
    )
    assert subject == "(attachment: screenshot.png)"
    assert message["attachments"][0]["url"] in str(attachments)


async def test_customer_reply_in_the_thread_joins_the_ticket(
    world: World, deskbot: Deskbot
) -> None:
    """A message in the ticket's thread is appended to its conversation, not a new ticket."""
    root = await world.open_ticket()
    reply = await world.fake.post_as_user(root["id"], world.alice, "it is still burning")
    found = await deskbot.until(
        "SELECT ticket_id, role, text FROM messages WHERE message_id = ?", bool, reply["id"]
    )
    assert found == [(1, "customer", "it is still burning")]
    assert await deskbot.rows("SELECT count(*) FROM tickets") == [(1,)]


async def test_agent_reply_in_the_thread_is_the_first_response(
    world: World, deskbot: Deskbot
) -> None:
    """An agent's message in the thread (agent by Discord role) records the first response."""
    root = await world.open_ticket()
    await world.fake.post_as_user(root["id"], world.bob, "have you tried water?")
    found = await deskbot.until(
        "SELECT kind, actor_key FROM events WHERE kind = 'first_response'", bool
    )
    assert found == [("first_response", f"discord:{world.bob}")]


async def test_edit_of_a_ticket_message_is_recorded(world: World, deskbot: Deskbot) -> None:
    """Editing the customer's message updates the stored text and audits the change."""
    root = await world.open_ticket()
    await world.fake.edit_as_user(world.support["id"], root["id"], "printer on fire (ink too)")
    found = await deskbot.until(
        "SELECT text FROM messages WHERE message_id = ? AND edited_at IS NOT NULL",
        bool,
        root["id"],
    )
    assert found == [("printer on fire (ink too)",)]


async def test_delete_of_a_ticket_message_is_recorded(world: World, deskbot: Deskbot) -> None:
    """Deleting a message in the ticket's thread marks it deleted in the conversation."""
    root = await world.open_ticket()
    reply = await world.fake.post_as_user(root["id"], world.alice, "oops, wrong ticket")
    await deskbot.until("SELECT 1 FROM messages WHERE message_id = ?", bool, reply["id"])
    await world.fake.delete_as_user(root["id"], reply["id"])
    found = await deskbot.until("SELECT kind FROM events WHERE kind = 'message_deleted'", bool)
    assert found == [("message_deleted",)]


async def test_the_bots_own_messages_are_ignored(world: World, deskbot: Deskbot) -> None:
    """A message the bot itself posts in a support channel opens no ticket."""
    channel = deskbot.adapter.client.get_partial_messageable(int(world.support["id"]))
    own = await channel.send("deskbot here")
    await deskbot.until("SELECT 1 FROM channel_cursors WHERE last_message_id = ?", bool, own.id)
    assert await deskbot.rows("SELECT count(*) FROM tickets") == [(0,)]


async def test_messages_outside_support_channels_are_ignored(
    world: World, deskbot: Deskbot
) -> None:
    """Chatter in another channel opens nothing (the next support message is ticket #1)."""
    await world.fake.post_as_user(world.lounge["id"], world.alice, "anyone up for lunch?")
    await world.open_ticket()
    assert await deskbot.rows("SELECT channel FROM tickets") == [(world.support["id"],)]


async def test_everyone_in_a_customer_message_pings_nobody(world: World, deskbot: Deskbot) -> None:
    """`@everyone` in a customer's text opens a ticket, and nothing the bot sends pings."""
    root = await world.open_ticket("@everyone @here printer on fire <@&1>")
    await world.wait_for_message(world.triage["id"])
    sent = world.fake.sent_messages()
    assert len(sent) == 2  # the ack and the triage card
    assert all(item.allowed_mentions == {"parse": []} for item in sent)
    assert not any(item.message["mention_everyone"] for item in sent)
    assert all(item.message["mention_roles"] == [] for item in sent)
    assert await deskbot.rows("SELECT thread FROM tickets") == [(root["id"],)]


async def test_message_with_a_lone_surrogate_opens_a_ticket(world: World, deskbot: Deskbot) -> None:
    """Half an emoji in a Discord message is stored as U+FFFD; the message becomes a ticket."""
    await world.open_ticket("printer \ud83d on fire")
    assert await deskbot.rows("SELECT body FROM tickets") == [("printer \ufffd on fire",)]
