"""`deskbot outbox`: what is queued, what failed and why, and re-queueing failures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from handlers.ports import Store

SHOWN = 20


@dataclass(frozen=True)
class OutboxReport:
    """What `deskbot outbox` prints, and how many notices are failed (its exit status)."""

    lines: tuple[str, ...]
    failed: int


async def report(store: Store, *, retry_failed: bool) -> OutboxReport:
    """Describe the outbox of `store`."""
    lines = []
    if retry_failed:
        now = datetime.now(UTC)
        count = await store.transact(lambda tx: tx.retry_failed(now))
        lines.append(f"re-queued {count} failed notice(s); a running deskbot sends them")
    counts = await store.read(lambda tx: tx.outbox_counts())
    problems = await store.read(lambda tx: tx.outbox_problems(SHOWN))
    states = ("pending", "failed", "sent", "superseded")
    lines.append(", ".join(f"{state}: {counts.get(state, 0)}" for state in states))
    for notice_id, status, where, kind, attempts, error in problems:
        lines.append(
            f"  #{notice_id} {status} {kind} to {where} after {attempts} attempt(s): {error}"
        )
    failed = counts.get("failed", 0)
    if failed:
        lines.append("Fix what the errors name, then run `deskbot outbox --retry-failed`.")
    return OutboxReport(tuple(lines), failed)
