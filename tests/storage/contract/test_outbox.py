"""The outbox: notices queued in order per channel, delivered, retried or given up."""

from __future__ import annotations

from handlers.models import Queued
from handlers.ports import Store
from tests.clock import START
from tests.storage.contract.values import card, later, note, opened


async def due(
    store: Store, minutes: float = 0, platforms: frozenset[str] | None = None
) -> list[Queued]:
    now = later(minutes=minutes)
    return await store.read(lambda tx: tx.due_notices(now, 50, platforms))


async def test_a_queued_notice_comes_back_due(store: Store) -> None:
    """A notice queued now is due now, unchanged and not yet tried."""
    await store.transact(lambda tx: tx.enqueue(note(), START))
    [queued] = await due(store)
    assert (queued.notice, queued.attempts, queued.edit_of) == (note(), 0, None)


async def test_a_notice_is_not_due_before_its_time(store: Store) -> None:
    """A notice queued for later is not handed out earlier."""
    await store.transact(lambda tx: tx.enqueue(note(), later(minutes=5)))
    assert await due(store) == []
    assert len(await due(store, 5)) == 1


async def test_each_channel_hands_out_its_oldest_notice(store: Store) -> None:
    """One notice per channel, the oldest, so every channel keeps its order; oldest first."""
    for notice in (note("a", "1"), note("a", "2"), note("b", "3")):
        await store.transact(lambda tx, notice=notice: tx.enqueue(notice, START))  # type: ignore[misc]
    assert [q.notice.text for q in await due(store)] == ["1", "3"]
    assert await store.read(lambda tx: tx.pending_count()) == 3


async def test_only_the_platforms_asked_for_are_handed_out(store: Store) -> None:
    """With `platforms`, notices of other platforms wait, and are not counted as pending."""
    await store.transact(lambda tx: tx.enqueue(note(workspace="slack:T1"), START))
    await store.transact(lambda tx: tx.enqueue(note(workspace="discord:1"), START))
    found = await due(store, platforms=frozenset({"slack"}))
    assert [q.notice.place.workspace for q in found] == ["slack:T1"]
    assert await store.read(lambda tx: tx.pending_count(frozenset({"discord"}))) == 1


async def test_a_card_notice_supersedes_the_cards_undelivered_ones(store: Store) -> None:
    """Only the newest state of a card is sent."""
    ticket = await opened(store)
    for text in ("old", "new"):
        await store.transact(lambda tx, text=text: tx.enqueue(card(ticket.id, text), START))  # type: ignore[misc]
    assert [q.notice.text for q in await due(store)] == ["new"]
    assert await store.read(lambda tx: tx.outbox_counts()) == {"pending": 1, "superseded": 1}


async def test_a_sent_card_is_edited_by_the_next_one(store: Store) -> None:
    """Once sent, the card's next notice carries the platform message to edit."""
    ticket = await opened(store)
    await store.transact(lambda tx: tx.enqueue(card(ticket.id, "v1"), START))
    [first] = await due(store)
    await store.transact(lambda tx: tx.mark_sent(first, "m1", START))
    assert await due(store) == []
    await store.transact(lambda tx: tx.enqueue(card(ticket.id, "v2"), START))
    assert [q.edit_of for q in await due(store)] == ["m1"]


async def test_a_forgotten_edit_target_makes_the_card_post_anew(store: Store) -> None:
    """With its message gone, the card's next notice edits nothing."""
    ticket = await opened(store)
    await store.transact(lambda tx: tx.enqueue(card(ticket.id, "v1"), START))
    [first] = await due(store)
    await store.transact(lambda tx: tx.mark_sent(first, "m1", START))
    await store.transact(lambda tx: tx.forget_edit_target(f"card:{ticket.id}"))
    await store.transact(lambda tx: tx.enqueue(card(ticket.id, "v2"), START))
    assert [q.edit_of for q in await due(store)] == [None]


async def test_a_retried_notice_waits_and_counts_the_attempt(store: Store) -> None:
    """A retry moves the notice to its new time, one attempt more."""
    await store.transact(lambda tx: tx.enqueue(note(), START))
    [queued] = await due(store)
    await store.transact(lambda tx: tx.mark_retry(queued, later(minutes=1), "busy"))
    assert await due(store) == []
    assert [q.attempts for q in await due(store, 1)] == [1]
    assert await store.read(lambda tx: tx.outbox_problems(10)) == [
        (queued.id, "pending", "console:local triage", "thread", 1, "busy")
    ]


async def test_a_superseded_notice_is_not_revived_by_a_retry(store: Store) -> None:
    """A retry recorded after the card moved on leaves the old version aside."""
    ticket = await opened(store)
    await store.transact(lambda tx: tx.enqueue(card(ticket.id, "old"), START))
    [old] = await due(store)
    await store.transact(lambda tx: tx.enqueue(card(ticket.id, "new"), START))
    await store.transact(lambda tx: tx.mark_retry(old, START, "busy"))
    assert [q.notice.text for q in await due(store)] == ["new"]


async def test_an_obsolete_notice_is_dropped(store: Store) -> None:
    """A notice whose reason went away is never handed out again."""
    await store.transact(lambda tx: tx.enqueue(note(), START))
    [queued] = await due(store)
    await store.transact(lambda tx: tx.mark_obsolete(queued, "answered"))
    assert await due(store) == []
    assert await store.read(lambda tx: tx.pending_count()) == 0


async def test_a_failed_notice_stays_visible_until_retried(store: Store) -> None:
    """Failed notices are counted and listed, and `retry_failed` queues them again."""
    await store.transact(lambda tx: tx.enqueue(note(), START))
    [queued] = await due(store)
    await store.transact(lambda tx: tx.mark_failed(queued, "no access", START))
    assert await due(store, 60) == []
    assert await store.read(lambda tx: tx.outbox_counts()) == {"failed": 1}
    assert await store.read(lambda tx: tx.outbox_problems(10)) == [
        (queued.id, "failed", "console:local triage", "thread", 1, "no access")
    ]
    assert await store.transact(lambda tx: tx.retry_failed(later(minutes=1))) == 1
    assert [(q.id, q.attempts) for q in await due(store, 1)] == [(queued.id, 0)]
