"""One way to change a ticket: `changes.apply` writes it, audits it, moves its clocks,
re-plans its timers and queues its notices, whoever made the change."""

from __future__ import annotations

import ast
import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from handlers import changes, lifecycle, notices
from handlers.changes import TicketChange
from handlers.desk import Desk
from handlers.models import (
    Author,
    ClockKind,
    EventKind,
    Message,
    Priority,
    SlaClock,
    Ticket,
)
from handlers.settings import DeskSettings, EscalationSettings, Reminder
from storage.rows import to_db
from storage.store import SqliteStore
from tests import builders
from tests.builders import ALICE, BOB, open_ticket, rows
from tests.clock import START, FakeClock

# These exercise the store: each runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.both_stores

HOUR = timedelta(hours=1)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def settings() -> DeskSettings:
    """The console desk, reminding the agents of an unclaimed ticket after 30 minutes."""
    return builders.settings(
        escalation=EscalationSettings(unclaimed=Reminder(timedelta(minutes=30)), idle=4 * HOUR)
    )


async def ticket(store: SqliteStore, ticket_id: int = 1) -> Ticket:
    found = await store.read(lambda tx: tx.ticket(ticket_id))
    assert found is not None
    return found


async def apply(
    store: SqliteStore, change: TicketChange, clock: FakeClock, settings: DeskSettings
) -> Ticket:
    return await store.transact(lambda tx: changes.apply(tx, change, clock.now(), settings))


async def clocks(store: SqliteStore) -> dict[ClockKind, SlaClock]:
    return await store.read(lambda tx: tx.clocks(1))


async def pending_steps(store: SqliteStore) -> list[str]:
    found = await rows(store, "SELECT step FROM timers WHERE state = 'pending' ORDER BY step")
    return [str(step) for (step,) in found]


async def test_a_status_change_is_written_audited_clocked_planned_and_carded(
    desk: Desk, store: SqliteStore, clock: FakeClock, settings: DeskSettings
) -> None:
    """Waiting on the customer: the ticket is written, audited with its statuses, its clocks
    pause, the unclaimed reminder is cancelled and the card shows the new status."""
    await open_ticket(desk)
    before = await ticket(store)
    clock.advance(minutes=10)
    after = lifecycle.wait_on_customer(before, clock.now())
    audit = changes.status_data(before, after)
    await apply(store, TicketChange(before, after, BOB, EventKind.WAITING, audit), clock, settings)
    assert (await ticket(store)).status is after.status
    events = await rows(store, "SELECT kind, actor_key, data FROM events ORDER BY id")
    assert events[-1] == ("waiting", "console:bob", '{"from": "open", "to": "waiting"}')
    assert all(not clock_.running for clock_ in (await clocks(store)).values())
    assert await pending_steps(store) == []
    cards = await rows(store, "SELECT payload FROM outbox WHERE kind = 'card' ORDER BY id")
    assert "waiting" in json.loads(str(cards[-1][0]))["text"]


async def test_the_first_answer_is_the_first_response_and_only_the_first(
    desk: Desk, store: SqliteStore, clock: FakeClock, settings: DeskSettings
) -> None:
    """An answer sets the first response time, audits it with how long it took and stops the
    response clock; a second answer changes neither."""
    await open_ticket(desk)
    for minutes in (7, 5):
        clock.advance(minutes=minutes)
        before = await ticket(store)
        after = replace(before, updated_at=clock.now())
        change = TicketChange(before, after, BOB, answered=True, agent_activity=True)
        await apply(store, change, clock, settings)
    written = await ticket(store)
    assert written.first_response_at == written.created_at + timedelta(minutes=7)
    assert written.last_agent_activity_at == clock.now()
    answers = await rows(store, "SELECT actor_key, data FROM events WHERE kind = 'first_response'")
    assert answers == [("console:bob", '{"after_seconds": 420}')]
    first = (await clocks(store))[ClockKind.FIRST_RESPONSE]
    assert first.stopped_at == written.first_response_at


async def test_a_customer_message_after_an_answer_starts_a_next_response_cycle(
    desk: Desk, store: SqliteStore, clock: FakeClock, settings: DeskSettings
) -> None:
    """Once answered, the customer writing again starts the next-response clock."""
    await open_ticket(desk)
    before = await ticket(store)
    await apply(store, TicketChange(before, before, BOB, answered=True), clock, settings)
    assert ClockKind.NEXT_RESPONSE not in await clocks(store)
    clock.advance(minutes=3)
    answered = await ticket(store)
    change = TicketChange(answered, answered, ALICE, customer_wrote=True)
    await apply(store, change, clock, settings)
    assert (await clocks(store))[ClockKind.NEXT_RESPONSE].started_at == clock.now()


