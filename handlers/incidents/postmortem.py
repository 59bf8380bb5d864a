"""An incident read back: `/ticket incident show` and the Markdown postmortem skeleton."""

from __future__ import annotations

from datetime import datetime

from handlers.incidents.values import Incident, Moment
from handlers.models import POSITIVE_SCORE
from handlers.ports import Tx
from handlers.settings import DeskSettings


def show(tx: Tx, incident: Incident, now: datetime, settings: DeskSettings) -> str:
    """The incident, its timeline and how far each update got."""
    texts, zone = settings.texts_for(incident.platform), settings.timezone
    deliveries = tx.deliveries(incident.number)
    # Open, the tickets it holds now; resolved, every ticket it affected.
    if incident.open:
        linked = tx.linked_count(incident.number)
    else:
        linked = len(tx.linked(incident.number, ever=True))
    lines = [texts.incident_heading(incident, linked, zone)]
    for entry in tx.timeline(incident.number):
        line = texts.timeline_line(entry, zone)
        delivery = deliveries.get(entry.seq)
        if delivery is not None:
            line += f" ({texts.delivery_line(delivery)})"
        lines.append(f"  {line}")
    return "\n".join(lines)


def report(tx: Tx, incident: Incident, now: datetime, settings: DeskSettings) -> str:
    """A Markdown postmortem skeleton: the figures, the timeline, and what is left to write."""
    texts, zone = settings.texts_for(incident.platform), settings.timezone
    timeline = tx.timeline(incident.number)
    updates = [e.at for e in timeline if e.kind in (Moment.UPDATE, Moment.RESOLVED)]
    affected = tx.linked(incident.number, ever=True)
    scores = [
        survey.score
        for survey in map(tx.latest_survey, (ticket.id for ticket in affected))
        if survey is not None and survey.score is not None
    ]
    ended = incident.resolved_at or now
    declared_after = incident.started_at - incident.detected_at if incident.detected_at else None
    figures = [
        texts.time_to_declare(declared_after),
        texts.time_to_first_update(updates[0] - incident.started_at if updates else None),
        texts.incident_duration(ended - incident.started_at, ongoing=incident.open),
        texts.tickets_affected(len(affected)),
        texts.linked_satisfaction(len(scores), sum(s >= POSITIVE_SCORE for s in scores)),
    ]
    deliveries = tx.deliveries(incident.number)
    lines = [
        f"# {texts.postmortem_title(incident)}",
        "",
        texts.as_of(now, zone),
        "",
        f"## {texts.postmortem_summary()}",
        "",
        *(f"- {figure}" for figure in figures),
        "",
        f"## {texts.postmortem_timeline()}",
        "",
    ]
    for entry in timeline:
        line = texts.timeline_line(entry, zone)
        delivery = deliveries.get(entry.seq)
        if delivery is not None:
            line += f" ({texts.delivery_line(delivery)})"
        lines.append(f"- {line}")
    lines += ["", f"_{texts.postmortem_fill_in()}_"]
    return "\n".join(lines)
