"""The words deskbot shows only on Slack: card labels and a few Slack-only answers.

Everything the desk itself says lives in `handlers/texts/`; these are the labels of Slack's
own furniture, kept together so they can be read and changed in one place. They are marked
for translation like the desk's texts, and shown through the platform's `Texts`.
"""

from __future__ import annotations

from handlers.models import Priority
from handlers.texts import N_, Texts

PRIORITY_LABELS = {
    Priority.URGENT: N_("Urgent"),
    Priority.HIGH: N_("High"),
    Priority.NORMAL: N_("Normal"),
    Priority.LOW: N_("Low"),
}
PRIORITY_PLACEHOLDER = N_("Priority")
CUSTOMER, STATUS, PRIORITY, ASSIGNEE, OPENED = (
    N_("Customer"),
    N_("Status"),
    N_("Priority"),
    N_("Assignee"),
    N_("Opened"),
)
CONVERSATION_LINK = N_("Open the conversation")


def cannot_read_message(t: Texts) -> str:
    return t.say(
        "I can't read that message, so it can't become a ticket. "
        "Invite me to the channel first (/invite @deskbot)."
    )


def unexpected_error(t: Texts) -> str:
    return t.say("Something went wrong on deskbot's side; nothing was changed. Please try again.")
