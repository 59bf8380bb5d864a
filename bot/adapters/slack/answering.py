"""The card's Reply button on Slack: a modal to write the answer, posted as `/ticket reply`.

A click on Reply opens the modal (Slack's `trigger_id` lets the app open one within three
seconds of the click) and runs nothing yet. Submitting it runs `reply <id> <answer>` as the
person who submitted, from the card's channel, exactly as the typed command would: the desk
decides who may answer and posts the answer in the ticket's conversation.
"""

from __future__ import annotations

from typing import Any

from bot.adapters.slack.blocks import action_id, command_modal
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
    return command_modal(
        callback_id=REPLY_VIEW,
        field=REPLY_FIELD,
        command=f"{REPLY} {ticket_id}",
        channel=channel,
        title=t.reply_title(),
        label=t.reply_label(ticket_id),
        hint=t.reply_hint(),
        submit=t.reply_send(),
        close=t.reply_cancel(),
        optional=False,
    )
