"""The web view's reads: the queue by key, a ticket's page, and the operators' totals."""

from __future__ import annotations

from dataclasses import replace

from handlers.digest.rows import Window
from handlers.models import (
    ACTIVE_STATUSES,
    Author,
    Event,
    EventKind,
    Message,
    Priority,
    Status,
    Ticket,
)
from handlers.ports import Store, Tx, ViewSource
from handlers.views import QueueQuery, QueueSort
from tests.builders import ALICE, BOB, SUPPORT
from tests.storage.contract.values import later, new_ticket, note, opened


async def five(store: Store) -> list[Ticket]:
    """Five tickets, opened a minute apart; the third is urgent, the fourth bob's."""
    found = []
    for n in range(5):
        ticket = await store.transact(
            lambda tx, n=n: tx.insert_ticket(
                replace(new_ticket(f"{n}.0"), created_at=later(minutes=n))
            )  # type: ignore[misc]
        )
        assert ticket is not None
        found.append(ticket)
    changed = [
        replace(found[2], priority=Priority.URGENT),
        replace(found[3], assignee=BOB, status=Status.CLAIMED),
    ]
    for ticket in changed:
        await store.transact(lambda tx, ticket=ticket: tx.update_ticket(ticket))  # type: ignore[misc]
    return found


async def pages(views: ViewSource, query: QueueQuery) -> list[list[int]]:
    """Every page of the queue, following each page's last key."""
    found: list[list[int]] = []
    while True:
        rows = await views.view(lambda v, query=query: v.queue(query))  # type: ignore[misc]
        if not rows:
            return found
        found.append([row.ticket.id for row in rows])
        query = replace(query, after=rows[-1].after(query.sort))


async def test_the_queue_pages_by_key_in_each_order(store: Store, views: ViewSource) -> None:
    """Each sort reads every ticket once, page after page, in its order."""
    ids = [ticket.id for ticket in await five(store)]
    query = QueueQuery(SUPPORT.workspace, ACTIVE_STATUSES, limit=2)
    assert await pages(views, query) == [ids[0:2], ids[2:4], ids[4:]]
    newest = await pages(views, replace(query, sort=QueueSort.NEWEST))
    assert newest == [ids[:2:-1][:2], [ids[2], ids[1]], [ids[0]]]
    urgent_first = await pages(views, replace(query, sort=QueueSort.PRIORITY, limit=5))
    assert urgent_first == [[ids[2], ids[0], ids[1], ids[3], ids[4]]]


async def test_the_queue_filters_by_priority_holder_and_customer(
    store: Store, views: ViewSource
) -> None:
    """Filters narrow the queue; another workspace's tickets never appear."""
    ids = [ticket.id for ticket in await five(store)]
    base = QueueQuery(SUPPORT.workspace, ACTIVE_STATUSES, limit=10)

    async def shown(query: QueueQuery) -> list[int]:
        return [row.ticket.id for row in await views.view(lambda v: v.queue(query))]

    assert await shown(replace(base, priority=Priority.URGENT)) == [ids[2]]
    assert await shown(replace(base, assignee_key=BOB.key)) == [ids[3]]
    assert await shown(replace(base, unassigned=True)) == [ids[0], ids[1], ids[2], ids[4]]
    assert await shown(replace(base, customer_key=ALICE.key)) == ids
    assert await shown(replace(base, customer_key="console:nobody")) == []
    assert await shown(replace(base, workspace="console:elsewhere")) == []


async def test_a_ticket_page_holds_its_conversation_and_audit(
    store: Store, views: ViewSource
) -> None:
    """Notes only when asked for; the audit in order; an unknown ticket is None."""
    ticket = await opened(store)
    said = Message(ticket.id, "m1", ALICE, Author.CUSTOMER, "hello", later(seconds=1))
    noted = Message(ticket.id, "n1", BOB, Author.AGENT, "psst", later(seconds=2), internal=True)
    claimed = Event(ticket.id, BOB, EventKind.CLAIMED, later(seconds=3), {"force": False})

    def write(tx: Tx) -> None:
        tx.add_message(said)
        tx.add_message(noted)
        tx.record(claimed)

    await store.transact(write)
    staff = await views.view(lambda v: v.ticket_page(ticket.id, include_internal=True))
    customer = await views.view(lambda v: v.ticket_page(ticket.id, include_internal=False))
    assert staff is not None and customer is not None
    assert [m.text for m in staff.messages] == ["hello", "psst"]
    assert [m.text for m in customer.messages] == ["hello"]
    assert [(e.kind, e.actor_name, e.data) for e in staff.events] == [
        ("claimed", "bob", {"force": False})
    ]
    assert await views.view(lambda v: v.ticket_page(ticket.id + 99, include_internal=True)) is None


async def test_tickets_created_in_a_window_page_by_id(store: Store, views: ViewSource) -> None:
    """The export reads a workspace's tickets created in `[start, end)`, after an id."""
    ids = [ticket.id for ticket in await five(store)]
    window = Window(later(minutes=1), later(minutes=4))

    async def created(after: int, limit: int) -> list[int]:
        found = await views.view(
            lambda v: v.tickets_created(SUPPORT.workspace, window, after, limit)
        )
        return [ticket.id for ticket in found]

    assert await created(0, 10) == ids[1:4]
    assert await created(ids[1], 1) == [ids[2]]
    assert await views.view(lambda v: v.tickets_created("console:else", window, 0, 9)) == []


async def test_totals_count_events_the_outbox_and_open_breaches(
    store: Store, views: ViewSource
) -> None:
    """Totals per event kind asked for, the outbox by state and its oldest pending notice."""
    ticket = await opened(store)

    def write(tx: Tx) -> None:
        tx.record(Event(ticket.id, BOB, EventKind.CLAIMED, later(seconds=1), {}))
        tx.enqueue(note(), later(seconds=2))
        tx.remember("signin:abc", later(seconds=3))

    await store.transact(write)
    totals = await views.view(lambda v: v.totals(["claimed", "resolved"]))
    assert totals.events == {"claimed": 1, "resolved": 0}
    assert totals.outbox == {"pending": 1}
    assert (totals.open_breaches, totals.oldest_pending) == (0, later(seconds=2))
    assert await views.view(lambda v: v.remembered("signin:abc"))
    assert not await views.view(lambda v: v.remembered("signin:other"))
