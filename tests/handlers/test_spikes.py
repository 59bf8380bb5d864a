"""Spotting a spike: similar new tickets together alert the leads once; a busy hour does not."""

from __future__ import annotations

import json
import random
from dataclasses import replace

import pytest

from handlers.desk import Desk
from handlers.incidents.spotting import alike, words_of
from handlers.models import Person, Place
from handlers.settings import DeskSettings
from storage.store import SqliteStore
from tests.builders import ALICE, BOB, CAROL, SUPPORT, person, post, rows, run
from tests.clock import FakeClock

# These exercise the store: each runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.both_stores

CHECKOUT = [
    "Checkout returns 500 on order {n}",
    "checkout page gives error 500",
    "Getting a 500 at checkout",
    "checkout broken: error 500 when paying",
    "500 error on checkout again",
    "Checkout fails with 500",
]
# A normal hour's problems: different products, different words.
EVERYDAY = [
    "Printer on floor {n} is jammed",
    "Password reset email never arrives",
    "VPN disconnects every few minutes",
    "Invoice {n} shows the wrong amount",
    "Cannot upload a profile photo",
    "Calendar invites arrive twice",
    "Refund for order {n} not received",
    "Laptop battery drains overnight",
    "Two-factor code rejected",
    "Export to CSV is missing columns",
    "Wi-Fi in meeting room {n} drops",
    "Shipping address cannot be changed",
    "Dark mode resets after logout",
    "Coupon code says expired",
    "Notifications stopped on Android",
    "Search finds nothing for product names",
    "Account locked after one try",
    "Newsletter unsubscribe link broken",
    "Delivery tracking stuck at warehouse",
    "Screen flickers after the update",
    "Cannot add a second admin",
    "Webhook deliveries are delayed",
    "Mobile app crashes on startup",
    "Gift card balance is wrong",
    "Time zone shown is off by an hour",
    "Receipt PDF will not open",
    "Keyboard shortcuts stopped working",
    "Team member cannot see shared folder",
    "Price in euros rounds incorrectly",
    "Chat widget overlaps the footer",
]


async def customers_write(
    desk: Desk, clock: FakeClock, subjects: list[str], every_minutes: float
) -> None:
    """One new ticket per subject, each from its own customer, `every_minutes` apart."""
    for n, subject in enumerate(subjects):
        customer: Person = person(f"customer{n}")
        await post(desk, customer, subject.format(n=100 + n))
        clock.advance(minutes=every_minutes)


async def alerts(store: SqliteStore) -> list[tuple[str, str, list[str]]]:
    """(edit key, text, buttons) of every spike alert queued, oldest first."""
    found = await rows(
        store,
        "SELECT edit_key, payload FROM outbox WHERE edit_key LIKE 'spike:%' ORDER BY id",
    )
    return [
        (str(key), json.loads(str(p))["text"], json.loads(str(p)).get("actions", []))
        for key, p in found
    ]


def test_checkout_reports_are_alike_and_everyday_problems_are_not() -> None:
    """Every pair of checkout subjects is alike; no two everyday subjects are."""

    def ticket_words(subject: str) -> set[str]:
        return words_of(subject.format(n=7))

    checkout = [ticket_words(s) for s in CHECKOUT]
    everyday = [ticket_words(s) for s in EVERYDAY]
    assert all(alike(a, b) for a in checkout for b in checkout)
    assert not any(alike(a, b) for i, a in enumerate(everyday) for b in everyday[i + 1 :])
    assert not any(alike(a, b) for a in checkout for b in everyday)


async def test_a_spike_of_similar_tickets_alerts_the_leads_once(
    desk: Desk, store: SqliteStore, clock: FakeClock
) -> None:
    """Five checkout reports in ten minutes: one alert in #leads naming them, with a button."""
    await customers_write(desk, clock, CHECKOUT[:4], every_minutes=2)
    assert await alerts(store) == []
    await customers_write(desk, clock, CHECKOUT[4:5], every_minutes=2)
    [(key, text, buttons)] = await alerts(store)
    assert key == "spike:1" and buttons == ["incident"]
    assert text.startswith("Spike: 5 similar tickets within 15m (#1, #2, #3, #4, #5), about")
    assert "/ticket incident 1 (title: Checkout returns 500 on order 100)" in text
    [(channel,)] = await rows(store, "SELECT DISTINCT channel FROM outbox WHERE edit_key = ?", key)
    assert channel == "leads"


