"""Incidents: numbered per desk, tickets linked to one open incident at a time, a timeline,
and an update broadcast to every linked ticket in one batch."""

from __future__ import annotations

from dataclasses import replace

from handlers.digest.rows import IncidentRow, Window
from handlers.incidents.values import (
    Arrival,
    Broadcast,
    Delivery,
    Entry,
    Failure,
    FirstAnswer,
    Incident,
    IncidentStatus,
    Moment,
    Spike,
)
from handlers.models import ClockKind, NoticeKind, SlaClock
from handlers.notices import in_thread
from handlers.ports import Store
from tests.builders import BOB, CAROL, SUPPORT
from tests.clock import START
from tests.storage.contract.values import later, opened


def draft(title: str = "Checkout returns 500", **changes: object) -> Incident:
    base = Incident(0, SUPPORT.workspace, title, IncidentStatus.INVESTIGATING, BOB, START)
    return replace(base, **changes)  # type: ignore[arg-type]


async def declared(store: Store, title: str = "Checkout returns 500") -> Incident:
    return await store.transact(lambda tx: tx.add_incident(draft(title)))


async def test_incidents_are_numbered_per_desk_and_round_trip(store: Store) -> None:
    """The first is INC-1, the next INC-2; every field reads back as written."""
    first = await declared(store)
    second = await store.transact(
        lambda tx: tx.add_incident(draft("Login slow", detected_at=later(minutes=-5)))
    )
    assert (first.number, second.number) == (1, 2)
    assert first == replace(draft(), number=1)
    assert await store.read(lambda tx: tx.incident(2)) == second
    assert second.detected_at == later(minutes=-5)


async def test_a_saved_incident_keeps_its_status_times_and_due_time(store: Store) -> None:
    """Status, owner, last update, due time and reminders are written back."""
    incident = await declared(store)
    changed = replace(
        incident,
        status=IncidentStatus.RESOLVED,
        owner=CAROL,
        resolved_at=later(hours=2),
        last_update_at=later(hours=1),
        due_at=later(hours=3),
        reminded=2,
    )
    await store.transact(lambda tx: tx.save_incident(changed))
    assert await store.read(lambda tx: tx.incident(incident.number)) == changed


async def test_a_ticket_is_held_by_one_open_incident_at_a_time(store: Store) -> None:
    """A second incident cannot link a held ticket; unlinked, it can."""
    ticket = await opened(store)
    one, two = await declared(store), await declared(store, "Other")
    assert await store.transact(lambda tx: tx.link(one.number, ticket.id, BOB, START))
    assert not await store.transact(lambda tx: tx.link(two.number, ticket.id, BOB, START))
    held = await store.read(lambda tx: tx.holding(ticket.id))
    assert held is not None and held.number == one.number
    assert await store.transact(lambda tx: tx.unlink(one.number, ticket.id, later(minutes=1)))
    assert not await store.transact(lambda tx: tx.unlink(one.number, ticket.id, later(minutes=1)))
    assert await store.read(lambda tx: tx.holding(ticket.id)) is None
    assert await store.transact(lambda tx: tx.link(two.number, ticket.id, BOB, START))


async def test_released_links_still_list_the_tickets_an_incident_affected(store: Store) -> None:
    """After release nothing is held, but `ever` lists the linked tickets (not unlinked ones)."""
    kept, dropped = await opened(store, "1.0"), await opened(store, "2.0")
    incident = await declared(store)
    for ticket in (kept, dropped):
        await store.transact(lambda tx, t=ticket: tx.link(incident.number, t.id, BOB, START))  # type: ignore[misc]
    assert await store.read(lambda tx: tx.linked_count(incident.number)) == 2
    await store.transact(lambda tx: tx.unlink(incident.number, dropped.id, START))
    await store.transact(lambda tx: tx.release(incident.number))
    assert await store.read(lambda tx: tx.linked(incident.number)) == []
    ever = await store.read(lambda tx: tx.linked(incident.number, ever=True))
    assert [ticket.id for ticket in ever] == [kept.id]
    assert await store.read(lambda tx: tx.holding(kept.id)) is None


async def test_a_ticket_is_part_of_its_holding_or_last_resolved_incident(store: Store) -> None:
    """Held: that open incident. Released: the resolved one still, unless a newer one holds
    it. Unlinked: none. Read for a page of tickets at once."""
    held, kept, dropped, alone = [await opened(store, f"{n}.0") for n in range(1, 5)]
    old, new = await declared(store, "Old"), await declared(store, "New")
    for ticket in (held, kept, dropped):
        await store.transact(lambda tx, t=ticket: tx.link(old.number, t.id, BOB, START))  # type: ignore[misc]
    await store.transact(lambda tx: tx.unlink(old.number, dropped.id, START))
    await store.transact(lambda tx: tx.release(old.number))
    await store.transact(lambda tx: tx.link(new.number, held.id, BOB, START))
    ids = [held.id, kept.id, dropped.id, alone.id]
    part = await store.read(lambda tx: tx.part_of(ids))
    assert {ticket: incident.number for ticket, incident in part.items()} == {
        held.id: new.number,
        kept.id: old.number,
    }
    assert await store.read(lambda tx: tx.part_of([])) == {}


