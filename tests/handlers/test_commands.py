"""/ticket verbs: every verb, its arguments, its permissions and its answers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from handlers import commands
from handlers.commands import VERBS
from handlers.desk import Desk
from handlers.models import Command, Place, Priority, Role, Status
from handlers.ports import Reports, T
from handlers.settings import DeskSettings
from storage.store import SqliteStore
from tests.builders import (
    ALICE,
    BOB,
    CAROL,
    DAVE,
    ERIN,
    SUPPORT,
    WORKSPACE,
    open_ticket,
    post,
    rows,
    run,
)
from tests.clock import FakeClock
from tests.conftest import OpenStore

# These exercise the store: each runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.both_stores


async def status_of(desk: Desk, ticket_id: int = 1) -> Status:
    ticket = await desk.ticket(ticket_id)
    assert ticket is not None
    return ticket.status


async def test_help_lists_every_verb_for_leads(desk: Desk) -> None:
    """Help is generated from the registry: a lead sees every verb."""
    reply = await run(desk, CAROL, "help")
    for name in VERBS:
        assert f"/ticket {name}" in reply.text


async def test_help_leaves_lead_verbs_out_for_agents(desk: Desk) -> None:
    """An agent's help has the agents' verbs but not the digest."""
    reply = await run(desk, BOB, "help")
    assert "/ticket claim" in reply.text
    assert "/ticket digest" not in reply.text


async def test_digest_on_demand_is_for_leads(desk: Desk, clock: FakeClock) -> None:
    """`/ticket digest` answers a lead with the digest; an agent is told it is for leads."""
    await open_ticket(desk)
    clock.advance(minutes=1)
    assert (await run(desk, BOB, "digest")).text == "/ticket digest is for leads."
    text = (await run(desk, CAROL, "digest")).text
    assert text.startswith("Digest for ")
    assert "New 1" in text


async def test_digest_on_demand_counts_the_askers_workspace(desk: Desk, clock: FakeClock) -> None:
    """`/ticket digest` asked in one workspace counts its tickets, not another workspace's."""
    elsewhere = Place("console:other", "support")
    await open_ticket(desk)
    for customer in (ALICE, DAVE):
        await post(desk, customer, "elsewhere", place=elsewhere)
    clock.advance(minutes=1)
    assert "New 1" in (await run(desk, CAROL, "digest")).text
    assert "New 2" in (await run(desk, CAROL, "digest", place=elsewhere)).text


async def test_help_shows_customers_only_their_verbs(desk: Desk) -> None:
    """A customer's help leaves out the agents' verbs."""
    reply = await run(desk, ALICE, "help")
    assert "/ticket status" in reply.text
    assert "/ticket claim" not in reply.text


async def test_customer_help_promises_only_what_customers_may_do(desk: Desk) -> None:
    """A customer's help offers reopening their resolved ticket, never a closed one."""
    lines = (await run(desk, ALICE, "help")).text.splitlines()
    assert "  /ticket reopen <id> — reopen your resolved ticket" in lines
    assert not [line for line in lines if "closed" in line]


async def test_agent_help_offers_reopening_closed_tickets(desk: Desk) -> None:
    """An agent's help says they may reopen a closed ticket too."""
    reply = await run(desk, BOB, "help")
    assert "/ticket reopen <id> — reopen a resolved ticket, or (agents) a closed one" in reply.text


async def test_empty_command_shows_help(desk: Desk) -> None:
    """`/ticket` alone answers with the help."""
    assert "/ticket commands" in (await run(desk, BOB, "")).text


async def test_claim_gives_ticket_to_agent(desk: Desk) -> None:
    """An agent claims an open ticket: it is theirs and claimed."""
    await open_ticket(desk)
    reply = await run(desk, BOB, "claim 1")
    assert reply.ok
    assert reply.text == "You claimed #1 printer on fire."
    ticket = await desk.ticket(1)
    assert ticket is not None and ticket.assignee is not None
    assert ticket.assignee.same_as(BOB)
    assert ticket.status is Status.CLAIMED