async def test_a_priority_change_moves_the_clocks_to_the_new_policy(
    desk: Desk, store: SqliteStore, clock: FakeClock, settings: DeskSettings
) -> None:
    """Urgent has no policy here: the first-response clock loses its due time."""
    await open_ticket(desk)
    before = await ticket(store)
    assert (await clocks(store))[ClockKind.FIRST_RESPONSE].due_at is not None
    after = lifecycle.set_priority(before, Priority.URGENT, clock.now())
    change = TicketChange(before, after, BOB, EventKind.PRIORITY)
    await apply(store, change, clock, settings)
    assert (await clocks(store))[ClockKind.FIRST_RESPONSE].due_at is None


async def test_agent_activity_restarts_the_idle_wait_without_a_card(
    desk: Desk, store: SqliteStore, clock: FakeClock, settings: DeskSettings
) -> None:
    """Staff working a claimed ticket move its idle reminder; the card shows nothing new,
    so no card is queued."""
    await open_ticket(desk)
    before = await ticket(store)
    claimed = lifecycle.claim(before, BOB, clock.now(), force=False)
    await apply(store, TicketChange(before, claimed, BOB, EventKind.CLAIMED), clock, settings)
    cards = await rows(store, "SELECT count(*) FROM outbox WHERE kind = 'card'")
    clock.advance(hours=1)
    held = await ticket(store)
    change = TicketChange(held, held, BOB, EventKind.NOTE, agent_activity=True)
    await apply(store, change, clock, settings)
    assert await rows(store, "SELECT count(*) FROM outbox WHERE kind = 'card'") == cards
    due = await rows(store, "SELECT due_at FROM timers WHERE step = 'idle' AND state = 'pending'")
    assert due == [(to_db(clock.now() + 4 * HOUR),)]


async def test_a_new_ticket_is_acknowledged_before_its_card(desk: Desk, store: SqliteStore) -> None:
    """A new ticket's customer hears first; the agents' card follows."""
    await open_ticket(desk)
    queued = await rows(store, "SELECT kind FROM outbox ORDER BY id")
    assert [kind for (kind,) in queued] == ["ack", "card"]


async def test_the_card_is_queued_before_what_the_change_says(
    desk: Desk, store: SqliteStore, clock: FakeClock, settings: DeskSettings
) -> None:
    """The card that shows a change goes first, then the change's own notices, in order."""
    await open_ticket(desk)
    before = await ticket(store)
    resolved = lifecycle.resolve(before, clock.now())
    said = tuple(notices.in_thread(resolved, text) for text in ("resolved", "thanks"))
    change = TicketChange(before, resolved, BOB, EventKind.RESOLVED, notices=said)
    await apply(store, change, clock, settings)
    queued = await rows(store, "SELECT kind, payload FROM outbox WHERE id > 2 ORDER BY id")
    assert [(kind, json.loads(str(payload))["text"]) for kind, payload in queued][1:] == [
        ("thread", "resolved"),
        ("thread", "thanks"),
    ]
    assert queued[0][0] == "card"


@pytest.mark.parametrize(
    ("role", "internal", "answers"),
    [
        (Author.AGENT, False, True),
        (Author.AGENT, True, False),
        (Author.CUSTOMER, False, False),
        (Author.BOT, False, False),
    ],
)
def test_only_an_agents_public_message_is_an_answer(
    role: Author, internal: bool, answers: bool
) -> None:
    """What counts as an answer (and so as the first response) is decided in one place."""
    message = Message(1, "m1", BOB, role, "on it", START, internal=internal)
    assert changes.is_answer(message) is answers


# The steps `apply` takes, and the modules besides `changes` that may take them: the SLA
# module moves its own clocks; the timers re-plan after a reminder that changed no ticket.
CHANGE_STEPS = {
    "update_ticket": set(),
    "opened": {"sla.py"},
    "follow_status": {"sla.py"},
    "reprioritised": {"sla.py"},
    "answered": {"sla.py"},
    "customer_wrote": {"sla.py"},
    "plan": {"timers.py"},
}


CALLERS = sorted(path for path in (ROOT / "handlers").glob("*.py") if path.name != "changes.py")


@pytest.mark.parametrize("path", CALLERS, ids=lambda path: path.name)
def test_only_the_change_function_writes_tickets_and_moves_clocks(path: Path) -> None:
    """Intake, commands and timers describe changes; none of them writes a ticket, moves
    its SLA clocks or re-plans its timers itself, so no caller can forget a step."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    called = {
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    }
    allowed = {step for step, homes in CHANGE_STEPS.items() if path.name in homes}
    assert called & set(CHANGE_STEPS) - allowed == set()
