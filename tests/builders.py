"""Build the values adapters hand the desk, and drive the desk with them, tersely."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from handlers.desk import Desk
from handlers.intake import IntakeResult
from handlers.models import (
    Attachment,
    Command,
    Inbound,
    InboundKind,
    Person,
    Place,
    Priority,
    Reply,
)
from handlers.settings import DeskSettings, PlatformPlaces, RoleMembers, SlaPolicy, SlaSpan
from handlers.sla.calendar import BusinessCalendar
from storage.postgres.database import READ
from storage.postgres.store import PostgresStore
from storage.rows import to_db
from storage.store import SqliteStore

WORKSPACE = "console:local"
SUPPORT = Place(WORKSPACE, "support")
_ids = itertools.count(1)


def person(name: str, *groups: str) -> Person:
    return Person("console", name, name, groups=frozenset(groups))


ALICE, DAVE = person("alice"), person("dave")  # customers
BOB, ERIN = person("bob"), person("erin")  # agents
CAROL = person("carol")  # lead


def settings(**overrides: object) -> DeskSettings:
    """Console desk: bob and erin are agents, carol is a lead; normal tickets get 4h on 24x7."""
    values: dict[str, object] = {
        "agents": RoleMembers(frozenset({"console:bob", "console:erin"})),
        "leads": RoleMembers(frozenset({"console:carol"})),
        "places": {"console": PlatformPlaces(frozenset({"support"}), "triage", "leads")},
        "sla": {
            Priority.NORMAL: SlaPolicy(
                BusinessCalendar.always_open(), first_response=SlaSpan(0, timedelta(hours=4))
            ),
        },
    }
    values.update(overrides)
    return DeskSettings(**values)  # type: ignore[arg-type]


def message(
    author: Person,
    text: str,
    *,
    place: Place = SUPPORT,
    message_id: str | None = None,
    kind: InboundKind = InboundKind.POSTED,
    dedupe_key: str | None = None,
    requested_by: Person | None = None,
    attachments: tuple[Attachment, ...] = (),
) -> Inbound:
    message_id = message_id or f"m{next(_ids)}"
    return Inbound(
        kind,
        dedupe_key or f"{kind}:{message_id}",
        place,
        message_id,
        author,
        text,
        attachments=attachments,
        requested_by=requested_by,
    )


async def post(desk: Desk, author: Person, text: str, **options: object) -> IntakeResult:
    """Receive a message, then wait for what follows it beside the writer (similar tickets)."""
    result = await desk.receive(message(author, text, **options))  # type: ignore[arg-type]
    await desk.settled()
    return result


async def open_ticket(desk: Desk, author: Person = ALICE, text: str = "printer on fire") -> int:
    result = await post(desk, author, text)
    assert result.ticket_id is not None
    return result.ticket_id


async def run(
    desk: Desk,
    actor: Person,
    text: str,
    *,
    place: Place = SUPPORT,
    mentions: tuple[Person, ...] = (),
    dedupe_key: str | None = None,
) -> Reply:
    return await desk.execute(Command(actor, place, text, mentions, dedupe_key))


async def rows(
    store: SqliteStore | PostgresStore, sql: str, *params: object
) -> list[tuple[object, ...]]:
    """Read the database directly, for assertions on what was stored.

    Write `sql` in the SQL both stores speak (`?` placeholders, `true` for a flag); times
    come back as SQLite's text either way.
    """
    if isinstance(store, PostgresStore):
        query = sql.replace("%", "%%").replace("?", "%s").encode()
        found = await store.database.run(
            READ, lambda connection: connection.execute(query, params).fetchall()
        )
        return [tuple(_as_stored(value) for value in row) for row in found]
    found = await store.database.run(lambda raw: raw.execute(sql, params).fetchall())
    return [tuple(row) for row in found]


def _as_stored(value: object) -> object:
    """A PostgreSQL value as SQLite stores it: times as text, flags as 0 and 1."""
    if isinstance(value, datetime):
        return to_db(value)
    if isinstance(value, bool):
        return int(value)
    return value
