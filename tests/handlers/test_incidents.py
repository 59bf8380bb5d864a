"""Incidents: declare, link, update every linked ticket at once, resolve them together."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.outbox import OutboxWorker
from handlers import timers
from handlers.desk import Desk
from handlers.digest import posting
from handlers.incidents import postmortem
from handlers.models import Place, Priority, Status
from handlers.settings import (
    DeskSettings,
    DigestSettings,
    EscalationSettings,
    IncidentSettings,
    PlatformPlaces,
    Reminder,
    SatisfactionSettings,
    SlaPolicy,
    SlaSpan,
)
from handlers.sla.calendar import BusinessCalendar
from handlers.texts import ENGLISH
from storage.store import SqliteStore
from tests import builders
from tests.builders import ALICE, BOB, CAROL, DAVE, SUPPORT, post, rows, run
from tests.clock import FakeClock
from tests.conftest import OpenStore
from tests.sending import RecordingSender

# These exercise the store: each runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.both_stores

HOUR = timedelta(hours=1)
TRIAGE = Place(SUPPORT.workspace, "triage")


@pytest.fixture
def settings() -> DeskSettings:
    """Two support channels; unclaimed after 30m, breach at once; surveys on."""
    return builders.settings(
        places={"console": PlatformPlaces(frozenset({"support", "help"}), "triage", "leads")},
        escalation=EscalationSettings(
            unclaimed=Reminder(timedelta(minutes=30), HOUR, 3),
            breach=Reminder(timedelta(), 2 * HOUR, 2),
        ),
        sla={
            Priority.NORMAL: SlaPolicy(
                BusinessCalendar.always_open(), first_response=SlaSpan(0, HOUR)
            )
        },
        satisfaction=SatisfactionSettings(enabled=True),
        incidents=IncidentSettings(first_update=timedelta(minutes=15), update_every=HOUR),
    )


async def tickets(desk: Desk, n: int) -> list[int]:
    """Open `n` tickets from alice and dave in turn; return their numbers."""
    found = []
    for i in range(n):
        result = await post(desk, (ALICE, DAVE)[i % 2], f"checkout fails {i}")
        assert result.ticket_id is not None
        found.append(result.ticket_id)
    return found


async def declared(desk: Desk, *ids: int) -> None:
    assert (await run(desk, BOB, "incident declare Checkout returns 500")).ok
    if ids:
        assert (await run(desk, BOB, "incident link INC-1 " + " ".join(map(str, ids)))).ok


async def queued(store: SqliteStore, kind: str) -> list[tuple[str | None, str]]:
    """(thread, text) of each notice of `kind` in the outbox, oldest first."""
    found = await rows(store, "SELECT thread, payload FROM outbox WHERE kind = ? ORDER BY id", kind)
    return [(None if t is None else str(t), json.loads(str(p))["text"]) for t, p in found]


async def sweep(store: SqliteStore, clock: FakeClock, settings: DeskSettings) -> int:
    return await store.transact(lambda tx: timers.fire_due(tx, clock.now(), settings))


async def test_declaring_numbers_the_incident_and_puts_up_one_banner_per_channel(
    desk: Desk, store: SqliteStore
) -> None:
    """INC-1, investigating, owned by who declared it; a banner in each support channel."""
    answer = await run(desk, BOB, "incident declare Checkout returns 500")
    assert answer.text.startswith("Declared INC-1: Checkout returns 500.")
    assert await rows(store, "SELECT id, status, owner_key FROM incidents") == [
        (1, "investigating", "console:bob")
    ]
    banners = await rows(store, "SELECT channel, edit_key FROM outbox WHERE kind = 'banner'")
    assert sorted(banners) == [("help", "incident:1:help"), ("support", "incident:1:support")]


@pytest.mark.parametrize(
    ("actor", "text", "expected"),
    [
        (ALICE, "incident declare Broken", "/ticket incident is for agents."),
        (BOB, "incident declare", "Give the incident a title"),
        (BOB, "incident fly INC-1", "Say what to do: declare, link"),
        (BOB, "incident update INC-9 hi", "There is no incident INC-9 here."),
        (BOB, "incident link", "Name the incident, like INC-3."),
        (BOB, "incident update INC-1", "The update is empty"),
        (BOB, "incident status INC-1 fine", "The status must be one of investigating|"),
    ],
)
async def test_bad_incident_commands_are_refused_with_a_sentence(
    desk: Desk, actor: object, text: str, expected: str
) -> None:
    """Customers may not; missing or wrong words say what was expected."""
    await run(desk, BOB, "incident declare Checkout returns 500")
    answer = await run(desk, actor, text)  # type: ignore[arg-type]
    assert not answer.ok
    assert expected in answer.text


async def test_a_linked_ticket_is_told_at_once_and_its_card_shows_the_link(
    desk: Desk, store: SqliteStore
) -> None:
    """The customer hears it is a known problem; the card names INC-1 and offers no claim."""
    [one] = await tickets(desk, 1)
    await declared(desk)
    answer = await run(desk, BOB, f"incident link INC-1 {one}")
    assert answer.text == "Linked 1 ticket to INC-1 (1 linked in all)."
    said = [text for _, text in await queued(store, "thread")]
    assert said == [
        "This is part of a known problem (INC-1: Checkout returns 500). We will post updates here."
    ]
    [*_, (payload,)] = await rows(store, "SELECT payload FROM outbox WHERE kind = 'card'")
    card = json.loads(str(payload))
    assert card["card"]["incident"] == "INC-1: Checkout returns 500"
    assert "claim" not in card["card"]["actions"]
    assert "Part of INC-1: Checkout returns 500" in card["text"]


async def test_a_ticket_links_to_one_open_incident_at_most(desk: Desk) -> None:
    """Linking a ticket another open incident holds is refused, naming that incident."""
    [one] = await tickets(desk, 1)
    await declared(desk, one)
    await run(desk, BOB, "incident declare Login slow")
    answer = await run(desk, BOB, f"incident link INC-2 {one} 99")
    assert answer.text.splitlines() == [
        "Linked 0 tickets to INC-2 (0 linked in all).",
        "There is no ticket 99 here.",
        f"#{one} is linked to INC-1 already.",
    ]


async def test_a_linked_tickets_reminders_are_held_until_it_is_unlinked(
    desk: Desk, store: SqliteStore, clock: FakeClock, settings: DeskSettings
) -> None:
    """No unclaimed reminder and no breach while linked; unlinked, they are due again."""
    [one] = await tickets(desk, 1)
    await declared(desk, one)
    clock.advance(hours=2)
    await sweep(store, clock, settings)
    assert await queued(store, "reminder") == [
        (
            None,
            "INC-1 (Checkout returns 500) has had"
            " no update for 2h: post one with /ticket"
            " incident update INC-1 <text>.",
        )
    ]
    assert await queued(store, "escalation") == []
    await run(desk, BOB, f"incident unlink INC-1 {one}")
    await sweep(store, clock, settings)
    reminded = [text for _, text in await queued(store, "reminder")]
    assert any("nobody on it" in text for text in reminded)
    assert any(f"#{one}" in text for _, text in await queued(store, "escalation"))


async def test_a_reminder_queued_before_linking_is_dropped_before_it_is_sent(
    desk: Desk, store: SqliteStore, clock: FakeClock, settings: DeskSettings
) -> None:
    """The unclaimed reminder fired, then the ticket was linked: it is not sent."""
    [one] = await tickets(desk, 1)
    clock.advance(minutes=30)
    await sweep(store, clock, settings)
    await declared(desk, one)
    console = RecordingSender()
    await OutboxWorker(store, clock, {"console": console}).drain()
    sent = console.texts()
    assert not [text for text in sent if "nobody on it" in text]


async def test_an_update_reaches_every_linked_thread_as_the_authors_answer(
    desk: Desk, store: SqliteStore, clock: FakeClock
) -> None:
    """Each active linked ticket gets it in its thread; it is bob's first response there."""
    ids = await tickets(desk, 3)
    await declared(desk, *ids)
    await run(desk, BOB, f"resolve {ids[2]}")
    clock.advance(minutes=5)
    answer = await run(desk, BOB, "incident update INC-1 We found the bad deploy")
    assert answer.text.startswith("The update on INC-1 is on its way to 2 tickets;")
    updates = await queued(store, "reply")
    assert [text for _, text in updates] == [
        "Update on INC-1 (Checkout returns 500) from bob: We found the bad deploy"
    ] * 2
    ticket = await desk.ticket(ids[0])
    assert ticket is not None and ticket.first_response_at == clock.now()
    stopped = await rows(
        store,
        "SELECT ticket_id FROM sla_clocks WHERE kind = 'first_response'"
        " AND stopped_at IS NOT NULL ORDER BY ticket_id",
    )
    assert stopped == [(ids[0],), (ids[1],)]  # the resolved third was not told
    firsts = await rows(store, "SELECT ticket_id FROM events WHERE kind = 'first_response'")
    assert sorted(firsts) == [(ids[0],), (ids[1],)]


