"""Typed, sentence-shaped errors the desk answers with; each adapter renders them once."""

from __future__ import annotations


class DeskError(Exception):
    """A refusal the person who asked should read: the message is the whole answer."""

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else type(self).__name__


class UsageError(DeskError):
    """The command was malformed; the message carries the usage line."""


class TicketNotFound(DeskError):
    """No such ticket in this workspace (or not one this person may see)."""

    def __init__(self, ticket_id: int) -> None:
        super().__init__(f"No ticket #{ticket_id} in this workspace.")
        self.ticket_id = ticket_id


class NotAllowed(DeskError):
    """The person's role does not allow this."""


class IllegalTransition(DeskError):
    """The ticket's status does not allow this change."""


class AlreadyClaimed(DeskError):
    """Someone else holds the ticket."""


class Unchanged(DeskError):
    """The change asked for is already true; nothing was written."""
