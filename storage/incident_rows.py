"""Translate between incidents and their stored rows, for SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from handlers.incidents.values import Delivery, Entry, Incident, IncidentStatus, Moment, Spike
from storage.rows import Row, from_db, maybe_from_db, maybe_person, person, to_db

# Outbox states as an update's progress counts them (a superseded notice counts as none).
PROGRESS = {"pending": "queued", "sent": "delivered", "failed": "failed"}


def incident(row: Row) -> Incident:
    return Incident(
        number=int(row["id"]),
        workspace=row["workspace"],
        title=row["title"],
        status=IncidentStatus(row["status"]),
        owner=person(row["owner_key"], row["owner_name"]),
        started_at=from_db(row["started_at"]),
        detected_at=maybe_from_db(row["detected_at"]),
        resolved_at=maybe_from_db(row["resolved_at"]),
        last_update_at=maybe_from_db(row["last_update_at"]),
        due_at=maybe_from_db(row["due_at"]),
        reminded=int(row["reminded"]),
    )


def entry(row: Row) -> Entry:
    status = row["status"]
    return Entry(
        incident=int(row["incident_id"]),
        kind=Moment(row["kind"]),
        at=from_db(row["at"]),
        actor=maybe_person(row["actor_key"], row["actor_name"]),
        text=row["text"],
        count=int(row["count"]),
        total=int(row["total"]),
        status=None if status is None else IncidentStatus(status),
        seq=int(row["seq"]),
    )


def times(incident: Incident, *, text: bool) -> tuple[Any, ...]:
    """The incident's changing fields, in the order `save_incident` writes them."""
    convert = _text if text else _same
    return (
        incident.title,
        str(incident.status),
        incident.owner.key,
        incident.owner.name,
        convert(incident.resolved_at),
        convert(incident.last_update_at),
        convert(incident.due_at),
        incident.reminded,
        incident.number,
    )


def _text(at: Any) -> Any:
    return None if at is None else to_db(at)


def _same(at: Any) -> Any:
    return at


def progress(found: Iterable[tuple[int, str, int]]) -> dict[int, Delivery]:
    """Each update's delivery counts from (seq, outbox status, count) rows."""
    counts: dict[int, dict[str, int]] = {}
    for seq, status, n in found:
        state = PROGRESS.get(status)
        if state is not None:
            counts.setdefault(seq, {})[state] = n
    return {seq: Delivery(seq, **states) for seq, states in sorted(counts.items())}


def spike(row: Row, first: Iterable[int]) -> Spike:
    incident = row["incident_id"]
    return Spike(
        id=int(row["id"]),
        workspace=row["workspace"],
        title=row["title"],
        words=tuple(row["words"].split()),
        started_at=from_db(row["started_at"]),
        last_at=from_db(row["last_at"]),
        size=int(row["size"]),
        first=tuple(first),
        incident=None if incident is None else int(incident),
    )
