"""Messages in Slack become tickets and conversations: through the real Bolt, into SQLite."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.bot.slack.conftest import SlackDesk
from tests.fakes.slack import payloads

BOTH_MODES = pytest.mark.parametrize("mode", ["socket", "http"])


@BOTH_MODES
async def test_support_message_opens_ticket_acked_in_thread_with_triage_card(
    desk_on_slack: SlackDesk,
) -> None:
    """A support-channel message opens a ticket, answered in its thread, carded in triage."""
    d = desk_on_slack
    event = await d.post(d.scene.alice, "My printer is on fire\nIt smells of toast.")
    await d.settle()
    assert await d.rows(
        "SELECT id, channel, thread, customer_key, subject, status FROM tickets"
    ) == [(1, d.scene.support.id, event["ts"], f"slack:{d.scene.alice.id}",
           "My printer is on fire", "open")]  # fmt: skip
    (ack,) = d.replies(event)
    assert "ticket #1" in ack
    assert "within 4 hours" in ack
    card = d.card(1)
    assert card["blocks"][0]["text"]["text"] == "#1 · My printer is on fire"
    labels = [e.get("text", {}).get("text") for e in card["blocks"][-1]["elements"]]
    assert labels == ["Claim", "Reply", "Resolve", None]  # and the priority menu


async def test_card_links_to_the_customer_message(desk_on_slack: SlackDesk) -> None:
    """The card's link is the customer message's permalink, stored on the ticket too."""
    d = desk_on_slack
    event = await d.open_ticket()
    ts = event["ts"].replace(".", "")
    link = f"https://deskbot-test.slack.com/archives/{d.scene.support.id}/p{ts}"
    assert await d.rows("SELECT permalink FROM tickets") == [(link,)]
    assert f"<{link}|" in d.card(1)["blocks"][2]["elements"][0]["text"]


async def test_event_is_acked_only_after_the_ticket_is_committed(
    desk_on_slack: SlackDesk,
) -> None:
    """By the time Slack has its ack, the ticket and its notices are in the database."""
    d = desk_on_slack
    event = d.slack.user_posts(d.scene.support.id, d.scene.alice.id, "help")
    envelope = await d.slack.socket_send_event(event)
    await d.slack.socket_ack(envelope)
    assert await d.rows("SELECT count(*) FROM tickets") == [(1,)]
    assert await d.rows("SELECT kind FROM outbox ORDER BY id") == [("ack",), ("card",)]


async def test_customer_reply_in_thread_joins_the_ticket(desk_on_slack: SlackDesk) -> None:
    """A customer's reply in the ticket's thread is part of its conversation."""
    d = desk_on_slack
    event = await d.post(d.scene.alice, "Printer on fire")
    reply = await d.post(d.scene.alice, "Now it is smoking", thread=event["ts"])
    assert await d.rows("SELECT role, text FROM messages WHERE message_id = ?", reply["ts"]) == [
        ("customer", "Now it is smoking")
    ]


async def test_agent_reply_in_thread_is_the_first_response(desk_on_slack: SlackDesk) -> None:
    """An agent's reply in the thread is the first response, and the card says answered."""
    d = desk_on_slack
    event = await d.open_ticket()
    await d.post(d.scene.bob, "Unplug it, please", thread=event["ts"])
    await d.settle()
    assert await d.rows("SELECT first_response_at IS NOT NULL FROM tickets") == [(1,)]
    assert "answered" in d.card(1)["blocks"][2]["elements"][0]["text"]
    assert len(d.slack.calls_to("chat.update")) == 1


async def test_thread_broadcast_reply_joins_the_ticket(desk_on_slack: SlackDesk) -> None:
    """A reply also sent to the channel is still a reply in the ticket's thread."""
    d = desk_on_slack
    event = await d.post(d.scene.alice, "Printer on fire")
    broadcast = payloads.thread_broadcast(
        d.scene.support.id, d.scene.alice.id, "Still burning, everyone", event["ts"]
    )
    await d.deliver(broadcast)
    assert await d.rows("SELECT count(*) FROM tickets") == [(1,)]
    assert await d.rows(
        "SELECT ticket_id, role FROM messages WHERE message_id = ?", broadcast["ts"]
    ) == [(1, "customer")]


async def test_file_share_records_file_names_and_links(desk_on_slack: SlackDesk) -> None:
    """Shared files are kept on the message as names and links."""
    d = desk_on_slack
    photo = payloads.file_object("smoke.png", d.scene.alice.id)
    await d.deliver(
        payloads.file_share(d.scene.support.id, d.scene.alice.id, "See the photo", [photo])
    )
    (stored,) = await d.rows("SELECT attachments FROM messages WHERE role = 'customer'")
    assert json.loads(str(stored[0])) == [{"name": "smoke.png", "url": photo["permalink"]}]


async def test_file_share_without_text_opens_a_ticket_named_for_the_file(
    desk_on_slack: SlackDesk,
) -> None:
    """A bare file share opens a ticket whose subject names the file."""
    d = desk_on_slack
    log = payloads.file_object("crash.log", d.scene.alice.id, mimetype="text/plain")
    await d.deliver(payloads.file_share(d.scene.support.id, d.scene.alice.id, "", [log]))
    assert await d.rows("SELECT subject FROM tickets") == [("(attachment: crash.log)",)]


