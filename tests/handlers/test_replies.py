"""`/ticket reply` and saved replies: an agent's answer through the desk, counted as theirs."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from handlers.desk import Desk
from handlers.digest import posting
from handlers.replies import unknown_placeholders
from handlers.settings import DigestSettings
from handlers.texts import ENGLISH
from storage.store import SqliteStore
from tests.builders import ALICE, BOB, CAROL, ERIN, SUPPORT, open_ticket, rows, run
from tests.clock import FakeClock

# These exercise the store: each runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.both_stores

TRIAGE = SUPPORT.__class__(SUPPORT.workspace, "triage")


async def queued(store: SqliteStore, kind: str) -> list[str]:
    found = await rows(store, "SELECT payload FROM outbox WHERE kind = ? ORDER BY id", kind)
    return [json.loads(str(payload))["text"] for (payload,) in found]


async def test_a_reply_is_posted_in_the_thread_signed_by_the_agent(
    desk: Desk, store: SqliteStore
) -> None:
    """From the triage channel, bob's words reach the ticket's thread as `bob: …`."""
    await open_ticket(desk)
    answer = await run(desk, BOB, "reply 1 have you tried turning it off?", place=TRIAGE)
    assert answer.text == "Your reply is posted in ticket #1's thread."
    assert await queued(store, "reply") == ["bob: have you tried turning it off?"]
    [(place,)] = await rows(store, "SELECT thread FROM outbox WHERE kind = 'reply'")
    assert place is not None  # in the ticket's thread, not where the command was typed


async def test_a_reply_is_the_agents_answer_for_the_sla(
    desk: Desk, store: SqliteStore, clock: FakeClock
) -> None:
    """It is bob's public message: the first response, stopping the first-response clock."""
    await open_ticket(desk)
    clock.advance(minutes=5)
    await run(desk, BOB, "reply 1 on it")
    assert await rows(store, "SELECT role, author_key, internal FROM messages ORDER BY id") == [
        ("customer", "console:alice", 0),
        ("agent", "console:bob", 0),
    ]
    ticket = await desk.ticket(1)
    assert ticket is not None and ticket.first_response_at == clock.now()
    events = await rows(store, "SELECT kind, actor_key FROM events WHERE kind = 'first_response'")
    assert events == [("first_response", "console:bob")]
    stopped = await rows(
        store, "SELECT stopped_at IS NOT NULL FROM sla_clocks WHERE kind = 'first_response'"
    )
    assert stopped == [(1,)]


async def test_a_reply_never_pings_everyone(desk: Desk, store: SqliteStore) -> None:
    """An agent's `@everyone` is echoed harmlessly, like a customer's."""
    await open_ticket(desk)
    await run(desk, BOB, "reply 1 @everyone look")
    assert await queued(store, "reply") == ["bob: @\u200beveryone look"]


@pytest.mark.parametrize(
    ("actor", "text", "expected"),
    [
        (ALICE, "reply 1 hi", "/ticket reply is for agents."),
        (BOB, "reply 1", "The reply is empty. Usage: /ticket reply <id> <text|:saved-reply>"),
        (BOB, "reply 1 :nope", "There is no saved reply 'nope'. /ticket snippet list shows them."),
    ],
)
async def test_bad_replies_are_refused(desk: Desk, actor: object, text: str, expected: str) -> None:
    """Customers may not, an empty reply shows the usage, an unknown snippet is named."""
    await open_ticket(desk)
    assert (await run(desk, actor, text)).text == expected  # type: ignore[arg-type]


async def test_a_closed_ticket_takes_no_reply(desk: Desk, store: SqliteStore) -> None:
    """Nobody reads a closed ticket's thread: reopen first."""
    await open_ticket(desk)
    await run(desk, BOB, "resolve 1")
    await run(desk, BOB, "close 1")
    answer = await run(desk, BOB, "reply 1 one more thing")
    assert answer.text.startswith("Ticket #1 is closed, so its customer won't see a reply.")
    assert await queued(store, "reply") == []


async def test_a_saved_reply_is_filled_in_for_the_ticket(desk: Desk, store: SqliteStore) -> None:
    """{customer}, {agent}, {ticket} and {due} become this ticket's values."""
    await open_ticket(desk)
    text = "snippet add hello Hi {customer}, {agent} here about {ticket}; answer by {due}."
    assert (await run(desk, ERIN, text)).text == (
        "Saved reply 'hello' added. Use it with /ticket reply <id> :hello."
    )
    answer = await run(desk, BOB, "reply 1 :hello")
    assert answer.text == "The saved reply 'hello' is posted in ticket #1's thread."
    [said] = await queued(store, "reply")
    assert said.startswith("bob: Hi alice, bob here about #1; answer by ")
    assert said.endswith(" UTC.")  # the first-response due time, in the desk's timezone


