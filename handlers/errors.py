"""Typed, sentence-shaped errors the desk answers with; each adapter renders them once.

An error carries how to say it (`Say`: the desk's texts → the sentence), not the sentence:
the core decides before it knows whom it answers, and the answer is rendered in the asker's
language. `str(error)` is the English sentence, for logs.
"""

from __future__ import annotations

from collections.abc import Callable

from handlers.texts import ENGLISH, Texts

Say = Callable[[Texts], str]


class DeskError(Exception):
    """A refusal the person who asked should read: the message is the whole answer."""

    def __init__(self, say: Say) -> None:
        super().__init__(say(ENGLISH))
        self.say = say

    def message(self, texts: Texts) -> str:
        """The refusal in the language of `texts`."""
        return self.say(texts)


class UsageError(DeskError):
    """The command was malformed; the message carries the usage line."""


class TicketNotFound(DeskError):
    """No such ticket in this workspace (or not one this person may see)."""

    def __init__(self, ticket_id: int) -> None:
        super().__init__(lambda texts: texts.no_such_ticket(ticket_id))
        self.ticket_id = ticket_id


class NotAllowed(DeskError):
    """The person's role does not allow this."""


class IllegalTransition(DeskError):
    """The ticket's status does not allow this change."""


class AlreadyClaimed(DeskError):
    """Someone else holds the ticket."""


class Unchanged(DeskError):
    """The change asked for is already true; nothing was written."""