async def test_an_update_keeps_each_clock_in_its_tickets_workspace(
    desk: Desk, store: SqliteStore
) -> None:
    """The clocks an update stops still count in their workspace's metrics."""
    ids = await tickets(desk, 2)
    await declared(desk, *ids)
    assert (await run(desk, BOB, "incident update INC-1 Rolling back")).ok
    assert await rows(store, "SELECT count(*) FROM sla_clocks WHERE workspace IS NULL") == [(0,)]
    assert await rows(store, "SELECT count(*) FROM sla_clocks WHERE stopped_at IS NOT NULL") != [
        (0,)
    ]


async def test_an_update_edits_each_banner_and_show_says_how_far_it_got(
    desk: Desk, store: SqliteStore, clock: FakeClock
) -> None:
    """The banners are edited in place; `show` counts each update's deliveries."""
    ids = await tickets(desk, 2)
    await declared(desk, *ids)
    await run(desk, BOB, "incident update INC-1 Rolling back")
    banners = await rows(store, "SELECT edit_key FROM outbox WHERE kind = 'banner' ORDER BY id")
    assert len(banners) == 4 and len(set(banners)) == 2
    shown = (await run(desk, CAROL, "incident show INC-1")).text
    assert "update by bob to 2 tickets: Rolling back (delivered to 0 of 2 tickets)" in shown
    console = RecordingSender()
    await OutboxWorker(store, clock, {"console": console}).drain()
    shown = (await run(desk, CAROL, "incident show INC-1")).text
    assert "(delivered to 2 of 2 tickets)" in shown
    assert shown.splitlines()[0].startswith("INC-1: Checkout returns 500 — investigating")


