"""Forget a person, export what is stored about them, redact old text: both stores, one walk.

Everything here is driven by `storage.personal.TABLES`: each personal column is rewritten by
its kind, so what the schema test classifies is exactly what forgetting rewrites. Each store
hands in its `Sql` (placeholders written `?`, JSON read and written as its columns hold it).

Audit events change only through the redaction path of migration 0013 (PostgreSQL 0008): a
`redacting` row, present only inside the redaction's transaction, lets the triggers accept an
UPDATE that replaces personal fields with the pseudonym or `[redacted]`, and count it on the
redaction's record. Any other update or delete of an event is still refused.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from handlers.digest.rows import Retained
from handlers.personal import Forgetting, Forgotten, Redacted
from handlers.ports import Sink
from storage.personal import AUDIT_FREE_TEXT, REDACTED, Column, Kind, Table, forgettable

# Names shorter than this are not looked for in other people's text: "Al" is in too much.
SHORTEST_NEEDLE = 3
# Their tickets' subjects and resolution notes are looked for in other tickets' notices (a
# triage card lists similar tickets solved before); shorter ones ("help") are too common.
# Only there: each one more is a scan of the table, and people's own text rarely quotes a
# stranger's subject word for word (a first try looked in messages too: 5 s on 100,000
# tickets, where the names alone take 0.3 s).
SHORTEST_QUOTE = 12
DROPPED = "dropped: the person it was for was forgotten"
LIVE = ("pending", "failed")  # notices still to send (a failed one may be retried)


class Sql(Protocol):
    """A store's connection, as the walk needs it; queries use `?` placeholders."""

    def rows(self, query: str, params: Sequence[Any] = ()) -> Sequence[Mapping[str, Any]]: ...

    def run(self, query: str, params: Sequence[Any] = ()) -> int: ...

    def each(self, query: str, params: Sequence[Any] = ()) -> Iterator[Mapping[str, Any]]:
        """The rows of a query as they are read, not all at once."""
        ...

    def json(self, value: Any) -> Any:
        """A JSON value as a parameter for a JSON column."""
        ...

    def as_text(self, column: str) -> str:
        """The column as text, for LIKE."""
        ...


def loaded(value: Any) -> Any:
    """A JSON column's value as Python: SQLite hands text, PostgreSQL the parsed value."""
    return json.loads(value) if isinstance(value, str) else value


class Scrubber:
    """Replaces a person's key, id and names in text with their pseudonym, and quotes of
    their tickets (subjects, resolution notes) with `[redacted]`."""

    def __init__(self, request: Forgetting, names: set[str], quotes: set[str]) -> None:
        self.key, self.pseudonym = request.person_key, request.pseudonym
        self.pseudonym_key = request.pseudonym_key
        user_id = self.key.partition(":")[2]
        wanted = {needle for needle in {user_id, *names} if len(needle) >= SHORTEST_NEEDLE}
        self.quotes = sorted(
            {quote for quote in quotes if len(quote) >= SHORTEST_QUOTE}, key=len, reverse=True
        )
        self.needles = sorted(wanted, key=len, reverse=True)
        words = "|".join(re.escape(needle) for needle in self.needles)
        self._pattern = re.compile(rf"(?<!\w)(?:{words})(?!\w)", re.IGNORECASE) if words else None

    def text(self, value: str, *, quotes: bool = False) -> str:
        """The text with the person named by their pseudonym (and quotes of them redacted)."""
        if value == self.key:
            return self.pseudonym_key
        if quotes:
            for quote in self.quotes:
                value = value.replace(quote, REDACTED)
        if self._pattern is None:
            return value
        return self._pattern.sub(self.pseudonym, value.replace(self.key, self.pseudonym_key))

    def json(self, value: Any) -> Any:
        """A notice's JSON with the person named by their pseudonym, quotes of them redacted."""
        if isinstance(value, str):
            return self.text(value, quotes=True)
        if isinstance(value, list):
            return [self.json(item) for item in value]
        if isinstance(value, dict):
            return {name: self.json(item) for name, item in value.items()}
        return value


