"""`/ticket forget <@person>`: leads only, and only once confirmed."""

from __future__ import annotations

from pathlib import Path

import pytest

from handlers.desk import Desk
from handlers.ports import Store
from storage.store import SqliteStore
from tests.builders import ALICE, BOB, CAROL, open_ticket, rows, run, settings
from tests.clock import FakeClock
from tests.storage.test_forget_file import raw_bytes

SECRET = "zanzibarian"


@pytest.mark.both_stores
async def test_an_agent_may_not_forget_anyone(desk: Desk, store: Store) -> None:
    """Forgetting is the leads' to do."""
    await open_ticket(desk, ALICE, f"my {SECRET} account")
    reply = await run(desk, BOB, "forget <@alice> confirm", mentions=(ALICE,))
    assert not reply.ok
    assert await rows(store, "SELECT count(*) FROM tickets WHERE customer_key = ?", ALICE.key) == [
        (1,)
    ]


@pytest.mark.both_stores
async def test_a_lead_first_sees_what_would_change_then_confirms(desk: Desk, store: Store) -> None:
    """Without confirm: a private preview and nothing changed; with it: forgotten, recorded."""
    await open_ticket(desk, ALICE, f"my {SECRET} account")
    preview = await run(desk, CAROL, "forget <@alice>", mentions=(ALICE,))
    assert preview.ok and preview.ephemeral
    assert "/ticket forget <@alice> confirm" in preview.text
    assert await rows(store, "SELECT count(*) FROM redactions") == [(0,)]
    done = await run(desk, CAROL, "forget <@alice> confirm", mentions=(ALICE,))
    assert done.ok and done.ephemeral and "Forgotten" in done.text
    assert await rows(store, "SELECT count(*) FROM tickets WHERE customer_key = ?", ALICE.key) == [
        (0,)
    ]
    assert await rows(store, "SELECT asked_by FROM redactions") == [(CAROL.key,)]


async def test_a_forgetting_from_chat_leaves_nothing_in_the_file(
    tmp_path: Path, clock: FakeClock
) -> None:
    """The desk empties the WAL once the command's transaction is committed."""
    path = tmp_path / "desk.db"
    async with await SqliteStore.open(path) as store:
        desk = Desk(store, clock, settings())
        await open_ticket(desk, ALICE, f"my {SECRET} account " + "details " * 100)
        assert (await run(desk, CAROL, "forget <@alice> confirm", mentions=(ALICE,))).ok
        assert SECRET.encode() not in raw_bytes(path)