async def test_claim_of_claimed_ticket_is_refused(desk: Desk) -> None:
    """A second agent's claim is refused, naming the holder; nothing changes."""
    await open_ticket(desk)
    await run(desk, BOB, "claim 1")
    reply = await run(desk, ERIN, "claim 1")
    assert not reply.ok
    assert "already claimed by bob" in reply.text
    ticket = await desk.ticket(1)
    assert ticket is not None and ticket.assignee is not None and ticket.assignee.same_as(BOB)


async def test_lead_may_force_a_claim(desk: Desk) -> None:
    """A lead takes over a claimed ticket with --force."""
    await open_ticket(desk)
    await run(desk, BOB, "claim 1")
    reply = await run(desk, CAROL, "claim 1 --force")
    assert reply.ok
    assert "taken over from bob" in reply.text


async def test_agent_may_not_force(desk: Desk) -> None:
    """--force is for leads only."""
    await open_ticket(desk)
    await run(desk, BOB, "claim 1")
    reply = await run(desk, ERIN, "claim 1 --force")
    assert not reply.ok
    assert reply.text == "Only a lead can use --force."


async def test_simultaneous_claims_have_one_winner(desk: Desk, store: SqliteStore) -> None:
    """Two agents claiming at once: exactly one wins, the other is told who did."""
    await open_ticket(desk)
    replies = await asyncio.gather(run(desk, BOB, "claim 1"), run(desk, ERIN, "claim 1"))
    assert sorted(reply.ok for reply in replies) == [False, True]
    assert await rows(store, "SELECT count(*) FROM events WHERE kind = 'claimed'") == [(1,)]


async def test_claims_from_two_connections_have_one_winner(
    desk: Desk, open_store: OpenStore, clock: FakeClock, settings: DeskSettings
) -> None:
    """Two processes' connections on one database: one claim wins, never a silent overwrite."""
    await open_ticket(desk)
    async with await open_store() as other_store:
        other = Desk(other_store, clock, settings)
        replies = await asyncio.gather(run(desk, BOB, "claim 1"), run(other, ERIN, "claim 1"))
    assert sorted(reply.ok for reply in replies) == [False, True]


async def test_claim_in_thread_needs_no_id(desk: Desk) -> None:
    """Inside a ticket's thread, the id may be left out."""
    await post(desk, ALICE, "printer on fire", message_id="root")
    reply = await run(desk, BOB, "claim", place=SUPPORT.in_thread("root"))
    assert reply.ok
    assert await status_of(desk) is Status.CLAIMED


async def test_claim_outside_thread_without_id_shows_usage(desk: Desk) -> None:
    """Without an id and outside a thread, the answer is the usage line."""
    reply = await run(desk, BOB, "claim")
    assert not reply.ok
    assert reply.text == "Which ticket? Usage: /ticket claim [id] [--force]"


async def test_unclaim_puts_ticket_back_in_queue(desk: Desk) -> None:
    """The holder unclaims: the ticket is open and unassigned again."""
    await open_ticket(desk)
    await run(desk, BOB, "claim 1")
    assert (await run(desk, BOB, "unclaim 1")).ok
    ticket = await desk.ticket(1)
    assert ticket is not None and ticket.assignee is None and ticket.status is Status.OPEN


async def test_only_holder_or_lead_may_unclaim(desk: Desk) -> None:
    """Another agent cannot unclaim someone's ticket; a lead can."""
    await open_ticket(desk)
    await run(desk, BOB, "claim 1")
    refused = await run(desk, ERIN, "unclaim 1")
    assert not refused.ok
    assert refused.text == "Only bob or a lead can unclaim ticket #1."
    assert (await run(desk, CAROL, "unclaim 1")).ok