class Walk:
    """One forgetting (or its dry run) over a store's connection."""

    def __init__(self, sql: Sql, request: Forgetting) -> None:
        self.sql, self.request = sql, request
        self.tickets = {int(row["id"]) for row in sql.rows(_THEIR_TICKETS, [request.person_key])}
        self.scrub = Scrubber(
            request, _names(sql, request.person_key), _quotes(sql, request.person_key)
        )
        self.changed: Counter[str] = Counter()
        self.touched: set[int] = set()  # tickets whose search document changes
        self.dropped = 0

    def run(self) -> Forgotten:
        redaction = None if self.request.dry_run else self._begin()
        for table in forgettable():
            for row in self._candidates(table):
                self._rewrite(table, row)
        if redaction is not None:
            self._end(redaction)
        return Forgotten(
            self.request.pseudonym,
            tuple(sorted(self.changed.items())),
            len(self.tickets),
            self.dropped,
            self.request.dry_run,
            redaction,
        )

    def _begin(self) -> int:
        (row,) = self.sql.rows(
            "INSERT INTO redactions (kind, asked_by, at, pseudonym) VALUES ('forget', ?, ?, ?)"
            " RETURNING id",
            [self.request.asked_by, self.request.at, self.request.pseudonym],
        )
        redaction = int(row["id"])
        self.sql.run(
            "INSERT INTO redacting (redaction, pseudonym, pseudonym_key) VALUES (?, ?, ?)",
            [redaction, self.request.pseudonym, self.request.pseudonym_key],
        )
        return redaction

    def _end(self, redaction: int) -> None:
        self.sql.run(
            "UPDATE redactions SET counts = ? WHERE id = ?",
            [self.sql.json(dict(sorted(self.changed.items()))), redaction],
        )
        self.sql.run("DELETE FROM redacting WHERE redaction = ?", [redaction])

    def _candidates(self, table: Table) -> Sequence[Mapping[str, Any]]:
        """The table's rows that are the person's or name them somewhere."""
        key = self.request.person_key
        clauses, params = [], []
        if table.by_ticket:
            clauses.append(f"ticket_id IN ({_THEIR_TICKETS})")
            params.append(key)
        for name, column in table.personal().items():
            if column.kind is Kind.KEY:
                clauses.append(f"{name} = ?")
                params.append(key)
            elif column.kind in _FREE:
                quoted = self.scrub.quotes if column.kind in _QUOTED else []
                for needle in [*self.scrub.needles, *quoted]:
                    clauses.append(f"{self.sql.as_text(name)} LIKE ? ESCAPE '\\'")
                    params.append(f"%{_escaped(needle)}%")
        # Names come from the map, values are parameters.
        where = " OR ".join(clauses)
        return self.sql.rows(f"SELECT * FROM {table.name} WHERE {where}", params)  # noqa: S608

    def _rewrite(self, table: Table, row: Mapping[str, Any]) -> None:
        mine = self._mine(table, row)
        new: dict[str, Any] = {}
        for name, column in table.personal().items():
            value = self._forgotten(column, row, row[name], mine)
            if _differs(value, row[name]):
                new[name] = value
        if table.name == "outbox" and mine and row["status"] in LIVE:
            new["status"], new["last_error"] = "superseded", DROPPED
            self.dropped += 1
        if not new:
            return
        personal = table.personal()
        self.changed.update(f"{table.name}.{name}" for name in new if name in personal)
        if "ticket_id" in row and row["ticket_id"] is not None:
            self.touched.add(int(row["ticket_id"]))
        if table.name == "tickets":
            self.touched.add(int(row["id"]))
        if not self.request.dry_run:
            self._write(table, row, new)

    def _mine(self, table: Table, row: Mapping[str, Any]) -> bool:
        if table.owner is not None and row[table.owner] == self.request.person_key:
            return True
        if table.by_ticket and row.get("ticket_id") in self.tickets:
            return True
        if table.name == "outbox":
            direct = loaded(row["payload"]).get("direct_to")
            return bool(direct) and direct == self.request.person_key.partition(":")[2]
        return False

    def _forgotten(self, column: Column, row: Mapping[str, Any], value: Any, mine: bool) -> Any:
        """The value a personal column holds once the person is forgotten."""
        if value is None:
            return None
        kind = column.kind
        if kind is Kind.KEY:
            return self.request.pseudonym_key if value == self.request.person_key else value
        if kind is Kind.NAME:
            beside = row[column.beside] if column.beside else None
            return self.request.pseudonym if beside == self.request.person_key else value
        if kind is Kind.TEXT:
            return (REDACTED if value else value) if mine else self.scrub.text(value)
        if kind is Kind.QUOTING:
            return self.scrub.text(value, quotes=True)
        if kind is Kind.ATTACHMENTS:
            return self.sql.json([]) if mine and loaded(value) else value
        if kind is Kind.LINK:
            return None if mine else value
        if kind is Kind.AUDIT_DATA:
            return self._audit_data(value, mine)
        if kind is Kind.NOTICE:
            data = loaded(value)
            kept = {"text": REDACTED} if mine else self.scrub.json(data)
            return value if kept == data else self.sql.json(kept)
        raise AssertionError(f"No way to forget a column of kind {kind}.")

    def _audit_data(self, value: Any, mine: bool) -> Any:
        """Free text of the person's events redacted; their key and names pseudonymised."""
        data = loaded(value)
        kept = {}
        for name, item in data.items():
            if isinstance(item, str) and mine and name in AUDIT_FREE_TEXT and item:
                kept[name] = REDACTED
            elif isinstance(item, str):
                # Only the pseudonym may enter the audit log (its trigger checks).
                kept[name] = self.scrub.text(item)
            else:
                kept[name] = item  # numbers and flags are the figures: never touched
        return value if kept == data else self.sql.json(kept)

    def _write(self, table: Table, row: Mapping[str, Any], new: dict[str, Any]) -> None:
        sets = ", ".join(f"{name} = ?" for name in new)
        where = " AND ".join(f"{name} = ?" for name in table.primary)
        self.sql.run(
            f"UPDATE {table.name} SET {sets} WHERE {where}",  # noqa: S608 (names from the map)
            [*new.values(), *(row[name] for name in table.primary)],
        )