async def test_more_matching_tickets_edit_the_alert_and_never_post_another(
    desk: Desk, store: SqliteStore, clock: FakeClock
) -> None:
    """The sixth report joins the spike: the alert is edited (same message), not re-posted."""
    await customers_write(desk, clock, CHECKOUT, every_minutes=2)
    found = await alerts(store)
    assert [key for key, _, _ in found] == ["spike:1", "spike:1"]
    assert found[-1][1].startswith("Spike: 6 similar tickets within 15m (#1, #2, #3, #4, #5, #6)")


async def test_a_busy_hour_of_unrelated_tickets_raises_no_alert(
    desk: Desk, store: SqliteStore, clock: FakeClock
) -> None:
    """Ninety everyday tickets in an hour, some problems twice or three times: no spike."""
    subjects = random.Random(11).choices(EVERYDAY, k=90)
    await customers_write(desk, clock, subjects, every_minutes=40 / 60)
    assert await alerts(store) == []


async def test_alike_tickets_spread_beyond_the_window_make_no_spike(
    desk: Desk, store: SqliteStore, clock: FakeClock
) -> None:
    """Five checkout reports, each twenty minutes after the last, are not a spike."""
    await customers_write(desk, clock, CHECKOUT[:5], every_minutes=20)
    assert await alerts(store) == []


async def test_declaring_from_the_alert_links_the_spikes_tickets(
    desk: Desk, store: SqliteStore, clock: FakeClock
) -> None:
    """`/ticket incident 1` (the button) declares with the suggested title and links all five."""
    await customers_write(desk, clock, CHECKOUT[:5], every_minutes=2)
    answer = await run(desk, BOB, "incident 1", place=Place(SUPPORT.workspace, "leads"))
    assert answer.text.splitlines() == [
        "Declared INC-1: Checkout returns 500 on order 100. Link its tickets with /ticket"
        " incident link INC-1 <id…> and post updates with /ticket incident update INC-1 <text>.",
        "Linked 5 tickets to INC-1 (5 linked in all).",
    ]
    detected = await rows(store, "SELECT detected_at, started_at FROM incidents")
    [(at, started)] = detected
    assert str(at) < str(started)  # detected with the first ticket, declared later
    *_, (_, text, buttons) = await alerts(store)
    assert text == "Spike of 5 similar tickets about “500 checkout error”: declared as INC-1."
    assert buttons == []
    again = await run(desk, BOB, "incident 1")
    assert again.text == "That spike was declared already, as INC-1."
    shown = (await run(desk, BOB, "incident show INC-1")).text
    assert "a spike of similar tickets was detected" in shown


async def test_a_ticket_of_no_spike_has_nothing_to_declare(desk: Desk) -> None:
    """`/ticket incident 7` for a ticket in no spike says so."""
    answer = await run(desk, BOB, "incident 7")
    assert answer.text == "Ticket #7 is part of no spike to declare an incident from."


async def test_a_new_ticket_like_an_open_incident_is_shown_to_agents(
    desk: Desk, store: SqliteStore, clock: FakeClock
) -> None:
    """Without auto-link, triage is told the command that links it; nothing is linked."""
    await run(desk, BOB, "incident declare Checkout returns 500")
    await customers_write(desk, clock, ["Getting a 500 at checkout"], every_minutes=1)
    said = await rows(store, "SELECT channel, payload FROM outbox WHERE kind = 'reminder'")
    [(channel, payload)] = said
    assert channel == "triage"
    assert json.loads(str(payload))["text"] == (
        "New ticket #1 looks like part of INC-1 (Checkout returns 500): /ticket incident link"
        " INC-1 1 links it."
    )
    assert await rows(store, "SELECT count(*) FROM incident_links") == [(0,)]


async def test_a_new_ticket_like_an_open_incident_offers_a_link_button(
    desk: Desk, store: SqliteStore, clock: FakeClock
) -> None:
    """The triage notice carries a **Link to INC-1** button that runs `incident 1 1`."""
    await run(desk, BOB, "incident declare Checkout returns 500")
    await customers_write(desk, clock, ["Getting a 500 at checkout"], every_minutes=1)
    [(payload,)] = await rows(store, "SELECT payload FROM outbox WHERE kind = 'reminder'")
    assert json.loads(str(payload))["actions"] == [
        {"verb": "incident", "choice": "1", "label": "Link to INC-1"}
    ]


