"""Full-text search over SQLite's FTS5: one document per ticket, kept current as it changes.

The index (`ticket_search`, see migration 0007) holds each ticket's terms as
`handlers.knowledge.terms` cuts them: words, and overlapping pairs of ideographs, so that a
two-character Chinese word is a term. FTS5's `trigram` tokenizer was measured against this
and lost: it cannot find a query shorter than three characters (退款, 登录), its index is about
twice the size and its queries slower. The `state` column holds `solved` or `active`, so the
similar-tickets query skips unsolved tickets inside the index, and `customer` one term naming
the ticket's customer, so a customer's search reads only their own documents.

Queries are built from terms only, each a quoted FTS5 string: nothing a person types reaches
FTS5 as syntax. A search ranks the most recent `WINDOW` matches, which bounds the cost of a
common word on a large desk, by the phrases their subjects hold (`statement`); the similar-
tickets query ranks its own window by the rarity of the terms shared (`alike`).
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Sequence
from typing import Any

from handlers.knowledge import SOLVED, lone_ideograph, phrases, telling_terms, terms
from handlers.models import Found, SearchQuery
from storage import rows

WINDOW = 2000  # a search's matches ranked, newest first; older ones are not ranked
LIKE_WINDOW = 500  # documents holding any telling term, newest first, ranked for likeness
PROBE = 32  # a term's newest documents read to tell how common it is
COMMON = 1 / 8  # a term in more of the newest documents than this is left out of likeness
SUBJECT_WEIGHT = 4.0  # a term in the subject counts this many times one in the text
INDEX_DELAY = 1.0  # seconds a queued document waits, so the indexer writes it with others
INDEX_BATCH = 500  # documents the indexer writes in one transaction
# Terms of a ticket the similar query looks for: each one more makes the query slower on a
# large desk (16 took 213 ms at p99 over 1M tickets, 8 about half), and the first-written
# terms (the subject's) say most of what a ticket is about.
LIKE_TERMS = 8
RANKED_PHRASES = 8  # a search's first phrases a match is ranked by; the rest only narrow
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


def reindex(raw: sqlite3.Connection, ticket_ids: Sequence[int]) -> None:
    """Write the tickets' documents again from what is stored now, in one statement."""
    raw.execute(
        # Fixed SQL (the document's query); the ids are a parameter.
        "INSERT OR REPLACE INTO ticket_search (rowid, subject, public, internal, state, customer)"  # noqa: S608
        + DOCUMENT
        + " WHERE t.id IN (SELECT value FROM json_each(?))",
        (json.dumps(list(ticket_ids)),),
    )


def merge_all(raw: sqlite3.Connection) -> None:
    """Merge the index into one segment: terms of documents rewritten since are gone for good.

    FTS5 marks a rewritten document's old terms deleted and drops them only when their
    segment is merged; forgetting a person must not leave their words in an old segment.
    """
    raw.execute("INSERT INTO ticket_search (ticket_search) VALUES ('optimize')")


def queue(raw: sqlite3.Connection, ticket_ids: Sequence[int]) -> None:
    """Queue the tickets' documents for the indexer (`storage.indexer`)."""
    raw.executemany(
        "INSERT OR IGNORE INTO search_queue (ticket_id) VALUES (?)", [(i,) for i in ticket_ids]
    )


def queued(raw: sqlite3.Connection) -> bool:
    """Whether any ticket's document waits in the queue."""
    return raw.execute("SELECT 1 FROM search_queue LIMIT 1").fetchone() is not None


def take_queued(raw: sqlite3.Connection, limit: int | None) -> list[int]:
    """Take up to `limit` (None: all) tickets off the queue, oldest first, to be indexed."""
    taken = [
        row[0]
        for row in raw.execute(
            "DELETE FROM search_queue WHERE ticket_id IN"
            " (SELECT ticket_id FROM search_queue ORDER BY ticket_id LIMIT ?) RETURNING ticket_id",
            (-1 if limit is None else limit,),
        )
    ]
    return sorted(taken)


def search(raw: sqlite3.Connection, query: SearchQuery) -> list[Found]:
    """Run the query and read each ticket found with its latest resolution note."""
    if query.like:
        return _tickets(raw, alike(raw, query))
    sql, params = statement(query)
    if not sql:
        return []
    return [Found(rows.ticket(row), resolution(raw, row["id"])) for row in _rows(raw, sql, params)]


