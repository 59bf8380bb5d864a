"""The incident's own SLA: its first update, and one every so often, or someone is told.

`incidents.sla.first_update` after it is declared and `update_every` after each update,
an incident without a new update reminds its owner (privately where the platform can);
as long again without one, it escalates to the leads. An update starts the count again.
The sweep runs this with the tickets' steps (`handlers.timers.fire_due`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from handlers import notices
from handlers.incidents.values import Entry, Incident, Moment
from handlers.models import Mention, Notice, NoticeKind, Place, Role
from handlers.ports import Tx
from handlers.settings import DeskSettings

OWNER, LEADS = 1, 2  # `Incident.reminded` after the owner's reminder, after the leads'


def promise(incident: Incident, settings: DeskSettings) -> timedelta:
    """How long the incident may go without an update now."""
    config = settings.incidents
    return config.update_every if incident.last_update_at else config.first_update


def restarted(incident: Incident, now: datetime, settings: DeskSettings) -> Incident:
    """The incident just declared or updated: its next update is due a promise from now."""
    counted = replace(incident, reminded=0, due_at=None)
    return replace(counted, due_at=now + promise(counted, settings))


def fire_due(tx: Tx, now: datetime, settings: DeskSettings, limit: int) -> int:
    """Remind the owner or escalate for every incident past its due time; return how many."""
    due = tx.due_incidents(now, limit)
    for incident in due:
        _fire(tx, incident, now, settings)
    return len(due)


def _fire(tx: Tx, incident: Incident, now: datetime, settings: DeskSettings) -> None:
    since = incident.last_update_at or incident.started_at
    texts = settings.texts_for(incident.platform)
    quiet = now - since
    if incident.reminded < OWNER:
        text = texts.incident_reminder(incident, quiet)
        _tell(tx, incident, _owner_notice(incident, text, settings), now)
        after = replace(incident, reminded=OWNER, due_at=now + promise(incident, settings))
    else:
        text = texts.incident_escalation(incident, quiet)
        _tell(tx, incident, _leads_notice(incident, text, settings), now)
        after = replace(incident, reminded=LEADS, due_at=None)  # until the next update
    tx.save_incident(after)
    tx.add_entry(Entry(incident.number, Moment.REMINDED, now, None, count=after.reminded))


def _tell(tx: Tx, incident: Incident, notice: Notice | None, now: datetime) -> None:
    notices.send(tx, now, notice)


def _place(incident: Incident, role: Role, settings: DeskSettings) -> Place | None:
    places = settings.places_of(incident.platform)
    channel = (places.leads_channel if role is Role.LEAD else None) or places.triage_channel
    return None if channel is None else Place(incident.workspace, channel)


def _owner_notice(incident: Incident, text: str, settings: DeskSettings) -> Notice | None:
    place = _place(incident, Role.AGENT, settings)
    if place is None:
        return None
    owner = incident.owner
    return Notice(
        NoticeKind.REMINDER,
        place,
        text,
        mentions=(Mention("user", owner.id),),
        direct_to=owner.id,
    )


def _leads_notice(incident: Incident, text: str, settings: DeskSettings) -> Notice | None:
    place = _place(incident, Role.LEAD, settings)
    if place is None:
        return None
    mentions = settings.staff_mentions(Role.LEAD, incident.platform)
    return Notice(NoticeKind.ESCALATION, place, text, mentions=mentions)