async def test_assign_gives_ticket_to_mentioned_agent(desk: Desk) -> None:
    """`assign 1 @erin` hands the ticket to erin."""
    await open_ticket(desk)
    reply = await run(desk, BOB, "assign 1 <@erin>", mentions=(ERIN,))
    assert reply.text == "Ticket #1 is now assigned to erin."
    ticket = await desk.ticket(1)
    assert ticket is not None and ticket.assignee is not None and ticket.assignee.same_as(ERIN)


async def test_assign_to_a_customer_is_refused(desk: Desk) -> None:
    """Only agents and leads can hold tickets."""
    await open_ticket(desk)
    reply = await run(desk, BOB, "assign 1 @dave", mentions=(DAVE,))
    assert not reply.ok
    assert "dave is not an agent" in reply.text


async def test_assign_without_mention_shows_usage(desk: Desk) -> None:
    """The person must be mentioned; a bare word is not enough."""
    await open_ticket(desk)
    reply = await run(desk, BOB, "assign 1 erin")
    assert reply.text == "Mention the person, like @name. Usage: /ticket assign <id> <@person>"


async def test_agent_cannot_reassign_anothers_ticket(desk: Desk) -> None:
    """Reassigning someone else's ticket is for its holder or a lead."""
    await open_ticket(desk)
    await run(desk, BOB, "claim 1")
    reply = await run(desk, ERIN, "assign 1 <@erin>", mentions=(ERIN,))
    assert not reply.ok
    assert "only bob or a lead can reassign it" in reply.text


@pytest.mark.parametrize("priority", list(Priority))
async def test_priority_changes_priority(desk: Desk, priority: Priority) -> None:
    """Each priority can be set (setting the current one is answered, not refused)."""
    await open_ticket(desk)
    reply = await run(desk, BOB, f"priority 1 {priority.upper()}")
    assert reply.ok
    ticket = await desk.ticket(1)
    assert ticket is not None and ticket.priority is priority


async def test_unknown_priority_shows_choices(desk: Desk) -> None:
    """A priority that doesn't exist is answered with the choices."""
    await open_ticket(desk)
    reply = await run(desk, BOB, "priority 1 asap")
    assert reply.text.startswith("Priority must be one of urgent|high|normal|low.")


async def test_note_is_internal(desk: Desk, store: SqliteStore) -> None:
    """A note is stored as internal and queues nothing customers could see."""
    await open_ticket(desk)
    before = await rows(store, "SELECT count(*) FROM outbox")
    assert (await run(desk, BOB, "note 1 customer is a VIP")).ok
    notes = await store.read(lambda tx: tx.messages(1, include_internal=True))
    public = await store.read(lambda tx: tx.messages(1, include_internal=False))
    assert [note.text for note in notes if note.internal] == ["customer is a VIP"]
    assert all(not message.internal for message in public)
    assert await rows(store, "SELECT count(*) FROM outbox") == before


async def test_note_in_thread_keeps_leading_number_as_text(desk: Desk, store: SqliteStore) -> None:
    """In ticket 1's thread, `note 5 users affected` is a note on ticket 1."""
    await post(desk, ALICE, "printer on fire", message_id="root")
    await open_ticket(desk)
    await open_ticket(desk)
    await open_ticket(desk)
    await open_ticket(desk)
    await run(desk, BOB, "note 5 users affected", place=SUPPORT.in_thread("root"))
    notes = await store.read(lambda tx: tx.messages(1, include_internal=True))
    assert notes[-1].text == "5 users affected"


async def test_empty_note_is_refused(desk: Desk) -> None:
    """A note needs text."""
    await open_ticket(desk)
    assert (await run(desk, BOB, "note 1")).text.startswith("The note is empty.")


async def test_resolve_posts_summary_in_thread(desk: Desk, store: SqliteStore) -> None:
    """Resolving tells the customer in the thread, with how to reopen."""
    await open_ticket(desk)
    assert (await run(desk, BOB, "resolve 1 replaced the fuser")).ok
    notes = await rows(store, "SELECT payload FROM outbox WHERE kind = 'thread'")
    assert "resolved by bob: replaced the fuser" in str(notes[-1][0])
    assert "within 7d to reopen" in str(notes[-1][0])