def _rows(raw: sqlite3.Connection, sql: str, params: Sequence[Any]) -> list[sqlite3.Row]:
    cursor = raw.cursor()
    cursor.row_factory = sqlite3.Row  # the reports' connection reads plain tuples otherwise
    return cursor.execute(sql, params).fetchall()


def _tickets(raw: sqlite3.Connection, ids: Sequence[int]) -> list[Found]:
    """The tickets by id, in the order given, each with its latest resolution note."""
    found = []
    for ticket_id in ids:
        (row,) = _rows(raw, "SELECT * FROM tickets WHERE id = ?", (ticket_id,))
        found.append(Found(rows.ticket(row), resolution(raw, ticket_id)))
    return found


def statement(query: SearchQuery) -> tuple[str, tuple[Any, ...]]:
    """The SQL a search runs ("" when it can find nothing): the newest matches, ranked.

    Every match holds every phrase searched for, so what tells them apart is where: a match
    ranks by how many of the phrases its subject holds (a subject's words count
    `SUBJECT_WEIGHT` times the text's, so that order is the weighted sum's), then newest
    first. Each phrase's subject matches are read only among the window's documents, as an
    intersection with the search itself, so a common word costs little. bm25 ranked this
    before, and read the whole list of every phrase to weigh it: 20 ms and more for three
    common words over a million tickets, where the window takes one.

    A customer's search (or staff's, filtered by customer) asks the index for that
    customer's documents only, so its window holds their newest matches, not everyone's.
    A status filter is the tickets' side of the query, not the index's.
    """
    found = phrases(query.text)
    if not found or not query.statuses or query.limit <= 0:
        return "", ()
    match = _scoped(query, " ".join(_quoted(phrase) for phrase in found))
    ranked = found[:RANKED_PHRASES]
    in_subject = [f"subject : {_quoted(phrase)} AND {match}" for phrase in ranked]
    hits = " + ".join(
        "(w.id IN (SELECT rowid FROM ticket_search WHERE ticket_search MATCH ?"
        " AND rowid >= (SELECT min(id) FROM w)))"
        for _ in ranked
    )
    where, params = _filters(query)
    sql = (
        "WITH w AS MATERIALIZED (SELECT t.id FROM (SELECT rowid AS id FROM ticket_search"  # noqa: S608
        " WHERE ticket_search MATCH ? ORDER BY rowid DESC LIMIT ?) m"
        f" JOIN tickets t ON t.id = m.id WHERE {where}),"
        f" ranked AS (SELECT w.id, {hits} AS score FROM w ORDER BY score DESC, w.id DESC LIMIT ?)"
        " SELECT t.*, ranked.score FROM ranked JOIN tickets t ON t.id = ranked.id"
        " ORDER BY ranked.score DESC, ranked.id DESC"
    )
    return sql, (match, WINDOW, *params, *in_subject, query.limit)


def customer_term(customer_key: str) -> str:
    """The one term naming a customer in the index (as `'k' || hex(key)` writes it)."""
    return "k" + customer_key.encode().hex().upper()


def _scoped(query: SearchQuery, body: str) -> str:
    """The FTS5 query for `body` (quoted terms only) in the columns and documents in scope."""
    scoped = f"{_STAFF if query.internal else _PUBLIC} : ({body})"
    if query.customer_key is not None:
        return f'customer : "{customer_term(query.customer_key)}" AND ({scoped})'
    return scoped


# -- likeness ---------------------------------------------------------------------------------


def alike(raw: sqlite3.Connection, query: SearchQuery) -> list[int]:
    """The tickets most like the query's text, best first: ranked here, not by bm25.

    bm25 reads the whole list of every term it ranks by, and on a large desk the terms of a
    ticket (and `solved`) are each in a large share of the documents: 100 ms and more over a
    million tickets. Instead each telling term's weight is read from how densely it sits in
    the newest documents (`weights`), the newest `LIKE_WINDOW` documents holding any of them
    are found, and each is scored by the weights of the terms it holds (`_likeness`), its
    subject's counting `SUBJECT_WEIGHT` times. The cost is bounded by the window, whatever
    the size of the desk.
    """
    if not query.statuses or query.limit <= 0:
        return []
    weights = telling_weights(raw, query)
    if not weights:
        return []
    sql, params = likeness_statement(query, list(weights))
    found = [ticket_id for (ticket_id,) in raw.execute(sql, params)]
    if not found:
        return []
    scores = _likeness(raw, query, found, weights)
    found.sort(key=lambda ticket_id: (-scores[ticket_id], -ticket_id))
    return found[: query.limit]


