"""Notices that carry a file: stored whole in the outbox."""

from __future__ import annotations

from datetime import UTC, datetime

from handlers.models import Notice, NoticeFile, NoticeKind, Place
from storage.store import SqliteStore


async def test_notice_file_survives_the_outbox(store: SqliteStore) -> None:
    """A digest notice's chart is stored with it (base64 in the payload) and read back whole."""
    png = bytes(range(256)) * 4
    notice = Notice(
        NoticeKind.DIGEST,
        Place("slack:T1", "C-LEADS"),
        "digest",
        file=NoticeFile("chart.png", png),
    )
    now = datetime(2026, 11, 24, 9, tzinfo=UTC)
    await store.transact(lambda tx: tx.enqueue(notice, now))
    (queued,) = await store.read(lambda tx: tx.due_notices(now, 10))
    assert queued.notice == notice
    assert queued.notice.file is not None and queued.notice.file.content == png