async def test_customer_may_resolve_own_ticket(desk: Desk) -> None:
    """Customers can resolve their own tickets."""
    await open_ticket(desk, ALICE)
    assert (await run(desk, ALICE, "resolve 1 fixed it myself")).ok


async def test_customer_cannot_see_others_tickets(desk: Desk) -> None:
    """Another customer's ticket does not exist, as far as a customer can tell."""
    await open_ticket(desk, ALICE)
    for verb in ("status 1", "resolve 1", "reopen 1"):
        assert (await run(desk, DAVE, verb)).text == "No ticket #1 in this workspace."


async def test_customer_cannot_claim(desk: Desk) -> None:
    """Agent verbs answer customers with who they are for."""
    await open_ticket(desk)
    assert (await run(desk, ALICE, "claim 1")).text == "/ticket claim is for agents."


async def test_ticket_of_another_workspace_is_not_found(desk: Desk) -> None:
    """Ids are scoped to the workspace the command comes from."""
    await open_ticket(desk)
    other = SUPPORT.__class__("slack:T999", "C1")
    assert (await run(desk, BOB, "status 1", place=other)).text == "No ticket #1 in this workspace."


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("frobnicate 1", "I don't know /ticket frobnicate. Try /ticket help."),
        ("claim abc", "'abc' isn't a ticket number. Usage: /ticket claim [id] [--force]"),
        ("claim 99", "No ticket #99 in this workspace."),
        ("claim #99", "No ticket #99 in this workspace."),
        ("status", "Which ticket? Usage: /ticket status <id>"),
        (
            "priority 1",
            "Which priority (urgent|high|normal|low)? Usage: /ticket priority <id> "
            "<urgent|high|normal|low>",
        ),
        ("close 1 2", "I didn't understand '2'. Usage: /ticket close <id>"),
        (
            "list sideways",
            "I can't filter by 'sideways'. Usage: /ticket list [status|all] "
            "[mine|unassigned] [priority]",
        ),
        (
            "claim 1; DROP TABLE tickets",
            "'1;' isn't a ticket number. Usage: /ticket claim [id] [--force]",
        ),
        ("@everyone", "I don't know /ticket @\u200beveryone. Try /ticket help."),
        (
            "claim 123456789012345678901234",
            "'123456789012345678901234' isn't a ticket number. Usage: /ticket claim [id] [--force]",
        ),
    ],
)
async def test_malformed_commands_answer_clearly(desk: Desk, text: str, answer: str) -> None:
    """Each malformed command gets a sentence (usually with usage) and changes nothing."""
    await open_ticket(desk)
    reply = await run(desk, BOB, text)
    assert not reply.ok
    assert reply.text == answer
    assert await status_of(desk) is Status.OPEN


async def test_status_shows_the_ticket(desk: Desk) -> None:
    """Status shows subject, state, holder, priority and customer."""
    await open_ticket(desk)
    await run(desk, BOB, "claim 1")
    text = (await run(desk, BOB, "status 1")).text
    assert text.splitlines()[0] == "#1 printer on fire"
    assert "Status: claimed · claimed by bob · priority normal" in text
    assert "Customer: alice" in text


async def test_list_shows_active_queue_by_default(desk: Desk) -> None:
    """`list` shows active tickets; resolved ones need `list resolved` or `list all`."""
    for _ in range(3):
        await open_ticket(desk)
    await run(desk, BOB, "resolve 2")
    listed = (await run(desk, BOB, "list")).text
    assert listed.startswith("2 tickets (active):")
    assert "#2 " not in listed
    assert "#2 · resolved" in (await run(desk, BOB, "list all")).text


async def test_list_filters_combine(desk: Desk) -> None:
    """Filters by status, holder and priority combine."""
    for _ in range(3):
        await open_ticket(desk)
    await run(desk, BOB, "claim 1")
    await run(desk, BOB, "priority 2 urgent")
    assert (await run(desk, BOB, "list mine")).text.startswith("1 ticket (mine):")
    assert "#2" in (await run(desk, BOB, "list unassigned urgent")).text
    assert (await run(desk, BOB, "list claimed urgent")).text == "No tickets (claimed urgent)."


