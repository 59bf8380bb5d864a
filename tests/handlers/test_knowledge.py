"""What the desk learnt: similar tickets on the card, search, deflection and recurring problems."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any, TypeVar, cast

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers import knowledge
from handlers.desk import Desk
from handlers.digest import posting
from handlers.models import Found, Person, SearchQuery, Status
from handlers.ports import Reports, Store, Tx
from handlers.settings import DeskSettings, DigestSettings, KnowledgeSettings
from handlers.texts import ENGLISH
from storage import search
from storage.store import SqliteStore
from tests.builders import ALICE, BOB, CAROL, DAVE, open_ticket, rows, run
from tests.clock import FakeClock

pytestmark = pytest.mark.both_stores

T = TypeVar("T")
PASSWORD = "Password reset email never arrives\nI asked three times, nothing in my inbox."


async def _solved(desk: Desk, text: str, summary: str, customer: Person = DAVE) -> int:
    ticket_id = await open_ticket(desk, customer, text)
    assert (await run(desk, BOB, f"resolve {ticket_id} {summary}")).ok
    return ticket_id


async def _payloads(store: SqliteStore, kind: str, ticket_id: int) -> list[dict[str, object]]:
    found = await rows(
        store,
        "SELECT payload FROM outbox WHERE kind = ? AND ticket_id = ? ORDER BY id",
        kind,
        ticket_id,
    )
    return [json.loads(str(payload)) for (payload,) in found]


class WritesCounted:
    """The store, counting the searches run inside its write transactions."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.searches = 0

    def _counted(self, real: Tx) -> Tx:
        outer = self

        class Counted:
            def search(self, query: SearchQuery) -> list[Found]:
                outer.searches += 1
                return real.search(query)

            def __getattr__(self, name: str) -> Any:
                return getattr(real, name)

        return cast(Tx, Counted())

    async def transact(self, work: Callable[[Tx], T]) -> T:
        return await self.store.transact(lambda tx: work(self._counted(tx)))

    async def read(self, work: Callable[[Tx], T]) -> T:
        return await self.store.read(work)

    async def report(self, work: Callable[[Reports], T]) -> T:
        return await self.store.report(work)

    async def outside_changes(self) -> int:
        return await self.store.outside_changes()


def test_chinese_is_cut_into_pairs_and_words_stay_whole() -> None:
    """退款还没到 becomes overlapping pairs; English words and numbers stay words."""
    assert knowledge.phrases("Refund 退款还没 ERR-42") == [
        ("refund",),
        ("退款", "款还", "还没"),
        ("err",),
        ("42",),
    ]


# Letters, digits, `_`, a superscript, punctuation and kana marks inside the ideographs'
# range, and ideographs: where a plain pattern and the full one could disagree.
_CUT = "aZé9_-' .\n\u00b2\u3001\u30fb\u309b退款パス"


@given(text=st.text(alphabet=st.sampled_from(_CUT), max_size=40))
def test_text_without_ideographs_is_cut_as_text_with_them_would_be(text: str) -> None:
    """The plain pattern for text without ideographs cuts it as the full one does."""
    assert knowledge.phrases(text) == knowledge._mixed_phrases(text.lower())


async def test_the_card_lists_similar_resolved_tickets_with_their_resolution(
    desk: Desk, store: SqliteStore
) -> None:
    """A new ticket's card names up to three resolved tickets like it and how each was fixed."""
    solved = [await _solved(desk, PASSWORD, f"whitelisted our domain ({n})") for n in range(4)]
    await open_ticket(desk, DAVE, "Printer on fire")  # open, and unlike: never listed
    ticket_id = await open_ticket(desk, ALICE, "the password reset email never arrives")
    card = (await _payloads(store, "card", ticket_id))[-1]
    similar = card["card"]["similar"]  # type: ignore[index]
    assert len(similar) == 3
    assert {line[0] for line in similar} <= set(solved)
    assert "whitelisted our domain" in similar[0][3]
    assert "Solved before:" in str(card["text"])
    assert "resolved: whitelisted our domain" in str(card["text"])


async def test_no_unit_of_work_runs_the_similar_query(
    store: Store, clock: FakeClock, settings: DeskSettings
) -> None:
    """Opening and claiming search nothing while writing; the card still lists the likes."""
    counted = WritesCounted(store)
    desk = Desk(counted, clock, settings)
    solved = await _solved(desk, PASSWORD, "whitelisted our domain")
    ticket_id = await open_ticket(desk, ALICE, "the password reset email never arrives")
    assert (await run(desk, BOB, f"claim {ticket_id}")).ok
    assert counted.searches == 0
    cards = await _payloads(store, "card", ticket_id)  # type: ignore[arg-type]
    assert [line[0] for line in cards[-1]["card"]["similar"]] == [solved]  # type: ignore[index]
    assert "claimed" in str(cards[-1]["text"])  # a later change's card keeps the lines