async def test_the_timeline_numbers_its_entries_in_order(store: Store) -> None:
    """Entries come back oldest first, numbered from 1, with their fields."""
    incident = await declared(store)
    first = Entry(incident.number, Moment.DECLARED, START, BOB, "Checkout returns 500")
    second = Entry(
        incident.number, Moment.STATUS, later(minutes=3), CAROL, status=IncidentStatus.IDENTIFIED
    )
    third = Entry(incident.number, Moment.LINKED, later(minutes=4), BOB, count=3, total=3)
    stored = [await store.transact(lambda tx, e=e: tx.add_entry(e)) for e in (first, second, third)]  # type: ignore[misc]
    assert [entry.seq for entry in stored] == [1, 2, 3]
    assert await store.read(lambda tx: tx.timeline(incident.number)) == stored


async def test_a_broadcast_answers_every_ticket_and_counts_its_deliveries(store: Store) -> None:
    """Messages, events, first responses, stopped clocks and queued notices, in one batch."""
    tickets = [await opened(store, f"{n}.0") for n in range(3)]
    incident = await declared(store)
    running = SlaClock(tickets[0].id, ClockKind.FIRST_RESPONSE, "24x7", None, START)
    await store.transact(lambda tx: tx.save_clock(running))
    for ticket in tickets:
        await store.transact(lambda tx, t=ticket: tx.link(incident.number, t.id, BOB, START))  # type: ignore[misc]
    assert await store.read(lambda tx: tx.response_clocks(incident.number)) == [running]
    stopped = replace(running, stopped_at=later(minutes=5))
    entry = await store.transact(
        lambda tx: tx.add_entry(Entry(incident.number, Moment.UPDATE, later(minutes=5), BOB))
    )
    broadcast = Broadcast(
        incident.number,
        entry.seq,
        later(minutes=5),
        BOB,
        "We are on it",
        "incident:1:1",
        tuple(
            replace(in_thread(ticket, "bob: We are on it"), kind=NoticeKind.REPLY)
            for ticket in tickets
        ),
        first_answers=(FirstAnswer(tickets[0].id, 300),),
        clocks=(stopped,),
    )
    await store.transact(lambda tx: tx.broadcast(broadcast))
    answered = await store.read(lambda tx: tx.ticket(tickets[0].id))
    assert answered is not None and answered.first_response_at == later(minutes=5)
    assert answered.last_agent_activity_at == later(minutes=5)
    said = await store.read(lambda tx: tx.messages(tickets[2].id, include_internal=False))
    assert [(m.text, m.author, m.message_id) for m in said] == [
        ("We are on it", BOB, "incident:1:1")
    ]
    assert await store.read(lambda tx: tx.response_clocks(incident.number)) == []
    assert await store.read(lambda tx: tx.deliveries(incident.number)) == {
        entry.seq: Delivery(entry.seq, queued=3)
    }
    # One channel: its notices come one at a time, in order.
    [first] = await store.transact(lambda tx: tx.due_notices(later(hours=1), 10))
    await store.transact(lambda tx: tx.mark_sent(first, "m1", later(minutes=6)))
    [second] = await store.transact(lambda tx: tx.due_notices(later(hours=1), 10))
    await store.transact(lambda tx: tx.mark_failed(second, "gone", later(minutes=6)))
    assert await store.read(lambda tx: tx.deliveries(incident.number)) == {
        entry.seq: Delivery(entry.seq, queued=1, delivered=1, failed=1)
    }
    assert await store.read(lambda tx: tx.failures(incident.number, 10)) == [
        Failure(entry.seq, second.notice.ticket_id, "gone")
    ]
    assert await store.read(lambda tx: tx.failures(incident.number, 0)) == []


async def test_due_incidents_are_the_open_ones_past_their_due_time(store: Store) -> None:
    """An open incident due by now is listed and arms the sweep; a resolved one is not."""
    due = await store.transact(lambda tx: tx.add_incident(draft(due_at=later(minutes=15))))
    done = await store.transact(lambda tx: tx.add_incident(draft(due_at=later(minutes=5))))
    await store.transact(lambda tx: tx.save_incident(replace(done, status=IncidentStatus.RESOLVED)))
    assert await store.read(lambda tx: tx.due_incidents(later(minutes=10), 10)) == []
    found = await store.read(lambda tx: tx.due_incidents(later(minutes=20), 10))
    assert [incident.number for incident in found] == [due.number]
    assert await store.read(lambda tx: tx.next_timer_due()) == later(minutes=15)


