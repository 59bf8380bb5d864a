"""Search: what a ticket is found by, who finds what, and words that are never syntax."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers.digest.rows import Subject, Window
from handlers.models import (
    Author,
    Event,
    EventKind,
    Message,
    Person,
    SearchQuery,
    Status,
    Ticket,
)
from handlers.ports import Store, Tx
from tests.builders import ALICE, BOB, DAVE, SUPPORT
from tests.clock import START
from tests.storage.contract.values import later, new_ticket

WS = SUPPORT.workspace


def _open(tx: Tx, thread: str, text: str, customer: Person = ALICE) -> Ticket:
    ticket = tx.insert_ticket(
        replace(new_ticket(thread), customer=customer, subject=text.splitlines()[0], body=text)
    )
    assert ticket is not None
    tx.add_message(Message(ticket.id, thread, customer, Author.CUSTOMER, text, START))
    return ticket


def _say(tx: Tx, ticket: Ticket, text: str, *, internal: bool = False, n: int = 1) -> None:
    message = Message(ticket.id, f"{ticket.id}.{n}", BOB, Author.AGENT, text, START, internal)
    tx.add_message(message)


def _resolve(tx: Tx, ticket: Ticket, summary: str) -> Ticket:
    resolved = replace(ticket, status=Status.RESOLVED, resolved_at=later(hours=1))
    tx.update_ticket(resolved)
    tx.record(Event(ticket.id, BOB, EventKind.RESOLVED, later(hours=1), {"summary": summary}))
    return resolved


async def _ids(store: Store, text: str, **options: object) -> list[int]:
    query = SearchQuery(WS, text, **options)  # type: ignore[arg-type]
    return [found.ticket.id for found in await store.read(lambda tx: tx.search(query))]


async def test_a_ticket_is_found_by_its_subject_text_replies_and_resolution(store: Store) -> None:
    """Subject, customer text, a public reply and the resolution note all find the ticket."""

    def work(tx: Tx) -> int:
        ticket = _open(tx, "1.0", "Printer on fire\nthe tray smells of toast")
        _say(tx, ticket, "Try unplugging the fuser")
        _resolve(tx, ticket, "replaced the thermostat")
        return ticket.id

    ticket_id = await store.transact(work)
    for words in ("printer", "toast", "fuser", "thermostat", "PRINTER fire"):
        assert await _ids(store, words) == [ticket_id], words


async def test_every_word_must_be_found(store: Store) -> None:
    """A search for several words finds only tickets holding all of them."""
    first = await store.transact(lambda tx: _open(tx, "1.0", "printer on fire").id)
    await store.transact(lambda tx: _open(tx, "2.0", "printer out of paper"))
    assert await _ids(store, "printer fire") == [first]


async def test_matches_rank_by_the_words_their_subject_holds_then_newest(store: Store) -> None:
    """Both words in the subject first (newest first among them), then one, then none."""

    def work(tx: Tx) -> list[int]:
        texts = [
            "printer on fire\nsmoke everywhere",
            "office smells of smoke\nthe printer caught fire",
            "printer making a noise\nit smells like fire",
            "printer on fire again\nsame as last week",
        ]
        return [_open(tx, f"{n}.0", text).id for n, text in enumerate(texts, start=1)]

    both, neither, one, both_newer = await store.transact(work)
    assert await _ids(store, "printer fire") == [both_newer, both, one, neither]
    assert await _ids(store, "fire printer") == [both_newer, both, one, neither]


async def test_a_lone_letter_or_digit_is_a_word_and_a_lone_ideograph_starts_one(
    store: Store,
) -> None:
    """`1` finds error 1, not error 100; 退 finds 退款, which the text holds only as a pair."""

    def work(tx: Tx) -> tuple[int, int]:
        one = _open(tx, "1.0", "error 1 at login")
        _open(tx, "2.0", "error 100 at login")
        refund = _open(tx, "3.0", "我的退款还没有到账")
        return one.id, refund.id

    one, refund = await store.transact(work)
    assert await _ids(store, "error 1") == [one]
    assert await _ids(store, "退") == [refund]


async def test_internal_notes_are_found_only_by_staff_searches(store: Store) -> None:
    """A word only an internal note holds finds the ticket with `internal`, never without."""

    def work(tx: Tx) -> int:
        ticket = _open(tx, "1.0", "printer on fire")
        _say(tx, ticket, "customer is on the legacy plan", internal=True)
        return ticket.id

    ticket_id = await store.transact(work)
    assert await _ids(store, "legacy", internal=True) == [ticket_id]
    assert await _ids(store, "legacy") == []


async def test_chinese_without_spaces_is_found_by_a_two_character_word(store: Store) -> None:
    """退款 (refund) inside a sentence without spaces finds it; a phrase not in it does not."""
    ticket_id = await store.transact(
        lambda tx: _open(tx, "1.0", "我的退款还没有到账，已经三天了").id
    )
    assert await _ids(store, "退款") == [ticket_id]
    assert await _ids(store, "退款还没有到账") == [ticket_id]
    assert await _ids(store, "到账退款") == []


async def test_japanese_without_spaces_is_found(store: Store) -> None:
    """A Japanese word inside a sentence finds the ticket."""
    ticket_id = await store.transact(
        lambda tx: _open(tx, "1.0", "パスワードをリセットできません").id
    )
    assert await _ids(store, "リセット") == [ticket_id]


async def test_filters_narrow_by_status_customer_and_time(store: Store) -> None:
    """Status, customer and since each leave out the tickets that do not match them."""

    def work(tx: Tx) -> tuple[int, int]:
        alice = _open(tx, "1.0", "printer on fire")
        dave = _open(tx, "2.0", "printer jammed", customer=DAVE)
        _resolve(tx, dave, "cleared the jam")
        return alice.id, dave.id

    alice, dave = await store.transact(work)
    assert await _ids(store, "printer", statuses=frozenset({Status.RESOLVED})) == [dave]
    assert await _ids(store, "printer", customer_key=ALICE.key) == [alice]
    assert await _ids(store, "printer", since=later(days=1)) == []
    assert sorted(await _ids(store, "printer", since=START)) == [alice, dave]
    assert await _ids(store, "printer", excluding=alice) == [dave]


async def test_likeness_ranks_the_ticket_sharing_most_words_first(store: Store) -> None:
    """With `like`, any word will do, and the ticket sharing the most ranks first."""

    def work(tx: Tx) -> tuple[int, int]:
        near = _open(tx, "1.0", "password reset email never arrives")
        far = _open(tx, "2.0", "email signature looks wrong")
        return near.id, far.id

    near, far = await store.transact(work)
    found = await _ids(store, "the password reset email does not arrive", like=True)
    assert found == [near, far]


async def test_a_found_ticket_carries_its_latest_resolution_note(store: Store) -> None:
    """The resolution note is the summary of the ticket's last resolution."""

    def work(tx: Tx) -> None:
        ticket = _open(tx, "1.0", "printer on fire")
        _resolve(tx, _resolve(tx, ticket, "first try"), "swapped the fuser")

    await store.transact(work)
    query = SearchQuery(WS, "printer")
    (found,) = await store.read(lambda tx: tx.search(query))
    assert found.resolution == "swapped the fuser"
    assert found.ticket.status is Status.RESOLVED


