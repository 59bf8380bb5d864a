"""Full-text search over PostgreSQL: one tsvector per ticket, kept current as it changes.

The same documents as SQLite's index (`storage.search`), cut into the same terms by
`handlers.knowledge`, and the same query shape, so both stores find the same tickets.
Each ticket's terms are one `tsvector` (table `ticket_search`, migration 0005) with a GIN
index: the subject weighted A, customer text, public replies and the resolution note B,
internal notes C. A query's terms carry the weights it may match (AB, or ABC for staff),
which is how a customer's search never reads a note. Whether a ticket is solved and whose
it is are plain columns beside the terms, so they are never words anyone can search for.

The vector and the query are written here as PostgreSQL's own literals rather than through
`to_tsvector`/`to_tsquery`: those run text through PostgreSQL's parser again, which reads
`e5`, `1e5` or a long word its own way, and the terms would no longer be the ones SQLite
holds. Written as literals, every term is a quoted lexeme and nothing a person types
reaches PostgreSQL as syntax. A search ranks the most recent `storage.search.WINDOW` matches
as SQLite's does, by the phrases their subjects hold; likeness by `ts_rank`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from handlers.knowledge import lone_ideograph, phrases, terms
from handlers.models import Found, SearchQuery, Status
from storage import rows
from storage import search as sqlite_search

# PostgreSQL's limits on a tsvector: a lexeme under 2 KB, positions up to 16,383, 256
# positions a lexeme, a whole vector under 1 MB. A longer word is cut (in queries alike),
# and terms past the budget are left out rather than failing the customer's message.
LONGEST_TERM = 255
LAST_POSITION = 16383
POSITIONS = 256
BUDGET = 900_000  # bytes of lexemes and positions in one ticket's vector
_GAP = 2  # positions between parts: a phrase never runs from the subject into a reply
_RANK_WEIGHTS = "{0, 0.25, 0.25, 1}"  # D, C (internal), B (public), A (subject)
_SOLVED = (str(Status.RESOLVED), str(Status.CLOSED))
BATCH = 1000

# The ticket's parts as the index reads them; deleted messages and the bot's own left out.
_DOCUMENT = """
SELECT t.id, t.customer_key, t.status IN ('resolved', 'closed') AS solved, t.subject,
    coalesce((SELECT string_agg(m.text, E'\\n' ORDER BY m.id) FROM messages m
        WHERE m.ticket_id = t.id AND NOT m.internal AND m.role <> 'bot'
        AND m.deleted_at IS NULL), '')
        || E'\\n' || coalesce((SELECT e.data ->> 'summary' FROM events e
        WHERE e.ticket_id = t.id AND e.kind = 'resolved' ORDER BY e.id DESC LIMIT 1), '')
        AS public,
    coalesce((SELECT string_agg(m.text, E'\\n' ORDER BY m.id) FROM messages m
        WHERE m.ticket_id = t.id AND m.internal AND m.deleted_at IS NULL), '') AS internal
FROM tickets t"""
_WRITE = (
    b"INSERT INTO ticket_search (ticket_id, solved, customer_key, terms)"
    b" VALUES (%s, %s, %s, %s::tsvector) ON CONFLICT (ticket_id) DO UPDATE"
    b" SET solved = excluded.solved, customer_key = excluded.customer_key, terms = excluded.terms"
)


def reindex(connection: psycopg.Connection[Any], ticket_ids: Iterable[int]) -> None:
    """Write the tickets' documents again from what is stored now.

    The tickets are locked first: another instance adding to one of them meanwhile commits
    before this reads, or waits until this commits and then writes the document itself,
    so the document never misses a message.
    """
    wanted = sorted(set(ticket_ids))
    if not wanted:
        return
    connection.execute(
        b"SELECT id FROM tickets WHERE id = ANY(%s) ORDER BY id FOR UPDATE", (wanted,)
    )
    _write(connection, _read(connection, b" WHERE t.id = ANY(%s)", wanted))


def queue(connection: psycopg.Connection[Any], ticket_ids: Sequence[int]) -> None:
    """Queue the tickets' documents for the indexer (`storage.indexer`)."""
    if ticket_ids:
        connection.execute(
            b"INSERT INTO search_queue (ticket_id) SELECT unnest(%s::bigint[])", (list(ticket_ids),)
        )


