"""The digest, the web view's metrics and `/ticket why` count the same after a forgetting."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from handlers import metrics, privacy
from handlers.desk import Desk
from handlers.digest import posting
from handlers.digest.figures import Digest, Learnt
from handlers.settings import DigestSettings
from storage.store import SqliteStore
from tests.builders import ALICE, BOB, CAROL, WORKSPACE, rows, run
from tests.clock import FakeClock
from tests.handlers.test_digest import NOW, scenario

pytestmark = pytest.mark.both_stores


def figures_of(digest: Digest) -> Digest:
    """The digest's figures: what it counts, not the subjects it quotes."""
    oldest = tuple(replace(ticket, subject="", permalink=None) for ticket in digest.oldest)
    return replace(digest, oldest=oldest, learnt=Learnt(deflected=digest.learnt.deflected))


async def all_figures(desk: Desk, store: SqliteStore) -> tuple[object, ...]:
    digest = await posting.build(store, DigestSettings(), NOW)
    gathered = await metrics.gather(store, DigestSettings(), digest.period, NOW, WORKSPACE)
    why = []
    for ticket_id in range(1, 13):
        reply = await run(desk, BOB, f"why {ticket_id}")
        assert reply.ok, reply.text
        why.append(reply.text.split("\n", 1)[1])  # the clocks; the header quotes the subject
    return figures_of(digest), gathered, tuple(why)


async def test_forgetting_the_customer_keeps_every_figure(
    desk: Desk, store: SqliteStore, clock: FakeClock
) -> None:
    """Twelve hand-made tickets, all alice's: the same figures before and after she goes."""
    await scenario(desk, store, clock)
    clock.set(NOW)
    before = await all_figures(desk, store)
    done = await privacy.forget(store, ALICE.key, CAROL.key, NOW)
    assert done.tickets == 12
    assert await all_figures(desk, store) == before


async def test_retention_keeps_every_figure(
    desk: Desk, store: SqliteStore, clock: FakeClock
) -> None:
    """The same tickets with every closed one's text redacted: the same figures."""
    await scenario(desk, store, clock)
    clock.set(NOW)
    before = await all_figures(desk, store)
    await rows(store, "UPDATE outbox SET status = 'sent' RETURNING id")  # as the outbox would have
    done = await privacy.redact_old(store, timedelta(0), timedelta(0), NOW + timedelta(days=1))
    assert done.messages and done.events
    assert await all_figures(desk, store) == before


async def test_forgetting_an_agent_keeps_every_count(
    desk: Desk, store: SqliteStore, clock: FakeClock
) -> None:
    """Bob forgotten: his lines count the same, under his pseudonym."""
    await scenario(desk, store, clock)
    clock.set(NOW)
    digest = await posting.build(store, DigestSettings(), NOW)
    done = await privacy.forget(store, BOB.key, CAROL.key, NOW)
    after = await posting.build(store, DigestSettings(), NOW)
    pseudonym_key = f"console:{done.pseudonym}"
    expected = tuple(
        replace(line, key=pseudonym_key, name=done.pseudonym) if line.key == BOB.key else line
        for line in digest.agents
    )
    assert sorted(after.agents, key=lambda line: line.name) == sorted(
        expected, key=lambda line: line.name
    )
    assert after.current == digest.current
