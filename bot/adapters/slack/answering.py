"""The card's Reply button on Slack: a modal to write the answer, posted as `/ticket reply`.

A click on Reply opens the modal (Slack's `trigger_id` lets the app open one within three
seconds of the click) and runs nothing yet. Submitting it runs `reply <id> <answer>` as the
person who submitted, from the card's channel, exactly as the typed command would: the desk
decides who may answer and posts the answer in the ticket's conversation.
"""

from __future__ import annotations

import json
from typing import Any

from bot.adapters.slack.blocks import action_id
from bot.adapters.slack.escaping import INPUT_LABEL, TEXT_INPUT, VIEW_TITLE, plain
from handlers.texts import Texts

JsonDict = dict[str, Any]

REPLY = "reply"
REPLY_VIEW = "deskbot:reply"
REPLY_FIELD = "answer"  # the input's block id and action id


def reply_clicked(action: JsonDict) -> int | None:
    """The ticket whose card's Reply button was clicked; None for any other click."""
    value = str(action.get("value", ""))
    return int(value) if action.get("action_id") == action_id(REPLY) and value.isdigit() else None


def reply_modal(ticket_id: int, channel: str, t: Texts) -> JsonDict:
    """The modal the Reply button opens: one answer, required."""
    answer = {
        "type": "input",
        "block_id": REPLY_FIELD,
        "label": _plain(t.reply_label(ticket_id), INPUT_LABEL),
        "hint": _plain(t.reply_hint(), INPUT_LABEL),
        "element": {
            "type": "plain_text_input",
            "action_id": REPLY_FIELD,
            "multiline": True,
            "max_length": TEXT_INPUT,
        },
    }
    return {
        "type": "modal",
        "callback_id": REPLY_VIEW,
        "title": _plain(t.reply_title(), VIEW_TITLE),
        "submit": _plain(t.reply_send(), VIEW_TITLE),
        "close": _plain(t.reply_cancel(), VIEW_TITLE),
        "private_metadata": json.dumps({"ticket": ticket_id, "channel": channel}),
        "blocks": [answer],
    }


def replied(view: JsonDict) -> tuple[str, str]:
    """What a submitted Reply modal means: the card's channel, and the `reply` command's text."""
    metadata = json.loads(view.get("private_metadata") or "{}")
    values = (view.get("state") or {}).get("values") or {}
    answer = (values.get(REPLY_FIELD) or {}).get(REPLY_FIELD) or {}
    text = f"{REPLY} {int(metadata['ticket'])} {answer.get('value') or ''}"
    return str(metadata["channel"]), text.rstrip()


def reply_answer(markup: str, t: Texts) -> JsonDict:
    """The modal once the answer is posted: the desk's confirmation, and a button to close."""
    return {
        "type": "modal",
        "title": _plain(t.reply_title(), VIEW_TITLE),
        "close": _plain(t.comment_close(), VIEW_TITLE),
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": markup}}],
    }


def _plain(text: str, limit: int) -> JsonDict:
    return {"type": "plain_text", "text": plain(text, limit), "emoji": True}
