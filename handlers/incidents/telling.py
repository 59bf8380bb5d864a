"""What an incident says and does: linking tickets, updates to all of them, banners, resolving.

Linking and unlinking go through `changes.apply` one ticket at a time (the note in its
thread, its card, its reminders held or let go). An update reaches every linked ticket at
once: one `Broadcast`, written by the store in one batch — the author's public message in
each ticket (an answer for its clocks, as `/ticket reply` is), its audit event, its stopped
response clocks and its notice in the outbox — so thousands of tickets queue in one
transaction. Resolving posts the final update that way, then resolves each linked ticket
that is still active through `changes.apply` (its resolution note and survey).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from handlers import changes, lifecycle, notices
from handlers.changes import TicketChange
from handlers.incidents import keeping
from handlers.incidents.values import (
    Broadcast,
    Entry,
    FirstAnswer,
    Incident,
    IncidentStatus,
    Moment,
)
from handlers.models import (
    ACTIVE_STATUSES,
    ClockKind,
    EventKind,
    Notice,
    NoticeKind,
    Person,
    Place,
    Ticket,
)
from handlers.ports import Tx
from handlers.settings import DeskSettings
from handlers.sla import promises


def declare(
    tx: Tx,
    workspace: str,
    title: str,
    owner: Person,
    now: datetime,
    settings: DeskSettings,
    detected_at: datetime | None = None,
) -> Incident:
    """Open an incident owned by `owner`, put up its banners and start its SLA."""
    draft = Incident(0, workspace, title, IncidentStatus.INVESTIGATING, owner, now, detected_at)
    incident = tx.add_incident(keeping.restarted(draft, now, settings))
    if detected_at is not None:
        tx.add_entry(Entry(incident.number, Moment.DETECTED, detected_at, None))
    tx.add_entry(Entry(incident.number, Moment.DECLARED, now, owner, title))
    banners(tx, incident, None, now, settings)
    return incident


def link(
    tx: Tx, incident: Incident, ticket: Ticket, actor: Person, now: datetime, settings: DeskSettings
) -> bool:
    """Link one ticket: its customer is told, its card shows it, its reminders are held."""
    if not tx.link(incident.number, ticket.id, actor, now):
        return False
    texts = settings.texts_for(ticket.place.platform)
    note = notices.in_thread(ticket, texts.incident_linked_note(incident))
    data = {"incident": incident.number}
    change = TicketChange(ticket, ticket, actor, EventKind.LINKED, data, notices=(note,))
    changes.apply(tx, replace(change, relinked=True), now, settings)
    return True


def unlink(
    tx: Tx, incident: Incident, ticket: Ticket, actor: Person, now: datetime, settings: DeskSettings
) -> bool:
    """Unlink one ticket: its card asks to be claimed again and its reminders come back."""
    if not tx.unlink(incident.number, ticket.id, now):
        return False
    data = {"incident": incident.number}
    change = TicketChange(ticket, ticket, actor, EventKind.UNLINKED, data, relinked=True)
    changes.apply(tx, change, now, settings)
    return True


def set_status(
    tx: Tx,
    incident: Incident,
    status: IncidentStatus,
    actor: Person,
    now: datetime,
    settings: DeskSettings,
) -> Incident:
    """Move the incident to `status` (not resolved: that is `resolve`), and say so on banners."""
    changed = replace(incident, status=status)
    tx.save_incident(changed)
    tx.add_entry(Entry(incident.number, Moment.STATUS, now, actor, status=status))
    banners(tx, changed, _latest_update(tx, changed), now, settings)
    return changed


def update(
    tx: Tx, incident: Incident, author: Person, text: str, now: datetime, settings: DeskSettings
) -> int:
    """Post an update into every active linked ticket's thread; return how many it reaches."""
    texts = settings.texts_for(incident.platform)
    said = texts.incident_update_note(incident, author.name, text)
    tickets = _active_linked(tx, incident)
    told = _broadcast(tx, incident, tickets, Moment.UPDATE, author, text, said, now, settings)
    updated = keeping.restarted(replace(incident, last_update_at=now), now, settings)
    tx.save_incident(updated)
    banners(tx, updated, text, now, settings)
    return told