async def test_an_edited_or_deleted_message_is_found_as_it_is_now(store: Store) -> None:
    """An edit replaces the words a message is found by; a deleted message is found no more."""

    def work(tx: Tx) -> int:
        ticket = _open(tx, "1.0", "printer on fire")
        _say(tx, ticket, "try the blue cable")
        (reply,) = [
            m for m in tx.messages(ticket.id, include_internal=True) if m.role is Author.AGENT
        ]
        tx.edit_message(reply, "try the red cable", later(minutes=1))
        first = tx.messages(ticket.id, include_internal=True)[0]
        tx.delete_message(first, later(minutes=2))
        return ticket.id

    ticket_id = await store.transact(work)
    assert await _ids(store, "red") == [ticket_id]
    assert await _ids(store, "blue") == []
    assert await _ids(store, "toast fire") == []


async def test_words_from_another_workspace_find_nothing(store: Store) -> None:
    """A search sees only its own workspace."""
    await store.transact(lambda tx: _open(tx, "1.0", "printer on fire"))
    assert await store.read(lambda tx: tx.search(SearchQuery("slack:T9", "printer"))) == []


@given(words=st.text(alphabet=st.sampled_from("ab \"*-^():{}NEAR+ 退款\\'.,;"), max_size=30))
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
async def test_query_syntax_in_words_is_data_and_never_raises(store: Store, words: str) -> None:
    """Quotes, NEAR, `*`, `-`, `^`, columns and stray parentheses never raise or widen a search."""
    for query in (SearchQuery(WS, words), SearchQuery(WS, words, like=True)):
        await store.read(lambda tx, query=query: tx.search(query))


async def test_operators_are_matched_as_words(store: Store) -> None:
    """`-fire`, `NEAR(…)`, `subject:` and `"` find what the plain words find, no more."""
    ticket_id = await store.transact(lambda tx: _open(tx, "1.0", "printer on fire").id)
    await store.transact(lambda tx: _open(tx, "2.0", "printer out of paper"))
    assert await _ids(store, "printer -fire") == [ticket_id]
    assert await _ids(store, 'printer:("fire^') == [ticket_id]
    assert await _ids(store, "subject:printer") == []  # `subject` is a word it lacks
    assert await _ids(store, "NEAR(printer fire)") == []  # and so is `near`
    assert await _ids(store, "fire*") == [ticket_id]