async def test_a_card_without_similar_tickets_shows_none(desk: Desk, store: SqliteStore) -> None:
    """With nothing resolved like it, the card has no similar lines."""
    ticket_id = await open_ticket(desk, ALICE, "Printer on fire")
    card = (await _payloads(store, "card", ticket_id))[-1]
    assert "similar" not in card["card"]  # type: ignore[operator]


async def test_a_shared_number_alone_does_not_make_tickets_similar(
    desk: Desk, store: SqliteStore
) -> None:
    """An order number in both is no likeness: the card lists no ticket for it."""
    await _solved(desk, "Printer on fire since 48213", "new fuser")
    ticket_id = await open_ticket(desk, ALICE, "Invoice wrong, 48213")
    card = (await _payloads(store, "card", ticket_id))[-1]
    assert "similar" not in card["card"]  # type: ignore[operator]


async def test_similar_lists_resolved_tickets_for_agents(desk: Desk) -> None:
    """`/ticket similar <id>` lists resolved tickets like it, with their resolution."""
    solved = await _solved(desk, PASSWORD, "whitelisted our domain")
    ticket_id = await open_ticket(desk, ALICE, "password reset email missing")
    reply = await run(desk, BOB, f"similar {ticket_id}")
    assert f"#{solved} Password reset email never arrives — resolved: whitelisted" in reply.text
    customer = await run(desk, ALICE, f"similar {ticket_id}")
    assert not customer.ok


async def test_search_finds_words_with_filters(desk: Desk, clock: FakeClock) -> None:
    """`/ticket search` finds by words, narrowed by status, customer and since."""
    old = await _solved(desk, "Printer on fire", "new fuser")
    clock.advance(days=10)
    new = await open_ticket(desk, ALICE, "Printer out of paper")
    found = await run(desk, BOB, "search printer")
    assert f"#{old}" in found.text and f"#{new}" in found.text
    resolved = await run(desk, BOB, "search printer status:resolved")
    assert f"#{old}" in resolved.text and f"#{new}" not in resolved.text
    recent = await run(desk, BOB, "search printer since:3d")
    assert f"#{new}" in recent.text and f"#{old}" not in recent.text
    by_dave = await run(desk, BOB, "search printer customer:@dave", mentions=(DAVE,))
    assert f"#{old}" in by_dave.text and f"#{new}" not in by_dave.text


async def test_a_bad_filter_is_refused_with_the_ways_to_filter(desk: Desk) -> None:
    """`status:soon` names what filters exist."""
    reply = await run(desk, BOB, "search printer status:soon")
    assert not reply.ok
    assert "status:<status|active|solved|all>" in reply.text


async def test_customers_search_only_their_own_tickets_without_notes(desk: Desk) -> None:
    """A customer finds their tickets by their words, never others' nor internal notes."""
    mine = await open_ticket(desk, ALICE, "Printer on fire")
    theirs = await open_ticket(desk, DAVE, "Printer jammed")
    await run(desk, BOB, f"note {mine} customer on the legacy plan")
    assert (await run(desk, BOB, "search legacy")).text.count(f"#{mine}") == 1
    found = await run(desk, ALICE, "search printer")
    assert f"#{mine}" in found.text and f"#{theirs}" not in found.text
    assert f"#{mine}" not in (await run(desk, ALICE, "search legacy")).text
    assert (
        f"#{theirs}"
        not in (await run(desk, ALICE, "search jammed customer:@dave", mentions=(DAVE,))).text
    )


