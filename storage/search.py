"""Full-text search over SQLite's FTS5: one document per ticket, kept current as it changes.

The index (`ticket_search`, see migration 0007) holds each ticket's terms as
`handlers.knowledge.terms` cuts them: words, and overlapping pairs of ideographs, so that a
two-character Chinese word is a term. FTS5's `trigram` tokenizer was measured against this
and lost: it cannot find a query shorter than three characters (退款, 登录), its index is about
twice the size and its queries slower. The `state` column holds `solved` or `active`, so the
similar-tickets query skips unsolved tickets inside the index, and `customer` one term naming
the ticket's customer, so a customer's search reads only their own documents.

Queries are built from terms only, each a quoted FTS5 string: nothing a person types reaches
FTS5 as syntax. Ranking is bm25 over the most recent `WINDOW` matches, which bounds the cost
of a common word on a large desk.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from handlers.knowledge import phrases, telling_terms, terms
from handlers.models import Found, SearchQuery, Status
from storage import rows

WINDOW = 2000  # matches ranked by bm25, newest first; older ones are not ranked
# Terms of a ticket the similar query looks for: each one more makes the query slower on a
# large desk (16 took 213 ms at p99 over 1M tickets, 8 about half), and the first-written
# terms (the subject's) say most of what a ticket is about.
LIKE_TERMS = 8
_WEIGHTS = "4.0, 1.0, 1.0, 0.0, 0.0"  # subject, public, internal, state, customer
_PUBLIC = "{subject public}"
_STAFF = "{subject public internal}"

# One ticket's document: subject; customer text, public replies and the resolution note;
# internal notes; solved or not. Deleted messages and the bot's own are left out.
DOCUMENT = """
SELECT t.id,
    search_terms(t.subject),
    search_terms(coalesce((SELECT group_concat(m.text, char(10)) FROM messages m
        WHERE m.ticket_id = t.id AND m.internal = 0 AND m.role != 'bot'
        AND m.deleted_at IS NULL), '')
        || char(10) || coalesce((SELECT json_extract(e.data, '$.summary') FROM events e
        WHERE e.ticket_id = t.id AND e.kind = 'resolved' ORDER BY e.id DESC LIMIT 1), '')),
    search_terms(coalesce((SELECT group_concat(m.text, char(10)) FROM messages m
        WHERE m.ticket_id = t.id AND m.internal = 1 AND m.deleted_at IS NULL), '')),
    CASE WHEN t.status IN ('resolved', 'closed') THEN 'solved' ELSE 'active' END,
    'k' || hex(t.customer_key)
FROM tickets t"""


def search_terms(text: str | None) -> str:
    """The text as the index holds it: its terms, space-separated (a SQL function)."""
    return " ".join(terms(text or ""))


def register(raw: sqlite3.Connection) -> None:
    """Give the connection `search_terms`, which the index and its migration use."""
    raw.create_function("search_terms", 1, search_terms, deterministic=True)


def reindex(raw: sqlite3.Connection, ticket_id: int) -> None:
    """Write the ticket's document again from what is stored now."""
    raw.execute(
        "INSERT OR REPLACE INTO ticket_search (rowid, subject, public, internal, state, customer)"
        + DOCUMENT
        + " WHERE t.id = ?",
        (ticket_id,),
    )


def search(raw: sqlite3.Connection, query: SearchQuery) -> list[Found]:
    """Run the query and read each ticket found with its latest resolution note."""
    sql, params = statement(query)
    if not sql:
        return []
    cursor = raw.cursor()
    cursor.row_factory = sqlite3.Row  # the reports' connection reads plain tuples otherwise
    found = cursor.execute(sql, params).fetchall()
    return [Found(rows.ticket(row), resolution(raw, row["id"])) for row in found]


def statement(query: SearchQuery) -> tuple[str, tuple[Any, ...]]:
    """The SQL a query runs ("" when it can find nothing): the newest matches, ranked.

    A customer's search (or staff's, filtered by customer) asks the index for that
    customer's documents only, so its window holds their newest matches, not everyone's.
    """
    match = _match(query)
    if match is None or not query.statuses or query.limit <= 0:
        return "", ()
    where, params = _filters(query)
    sql = (
        "SELECT t.*, w.score FROM (SELECT rowid AS id,"  # noqa: S608
        f" bm25(ticket_search, {_WEIGHTS}) AS score FROM ticket_search"
        " WHERE ticket_search MATCH ? ORDER BY rowid DESC LIMIT ?) w"
        f" JOIN tickets t ON t.id = w.id WHERE {where} ORDER BY w.score LIMIT ?"
    )
    return sql, (match, WINDOW, *params, query.limit)


def customer_term(customer_key: str) -> str:
    """The one term naming a customer in the index (as `'k' || hex(key)` writes it)."""
    return "k" + customer_key.encode().hex().upper()


def _match(query: SearchQuery) -> str | None:
    """The FTS5 query: quoted terms only, ANDed (a search) or ORed (likeness)."""
    if query.like:
        wanted = likeness_terms(query.text)
        if not wanted:
            return None
        body = " OR ".join(_quoted((term,)) for term in wanted)
    else:
        found = phrases(query.text)
        if not found:
            return None
        body = " ".join(_quoted(phrase) for phrase in found)
    scoped = f"{_STAFF if query.internal else _PUBLIC} : ({body})"
    if query.customer_key is not None:
        scoped = f'customer : "{customer_term(query.customer_key)}" AND ({scoped})'
    if query.statuses <= frozenset({Status.RESOLVED, Status.CLOSED}):
        return f"state : solved AND {scoped}"
    return scoped


def likeness_terms(text: str) -> list[str]:
    """Up to `LIKE_TERMS` telling terms of `text`, first written first, numbers left out.

    A number (an order, an amount, a count of days) differs from ticket to ticket about the
    same problem, and matches tickets about others.
    """
    telling = telling_terms(text)
    kept: list[str] = []
    for term in terms(text):
        if term in telling and term not in kept and not term.isdigit():
            kept.append(term)
    return kept[:LIKE_TERMS]


def _quoted(phrase: tuple[str, ...]) -> str:
    # Terms hold letters and digits only; doubling quotes keeps that true whatever changes.
    text = " ".join(phrase).replace('"', '""')
    return f'"{text}" *' if len(phrase) == 1 and len(phrase[0]) == 1 else f'"{text}"'


def _filters(query: SearchQuery) -> tuple[str, list[Any]]:
    """The tickets' side of the query: fixed SQL, every value a parameter."""
    statuses = sorted(str(status) for status in query.statuses)
    clauses = ["t.workspace = ?", f"t.status IN ({', '.join('?' * len(statuses))})"]
    params: list[Any] = [query.workspace, *statuses]
    if query.customer_key is not None:
        clauses.append("t.customer_key = ?")
        params.append(query.customer_key)
    if query.since is not None:
        clauses.append("t.created_at >= ?")
        params.append(rows.to_db(query.since))
    if query.excluding is not None:
        clauses.append("t.id != ?")
        params.append(query.excluding)
    return " AND ".join(clauses), params


def resolution(raw: sqlite3.Connection, ticket_id: int) -> str:
    """The ticket's latest resolution note ("" when it has none)."""
    row = raw.execute(
        "SELECT json_extract(data, '$.summary') FROM events"
        " WHERE ticket_id = ? AND kind = 'resolved' ORDER BY id DESC LIMIT 1",
        (ticket_id,),
    ).fetchone()
    return str(row[0]) if row is not None and row[0] is not None else ""