async def test_a_saved_reply_counts_its_uses(desk: Desk) -> None:
    """Each use is counted; the list shows how often, and the first line of each."""
    await open_ticket(desk)
    await run(desk, BOB, "snippet add reboot Please restart the printer.\nThen tell us.")
    await run(desk, BOB, "reply 1 :reboot")
    await run(desk, BOB, "reply 1 :reboot")
    assert (await run(desk, ERIN, "snippet list")).text == (
        "1 saved reply:\n:reboot · used 2 times · Please restart the printer."
    )
    assert (await run(desk, ERIN, "snippet show reboot")).text == (
        ":reboot by bob, used 2 times:\nPlease restart the printer.\nThen tell us."
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "snippet add x Hi {name}",
            "A saved reply can't fill {name}; it may use {customer}, {agent}, {ticket}, {due}.",
        ),
        (
            "snippet add x Hi {customer.__class__}",
            "A saved reply can't fill {customer.__class__}; it may use {customer}, {agent},"
            " {ticket}, {due}.",
        ),
        (
            "snippet add x Hi {customer",
            "A brace in that text opens no placeholder. Write a placeholder as {customer},"
            " and a brace itself as {{ or }}.",
        ),
        ("snippet add x", "The saved reply has no text. Usage: /ticket snippet"),
        ("snippet add X! hi", "'x!' can't name a saved reply"),
        ("snippet rename x", "Say what to do: add, list, show or remove. Usage: /ticket snippet"),
    ],
)
async def test_a_snippet_that_could_not_be_used_is_refused_when_saved(
    desk: Desk, text: str, expected: str
) -> None:
    """Unknown placeholders, broken braces, no text or a bad name: refused at once, not later."""
    answer = await run(desk, BOB, text)
    assert answer.text.startswith(expected)
    assert (await run(desk, BOB, "snippet list")).text.startswith("No saved replies yet.")


def test_placeholders_are_read_as_format_reads_them() -> None:
    """Doubled braces are text; only the four names, without format specs, are placeholders."""
    assert unknown_placeholders("{{literal}} {customer} {due}") == []
    assert unknown_placeholders("{due:>10} {ticket!r}") == ["{due}", "{ticket!r}"]
    assert unknown_placeholders("{") is None


async def test_a_name_is_saved_once(desk: Desk) -> None:
    """A second `add` of a name is refused; the first text stays."""
    await run(desk, BOB, "snippet add hi Hello!")
    answer = await run(desk, ERIN, "snippet add hi Howdy!")
    assert answer.text.startswith("There is a saved reply 'hi' already")
    assert (await run(desk, BOB, "snippet show hi")).text.endswith("\nHello!")


async def test_only_the_author_or_a_lead_removes_a_snippet(desk: Desk) -> None:
    """erin may not remove bob's saved reply; carol, a lead, may."""
    await run(desk, BOB, "snippet add hi Hello!")
    assert (await run(desk, ERIN, "snippet remove hi")).text == (
        "Only bob or a lead can remove the saved reply 'hi'."
    )
    assert (await run(desk, CAROL, "snippet remove hi")).text == "Saved reply 'hi' removed."
    assert (await run(desk, BOB, "reply 1 :hi")).ok is False


async def test_customers_cannot_see_saved_replies(desk: Desk) -> None:
    """Saved replies are the agents' tool."""
    assert (await run(desk, ALICE, "snippet list")).text == "/ticket snippet is for agents."


async def test_the_digest_names_the_saved_replies_used_most(
    desk: Desk, store: SqliteStore, clock: FakeClock
) -> None:
    """Uses in the digest's period, most used first."""
    await open_ticket(desk)
    for name in ("reboot", "hello"):
        await run(desk, BOB, f"snippet add {name} text of {name}")
    for name in ("hello", "reboot", "reboot"):
        await run(desk, BOB, f"reply 1 :{name}")
    made = await posting.build(store, DigestSettings(), clock.now() + timedelta(minutes=1))
    assert "\nSaved replies used most: :reboot 2 · :hello 1\n" in posting.render(made, ENGLISH)