async def test_list_is_capped_with_a_hint(desk: Desk) -> None:
    """Long queues show the first 20 and say how many more."""
    for _ in range(23):
        await open_ticket(desk)
    text = (await run(desk, BOB, "list")).text
    assert text.startswith("23 tickets (active):")
    assert "…and 3 more." in text


async def test_customer_list_shows_only_own_tickets(desk: Desk) -> None:
    """A customer's list holds their tickets only."""
    await open_ticket(desk, ALICE)
    await open_ticket(desk, DAVE)
    text = (await run(desk, DAVE, "list")).text
    assert "#2" in text
    assert "#1" not in text


async def test_mine_shows_agents_tickets(desk: Desk) -> None:
    """`mine` lists the agent's active tickets."""
    await open_ticket(desk)
    await open_ticket(desk)
    await run(desk, BOB, "claim 2")
    text = (await run(desk, BOB, "mine")).text
    assert text.startswith("1 ticket (yours, active):")
    assert "#2" in text


async def test_commands_update_the_card_in_place(desk: Desk, store: SqliteStore) -> None:
    """Every change re-queues the card; older undelivered versions are superseded."""
    await open_ticket(desk)
    await run(desk, BOB, "claim 1")
    await run(desk, BOB, "priority 1 high")
    cards = await rows(store, "SELECT status FROM outbox WHERE kind = 'card' ORDER BY id")
    assert [status for (status,) in cards] == ["superseded", "superseded", "pending"]


async def test_claim_tells_the_customer(desk: Desk, store: SqliteStore) -> None:
    """The customer sees in their thread that someone picked the ticket up."""
    await open_ticket(desk)
    await run(desk, BOB, "claim 1")
    notes = await rows(store, "SELECT thread, payload FROM outbox WHERE kind = 'thread'")
    assert len(notes) == 1
    assert notes[0][0] is not None
    assert "bob has picked up ticket #1." in str(notes[0][1])


async def test_every_change_is_audited(desk: Desk, store: SqliteStore) -> None:
    """Each verb that changes a ticket appends an audit event with its actor."""
    await open_ticket(desk)
    for actor, text in [
        (BOB, "claim 1"),
        (BOB, "priority 1 high"),
        (BOB, "waiting 1"),
        (BOB, "resolve 1"),
        (BOB, "close 1"),
        (CAROL, "reopen 1"),
        (BOB, "note 1 hi"),
    ]:
        assert (await run(desk, actor, text)).ok, text
    events = await rows(store, "SELECT kind, actor_key FROM events ORDER BY id")
    assert events == [
        ("opened", "console:alice"),
        ("claimed", "console:bob"),
        ("priority", "console:bob"),
        ("waiting", "console:bob"),
        ("resolved", "console:bob"),
        ("closed", "console:bob"),
        ("reopened", "console:carol"),
        ("note", "console:bob"),
    ]


async def test_workspace_of_command_scopes_listing(desk: Desk) -> None:
    """A list run in another workspace doesn't show this one's tickets."""
    await open_ticket(desk)
    other = SUPPORT.__class__("slack:T1", "C1")
    assert (await run(desk, BOB, "list", place=other)).text == "No tickets (active)."
    assert WORKSPACE == "console:local"


async def test_mine_without_tickets_says_so(desk: Desk) -> None:
    """`mine` with nothing active answers in a plain sentence."""
    assert (await run(desk, BOB, "mine")).text == "You have no active tickets."