async def test_a_customer_search_reads_their_newest_matches_not_everyones(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many newer matches of other customers do not push a customer's own ticket out."""
    monkeypatch.setattr(search, "WINDOW", 2)  # a small window stands for a large desk's
    mine = await open_ticket(desk, ALICE, "Printer on fire")
    for _ in range(3):
        await open_ticket(desk, DAVE, "Printer jammed")
    assert f"#{mine}" in (await run(desk, ALICE, "search printer")).text
    by_alice = await run(desk, BOB, "search printer customer:@alice", mentions=(ALICE,))
    assert f"#{mine}" in by_alice.text


async def test_a_staff_search_never_matches_the_index_bookkeeping(desk: Desk) -> None:
    """Searching `active` or a customer's index term finds no ticket that does not say it."""
    await open_ticket(desk, ALICE, "Printer on fire")
    for words in ("active", search.customer_term(ALICE.key)):
        assert "#" not in (await run(desk, BOB, f"search {words}")).text, words


async def test_query_syntax_typed_into_search_is_searched_as_words(desk: Desk) -> None:
    """Quotes, NEAR, `*`, `-`, `^`, columns and stray parentheses are words, never errors."""
    ticket_id = await open_ticket(desk, ALICE, "Printer on fire")
    for words in ('"printer', "printer -fire", "printer*", "^printer", "(printer", "printer)"):
        reply = await run(desk, BOB, f"search {words}")
        assert reply.ok and f"#{ticket_id}" in reply.text, words
    for words in ("subject:printer", "NEAR(printer fire)"):
        assert f"#{ticket_id}" not in (await run(desk, BOB, f"search {words}")).text


async def test_chinese_search_finds_a_two_character_word(desk: Desk) -> None:
    """退款 finds a ticket written without spaces, on the console as on any platform."""
    ticket_id = await open_ticket(desk, ALICE, "我的退款还没有到账")
    assert f"#{ticket_id}" in (await run(desk, BOB, "search 退款")).text


def _suggesting(settings: DeskSettings) -> DeskSettings:
    return replace(settings, knowledge=KnowledgeSettings(suggest_to_customers=True))


async def test_deflection_is_off_by_default(desk: Desk, store: SqliteStore) -> None:
    """Without `suggest_to_customers`, the ack offers no answers and no button."""
    await _solved(desk, PASSWORD, "whitelisted our domain")
    ticket_id = await open_ticket(desk, ALICE, PASSWORD)
    (ack,) = await _payloads(store, "ack", ticket_id)
    assert "helped others" not in str(ack["text"]) and "actions" not in ack


async def test_a_strong_match_offers_answers_and_a_solved_button(
    store: SqliteStore, clock: FakeClock, settings: DeskSettings
) -> None:
    """The ack names the answers that helped others, with links, and offers "This solved it"."""
    desk = Desk(store, clock, _suggesting(settings))
    solved = await _solved(desk, PASSWORD, "whitelisted our domain")
    ticket_id = await open_ticket(desk, ALICE, "Password reset email never arrives, again")
    # The ack goes out at once; the answers are found beside the writer and edit it.
    first, ack = await _payloads(store, "ack", ticket_id)
    assert "helped others" not in str(first["text"])
    assert "these answers helped others" in str(ack["text"])
    assert f"#{solved} Password reset email never arrives — resolved: whitelisted" in str(
        ack["text"]
    )
    assert ack["actions"] == ["solved"]


async def test_a_weak_match_or_one_without_a_note_offers_nothing(
    store: SqliteStore, clock: FakeClock, settings: DeskSettings
) -> None:
    """A ticket sharing a word or two, or resolved without a note, is not suggested."""
    desk = Desk(store, clock, _suggesting(settings))
    await _solved(desk, PASSWORD, "whitelisted our domain")
    await _solved(desk, "Invoice shows the wrong amount", "")
    for text in ("My email address changed", "Invoice shows the wrong amount"):
        ticket_id = await open_ticket(desk, ALICE, text)
        (ack,) = await _payloads(store, "ack", ticket_id)
        assert "actions" not in ack, text


async def test_this_solved_it_resolves_as_deflected_and_the_digest_counts_it(
    store: SqliteStore, clock: FakeClock, settings: DeskSettings
) -> None:
    """The customer's "This solved it" resolves the ticket, audited and counted as deflected."""
    desk = Desk(store, clock, _suggesting(settings))
    await _solved(desk, PASSWORD, "whitelisted our domain")
    ticket_id = await open_ticket(desk, ALICE, PASSWORD)
    reply = await run(desk, ALICE, f"solved {ticket_id}")
    assert reply.ok and "Glad that helped" in reply.text
    ticket = await desk.ticket(ticket_id)
    assert ticket is not None and ticket.status is Status.RESOLVED
    digest = await posting.build(store, DigestSettings(), clock.now() + timedelta(minutes=1))
    assert digest.learnt.deflected == 1
    assert "1 ticket solved by an answer that helped others" in posting.render(digest, ENGLISH)


async def test_only_the_customer_may_say_it_solved_their_ticket(
    store: SqliteStore, clock: FakeClock, settings: DeskSettings
) -> None:
    """Someone else pressing the button is refused, and the ticket stays open."""
    desk = Desk(store, clock, _suggesting(settings))
    ticket_id = await open_ticket(desk, ALICE, PASSWORD)
    for other in (DAVE, BOB, CAROL):
        reply = await run(desk, other, f"solved {ticket_id}")
        assert not reply.ok
    ticket = await desk.ticket(ticket_id)
    assert ticket is not None and ticket.status is Status.OPEN


async def test_the_digest_lists_recurring_problems(
    desk: Desk, store: SqliteStore, clock: FakeClock
) -> None:
    """Tickets of the period about one problem are counted under its most common subject."""
    for _ in range(4):
        await open_ticket(desk, ALICE, "Password reset email never arrives")
    await open_ticket(desk, ALICE, "password reset email never arrived")
    await open_ticket(desk, DAVE, "Printer on fire")
    digest = await posting.build(store, DigestSettings(), clock.now() + timedelta(minutes=1))
    (cluster,) = digest.learnt.clusters
    assert cluster.size == 5 and cluster.about == "Password reset email never arrives"
    text = posting.render(digest, ENGLISH)
    assert "Recurring problems:" in text
    assert "5 tickets about “Password reset email never arrives”" in text