def likeness_statement(query: SearchQuery, wanted: Sequence[str]) -> tuple[str, tuple[Any, ...]]:
    """The SQL reading the ids of the newest documents in scope holding any of `wanted`."""
    match = _scoped(query, " OR ".join(_quoted((term,)) for term in wanted))
    if query.statuses <= SOLVED:
        match = f"state : solved AND {match}"  # in the index: nothing ranks by its long list
    where, params = _filters(query)
    sql = (
        "SELECT w.id FROM (SELECT rowid AS id FROM ticket_search"  # noqa: S608
        " WHERE ticket_search MATCH ? ORDER BY rowid DESC LIMIT ?) w"
        f" JOIN tickets t ON t.id = w.id WHERE {where}"
    )
    return sql, (match, LIKE_WINDOW, *params)


def _likeness(
    raw: sqlite3.Connection, query: SearchQuery, found: Sequence[int], weights: dict[str, float]
) -> dict[int, float]:
    """Each found document's likeness: the weights of the terms it holds, its subject's
    counted `SUBJECT_WEIGHT` times.

    Which document holds a term is the index's answer, as it matched them (`arrive` holds
    `arrives`), read for each term from the oldest document found on: a few short lists.
    """
    since = min(found)
    anywhere = _STAFF if query.internal else _PUBLIC
    scores = dict.fromkeys(found, 0.0)
    for term, weight in weights.items():
        quoted = _quoted((term,))
        in_subject = _holding(raw, f"subject : {quoted}", since)
        held = _holding(raw, f"{anywhere} : {quoted}", since)
        for ticket_id in found:
            if ticket_id in in_subject:
                scores[ticket_id] += weight * SUBJECT_WEIGHT
            elif ticket_id in held:
                scores[ticket_id] += weight
    return scores


def _holding(raw: sqlite3.Connection, match: str, since: int) -> set[int]:
    """The documents from `since` on that match."""
    return {
        ticket_id
        for (ticket_id,) in raw.execute(
            "SELECT rowid FROM ticket_search WHERE ticket_search MATCH ? AND rowid >= ?",
            (match, since),
        )
    }


def telling_weights(raw: sqlite3.Connection, query: SearchQuery) -> dict[str, float]:
    """The query's likeness terms worth asking for, each weighing more the rarer it is.

    How common a term is: the share of the newest documents in scope that hold it, read
    from the newest `PROBE` of them (or all, when fewer hold it). A term held by more than
    `COMMON` of them says little about a ticket and would fill the window: it is left out.
    """
    if not _any_solved(raw, query):
        return {}  # nothing solved yet: one short look
    wanted = likeness_terms(query.text)
    if not wanted or not _newest(raw, query, wanted, 1):
        return {}  # nothing in scope holds any of them: one look more
    (newest,) = raw.execute("SELECT coalesce(max(id), 0) FROM tickets").fetchone()
    weights: dict[str, float] = {}
    for term in wanted:
        held = _newest(raw, query, [term], PROBE)
        if not held:
            continue
        full = len(held) == PROBE
        share = len(held) / max(1, (newest - held[-1][0] + 1) if full else newest)
        if full and share > COMMON:
            continue
        weights[term] = math.log(1 + 1 / share)
    return weights


def _any_solved(raw: sqlite3.Connection, query: SearchQuery) -> bool:
    """Whether a query for solved tickets has any to look at (one short list to read)."""
    if not query.statuses <= SOLVED:
        return True
    found = raw.execute(
        "SELECT 1 FROM ticket_search WHERE ticket_search MATCH 'state : solved' LIMIT 1"
    ).fetchone()
    return found is not None


def _newest(
    raw: sqlite3.Connection, query: SearchQuery, wanted: Sequence[str], limit: int
) -> list[tuple[int]]:
    """The newest documents in scope holding any of `wanted`, at most `limit` of them."""
    match = _scoped(query, " OR ".join(_quoted((term,)) for term in wanted))
    if query.statuses <= SOLVED:
        match = f"state : solved AND {match}"
    return raw.execute(
        "SELECT rowid FROM ticket_search WHERE ticket_search MATCH ? ORDER BY rowid DESC LIMIT ?",
        (match, limit),
    ).fetchall()


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
    return f'"{text}" *' if lone_ideograph(phrase) else f'"{text}"'


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