async def test_resolving_resolves_every_linked_ticket_and_closes_the_banner(
    desk: Desk, store: SqliteStore
) -> None:
    """The final update, then each active ticket resolved with its note and survey."""
    ids = await tickets(desk, 3)
    await declared(desk, *ids)
    await run(desk, BOB, f"resolve {ids[0]}")
    answer = await run(desk, BOB, "incident resolve INC-1 Fixed by the rollback")
    assert answer.text == (
        "INC-1 is resolved: the final update is on its way to 2 tickets, and 2 linked"
        " tickets are resolved with it."
    )
    for number in ids:
        ticket = await desk.ticket(number)
        assert ticket is not None and ticket.status is Status.RESOLVED
    assert len(await queued(store, "survey")) == 3
    [*_, (_, banner)] = await queued(store, "banner")
    assert banner == "✅ Resolved — INC-1: Checkout returns 500. Fixed by the rollback"
    refused = await run(desk, BOB, "incident update INC-1 again")
    assert refused.text == "INC-1 is resolved already."


async def test_a_customer_writing_after_resolution_reopens_only_their_ticket(
    desk: Desk, store: SqliteStore
) -> None:
    """Alice's reply reopens hers alone, and it is no longer linked to the incident."""
    ids = await tickets(desk, 2)
    await declared(desk, *ids)
    await run(desk, BOB, "incident resolve INC-1 Fixed")
    ticket = await desk.ticket(ids[0])
    assert ticket is not None
    await post(desk, ALICE, "still broken", place=ticket.place)
    statuses = [(await desk.ticket(number)).status for number in ids]  # type: ignore[union-attr]
    assert statuses == [Status.OPEN, Status.RESOLVED]
    assert await rows(store, "SELECT count(*) FROM incident_links WHERE held = true") == [(0,)]


async def test_the_incidents_own_sla_reminds_the_owner_then_the_leads(
    desk: Desk, store: SqliteStore, clock: FakeClock, settings: DeskSettings
) -> None:
    """No first update in 15m: bob is reminded; 15m more: the leads; an update restarts it."""
    await declared(desk)
    clock.advance(minutes=15)
    await sweep(store, clock, settings)
    assert [text[:40] for _, text in await queued(store, "reminder")] == [
        "INC-1 (Checkout returns 500) has had no u"[:40]
    ]
    clock.advance(minutes=15)
    await sweep(store, clock, settings)
    [(_, escalated)] = await queued(store, "escalation")
    assert escalated == (
        "INC-1 (Checkout returns 500) has had no update for 30m, and its owner bob was reminded."
    )
    await run(desk, BOB, "incident update INC-1 Looking")
    clock.advance(minutes=59)
    await sweep(store, clock, settings)
    assert len(await queued(store, "reminder")) == 1
    clock.advance(minutes=1)
    await sweep(store, clock, settings)
    assert len(await queued(store, "reminder")) == 2


