"""The words deskbot shows only on Slack: card labels, buttons and a few Slack-only answers.

Everything the desk itself says lives in `handlers/texts.py`; these are the labels of Slack's
own furniture, kept together so they can be read and changed in one place.
"""

from __future__ import annotations

from handlers.models import Priority

ACTION_LABELS = {"claim": "Claim", "resolve": "Resolve", "reopen": "Reopen"}
PRIORITY_LABELS = {
    Priority.URGENT: "Urgent",
    Priority.HIGH: "High",
    Priority.NORMAL: "Normal",
    Priority.LOW: "Low",
}
PRIORITY_PLACEHOLDER = "Priority"
CUSTOMER, STATUS, PRIORITY, ASSIGNEE, OPENED = (
    "Customer",
    "Status",
    "Priority",
    "Assignee",
    "Opened",
)
CONVERSATION_LINK = "Open the conversation"
ANSWERED = "answered"
UNCLAIMED = "unclaimed"


def cannot_read_message() -> str:
    return (
        "I can't read that message, so it can't become a ticket. "
        "Invite me to the channel first (/invite @deskbot)."
    )


def unexpected_error() -> str:
    return "Something went wrong on deskbot's side; nothing was changed. Please try again."