async def test_incidents_lists_open_ones_and_those_resolved_since(store: Store) -> None:
    """Newest first: the open incident, and a resolved one only when resolved since `since`."""
    old = await declared(store, "Old")
    await store.transact(
        lambda tx: tx.save_incident(
            replace(old, status=IncidentStatus.RESOLVED, resolved_at=later(hours=1))
        )
    )
    current = await declared(store, "Current")
    listed = await store.read(lambda tx: tx.incidents(SUPPORT.workspace))
    assert [incident.number for incident in listed] == [current.number]
    since = await store.read(lambda tx: tx.incidents(SUPPORT.workspace, later(minutes=30)))
    assert [incident.number for incident in since] == [current.number, old.number]


async def test_the_reports_list_the_incidents_open_in_a_window(store: Store) -> None:
    """Open at some time in `[start, end)`: declared before its end, not resolved before it."""
    ticket = await opened(store)
    before = await store.transact(lambda tx: tx.add_incident(draft("Before")))
    await store.transact(
        lambda tx: tx.save_incident(
            replace(before, status=IncidentStatus.RESOLVED, resolved_at=later(minutes=30))
        )
    )
    during = await declared(store, "During")
    await store.transact(lambda tx: tx.link(during.number, ticket.id, BOB, START))
    window = Window(later(hours=1), later(hours=2))
    assert await store.report(lambda r: r.incidents(window)) == [
        IncidentRow(during.number, "During", "investigating", START, None, 1)
    ]
    everything = await store.report(lambda r: r.incidents(Window(START)))
    assert [row.title for row in everything] == ["Before", "During"]


async def test_a_workspaces_report_lists_its_own_incidents(store: Store) -> None:
    """A report of one workspace lists that workspace's incidents; the desk's lists all."""
    await declared(store, "Ours")
    await store.transact(lambda tx: tx.add_incident(draft("Theirs", workspace="console:other")))
    ours = await store.report(lambda r: r.incidents(Window(START)), SUPPORT.workspace)
    assert [row.title for row in ours] == ["Ours"]
    everything = await store.report(lambda r: r.incidents(Window(START)))
    assert [row.title for row in everything] == ["Ours", "Theirs"]


async def test_a_spike_grows_and_is_found_by_its_tickets(store: Store) -> None:
    """A spike is numbered, grows one ticket at a time (once each), is found by any of its
    tickets, and leaves the list once declared or once it stopped growing before `since`."""
    one, two, three = [await opened(store, f"{n}.0") for n in range(3)]
    draft_spike = Spike(
        0, SUPPORT.workspace, "Checkout 500", ("500", "checkout"), START, START, 0, ()
    )
    spike = await store.transact(lambda tx: tx.add_spike(draft_spike, [one.id, two.id]))
    assert spike == replace(draft_spike, id=spike.id, size=2, first=(one.id, two.id))
    size = await store.transact(lambda tx: tx.join_spike(spike.id, three.id, later(minutes=5)))
    again = await store.transact(lambda tx: tx.join_spike(spike.id, three.id, later(minutes=5)))
    assert (size, again) == (3, 3)  # a ticket joins once
    grown = replace(spike, last_at=later(minutes=5), size=3, first=(one.id, two.id, three.id))
    assert await store.read(lambda tx: tx.spike_of(three.id)) == grown
    assert await store.read(lambda tx: tx.spike_tickets(spike.id)) == [one.id, two.id, three.id]
    assert await store.read(lambda tx: tx.spikes(SUPPORT.workspace, later(minutes=1))) == [grown]
    assert await store.read(lambda tx: tx.spikes(SUPPORT.workspace, later(minutes=6))) == []
    incident = await declared(store)
    await store.transact(lambda tx: tx.declare_spike(spike.id, incident.number))
    assert await store.read(lambda tx: tx.spikes(SUPPORT.workspace, START)) == []
    assert await store.read(lambda tx: tx.spike_of(one.id)) == replace(
        grown, incident=incident.number
    )


async def test_recent_arrivals_are_the_new_active_tickets_no_incident_holds(store: Store) -> None:
    """Newest first, opened since `since`, none held by an open incident."""
    one, two, three = [await opened(store, f"{n}.0") for n in range(3)]
    incident = await declared(store)
    await store.transact(lambda tx: tx.link(incident.number, two.id, BOB, START))
    found = await store.read(lambda tx: tx.recent_arrivals(SUPPORT.workspace, START, 10))
    assert found == [
        Arrival(three.id, three.subject, START),
        Arrival(one.id, one.subject, START),
    ]
    later_on = await store.read(
        lambda tx: tx.recent_arrivals(SUPPORT.workspace, later(seconds=1), 10)
    )
    assert later_on == []
    limited = await store.read(lambda tx: tx.recent_arrivals(SUPPORT.workspace, START, 1))
    assert [arrival.ticket_id for arrival in limited] == [three.id]