async def test_status_moves_on_the_banners_and_the_timeline(desk: Desk, store: SqliteStore) -> None:
    """`status INC-1 identified` says so, edits the banners and joins the timeline."""
    await declared(desk)
    answer = await run(desk, BOB, "incident status INC-1 identified")
    assert answer.text == "INC-1 is now identified."
    [*_, (_, banner)] = await queued(store, "banner")
    assert "(identified)" in banner
    shown = (await run(desk, BOB, "incident show INC-1")).text
    assert "bob set the status to identified" in shown


async def test_list_shows_the_open_incidents(desk: Desk) -> None:
    """Each open incident with its status, linked count and owner."""
    ids = await tickets(desk, 2)
    await declared(desk, *ids)
    assert (await run(desk, BOB, "incident list")).text == (
        "Open incidents:\nINC-1: Checkout returns 500 — investigating, 2 tickets linked, owner bob"
    )


async def test_the_report_is_a_markdown_postmortem_skeleton(
    desk: Desk, store: SqliteStore, clock: FakeClock, settings: DeskSettings
) -> None:
    """Time to first update, duration, tickets affected and their satisfaction, a timeline."""
    ids = await tickets(desk, 2)
    await declared(desk, *ids)
    clock.advance(minutes=10)
    await run(desk, BOB, "incident update INC-1 Rolling back")
    clock.advance(minutes=20)
    await run(desk, BOB, "incident resolve INC-1 Fixed")
    await run(desk, ALICE, f"rate {ids[0]} 5")
    incident = await store.read(lambda tx: tx.incident(1))
    assert incident is not None
    report = await store.read(lambda tx: postmortem.report(tx, incident, clock.now(), settings))
    lines = report.splitlines()
    assert lines[0] == "# Postmortem: INC-1: Checkout returns 500"
    for line in (
        "- Time to declare: declared without a detected spike",
        "- Time to first update: 10m",
        "- Duration: 30m",
        "- Tickets affected: 2",
        "- Satisfaction of linked tickets: 100% positive, of 1 rating",
    ):
        assert line in lines
    assert any("declared by bob" in line for line in lines)
    assert any("linked 2 tickets (2 in all)" in line for line in lines)


async def test_the_digest_lists_the_periods_incidents(
    desk: Desk, store: SqliteStore, clock: FakeClock
) -> None:
    """A resolved incident says how long it lasted; an open one its status; both their tickets."""
    ids = await tickets(desk, 2)
    await declared(desk, *ids)
    clock.advance(minutes=45)
    await run(desk, BOB, "incident resolve INC-1 Fixed")
    await run(desk, BOB, "incident declare Login slow")
    clock.advance(minutes=1)
    made = await posting.build(store, DigestSettings(), clock.now())
    text = posting.render(made, ENGLISH)
    assert (
        "Incidents:\n  INC-1: Checkout returns 500 — resolved after 45m, 2 tickets\n"
        "  INC-2: Login slow — investigating, 0 tickets"
    ) in text


async def test_a_broadcast_resumes_after_a_restart_in_each_threads_order(
    desk: Desk, store: SqliteStore, clock: FakeClock, open_store: OpenStore
) -> None:
    """Stopped after a few deliveries, another process sends the rest: each thread gets
    update 1 then update 2, each once, and `show` counts them all delivered."""
    ids = await tickets(desk, 3)
    await declared(desk, *ids)
    await run(desk, BOB, "incident update INC-1 first")
    await run(desk, BOB, "incident update INC-1 second")
    console = RecordingSender()

    def sent() -> list[tuple[str | None, str]]:
        return [(notice.place.thread, notice.text) for notice, _ in console.delivered]

    before = OutboxWorker(store, clock, {"console": console})
    while not any(text.startswith("Update on") for _, text in sent()):
        await before.deliver_due()  # until the broadcast has begun; then the process stops
    told = len([text for _, text in sent() if text.startswith("Update on")])
    assert 0 < told < 6
    async with await open_store() as restarted:
        await OutboxWorker(restarted, clock, {"console": console}).drain()
        incident = await restarted.read(lambda tx: tx.incident(1))
        shown = await restarted.read(
            lambda tx: postmortem.show(tx, incident, clock.now(), desk.settings)
        )
    for ticket in ids:
        thread = (await desk.ticket(ticket)).place.thread  # type: ignore[union-attr]
        updates = [
            text.rsplit(": ", 1)[1]
            for where, text in sent()
            if where == thread and text.startswith("Update on INC-1")
        ]
        assert updates == ["first", "second"]
    assert shown.count("(delivered to 3 of 3 tickets)") == 2