_FREE = (Kind.TEXT, Kind.AUDIT_DATA, Kind.NOTICE, Kind.QUOTING)
_QUOTED = (Kind.NOTICE, Kind.QUOTING)
_THEIR_TICKETS = "SELECT id FROM tickets WHERE customer_key = ?"


def _names(sql: Sql, key: str) -> set[str]:
    """Every display name stored beside the person's key."""
    found: set[str] = set()
    for table in forgettable():
        for name, column in table.personal().items():
            if column.kind is Kind.NAME and column.beside:
                # Names come from the map; the key is a parameter.
                query = f"SELECT DISTINCT {name} AS n FROM {table.name} WHERE {column.beside} = ?"  # noqa: S608
                found.update(str(row["n"]) for row in sql.rows(query, [key]) if row["n"])
    return found


def _quotes(sql: Sql, key: str) -> set[str]:
    """The subjects and resolution notes of the person's tickets, as others may quote them."""
    found = {str(row["subject"]) for row in sql.rows(_SUBJECTS, [key])}
    for row in sql.rows(_RESOLUTIONS, [key]):
        summary = loaded(row["data"]).get("summary")
        if isinstance(summary, str):
            found.add(summary)
    return found


_SUBJECTS = "SELECT subject FROM tickets WHERE customer_key = ?"
_RESOLUTIONS = (
    f"SELECT data FROM events WHERE kind = 'resolved' AND ticket_id IN ({_THEIR_TICKETS})"  # noqa: S608 (fixed SQL)
)


def _escaped(needle: str) -> str:
    return needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _differs(new: Any, old: Any) -> bool:
    if isinstance(old, str) and not isinstance(new, str) and new is not None:
        return True  # a JSON parameter for a text column: built only when it changed
    return bool(new != old)


def forget(sql: Sql, request: Forgetting) -> tuple[Forgotten, set[int]]:
    """Forget the person (or count what would change); the tickets to index again."""
    walk = Walk(sql, request)
    return walk.run(), walk.touched


# -- the right of access ---------------------------------------------------------------------