async def test_edited_message_updates_ticket_and_card(desk_on_slack: SlackDesk) -> None:
    """Editing the opening message changes the ticket's subject and its card, in place."""
    d = desk_on_slack
    event = await d.post(d.scene.alice, "Printer on fir")
    await d.settle()
    await d.deliver(payloads.message_changed(event, "Printer on fire"))
    await d.settle()
    assert await d.rows("SELECT subject FROM tickets") == [("Printer on fire",)]
    assert d.card(1)["blocks"][0]["text"]["text"] == "#1 · Printer on fire"


async def test_deleted_message_is_marked_deleted(desk_on_slack: SlackDesk) -> None:
    """Deleting a thread reply marks it deleted in the conversation; nothing opens."""
    d = desk_on_slack
    event = await d.post(d.scene.alice, "Printer on fire")
    reply = await d.post(d.scene.alice, "oops, wrong thread", thread=event["ts"])
    await d.deliver(payloads.message_deleted(reply))
    assert await d.rows(
        "SELECT deleted_at IS NOT NULL FROM messages WHERE message_id = ?", reply["ts"]
    ) == [(1,)]
    assert await d.rows("SELECT count(*) FROM tickets") == [(1,)]


OTHER_BOTS: dict[str, Any] = {
    "an app's bot user": lambda d: payloads.message(
        d.scene.support.id, "U0PAGERBOT", "disk full on db-1", bot_id="B0PAGERBOT"
    ),
    "an integration without a bot user": lambda d: payloads.bot_message(
        d.scene.support.id, "disk full on db-1", "B0PAGERBOT"
    ),
}


@pytest.mark.parametrize("build", OTHER_BOTS.values(), ids=OTHER_BOTS.keys())
async def test_other_bots_messages_are_ignored(desk_on_slack: SlackDesk, build: Any) -> None:
    """Messages from other bots open nothing unless the bot is allow-listed."""
    await desk_on_slack.deliver(build(desk_on_slack))
    assert await desk_on_slack.rows("SELECT count(*) FROM tickets") == [(0,)]


@pytest.mark.parametrize(
    ("slack_overrides", "build"),
    [({"allowed_bots": ["U0PAGERBOT"]}, OTHER_BOTS["an app's bot user"]),
     ({"allowed_bots": ["B0PAGERBOT"]}, OTHER_BOTS["an integration without a bot user"])],
    ids=["by member id", "by bot id"],
)  # fmt: skip
async def test_allow_listed_bot_opens_tickets(desk_on_slack: SlackDesk, build: Any) -> None:
    """A bot named in slack.allowed_bots (say, monitoring) opens tickets like a person."""
    await desk_on_slack.deliver(build(desk_on_slack))
    assert await desk_on_slack.rows("SELECT subject FROM tickets") == [("disk full on db-1",)]


async def test_bots_own_messages_never_open_tickets(desk_on_slack: SlackDesk) -> None:
    """The bot's own messages coming back as events open nothing, even if allow-listed."""
    d = desk_on_slack
    identity = d.slack.identity
    echo = payloads.message(
        d.scene.support.id, identity.bot_user_id, "Thanks! ticket #1", bot_id=identity.bot_id
    )
    await d.deliver(echo)
    assert await d.rows("SELECT count(*) FROM tickets") == [(0,)]


async def test_message_outside_support_channels_is_ignored(desk_on_slack: SlackDesk) -> None:
    """Chatter in other channels the bot is in opens nothing and gets no answer."""
    d = desk_on_slack
    await d.post(d.scene.alice, "lunch?", channel=d.scene.elsewhere)
    await d.settle()
    assert await d.rows("SELECT count(*) FROM tickets") == [(0,)]
    assert d.slack.calls_to("chat.postMessage") == []


async def test_customer_text_cannot_ping_anyone(desk_on_slack: SlackDesk) -> None:
    """`<!channel>`, `<!here>` and group mentions a customer wrote never go out live."""
    d = desk_on_slack
    # Slack sends what people type with &, < and > escaped, and mentions as markup.
    typed = "<!channel> <!here> <!subteam^S0STAFF|@staff> &lt;b&gt;HELP&lt;/b&gt; &amp; now"
    await d.post(d.scene.alice, typed)
    await d.settle()
    sent = json.dumps([call.args for call in d.slack.calls_to("chat.postMessage")])
    for live in ("<!channel", "<!here", "<!subteam"):
        assert live not in sent
    assert "&lt;b&gt;HELP&lt;/b&gt; &amp; now" in d.card(1)["text"]


async def test_mentions_in_customer_text_are_stored_by_name(desk_on_slack: SlackDesk) -> None:
    """Slack markup becomes plain text in the ticket: `<@U…>` is `@name`, links are readable."""
    d = desk_on_slack
    await d.post(
        d.scene.alice, f"<@{d.scene.bob.id}> see <https://status.example|status> &amp; <#C1|ops>"
    )
    assert await d.rows("SELECT body FROM tickets") == [
        ("@bob see status (https://status.example) & #ops",)
    ]
