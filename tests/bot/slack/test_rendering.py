"""Translation both ways, without a network: Slack markup in, safe mrkdwn within limits out."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.adapters.slack import escaping, inbound
from bot.adapters.slack.blocks import card_blocks, clicked_command
from bot.adapters.slack.http import read_body
from bot.adapters.slack.outbound import render
from handlers.models import (
    Card,
    CustomerHistory,
    InboundKind,
    Mention,
    Notice,
    NoticeKind,
    Place,
    Priority,
    Status,
)
from handlers.texts import ENGLISH, texts_in
from tests.fakes.slack import payloads
from tests.fakes.slack.blocks import validate_message_blocks

PLACE = Place("slack:T1", "C1")


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("<!channel> now", "&lt;!channel&gt; now"),
        ("<!subteam^S1|@ops>", "&lt;!subteam^S1|@ops&gt;"),
        ("<@U1> & <#C1>", "&lt;@U1&gt; &amp; &lt;#C1&gt;"),
        ("a &amp; b", "a &amp;amp; b"),
        ("*bold* stays", "*bold* stays"),
    ],
)
def test_notice_text_is_inert_mrkdwn(text: str, shown: str) -> None:
    """&, < and > are escaped in everything the desk says, so no markup in it is live."""
    assert render(Notice(NoticeKind.THREAD, PLACE, text), ENGLISH).text == shown


def test_only_the_notices_own_mentions_are_live() -> None:
    """Mentions a notice asks for are rendered live, in front of its escaped text."""
    notice = Notice(
        NoticeKind.ESCALATION,
        PLACE,
        "Ticket #4 breached; <!here> from the customer",
        mentions=(Mention("group", "S0LEADS"), Mention("user", "U0CAROL")),
    )
    assert render(notice, ENGLISH).text == (
        "<!subteam^S0LEADS> <@U0CAROL> Ticket #4 breached; &lt;!here&gt; from the customer"
    )


def test_long_text_is_cut_within_slacks_limit_without_breaking_an_entity() -> None:
    """A notice longer than Slack accepts is cut to 40,000 characters, never mid-`&amp;`."""
    rendered = render(Notice(NoticeKind.DIGEST, PLACE, "&" * 50_000), ENGLISH).text
    assert len(rendered) <= escaping.MESSAGE_TEXT
    assert rendered.endswith("&amp;…")


@pytest.mark.parametrize(
    ("text", "command", "shown"),
    [
        ("Try /ticket help.", "/ticket", "Try /ticket help."),
        ("Try /ticket help.", "/desk", "Try /desk help."),
        ("Usage: /ticket claim [id]", "/helpdesk", "Usage: /helpdesk claim [id]"),
        ("see /tickets and a/ticket", "/desk", "see /tickets and a/ticket"),
    ],
)
def test_command_name_follows_the_config(text: str, command: str, shown: str) -> None:
    """The desk's `/ticket` is shown as the configured command, and nothing else changes."""
    assert escaping.named_command(text, command) == shown


def card(**changes: Any) -> Card:
    values: dict[str, Any] = {
        "ticket_id": 7,
        "subject": "Printer on fire",
        "customer": "Alice",
        "status": Status.OPEN,
        "priority": Priority.NORMAL,
        "assignee": None,
        "permalink": "https://acme.slack.com/archives/C1/p1700000000000100",
        "opened_at": datetime(2026, 11, 24, 10, tzinfo=UTC),
        "actions": ("claim", "resolve", "priority"),
    }
    return Card(**{**values, **changes})


EXTREMES = {
    "plain": {},
    "huge customer name": {"customer": "<!channel>&" * 400},
    "huge subject": {"subject": "S" * 500},
    "huge assignee": {"assignee": "B" * 5000, "status": Status.CLAIMED},
    "resolved": {"status": Status.RESOLVED, "actions": ("reopen",)},
    "closed": {"status": Status.CLOSED, "actions": ()},
    "no link": {"permalink": None},
}


@pytest.mark.parametrize("changes", EXTREMES.values(), ids=EXTREMES.keys())
def test_card_blocks_are_valid_within_slacks_limits(changes: dict[str, Any]) -> None:
    """Whatever the ticket holds, its card passes Slack's Block Kit checks and sizes."""
    blocks = card_blocks(card(**changes), ENGLISH)
    assert validate_message_blocks(blocks) == []
    assert "<!channel>" not in json.dumps(blocks)


@pytest.mark.parametrize(
    ("action", "command"),
    [
        (payloads.button("deskbot:claim", "42", text="Claim"), "claim 42"),
        (payloads.button("deskbot:resolve", "42", text="Resolve"), "resolve 42"),
        (payloads.static_select("deskbot:priority", "42 high", text="High"), "priority 42 high"),
        (payloads.button("deskbot:claim", "", text="Claim"), None),
    ],
)
def test_card_clicks_become_commands(action: dict[str, Any], command: str | None) -> None:
    """Buttons carry the ticket id; the menu carries id and priority."""
    assert clicked_command(action) == command