def export(sql: Sql, person_key: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every row stored about the person, table by table: (table, row), JSON-ready."""
    for table in forgettable():
        if table.owner is None and not table.by_ticket:
            continue
        clauses = [f"{table.owner} = ?"] if table.owner else []
        params: list[Any] = [person_key] if table.owner else []
        if table.by_ticket:
            clauses.append(f"ticket_id IN ({_THEIR_TICKETS})")
            params.append(person_key)
        order = ", ".join(table.primary)
        where = " OR ".join(clauses)
        query = f"SELECT * FROM {table.name} WHERE {where} ORDER BY {order}"  # noqa: S608
        for row in sql.each(query, params):
            yield table.name, {name: _plain(value) for name, value in row.items()}


def streamed(found: Iterable[tuple[str, dict[str, Any]]], sink: Sink) -> int:
    """Hand each exported row to `sink` as it is read; return how many there were."""
    count = 0
    for table, row in found:
        sink(table, row)
        count += 1
    return count


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def retained(records: Sequence[tuple[str, Any]]) -> Retained:
    """Sum what redaction records did: (kind, counts as the JSON column gives them) each."""
    messages = events = keys = forgotten = 0
    for kind, stored in records:
        counts = loaded(stored)
        if kind == "forget":
            forgotten += 1
            continue
        messages += int(counts.get("messages.text", 0))
        events += int(counts.get("events.data", 0))
        keys += int(counts.get("inbound_keys", 0))
    return Retained(messages, events, keys, forgotten)


# -- retention --------------------------------------------------------------------------------

_OLD_TICKETS = "SELECT id FROM tickets WHERE status = 'closed' AND closed_at < ?"


def redact_closed_before(
    sql: Sql,
    messages_before: datetime | None,
    audit_before: datetime | None,
    at: datetime,
    pruned: int = 0,
) -> tuple[Redacted, set[int]]:
    """Redact the text of tickets closed before the cutoffs; tickets and figures stay.

    The run is recorded (with `pruned`, the dedupe keys its job forgot) when it did
    anything. Return what was redacted and the tickets whose search documents change.
    """
    messages = [] if messages_before is None else _old_messages(sql, messages_before)
    bodies = [] if messages_before is None else _old_bodies(sql, messages_before)
    notices = [] if messages_before is None else _old_notices(sql, messages_before)
    events = [] if audit_before is None else _old_events(sql, audit_before)
    counts = {
        "events.data": len(events),
        "inbound_keys": pruned,
        "messages.text": len(messages),
        "outbox.payload": len(notices),
        "tickets.body": len(bodies),
    }
    if not any(counts.values()):
        return Redacted(0, 0, 0), set()
    (row,) = sql.rows(
        "INSERT INTO redactions (kind, asked_by, at, counts) VALUES ('retention', 'retention',"
        " ?, ?) RETURNING id",
        [at, sql.json(counts)],
    )
    redaction = int(row["id"])
    sql.run("INSERT INTO redacting (redaction) VALUES (?)", [redaction])
    touched = _redact(sql, messages, bodies, events)
    for notice_id in notices:
        redacted = sql.json(REDACTED_NOTICE)
        sql.run("UPDATE outbox SET payload = ? WHERE id = ?", [redacted, notice_id])
    sql.run("DELETE FROM redacting WHERE redaction = ?", [redaction])
    return Redacted(len(messages), len(events), pruned, redaction), touched


def closed_to_redact(
    sql: Sql, messages_before: datetime | None, audit_before: datetime | None
) -> Redacted:
    """What `redact_closed_before` would redact now, counted."""
    messages = 0 if messages_before is None else len(_old_messages(sql, messages_before))
    events = 0 if audit_before is None else len(_old_events(sql, audit_before))
    return Redacted(messages, events, 0)


def _redact(
    sql: Sql,
    messages: list[tuple[int, int]],
    bodies: list[int],
    events: list[tuple[int, int, dict[str, Any]]],
) -> set[int]:
    touched = set(bodies)
    for message_id, ticket_id in messages:
        sql.run(
            "UPDATE messages SET text = ?, attachments = ? WHERE id = ?",
            [REDACTED, sql.json([]), message_id],
        )
        touched.add(ticket_id)
    for ticket_id in bodies:  # the customer's first message, as the ticket holds it
        sql.run(
            "UPDATE tickets SET subject = ?, body = ? WHERE id = ?", [REDACTED, REDACTED, ticket_id]
        )
    for event_id, ticket_id, kept in events:
        sql.run("UPDATE events SET data = ? WHERE id = ?", [sql.json(kept), event_id])
        touched.add(ticket_id)
    return touched


def _old_messages(sql: Sql, before: datetime) -> list[tuple[int, int]]:
    found = sql.rows(
        "SELECT id, ticket_id FROM messages WHERE text != ?"  # noqa: S608 (fixed SQL)
        f" AND ticket_id IN ({_OLD_TICKETS})",
        [REDACTED, before],
    )
    return [(int(row["id"]), int(row["ticket_id"])) for row in found]


def _old_bodies(sql: Sql, before: datetime) -> list[int]:
    """Old tickets whose subject or copy of the first message still reads."""
    found = sql.rows(
        f"{_OLD_TICKETS} AND (subject != ? OR body != ?)", [before, REDACTED, REDACTED]
    )
    return [int(row["id"]) for row in found]


# A notice's payload once its text is redacted (ASCII: both stores write it as this text).
REDACTED_NOTICE = {"text": REDACTED}


def _old_notices(sql: Sql, before: datetime) -> list[int]:
    """Notices of old tickets that were sent (or given up on) and still quote their text.

    A notice still to send is left alone: the outbox may yet deliver it.
    """
    payload = sql.as_text("payload")
    found = sql.rows(
        f"SELECT id FROM outbox WHERE status NOT IN ('pending', 'failed') AND {payload} != ?"  # noqa: S608 (fixed SQL)
        f" AND ticket_id IN ({_OLD_TICKETS})",
        [json.dumps(REDACTED_NOTICE), before],
    )
    return [int(row["id"]) for row in found]


def _old_events(sql: Sql, before: datetime) -> list[tuple[int, int, dict[str, Any]]]:
    found = sql.rows(
        f"SELECT id, ticket_id, data FROM events WHERE ticket_id IN ({_OLD_TICKETS})",  # noqa: S608
        [before],
    )
    due = []
    for row in found:
        kept = _free_text_redacted(row["data"])
        if kept is not None:
            due.append((int(row["id"]), int(row["ticket_id"]), kept))
    return due


def _free_text_redacted(value: Any) -> dict[str, Any] | None:
    data = loaded(value)
    kept = {
        name: REDACTED if name in AUDIT_FREE_TEXT and isinstance(item, str) and item else item
        for name, item in data.items()
    }
    return None if kept == data else kept
