"""What the desk promises a ticket: due times counted in business time on its calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from handlers.business_time import ALWAYS_OPEN
from handlers.models import Ticket
from handlers.settings import DeskSettings, SlaSpan


@dataclass(frozen=True)
class Promise:
    due: datetime
    within: SlaSpan
    business_hours: bool


def first_response_promise(ticket: Ticket, settings: DeskSettings) -> Promise | None:
    """When the customer may expect a first answer, if the ticket's priority has a policy."""
    policy = settings.sla.get(ticket.priority)
    if policy is None or policy.first_response is None:
        return None
    span = policy.first_response
    due = policy.calendar.add(ticket.created_at, span.on(policy.calendar))
    return Promise(due, span, policy.calendar.name != ALWAYS_OPEN)
