"""Who may see what: one answer for the chat commands and the web view alike.

A person's role comes from `DeskSettings.role_of`; these rules turn it into what they see.
Customers see their own tickets, without internal notes; agents every ticket of their
workspace, with notes; leads also the figures (what `/ticket digest` shows).
"""

from __future__ import annotations

from handlers.models import Person, Role, Ticket


def can_see(role: Role, viewer: Person, workspace: str, ticket: Ticket) -> bool:
    """Whether `viewer`, in `role`, working in `workspace`, may see `ticket` at all."""
    if ticket.place.workspace != workspace:
        return False
    return role.at_least(Role.AGENT) or viewer.same_as(ticket.customer)


def sees_notes(role: Role) -> bool:
    """Whether internal notes are shown: staff only."""
    return role.at_least(Role.AGENT)


def sees_every_ticket(role: Role) -> bool:
    """Whether the queue holds everyone's tickets, not just the viewer's own."""
    return role.at_least(Role.AGENT)


def sees_figures(role: Role) -> bool:
    """Whether the desk's figures (the digest, metrics, exports) are shown: leads only."""
    return role.at_least(Role.LEAD)