@pytest.mark.parametrize(
    ("slack_text", "plain"),
    [
        ("<@U1> look", "@ana look"),
        ("<@U2|bo> look", "@bo look"),
        ("<#C1|ops> and <#C2>", "#ops and #C2"),
        ("<!here> <!channel> <!everyone>", "@here @channel @everyone"),
        ("<!subteam^S1|@staff>", "@staff"),
        (
            "<https://x.example/a?b=1&amp;c=2|docs> <https://y.example>",
            "docs (https://x.example/a?b=1&c=2) https://y.example",
        ),
        ("<mailto:a@b.example|a@b.example>", "a@b.example"),
        ("1 &lt; 2 &amp;&amp; 3 &gt; 2", "1 < 2 && 3 > 2"),
        ("<!date^1700000000^{date}|Nov 14>", "Nov 14"),
    ],
)
def test_slack_markup_is_read_as_plain_text(slack_text: str, plain: str) -> None:
    """What Slack sends is stored as people read it."""
    assert inbound.plain_text(slack_text, {"U1": "ana"}) == plain


def test_command_arguments_keep_user_mentions() -> None:
    """In a command, `<@U2|bo>` stays a mention the desk resolves; the rest is plain."""
    assert inbound.command_text(" assign 4 <@U2|bo> &amp; <#C1|ops> ") == "assign 4 <@U2> & #ops"


MESSAGES: dict[str, tuple[dict[str, Any], InboundKind | None]] = {
    "message": (payloads.message("C1", "U1", "hi"), InboundKind.POSTED),
    "file_share": (payloads.file_share("C1", "U1", "", []), InboundKind.POSTED),
    "bot_message": (payloads.bot_message("C1", "beep", "B1"), InboundKind.POSTED),
    "message_changed": (
        payloads.message_changed(payloads.message("C1", "U1", "a"), "b"),
        InboundKind.EDITED,
    ),
    "message_deleted": (
        payloads.message_deleted(payloads.message("C1", "U1", "a")),
        InboundKind.DELETED,
    ),
    "channel_join": ({**payloads.message("C1", "U1", "joined"), "subtype": "channel_join"}, None),
}


@pytest.mark.parametrize(("event", "kind"), MESSAGES.values(), ids=MESSAGES.keys())
def test_message_subtypes_are_read_or_ignored(
    event: dict[str, Any], kind: InboundKind | None
) -> None:
    """Conversation subtypes become posted, edited or deleted messages; the rest nothing."""
    read = inbound.read_message(event, "T1", "Ev1")
    assert (read.kind if read else None) is kind


@pytest.mark.parametrize(
    ("body", "content_type", "parsed"),
    [
        (urlencode({"command": "/ticket", "text": "note the payload was empty"}),
         "application/x-www-form-urlencoded",
         {"command": "/ticket", "text": "note the payload was empty"}),
        (urlencode({"payload": json.dumps({"type": "block_actions"})}),
         "application/x-www-form-urlencoded", {"type": "block_actions"}),
        ('{"type": "event_callback"}', "application/json", {"type": "event_callback"}),
        ("ssl_check=1&token=x", "application/x-www-form-urlencoded",
         {"ssl_check": "1", "token": "x"}),
    ],
    ids=["command saying payload", "interactivity", "event", "ssl check"],
)  # fmt: skip
def test_http_bodies_are_parsed_by_their_fields(
    body: str, content_type: str, parsed: dict[str, Any]
) -> None:
    """A command's text mentioning "payload" stays a command; a click's payload is read."""
    assert read_body(body, content_type) == parsed


def test_card_blocks_speak_the_platforms_language() -> None:
    """The card's labels, buttons and menu come from the platform's texts; values stay words."""
    blocks = json.dumps(card_blocks(card(), texts_in("zh_CN")), ensure_ascii=False)
    assert "*客户*" in blocks and "*优先级*" in blocks and "待处理" in blocks
    assert '"text": "认领"' in blocks
    assert '{"type": "plain_text", "text": "高", "emoji": true}, "value": "7 high"' in blocks


def test_card_context_says_who_the_customer_is() -> None:
    """A returning customer's history joins the card's context line; a first ticket's does not."""
    returning = card(history=CustomerHistory(recent=3, other_open=1))
    [context] = [block for block in card_blocks(returning, ENGLISH) if block["type"] == "context"]
    assert context["elements"][0]["text"].endswith(" · 3 tickets in 30 days, 1 other open")
    first = card(history=CustomerHistory(recent=1, other_open=0))
    assert "30 days" not in json.dumps(card_blocks(first, ENGLISH))