def resolve(
    tx: Tx, incident: Incident, author: Person, text: str, now: datetime, settings: DeskSettings
) -> tuple[int, int]:
    """Post the final update, resolve every active linked ticket, close the banners.

    Return how many tickets the final update reached and how many were resolved.
    """
    texts = settings.texts_for(incident.platform)
    said = texts.incident_final_note(incident, author.name, text)
    still_open = _active_linked(tx, incident)
    told = _broadcast(tx, incident, still_open, Moment.RESOLVED, author, text, said, now, settings)
    resolved = replace(
        incident,
        status=IncidentStatus.RESOLVED,
        resolved_at=now,
        last_update_at=now,
        due_at=None,
    )
    tx.save_incident(resolved)
    # Let go first: each ticket is then resolved as any other, its card without the link.
    tx.release(incident.number)
    for ticket in still_open:
        _resolve_ticket(tx, incident, tx.ticket(ticket.id) or ticket, author, text, now, settings)
    banners(tx, resolved, text, now, settings)
    return told, len(still_open)


def _resolve_ticket(
    tx: Tx,
    incident: Incident,
    ticket: Ticket,
    author: Person,
    text: str,
    now: datetime,
    settings: DeskSettings,
) -> None:
    resolved = lifecycle.resolve(ticket, now)
    texts = settings.texts_for(ticket.place.platform)
    # The final update said what was done: the note only says how to reopen.
    note = texts.resolved_note(resolved, author.name, "", settings.reopen_window)
    data = changes.status_data(ticket, resolved, summary=text, incident=incident.number)
    said = (notices.in_thread(resolved, note),)
    change = TicketChange(
        ticket, resolved, author, EventKind.RESOLVED, data, notices=said, relinked=True
    )
    changes.apply(tx, change, now, settings)


def _active_linked(tx: Tx, incident: Incident) -> list[Ticket]:
    return [t for t in tx.linked(incident.number) if t.status in ACTIVE_STATUSES]


def _broadcast(
    tx: Tx,
    incident: Incident,
    tickets: list[Ticket],
    kind: Moment,
    author: Person,
    text: str,
    said: str,
    now: datetime,
    settings: DeskSettings,
) -> int:
    """Record the update on the timeline and post it to the active linked `tickets` at once."""
    entry = tx.add_entry(Entry(incident.number, kind, now, author, text, count=len(tickets)))
    if not tickets:
        return 0
    active = {ticket.id for ticket in tickets}
    stopped = tuple(
        promises.stop(clock, now, settings)
        for clock in tx.response_clocks(incident.number)
        if clock.ticket_id in active and clock.kind is not ClockKind.RESOLUTION
    )
    firsts = tuple(
        FirstAnswer(t.id, int((now - t.created_at).total_seconds()))
        for t in tickets
        if t.first_response_at is None
    )
    broadcast = Broadcast(
        incident.number,
        entry.seq,
        now,
        author,
        text,
        f"incident:{incident.number}:{entry.seq}",
        tuple(_reply(ticket, said) for ticket in tickets),
        first_answers=firsts,
        clocks=stopped,
    )
    tx.broadcast(broadcast)
    return len(tickets)


def _reply(ticket: Ticket, said: str) -> Notice:
    # The author's words, posted by the bot: recorded as theirs, not again as the bot's.
    return Notice(NoticeKind.REPLY, ticket.conversation, said, ticket_id=ticket.id)


def banners(
    tx: Tx, incident: Incident, latest: str | None, now: datetime, settings: DeskSettings
) -> None:
    """Post or edit the incident's banner in each support channel of its platform."""
    texts = settings.texts_for(incident.platform)
    text = texts.incident_banner(incident, latest)
    for channel in sorted(settings.places_of(incident.platform).support_channels):
        place = Place(incident.workspace, channel)
        edits = f"incident:{incident.number}:{channel}"
        notices.send(tx, now, Notice(NoticeKind.BANNER, place, text, edits=edits))


def _latest_update(tx: Tx, incident: Incident) -> str | None:
    updates = [e for e in tx.timeline(incident.number) if e.kind is Moment.UPDATE]
    return updates[-1].text if updates else None


def linked_moment(
    tx: Tx, incident: Incident, actor: Person, n: int, total: int, now: datetime
) -> None:
    """Note on the timeline that `n` tickets were linked, `total` now in all."""
    tx.add_entry(Entry(incident.number, Moment.LINKED, now, actor, count=n, total=total))


def unlinked_moment(
    tx: Tx, incident: Incident, actor: Person, n: int, total: int, now: datetime
) -> None:
    tx.add_entry(Entry(incident.number, Moment.UNLINKED, now, actor, count=n, total=total))
