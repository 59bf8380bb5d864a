"""Saved replies: one per name in a workspace, counted as they are used."""

from __future__ import annotations

from handlers.digest.rows import SnippetUse, Window
from handlers.models import Event, EventKind, Snippet
from handlers.ports import Store
from tests.builders import ALICE, BOB, SUPPORT
from tests.clock import START
from tests.storage.contract.values import later, opened

OTHER = "console:elsewhere"


def saved(name: str, text: str = "Hello {customer}", workspace: str = SUPPORT.workspace) -> Snippet:
    return Snippet(workspace, name, text, BOB, START)


async def test_a_snippet_round_trips_and_its_name_is_taken_once(store: Store) -> None:
    """The first `add` of a name wins; the second writes nothing and says so."""
    assert await store.transact(lambda tx: tx.add_snippet(saved("hi")))
    assert not await store.transact(lambda tx: tx.add_snippet(saved("hi", "Howdy")))
    assert await store.read(lambda tx: tx.snippet(SUPPORT.workspace, "hi")) == saved("hi")


async def test_snippets_are_listed_by_name_per_workspace(store: Store) -> None:
    """Each workspace has its own names; the list is in name order."""
    for snippet in (saved("b"), saved("a"), saved("a", workspace=OTHER)):
        await store.transact(lambda tx, snippet=snippet: tx.add_snippet(snippet))  # type: ignore[misc]
    names = await store.read(lambda tx: [s.name for s in tx.snippets(SUPPORT.workspace)])
    assert names == ["a", "b"]
    assert await store.read(lambda tx: tx.snippet(OTHER, "b")) is None


async def test_uses_are_counted_and_removal_is_reported(store: Store) -> None:
    """Counting adds one per use; removing says whether there was one to remove."""
    await store.transact(lambda tx: tx.add_snippet(saved("hi")))
    for _ in range(2):
        await store.transact(lambda tx: tx.count_snippet_use(SUPPORT.workspace, "hi"))
    found = await store.read(lambda tx: tx.snippet(SUPPORT.workspace, "hi"))
    assert found is not None and found.uses == 2
    assert await store.transact(lambda tx: tx.remove_snippet(SUPPORT.workspace, "hi"))
    assert not await store.transact(lambda tx: tx.remove_snippet(SUPPORT.workspace, "hi"))


async def test_the_reports_rank_snippet_uses_in_a_window(store: Store) -> None:
    """Uses are the `message` events naming a snippet, counted in `[start, end)`."""
    ticket = await opened(store)
    uses = [("reboot", 1), ("hello", 2), ("reboot", 3), ("reboot", 30), (None, 4)]
    for name, minutes in uses:
        data = {"role": "agent"} | ({"snippet": name} if name else {})
        event = Event(ticket.id, ALICE, EventKind.MESSAGE, later(minutes=minutes), data)
        await store.transact(lambda tx, event=event: tx.record(event))  # type: ignore[misc]
    window = Window(START, later(minutes=10))
    assert await store.report(lambda r: r.snippet_uses(window, 5)) == [
        SnippetUse("reboot", 2),
        SnippetUse("hello", 1),
    ]
    assert await store.report(lambda r: r.snippet_uses(window, 1)) == [SnippetUse("reboot", 2)]
