"""retention.messages and retention.audit_data: old closed tickets lose their text, not their
figures."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import ConfigError, parse_config
from bot.leadership import Leadership
from bot.retention import RetentionJob
from handlers import privacy
from handlers.desk import Desk
from handlers.digest import posting
from handlers.digest.rows import Retained
from handlers.ports import Store
from handlers.settings import DigestSettings
from handlers.texts import ENGLISH
from storage.store import SqliteStore
from tests.builders import ALICE, BOB, DAVE, open_ticket, rows, run, settings
from tests.clock import FakeClock

YEAR = timedelta(days=365)


async def closed_ticket(desk: Desk, text: str) -> int:
    """A ticket with a reply, a note and a resolution note, closed now."""
    ticket_id = await open_ticket(desk, ALICE, text)
    assert (await run(desk, BOB, f"note {ticket_id} note on {text}")).ok
    assert (await run(desk, BOB, f"resolve {ticket_id} fixed {text}")).ok
    assert (await run(desk, BOB, f"close {ticket_id}")).ok
    return ticket_id


async def texts_of(store: Store, ticket_id: int) -> list[object]:
    found = await rows(
        store, "SELECT text FROM messages WHERE ticket_id = ? ORDER BY id", ticket_id
    )
    return [text for (text,) in found]


@pytest.mark.both_stores
async def test_text_of_tickets_closed_before_the_retention_is_redacted(
    desk: Desk, store: Store, clock: FakeClock
) -> None:
    """A ticket closed 400 days ago loses its text and its notes; one closed 30 days ago and
    an open one keep theirs; the audit's free text follows retention.audit_data."""
    old = await closed_ticket(desk, "old printer")
    clock.advance(days=370)
    recent = await closed_ticket(desk, "recent printer")
    still_open = await open_ticket(desk, DAVE, "open printer")
    clock.advance(days=30)
    counted = (
        "SELECT (SELECT count(*) FROM messages), (SELECT count(*) FROM events),"
        " (SELECT count(*) FROM tickets WHERE status = 'closed'),"
        " (SELECT max(closed_at) FROM tickets), (SELECT sum(id) FROM events)"
    )
    before = await rows(store, counted)
    await rows(store, "UPDATE outbox SET status = 'sent' RETURNING id")  # as the outbox would have
    done = await privacy.redact_old(store, YEAR, YEAR * 2, clock.now())
    assert set(await texts_of(store, old)) == {"[redacted]"}
    assert "[redacted]" not in await texts_of(store, recent)
    subjects = await rows(store, "SELECT id, subject FROM tickets ORDER BY id")
    assert subjects[:2] == [(old, "[redacted]"), (recent, "recent printer")]
    notices = "SELECT payload FROM outbox WHERE ticket_id = ?"
    assert "old printer" not in str(await rows(store, notices, old))
    assert "recent printer" in str(await rows(store, notices, recent))
    idle = await privacy.redact_old(store, YEAR, YEAR * 2, clock.now())
    assert idle.redaction is None  # nothing left to redact: the run is not even recorded
    assert "[redacted]" not in await texts_of(store, still_open)
    assert (done.messages, done.events) == (len(await texts_of(store, old)), 0)
    assert await rows(store, counted) == before
    summaries = "SELECT data FROM events WHERE ticket_id = ? AND kind = 'resolved'"
    assert "fixed old printer" in str(await rows(store, summaries, old))
    clock.advance(days=400)
    again = await privacy.redact_old(store, YEAR, YEAR * 2, clock.now())
    assert again.events > 0 and "fixed old printer" not in str(await rows(store, summaries, old))
    assert await rows(store, counted) == before


@pytest.mark.both_stores
async def test_each_run_that_redacts_is_recorded(
    desk: Desk, store: Store, clock: FakeClock
) -> None:
    """One record per run that did anything, with its counts; none for a run that did nothing."""
    await closed_ticket(desk, "old printer")
    clock.advance(days=400)
    await privacy.redact_old(store, YEAR, None, clock.now(), pruned=3)
    await privacy.redact_old(store, YEAR, None, clock.now())
    found = await rows(store, "SELECT kind, asked_by, audit_rows FROM redactions")
    assert found == [("retention", "retention", 0)]


def test_every_bad_retention_key_is_named_at_once() -> None:
    """A too-short and an unreadable duration are both reported by key."""
    with pytest.raises(ConfigError) as raised:
        parse_config("retention: {messages: 1h, audit_data: soon}\n", {})
    assert "retention.messages" in str(raised.value)
    assert "retention.audit_data" in str(raised.value)


async def test_deskbot_retention_apply_redacts_old_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --apply it counts; with it the old ticket's text goes."""
    clock = FakeClock()
    async with await SqliteStore.open(tmp_path / "desk.db") as store:
        old = await closed_ticket(Desk(store, clock, settings()), "old printer")
    config = tmp_path / "config.yaml"
    config.write_text("storage: {path: desk.db}\nretention: {messages: 1d}\n")
    args = ["retention", "--config", str(config)]
    assert await asyncio.to_thread(main, args) == 0
    assert "Would redact the text of 2 message(s)" in capsys.readouterr().out
    assert await asyncio.to_thread(main, [*args, "--apply"]) == 0
    assert "Redacted the text of 2 message(s)" in capsys.readouterr().out
    async with await SqliteStore.open(tmp_path / "desk.db") as store:
        assert set(await texts_of(store, old)) == {"[redacted]"}


async def test_the_daily_job_redacts_and_records_the_keys_it_forgot(
    desk: Desk, store: SqliteStore, clock: FakeClock
) -> None:
    """The lease holder's daily run prunes the keys, redacts old text, and records both."""
    old = await closed_ticket(desk, "old printer")
    clock.advance(days=400)
    leadership = Leadership(store, clock)
    assert await leadership.renew()
    job = RetentionJob(store, clock, leadership, timedelta(days=30), messages=YEAR)
    pruned = await job()
    assert pruned is not None and pruned > 0  # the ticket's inbound keys, 400 days old
    assert set(await texts_of(store, old)) == {"[redacted]"}
    (counts,) = await rows(store, "SELECT counts FROM redactions")
    assert json.loads(str(counts[0]))["inbound_keys"] == pruned


@pytest.mark.both_stores
async def test_the_digest_says_what_retention_and_forgetting_did_in_its_period(
    desk: Desk, store: Store, clock: FakeClock
) -> None:
    """One line for the text redacted and keys pruned, one for the people forgotten."""
    await closed_ticket(desk, "old printer")
    clock.advance(days=400)
    start = clock.now()
    await privacy.redact_old(store, YEAR, None, clock.now(), pruned=4)
    await privacy.forget(store, DAVE.key, BOB.key, clock.now())
    clock.advance(hours=1)
    digest = await posting.build(store, DigestSettings(), clock.now(), since=start)
    assert digest.retained == Retained(messages=2, events=0, inbound_keys=4, forgotten=1)
    text = posting.render(digest, ENGLISH)
    assert "the text of 2 message(s) and 0 audit event(s)" in text
    assert "4 old dedupe key(s) forgotten" in text
    assert "1 person forgotten on request." in text
    earlier = await posting.build(store, DigestSettings(), start, since=start - YEAR)
    assert earlier.retained == Retained()
