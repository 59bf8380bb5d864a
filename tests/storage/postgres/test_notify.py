"""LISTEN/NOTIFY: an instance hears at once that another wrote a due time or a notice."""

from __future__ import annotations

import asyncio

import psycopg

from handlers.models import ClockKind, Step, StepKind
from storage.postgres.store import PostgresStore
from tests.clock import START
from tests.storage.contract.values import later, note, opened


async def heard_within(store: PostgresStore, seconds: float) -> bool:
    heard = asyncio.Event()
    store.on_outside_change(heard.set)
    await store.outside_changes()  # starts listening
    try:
        async with asyncio.timeout(seconds):
            await heard.wait()
    except TimeoutError:
        return False
    return True


async def test_a_notice_queued_elsewhere_is_heard_at_once(postgres_url: str) -> None:
    """The lease holder's outbox is woken by another instance's notice, not by its poll."""
    async with (
        await PostgresStore.open(postgres_url) as holder,
        await PostgresStore.open(postgres_url) as other,
    ):
        before = await holder.outside_changes()
        listening = asyncio.create_task(heard_within(holder, 2))
        await asyncio.sleep(0.1)
        await other.transact(lambda tx: tx.enqueue(note(), START))
        assert await listening
        assert await holder.outside_changes() != before


async def test_a_due_time_written_elsewhere_is_heard_at_once(postgres_url: str) -> None:
    """The sweeper re-arms for a reminder another instance scheduled."""
    async with (
        await PostgresStore.open(postgres_url) as holder,
        await PostgresStore.open(postgres_url) as other,
    ):
        ticket = await opened(other)
        await holder.outside_changes()
        listening = asyncio.create_task(heard_within(holder, 2))
        await asyncio.sleep(0.1)
        step = Step(StepKind.WARN, ClockKind.FIRST_RESPONSE)
        await other.transact(lambda tx: tx.schedule(ticket.id, step, 0, later(minutes=5)))
        assert await listening


async def test_nothing_is_heard_while_nothing_is_written(postgres_url: str) -> None:
    """Reads and idle time change nothing: the number stays put."""
    async with (
        await PostgresStore.open(postgres_url) as holder,
        await PostgresStore.open(postgres_url) as other,
    ):
        before = await holder.outside_changes()
        assert not await heard_within(holder, 0.3)
        await other.read(lambda tx: tx.pending_count())
        assert await holder.outside_changes() == before


async def test_a_lost_listening_connection_is_replaced(postgres_url: str) -> None:
    """Cut off, the listener connects again, counts a change (it may have missed some),
    and hears the next write."""
    async with (
        await PostgresStore.open(postgres_url) as holder,
        await PostgresStore.open(postgres_url) as other,
    ):
        before = await holder.outside_changes()
        reconnected = asyncio.create_task(heard_within(holder, 10))
        await asyncio.sleep(0.1)
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE query = 'LISTEN deskbot_due'"
            )
        assert await reconnected
        assert await holder.outside_changes() != before
        listening = asyncio.create_task(heard_within(holder, 2))
        await asyncio.sleep(0.1)
        await other.transact(lambda tx: tx.enqueue(note(), START))
        assert await listening
