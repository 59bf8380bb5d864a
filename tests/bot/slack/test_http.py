"""HTTP mode's front door: the signature before anything, Slack's bodies only, no 5xx."""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.bot.slack.conftest import SlackDesk
from tests.fakes.slack import payloads
from tests.fakes.slack.events import FORM_CONTENT_TYPE, DeliveryOptions, json_body

HTTP = pytest.mark.parametrize("mode", ["http"])
BOTH_MODES = pytest.mark.parametrize("mode", ["socket", "http"])
JSON = "application/json"


def event_body(d: SlackDesk, text: str = "Printer on fire") -> bytes:
    """A real Events API body: alice writes in the support channel."""
    event = d.slack.user_posts(d.scene.support.id, d.scene.alice.id, text)
    return json_body(payloads.event_callback(event))


GARBAGE: dict[str, tuple[Any, str, DeliveryOptions, int]] = {
    # (the body, or how to make it from a real one), content type, how it is sent, answer
    "unsigned malformed JSON": (b'{"type": "event_', JSON, {"unsigned": True}, 401),
    "unsigned binary": (b"\xff\xfe\x00\x9c garbage", JSON, {"unsigned": True}, 401),
    "unsigned event": (event_body, JSON, {"unsigned": True}, 401),
    "non-numeric timestamp": (event_body, JSON, {"timestamp": "soon"}, 401),
    "signed malformed JSON": (b'{"type": "event_callback", "event": {', JSON, {}, 400),
    "signed truncated JSON": (lambda d: event_body(d)[:-40], JSON, {}, 400),
    "signed non-UTF-8 bytes": (b'{"text": "\xff\xfe"}', JSON, {}, 400),
    "signed JSON that is no object": (b"[1, 2, 3]", JSON, {}, 400),
    "signed event as text/plain": (event_body, "text/plain", {}, 400),
    "signed event as a form": (event_body, FORM_CONTENT_TYPE, {}, 400),
    "signed event in a form's payload": (
        lambda d: urlencode({"payload": event_body(d).decode()}).encode(),
        FORM_CONTENT_TYPE,
        {},
        400,
    ),
    "signed payload that is not JSON": (b"payload=%7Bnot+json", FORM_CONTENT_TYPE, {}, 400),
    "signed event Bolt cannot read": (
        lambda d: json.dumps({"type": "event_callback", "authorizations": "x"}).encode(),
        JSON,
        {},
        400,
    ),
}


@HTTP
@pytest.mark.parametrize(
    ("body", "content_type", "options", "status"), GARBAGE.values(), ids=GARBAGE.keys()
)
async def test_garbage_is_refused_with_one_line_and_no_5xx(
    desk_on_slack: SlackDesk,
    caplog: pytest.LogCaptureFixture,
    body: Any,
    content_type: str,
    options: DeliveryOptions,
    status: int,
) -> None:
    """Unsigned → 401, signed but not what Slack sends → 400; one short log line, no trace."""
    d = desk_on_slack
    raw = body(d) if callable(body) else body
    caplog.clear()
    with caplog.at_level(logging.INFO):
        answer = await d.slack.post_signed(d.url, raw, content_type, **options)
    assert answer.status == status
    assert [r for r in caplog.records if r.exc_info] == []
    [line] = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert f"({status})" in line and "\n" not in line and len(line) < 120
    assert await d.rows("SELECT count(*) FROM inbound_keys") == [(0,)]
    assert await d.rows("SELECT count(*) FROM tickets") == [(0,)]


@HTTP
async def test_content_type_may_carry_a_charset(desk_on_slack: SlackDesk) -> None:
    """`application/json; charset=utf-8` is still JSON: the event opens a ticket."""
    d = desk_on_slack
    answer = await d.slack.post_signed(d.url, event_body(d), "application/json; charset=utf-8")
    assert answer.status == 200
    assert await d.rows("SELECT subject FROM tickets") == [("Printer on fire",)]


@BOTH_MODES
async def test_event_with_a_lone_surrogate_opens_a_ticket(desk_on_slack: SlackDesk) -> None:
    """Half an emoji (JSON `"\\ud83d"`) is stored as U+FFFD: the message becomes a ticket."""
    d = desk_on_slack
    event = d.slack.user_posts(d.scene.support.id, d.scene.alice.id, "Printer \ud83d on fire")
    answer = await d.deliver(event)
    assert getattr(answer, "status", 200) == 200  # HTTP mode's answer; Socket Mode's ack
    await d.settle()
    assert await d.rows("SELECT body FROM tickets") == [("Printer \ufffd on fire",)]
    assert len(d.replies(event)) == 1