def queued(connection: psycopg.Connection[Any]) -> bool:
    """Whether any ticket's document waits in the queue."""
    return connection.execute(b"SELECT 1 FROM search_queue LIMIT 1").fetchone() is not None


def take_queued(connection: psycopg.Connection[Any], limit: int | None) -> list[int]:
    """Take up to `limit` (None: all) queued rows, oldest first: each row's ticket, so a
    ticket several units queued comes once a row.

    Rows another instance's indexer holds are skipped: that one writes them.
    """
    taken = connection.execute(
        b"DELETE FROM search_queue WHERE id IN (SELECT id FROM search_queue ORDER BY id"
        b" LIMIT %s FOR UPDATE SKIP LOCKED) RETURNING ticket_id",
        (limit,),
    ).fetchall()
    return [ticket_id for (ticket_id,) in taken]


def rebuild(connection: psycopg.Connection[Any]) -> int:
    """Write every ticket's document (after a migration or a move); say how many."""
    connection.execute(b"DELETE FROM ticket_search")
    last, written = 0, 0
    while found := _read(connection, b" WHERE t.id > %s ORDER BY t.id LIMIT %s", last, BATCH):
        _write(connection, found)
        last, written = int(found[-1]["id"]), written + len(found)
    return written


def _read(connection: psycopg.Connection[Any], where: bytes, *params: Any) -> list[dict[str, Any]]:
    cursor = connection.cursor(row_factory=dict_row)
    return cursor.execute(_DOCUMENT.encode() + where, params).fetchall()


def _write(connection: psycopg.Connection[Any], found: list[dict[str, Any]]) -> None:
    with connection.cursor() as cursor:
        cursor.executemany(
            _WRITE,
            [
                (
                    row["id"],
                    row["solved"],
                    row["customer_key"],
                    vector(row["subject"], row["public"], row["internal"]),
                )
                for row in found
            ],
        )


def vector(subject: str, public: str, internal: str) -> str:
    """The ticket's terms as a tsvector literal: each term's positions, weighted by part."""
    held: dict[str, list[str]] = {}
    size, position = 0, 1
    for text, weight in ((subject, "A"), (public, "B"), (internal, "C")):
        for term in terms(text):
            lexeme = _lexeme(term)
            places = held.get(lexeme)
            if places is None:
                if size + len(lexeme.encode()) + 8 > BUDGET:
                    continue
                places = held[lexeme] = []
                size += len(lexeme.encode()) + 6
            if len(places) < POSITIONS:
                places.append(f"{min(position, LAST_POSITION)}{weight}")
                size += 2
            position += 1
        position += _GAP
    return " ".join(f"{lexeme}:{','.join(places)}" for lexeme, places in held.items())


def _lexeme(term: str) -> str:
    # Terms hold letters and digits only; escaping keeps the literal sound whatever changes.
    cut = term[:LONGEST_TERM].replace("\\", "\\\\").replace("'", "''")
    return f"'{cut}'"


def search(connection: psycopg.Connection[Any], query: SearchQuery) -> list[Found]:
    """Run the query and read each ticket found with its latest resolution note."""
    statement, params = _statement(query)
    if statement is None:
        return []
    found = connection.cursor(row_factory=dict_row).execute(statement, params).fetchall()
    return [Found(rows.ticket(row), row["resolution"] or "") for row in found]