async def test_the_link_button_links_the_ticket_and_takes_itself_away(
    desk: Desk, store: SqliteStore, clock: FakeClock
) -> None:
    """bob's click links ticket #1 to INC-1; the suggestion is edited to say who, no button."""
    await run(desk, BOB, "incident declare Checkout returns 500")
    await customers_write(desk, clock, ["Getting a 500 at checkout"], every_minutes=1)
    answer = await run(desk, BOB, "incident 1 INC-1")
    assert answer.text == "Linked 1 ticket to INC-1 (1 linked in all)."
    assert await rows(store, "SELECT ticket_id FROM incident_links WHERE held = true") == [(1,)]
    said = await rows(
        store, "SELECT payload FROM outbox WHERE edit_key = 'suggested:1:1' ORDER BY id"
    )
    *_, (edited,) = said
    assert json.loads(str(edited))["text"] == (
        "New ticket #1 was linked to INC-1 (Checkout returns 500) by bob."
    )
    assert "actions" not in json.loads(str(edited))


async def test_a_second_press_of_the_link_button_changes_nothing(
    desk: Desk, store: SqliteStore, clock: FakeClock
) -> None:
    """carol pressing after bob: nothing more is linked, and the notice still names bob."""
    await run(desk, BOB, "incident declare Checkout returns 500")
    await customers_write(desk, clock, ["Getting a 500 at checkout"], every_minutes=1)
    await run(desk, BOB, "incident 1 INC-1")
    answer = await run(desk, CAROL, "incident 1 INC-1")
    assert answer.text == "Linked 0 tickets to INC-1 (1 linked in all)."
    said = await rows(store, "SELECT count(*) FROM outbox WHERE edit_key = 'suggested:1:1'")
    assert said == [(2,)]  # the suggestion, and bob's edit of it


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        (ALICE, "/ticket incident is for agents."),
        (person("customer0"), "/ticket incident is for agents."),
    ],
)
async def test_the_link_button_refuses_anyone_but_staff(
    desk: Desk, store: SqliteStore, clock: FakeClock, who: Person, expected: str
) -> None:
    """A customer pressing it (its own ticket's customer too) is refused; nothing is linked."""
    await run(desk, BOB, "incident declare Checkout returns 500")
    await customers_write(desk, clock, ["Getting a 500 at checkout"], every_minutes=1)
    answer = await run(desk, who, "incident 1 INC-1")
    assert answer.text == expected
    assert await rows(store, "SELECT count(*) FROM incident_links") == [(0,)]


async def test_the_link_button_of_a_resolved_incident_links_nothing(
    desk: Desk, store: SqliteStore, clock: FakeClock
) -> None:
    """Pressed after INC-1 is resolved, it says so and links nothing."""
    await run(desk, BOB, "incident declare Checkout returns 500")
    await customers_write(desk, clock, ["Getting a 500 at checkout"], every_minutes=1)
    await run(desk, BOB, "incident resolve INC-1 Fixed")
    answer = await run(desk, BOB, "incident 1 INC-1")
    assert answer.text == "INC-1 is resolved already."
    assert await rows(store, "SELECT count(*) FROM incident_links") == [(0,)]


async def test_with_auto_link_a_new_ticket_like_an_open_incident_is_linked(
    store: SqliteStore, clock: FakeClock, settings: DeskSettings
) -> None:
    """With `incidents.auto_link`, it is linked at once and its customer told."""
    linking = replace(settings, incidents=replace(settings.incidents, auto_link=True))
    desk = Desk(store, clock, linking)
    await run(desk, BOB, "incident declare Checkout returns 500")
    await customers_write(desk, clock, ["Getting a 500 at checkout", "Printer jammed"], 1)
    assert await rows(store, "SELECT ticket_id FROM incident_links WHERE held = true") == [(1,)]
    shown = (await run(desk, BOB, "incident show INC-1")).text
    assert "bob linked 1 ticket (1 in all)" in shown
