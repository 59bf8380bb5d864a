"""Private tickets, opened by a direct message to the bot, and the card's Reply action."""

from __future__ import annotations

from handlers.models import Ticket
from handlers.texts.words import Speaking


class DirectTexts(Speaking):
    """Private tickets by direct message, and answering a ticket from its card."""

    def direct_messages_off(self) -> str:
        """The answer to a direct message where they open no tickets."""
        return self.say(
            "Direct messages to deskbot don't open tickets here. Please write in the support"
            " channel instead, and an agent will answer you there."
        )

    def private_conversation(self, ticket: Ticket) -> str:
        """What the ack of a private ticket adds: who sees it, where the next messages go."""
        return self.say(
            "This conversation is private: only you and our agents see it. Write here to add"
            " to ticket #{id} until it is resolved.",
            id=ticket.id,
        )

    def private_label(self) -> str:
        """The card's mark for a private ticket: its text is for agents only."""
        return self.say("🔒 Private (direct message): for agents only")

    def reply_title(self) -> str:
        return self.say("Reply to the customer")

    def reply_label(self, ticket_id: int) -> str:
        return self.say("Your answer on ticket #{id}", id=ticket_id)

    def reply_hint(self) -> str:
        return self.say(
            "Posted in the ticket's conversation under your name, as /ticket reply would."
        )

    def reply_send(self) -> str:
        return self.say("Send")

    def reply_cancel(self) -> str:
        return self.say("Cancel")
