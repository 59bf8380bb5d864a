"""An incident's page in the web view: what staff need to run it and to see who heard.

Staff only: a customer (or anyone who is not an agent or lead) gets the same 404 as for an
incident that does not exist or is another workspace's. The page shows the incident's
facts, its timeline with each update's delivery progress, the notices given up on and why,
and the tickets linked to it, each a link to its own page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from handlers.incidents.values import Delivery, Entry, Failure, Incident
from handlers.models import Ticket
from handlers.ports import Tx
from handlers.texts import Texts

FAILURES_SHOWN = 100  # the failed notices a page lists; the counts say how many in all
TICKETS_SHOWN = 500  # the linked tickets a page lists


@dataclass(frozen=True)
class IncidentPage:
    """Everything an incident's page shows, read in one snapshot."""

    incident: Incident
    timeline: tuple[Entry, ...]
    deliveries: dict[int, Delivery]
    failures: tuple[Failure, ...]
    tickets: tuple[Ticket, ...]  # held now while it is open; every one it held once resolved


def read(tx: Tx, number: int, workspace: str) -> IncidentPage | None:
    """The incident `number` of `workspace` with its timeline, deliveries and tickets."""
    incident = tx.incident(number)
    if incident is None or incident.workspace != workspace:
        return None
    tickets = tx.linked(number, ever=not incident.open)
    return IncidentPage(
        incident,
        tuple(tx.timeline(number)),
        tx.deliveries(number),
        tuple(tx.failures(number, FAILURES_SHOWN)),
        tuple(tickets),
    )


def values(page: IncidentPage, texts: Texts, zone: ZoneInfo, local: Any) -> dict[str, Any]:
    """What the incident template is given: the lines already said in the desk's language."""
    incident = page.incident
    return {
        "incident": incident,
        "status_name": texts.incident_status(incident.status),
        "started": local(incident.started_at, zone),
        "resolved": local(incident.resolved_at, zone) if incident.resolved_at else "",
        "timeline": [
            {"line": texts.timeline_line(entry, zone), "delivery": page.deliveries.get(entry.seq)}
            for entry in page.timeline
        ],
        "failures": page.failures,
        "failed": sum(delivery.failed for delivery in page.deliveries.values()),
        "tickets": page.tickets[:TICKETS_SHOWN],
        "more_tickets": max(0, len(page.tickets) - TICKETS_SHOWN),
    }