def _statement(query: SearchQuery) -> tuple[sql.Composed | None, dict[str, Any]]:
    """The SQL a query runs (None when it can find nothing): the newest matches, ranked.

    A customer's search (or staff's, filtered by customer) reads that customer's documents
    only, so its window holds their newest matches, not everyone's.
    """
    matching = tsquery(query)
    if matching is None or not query.statuses or query.limit <= 0:
        return None, {}
    window = [sql.SQL("s.terms @@ %(match)s::tsquery")]
    if query.customer_key is not None:
        window.append(sql.SQL("s.customer_key = %(customer)s"))
    if query.statuses <= frozenset({Status.RESOLVED, Status.CLOSED}):
        window.append(sql.SQL("s.solved"))
    where, params = _filters(query)
    rank, ranking = _rank(query)
    statement = sql.SQL(
        "SELECT t.*, (SELECT e.data ->> 'summary' FROM events e WHERE e.ticket_id = t.id"
        " AND e.kind = 'resolved' ORDER BY e.id DESC LIMIT 1) AS resolution"
        " FROM (SELECT s.ticket_id, s.terms FROM ticket_search s WHERE {window}"
        " ORDER BY s.ticket_id DESC LIMIT %(window_size)s) w"
        " JOIN tickets t ON t.id = w.ticket_id WHERE {where}"
        " ORDER BY {rank} DESC, t.id DESC LIMIT %(limit)s"
    ).format(window=sql.SQL(" AND ").join(window), where=where, rank=rank)
    params |= ranking | {
        "match": matching,
        "customer": query.customer_key,
        "window_size": sqlite_search.WINDOW,
        "limit": query.limit,
    }
    return statement, params


def _rank(query: SearchQuery) -> tuple[sql.Composable, dict[str, Any]]:
    """What orders the matches, best first, and its parameters.

    A search, as SQLite's: how many of its first phrases the subject holds (every match
    holds them all somewhere). Likeness: `ts_rank`, the subject weighing four times the text.
    """
    if query.like:
        rank = sql.SQL("ts_rank(%(weights)s, w.terms, %(match)s::tsquery, 1)")
        return rank, {"weights": _RANK_WEIGHTS}
    ranked = phrases(query.text)[: sqlite_search.RANKED_PHRASES]
    names = [f"subject_{number}" for number in range(len(ranked))]
    hits = [sql.SQL("(w.terms @@ {}::tsquery)::int").format(sql.Placeholder(n)) for n in names]
    return sql.SQL("({})").format(sql.SQL(" + ").join(hits)), {
        name: _operand(phrase, "A") for name, phrase in zip(names, ranked, strict=True)
    }


def tsquery(query: SearchQuery) -> str | None:
    """The tsquery literal: quoted terms only, ANDed (a search) or ORed (likeness)."""
    weights = "ABC" if query.internal else "AB"
    if query.like:
        wanted = sqlite_search.likeness_terms(query.text)
        return " | ".join(_operand((term,), weights) for term in wanted) or None
    found = phrases(query.text)
    return " & ".join(_operand(phrase, weights) for phrase in found) or None


def _operand(phrase: tuple[str, ...], weights: str) -> str:
    """One phrase: a term, a lone ideograph as a prefix (as SQLite's), or pairs in order."""
    if lone_ideograph(phrase):
        return f"{_lexeme(phrase[0])}:*{weights}"
    said = " <-> ".join(f"{_lexeme(term)}:{weights}" for term in phrase)
    return f"({said})" if len(phrase) > 1 else said


def _filters(query: SearchQuery) -> tuple[sql.Composed, dict[str, Any]]:
    """The tickets' side of the query: fixed SQL, every value a parameter."""
    clauses = ["t.workspace = %(workspace)s", "t.status = ANY(%(statuses)s)"]
    params: dict[str, Any] = {
        "workspace": query.workspace,
        "statuses": sorted(str(status) for status in query.statuses),
    }
    if query.customer_key is not None:
        clauses.append("t.customer_key = %(customer)s")
    if query.since is not None:
        clauses.append("t.created_at >= %(since)s")
        params["since"] = query.since
    if query.excluding is not None:
        clauses.append("t.id <> %(excluding)s")
        params["excluding"] = query.excluding
    return sql.SQL(" AND ").join(sql.SQL(clause) for clause in clauses), params


def solved_changed(status: str, ticket_status: Status) -> bool:
    """Whether a status change moves the ticket into or out of the solved ones."""
    return (status in _SOLVED) != (str(ticket_status) in _SOLVED)