async def test_replayed_command_changes_nothing(desk: Desk, store: SqliteStore) -> None:
    """A command run again under its dedupe key adds no second note and says it was a repeat."""
    await open_ticket(desk)
    first = await run(desk, BOB, "note 1 checked the toner", dedupe_key="trigger-1")
    again = await run(desk, BOB, "note 1 checked the toner", dedupe_key="trigger-1")
    assert (first.repeated, again.repeated) == (False, True)
    assert again.text == "That /ticket command was run already; it was not run again."
    assert await rows(store, "SELECT count(*) FROM messages WHERE internal = true") == [(1,)]


async def test_replayed_refused_command_stays_refused(desk: Desk) -> None:
    """bob's claim, refused while erin holds the ticket, claims nothing when replayed later."""
    await open_ticket(desk)
    await run(desk, ERIN, "claim 1")
    refused = await run(desk, BOB, "claim 1", dedupe_key="trigger-2")
    assert not refused.ok and "already claimed by erin" in refused.text
    await run(desk, ERIN, "unclaim 1")
    assert (await run(desk, BOB, "claim 1", dedupe_key="trigger-2")).repeated
    assert await status_of(desk) is Status.OPEN


async def test_commands_without_a_key_all_run(desk: Desk, store: SqliteStore) -> None:
    """The console's commands carry no key: the same note typed twice is two notes."""
    await open_ticket(desk)
    for _ in range(2):
        assert not (await run(desk, BOB, "note 1 checked the toner")).repeated
    assert await rows(store, "SELECT count(*) FROM messages WHERE internal = true") == [(2,)]


async def test_note_with_a_lone_surrogate_is_stored(desk: Desk, store: SqliteStore) -> None:
    """A note holding half an emoji is added, with U+FFFD in its place."""
    await open_ticket(desk)
    assert (await run(desk, BOB, "note 1 toner \ud83d")).ok
    assert await rows(store, "SELECT text FROM messages WHERE internal = true") == [
        ("toner \ufffd",)
    ]


async def test_a_command_is_resolved_once_and_run_as_resolved(
    desk: Desk, store: SqliteStore, clock: FakeClock, settings: DeskSettings
) -> None:
    """The verb is found and the actor's access checked once, before the transaction; the
    run takes that verb and its words instead of reading the command's text again."""
    await open_ticket(desk)
    resolved = commands.find_verb(Command(BOB, SUPPORT, "Claim 1"), settings)
    assert (resolved.verb, resolved.role, resolved.words) == (VERBS["claim"], Role.AGENT, ("1",))
    reply = await store.transact(lambda tx: commands.run(tx, resolved, clock.now(), settings))
    assert reply.text == "You claimed #1 printer on fire."


class ReportsOnly:
    """A store seen through the reports port alone: no transaction to write in."""

    def __init__(self, store: SqliteStore) -> None:
        self.store = store

    async def report(self, work: Callable[[Reports], T], workspace: str | None = None) -> T:
        return await self.store.report(work, workspace)


async def test_digest_verb_reads_through_the_reports_port_alone(
    desk: Desk, store: SqliteStore, clock: FakeClock, settings: DeskSettings
) -> None:
    """`/ticket digest` runs outside any write transaction, reading only the reports."""
    await open_ticket(desk)
    clock.advance(minutes=1)
    resolved = commands.find_verb(Command(CAROL, SUPPORT, "digest"), settings)
    text = await commands.report(resolved, ReportsOnly(store), clock.now(), settings)
    assert text.startswith("Digest for ")
    assert "New 1" in text


async def test_replayed_digest_command_is_answered_once(desk: Desk) -> None:
    """A lead's signed `/ticket digest` replayed gets the repeated-command answer."""
    first = await run(desk, CAROL, "digest", dedupe_key="trigger-3")
    again = await run(desk, CAROL, "digest", dedupe_key="trigger-3")
    assert (first.repeated, again.repeated) == (False, True)


async def test_digest_with_extra_words_shows_its_usage(desk: Desk) -> None:
    """`/ticket digest now` is refused with the verb's usage, like any verb's extra words."""
    reply = await run(desk, CAROL, "digest now")
    assert reply.text == "I didn't understand 'now'. Usage: /ticket digest"