async def test_tickets_opened_in_a_window_are_listed_by_subject(store: Store) -> None:
    """`opened_subjects` lists tickets whose `opened` event fell in the window."""

    def work(tx: Tx) -> int:
        ticket = _open(tx, "1.0", "password reset")
        tx.record(Event(ticket.id, ALICE, EventKind.OPENED, START))
        return ticket.id

    ticket_id = await store.transact(work)
    found = await store.report(lambda r: r.opened_subjects(Window(START, later(hours=1)), 10))
    assert found == [Subject(ticket_id, "password reset")]
    assert await store.report(lambda r: r.opened_subjects(Window(later(hours=1)), 10)) == []


async def test_deflections_count_resolutions_by_a_suggested_answer(store: Store) -> None:
    """Only resolved events marked `deflected` in the window count."""

    def work(tx: Tx) -> None:
        ticket = _open(tx, "1.0", "password reset")
        tx.record(Event(ticket.id, ALICE, EventKind.RESOLVED, START, {"deflected": True}))
        tx.record(Event(ticket.id, BOB, EventKind.RESOLVED, START, {"summary": "done"}))

    await store.transact(work)
    assert await store.report(lambda r: r.deflections(Window(START, later(hours=1)))) == 1
    assert await store.report(lambda r: r.deflections(Window(later(hours=1)))) == 0


async def test_a_huge_ticket_is_stored_and_found_by_its_first_words(store: Store) -> None:
    """A word of thousands of letters and a pasted log of 150,000 words never fail intake."""
    log = " ".join(f"w{n:06x}" for n in range(150_000))
    giant = "x" * 5000

    def work(tx: Tx) -> int:
        ticket = _open(tx, "1.0", "printer log attached")
        _say(tx, ticket, f"{giant} {log}")
        return ticket.id

    ticket_id = await store.transact(work)
    assert await _ids(store, "printer w000001") == [ticket_id]
    assert await _ids(store, giant) == [ticket_id]


async def test_the_reports_search_beside_the_writer_as_a_transaction_does(store: Store) -> None:
    """The reports' search finds what a transaction's search finds, once it is committed."""

    def work(tx: Tx) -> int:
        ticket = _open(tx, "1.0", "password reset email never arrives")
        return _resolve(tx, ticket, "whitelisted our domain").id

    solved = await store.transact(work)
    query = SearchQuery(WS, "reset email", statuses=frozenset({Status.RESOLVED}), like=True)
    beside = await store.report(lambda reports: reports.search(query))
    inside = await store.read(lambda tx: tx.search(query))
    assert [(hit.ticket.id, hit.resolution) for hit in beside] == [
        (solved, "whitelisted our domain")
    ]
    assert beside == inside


async def test_similar_tickets_are_kept_best_first_and_replaced_whole(store: Store) -> None:
    """A ticket's kept similar tickets read back in order, with notes; keeping again replaces."""

    def work(tx: Tx) -> tuple[int, int, int]:
        first = _resolve(tx, _open(tx, "1.0", "email never arrives"), "whitelisted")
        second = _open(tx, "2.0", "email bounced")
        ticket = _open(tx, "3.0", "my email never arrives")
        tx.remember_similar(ticket.id, [second.id, first.id])
        return first.id, second.id, ticket.id

    first, second, ticket_id = await store.transact(work)
    kept = await store.read(lambda tx: tx.remembered_similar(ticket_id))
    assert [(hit.ticket.id, hit.resolution) for hit in kept] == [
        (second, ""),
        (first, "whitelisted"),
    ]
    await store.transact(lambda tx: tx.remember_similar(ticket_id, [first]))
    assert [
        hit.ticket.id for hit in await store.read(lambda tx: tx.remembered_similar(ticket_id))
    ] == [first]
    await store.transact(lambda tx: tx.remember_similar(ticket_id, []))
    assert await store.read(lambda tx: tx.remembered_similar(ticket_id)) == []


async def test_a_transaction_names_the_tickets_it_opened_or_reworded(store: Store) -> None:
    """Opening or re-wording a ticket makes it unmatched; a status change does not."""

    def opened(tx: Tx) -> tuple[int, list[tuple[int, str, bool]]]:
        ticket = _open(tx, "1.0", "printer on fire")
        tx.update_ticket(replace(ticket, subject="printer on fire!"))
        return ticket.id, _unmatched(tx)

    ticket_id, unmatched = await store.transact(opened)
    assert unmatched == [(ticket_id, "printer on fire!", True)]  # as last written

    def changed(tx: Tx, **fields: object) -> list[tuple[int, str, bool]]:
        ticket = tx.ticket(ticket_id)
        assert ticket is not None
        tx.update_ticket(replace(ticket, **fields))  # type: ignore[arg-type]
        return _unmatched(tx)

    assert await store.transact(lambda tx: changed(tx, status=Status.CLAIMED)) == []
    assert await store.transact(lambda tx: changed(tx, body="printer on fire, smoke")) == [
        (ticket_id, "printer on fire!", False)
    ]


def _unmatched(tx: Tx) -> list[tuple[int, str, bool]]:
    return [(i, u.ticket.subject, u.opened) for i, u in sorted(tx.unmatched.items())]
