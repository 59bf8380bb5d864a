"""Forgetting a person: every personal field replaced by one pseudonym, the figures kept."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from handlers import privacy
from handlers.desk import Desk
from handlers.models import Attachment, Scale, SearchQuery, Survey
from handlers.ports import Store
from storage.personal import TABLES
from storage.postgres.store import PostgresStore
from tests.builders import ALICE, BOB, CAROL, DAVE, WORKSPACE, open_ticket, post, rows, run
from tests.clock import FakeClock

pytestmark = pytest.mark.both_stores

SECRET = "zanzibarian"  # a word only alice's ticket holds
SECRET_NOTE = "quokkaberry"
DROPPED = (
    "dropped: the person it was for was forgotten"  # a word only the agents' note about alice holds
)


async def alice_and_dave(desk: Desk, store: Store, clock: FakeClock) -> tuple[int, int]:
    """Alice's ticket (talk, a note, a resolution, a rating) and Dave's, which names her."""
    mine = await open_ticket(desk, ALICE, f"my {SECRET} invoice is wrong")
    ticket = await desk.ticket(mine)
    assert ticket is not None
    await post(
        desk,
        ALICE,
        "here is the invoice",
        place=ticket.place,
        attachments=(Attachment("alice-invoice.pdf", "https://files/alice-invoice.pdf"),),
    )
    assert (await run(desk, BOB, f"claim {mine}")).ok
    await post(desk, BOB, "hello alice, checking", place=ticket.place)
    assert (await run(desk, BOB, f"note {mine} alice pays by {SECRET_NOTE}")).ok
    assert (await run(desk, BOB, f"resolve {mine} refunded the {SECRET} charge")).ok
    asked = Survey(
        mine, 1, ALICE.key, True, Scale.FIVE, clock.now(), clock.now() + timedelta(days=7)
    )
    rated = Survey(**{**vars(asked), "score": 2, "comment": f"slow {SECRET}"})
    rated = Survey(**{**vars(rated), "answered_at": clock.now(), "rated_at": clock.now()})
    await store.transact(lambda tx: (tx.add_survey(asked), tx.save_rating(rated)))
    theirs = await open_ticket(desk, DAVE, "same as alice had")
    assert (await run(desk, BOB, f"note {theirs} like alice's case")).ok
    return mine, theirs


async def everything(store: Store) -> str:
    """Every value of every mapped table, as one lowercase text."""
    found = []
    for table in TABLES:
        if table.name == "ticket_search" and isinstance(store, PostgresStore):
            query = "SELECT customer_key, terms::text FROM ticket_search"
        else:
            query = f"SELECT * FROM {table.name}"  # noqa: S608
        try:
            found += await rows(store, query)
        except Exception as error:
            if "no such table" not in str(error) and "does not exist" not in str(error):
                raise
    return json.dumps(found, default=str, ensure_ascii=False).lower()


async def test_forgetting_leaves_no_trace_of_the_person(
    desk: Desk, store: Store, clock: FakeClock
) -> None:
    """No key, id, name, text or attachment of alice remains, in any table or the index."""
    await alice_and_dave(desk, store, clock)
    assert "alice" in await everything(store)
    await privacy.forget(store, ALICE.key, CAROL.key, clock.now())
    left = await everything(store)
    for trace in ("alice", SECRET, SECRET_NOTE, "invoice.pdf"):
        assert trace not in left, trace


async def test_an_incident_that_quotes_or_names_them_forgets_them_too(
    desk: Desk, store: Store, clock: FakeClock
) -> None:
    """A title taken from their subject, their link and an update naming them: all scrubbed."""
    mine, _ = await alice_and_dave(desk, store, clock)
    assert (await run(desk, BOB, f"incident declare my {SECRET} invoice is wrong")).ok
    assert (await run(desk, BOB, f"incident link INC-1 {mine}")).ok
    assert (await run(desk, BOB, "incident update INC-1 alice and others: fixed soon")).ok
    await privacy.forget(store, ALICE.key, CAROL.key, clock.now())
    left = await everything(store)
    for trace in ("alice", SECRET):
        assert trace not in left, trace
    assert (await rows(store, "SELECT count(*) FROM incident_links")) == [(1,)]


async def test_the_pseudonym_is_one_and_the_same_on_all_their_rows(
    desk: Desk, store: Store, clock: FakeClock
) -> None:
    """Their tickets still group: customer, authors and actors carry one pseudonym."""
    mine, theirs = await alice_and_dave(desk, store, clock)
    second = await open_ticket(desk, ALICE, "another one")
    done = await privacy.forget(store, ALICE.key, CAROL.key, clock.now())
    key = f"console:{done.pseudonym}"
    assert done.pseudonym.startswith("customer-")
    customers = await rows(store, "SELECT id, customer_key FROM tickets ORDER BY id")
    assert customers == [(mine, key), (theirs, DAVE.key), (second, key)]
    authors = await rows(
        store, "SELECT DISTINCT author_name FROM messages WHERE author_key = ?", key
    )
    assert authors == [(done.pseudonym,)]
    notes = await rows(store, "SELECT text FROM messages WHERE ticket_id = ? AND internal", theirs)
    assert notes == [(f"like {done.pseudonym}'s case",)]  # named elsewhere: pseudonymised


async def test_the_figures_of_their_tickets_stay(
    desk: Desk, store: Store, clock: FakeClock
) -> None:
    """Statuses, times, scores and the number of messages and events do not change."""
    await alice_and_dave(desk, store, clock)
    kept = (
        "SELECT (SELECT count(*) FROM messages), (SELECT count(*) FROM events),"
        " (SELECT count(*) FROM tickets WHERE status = 'resolved'),"
        " (SELECT sum(score) FROM surveys), (SELECT max(resolved_at) FROM tickets)"
    )
    before = await rows(store, kept)
    await privacy.forget(store, ALICE.key, CAROL.key, clock.now())
    assert await rows(store, kept) == before


async def test_a_dry_run_changes_nothing_and_counts_what_would_change(
    desk: Desk, store: Store, clock: FakeClock
) -> None:
    """The dry run lists the same columns and counts the forgetting then changes."""
    await alice_and_dave(desk, store, clock)
    before = await everything(store)
    planned = await privacy.forget(store, ALICE.key, CAROL.key, clock.now(), dry_run=True)
    assert await everything(store) == before
    assert planned.dry_run and planned.redaction is None
    done = await privacy.forget(store, ALICE.key, CAROL.key, clock.now())
    assert planned.changed == done.changed
    assert dict(done.changed)["tickets.subject"] == 2  # hers redacted, dave's naming her
    assert dict(done.changed)["surveys.comment"] == 1


async def test_notices_queued_for_them_are_dropped_with_a_reason(
    desk: Desk, store: Store, clock: FakeClock
) -> None:
    """Alice's pending notices are dropped (superseded, with why); Dave's still go out."""
    mine, theirs = await alice_and_dave(desk, store, clock)
    pending = "SELECT count(*) FROM outbox WHERE status = 'pending' AND ticket_id = ?"
    assert (await rows(store, pending, mine))[0][0] > 0
    waiting_for_dave = await rows(store, pending, theirs)
    done = await privacy.forget(store, ALICE.key, CAROL.key, clock.now())
    assert (await rows(store, pending, mine))[0][0] == 0
    assert await rows(store, pending, theirs) == waiting_for_dave
    dropped = await rows(
        store, "SELECT count(*) FROM outbox WHERE ticket_id = ? AND last_error = ?", mine, DROPPED
    )
    assert dropped == [(done.notices_dropped,)]
    assert done.notices_dropped > 0


async def test_the_forgetting_is_recorded_without_what_was_forgotten(
    desk: Desk, store: Store, clock: FakeClock
) -> None:
    """Who asked, when, the pseudonym and the counts; nothing of the person."""
    await alice_and_dave(desk, store, clock)
    events = "SELECT * FROM events ORDER BY id"
    before = await rows(store, events)
    done = await privacy.forget(store, ALICE.key, CAROL.key, clock.now())
    rewritten = sum(old != new for old, new in zip(before, await rows(store, events), strict=True))
    (record,) = await rows(
        store, "SELECT kind, asked_by, pseudonym, counts, audit_rows FROM redactions"
    )
    kind, asked_by, pseudonym, counts, audit_rows = record
    assert (kind, asked_by, pseudonym) == ("forget", CAROL.key, done.pseudonym)
    counts = counts if isinstance(counts, dict) else json.loads(str(counts))
    assert counts == dict(done.changed)
    assert audit_rows == rewritten > 0  # counted by the database, row by row
    assert "alice" not in json.dumps(record, default=str).lower()


async def test_the_search_no_longer_finds_their_words(
    desk: Desk, store: Store, clock: FakeClock
) -> None:
    """Their ticket is still a ticket, but none of their words find it."""
    mine, _ = await alice_and_dave(desk, store, clock)

    def search(text: str) -> Any:
        query = SearchQuery(WORKSPACE, text, internal=True)
        return store.read(lambda tx: [found.ticket.id for found in tx.search(query)])

    assert await search(SECRET) == [mine]
    assert await search(SECRET_NOTE) == [mine]
    await privacy.forget(store, ALICE.key, CAROL.key, clock.now())
    assert await search(SECRET) == []
    assert await search(SECRET_NOTE) == []
    assert await search("alice") == []


async def test_the_export_holds_their_rows_and_no_one_elses(
    desk: Desk, store: Store, clock: FakeClock
) -> None:
    """Their ticket, what they wrote, their rating, the audit of their ticket; not Dave's."""
    mine, theirs = await alice_and_dave(desk, store, clock)
    found: list[tuple[str, dict[str, object]]] = []
    count = await privacy.export_person(store, ALICE.key, lambda t, row: found.append((t, row)))
    assert count == len(found)
    tickets = [row["id"] for table, row in found if table == "tickets"]
    assert tickets == [mine]
    comments = [row["comment"] for table, row in found if table == "surveys"]
    assert comments == [f"slow {SECRET}"]
    assert {table for table, _ in found} >= {"tickets", "messages", "events", "surveys"}
    assert all(row.get("ticket_id") != theirs for _, row in found)
    json.dumps(found)  # JSON-ready as it comes
