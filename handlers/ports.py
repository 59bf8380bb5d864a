"""The interfaces the core needs from the outside world: a clock and storage.

Storage is split by what it is for: the tickets and their conversation, the outbox, the SLA
clocks and timers, the lease, the digests' record and their reports, and the platforms'
read cursors. `Tx` is one transaction over all of them; a function that needs only a part is
typed with that part. Any store must pass the contract suite in `tests/storage/contract`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar

from handlers import views
from handlers.digest import rows
from handlers.incidents.values import Arrival, Broadcast, Delivery, Entry, Failure, Incident, Spike
from handlers.models import (
    ClockKind,
    CustomerHistory,
    Event,
    Found,
    Message,
    NewTicket,
    Notice,
    Person,
    Place,
    Queued,
    SearchQuery,
    SlaClock,
    Snippet,
    Step,
    Survey,
    Ticket,
    TicketQuery,
    Timer,
    Unmatched,
)
from handlers.personal import Forgetting, Forgotten, Redacted

T = TypeVar("T")


class Clock(Protocol):
    def now(self) -> datetime:
        """Return the current time, timezone-aware UTC."""
        ...


@dataclass(frozen=True)
class Lease:
    """Who holds a lease, and until when unless they renew it."""

    holder: str
    expires_at: datetime


class TicketsTx(Protocol):
    """One transaction's view of the tickets, their conversation and their audit trail."""

    def remember(self, dedupe_key: str, at: datetime) -> bool:
        """Record an inbound event's key; False if it was already recorded."""
        ...

    def prune_inbound_keys(self, seen_before: datetime, limit: int) -> int:
        """Forget up to `limit` inbound keys first seen before `seen_before`, oldest first;
        return how many were forgotten."""
        ...

    def inbound_keys_before(self, seen_before: datetime) -> int:
        """Count the inbound keys first seen before `seen_before`."""
        ...

    def ticket(self, ticket_id: int) -> Ticket | None: ...

    def ticket_at(self, place: Place) -> Ticket | None:
        """Return the ticket whose thread is `place` (channel and thread root), if any."""
        ...

    def direct_ticket(self, place: Place) -> Ticket | None:
        """Return the active private ticket opened in the direct-message channel of `place`."""
        ...

    def message(self, place: Place, message_id: str) -> Message | None:
        """Return a stored conversation message by its platform id in `place`'s channel."""
        ...

    def tickets(self, query: TicketQuery) -> tuple[list[Ticket], int]:
        """Return the first `query.limit` matching tickets (oldest first) and the total count."""
        ...

    def messages(self, ticket_id: int, *, include_internal: bool) -> list[Message]: ...

    def insert_ticket(self, new: NewTicket) -> Ticket | None:
        """Number and store a new ticket; None if its thread already belongs to one."""
        ...

    def update_ticket(self, ticket: Ticket) -> None:
        """Write the ticket's mutable fields (status, priority, assignee, times, text)."""
        ...

    def add_message(self, message: Message) -> None: ...

    def edit_message(self, message: Message, text: str, at: datetime) -> None: ...

    def delete_message(self, message: Message, at: datetime) -> None: ...

    def customer_history(self, ticket: Ticket, since: datetime, cap: int) -> CustomerHistory:
        """The ticket's customer in its workspace: tickets opened since `since`, others open;
        each count stops at `cap`."""
        ...

    def record(self, event: Event) -> None:
        """Append an audit event."""
        ...

    def search(self, query: SearchQuery) -> list[Found]:
        """Return the tickets matching `query`, best first (see `SearchQuery`).

        Searchable are a ticket's subject, its customer's text, its public replies and its
        latest resolution note (the summary of its `resolved` event), as of this
        transaction; internal notes only with `query.internal`. The words are cut into
        terms as `handlers.knowledge.phrases` does and matched as terms, never as syntax.
        """
        ...

    def remember_similar(self, ticket_id: int, similar_ids: Sequence[int]) -> None:
        """Keep `similar_ids`, best first, as the tickets most like `ticket_id` (replacing)."""
        ...

    def remembered_similar(self, ticket_id: int) -> list[Found]:
        """The tickets kept as most like `ticket_id`, best first, with their resolution notes."""
        ...

    @property
    def unmatched(self) -> dict[int, Unmatched]:
        """Tickets this transaction opened or re-worded, by id, as it last wrote them: their
        similar tickets are to be found after it commits, beside the writer
        (`handlers.likeness`)."""
        ...


class OutboxTx(Protocol):
    """One transaction's view of the outbox: notices queued, delivered, retried or given up."""

    def enqueue(self, notice: Notice, at: datetime) -> None:
        """Queue a notice for delivery; a card notice supersedes that card's undelivered ones."""
        ...

    def due_notices(
        self, now: datetime, limit: int, platforms: frozenset[str] | None = None
    ) -> list[Queued]:
        """Return the oldest due notice of each channel, so every channel keeps its order.

        With `platforms`, only channels of those platforms (the ones running) are looked at.
        """
        ...

    def pending_count(self, platforms: frozenset[str] | None = None) -> int:
        """Notices still to send (only those of `platforms`, when given)."""
        ...

    def mark_sent(self, queued: Queued, message_id: str, at: datetime) -> None:
        """Record a delivery, and the platform message later edits of its card replace."""
        ...

    def mark_retry(self, queued: Queued, at: datetime, error: str) -> None:
        """Try the notice again at `at` (a superseded notice is not revived)."""
        ...

    def mark_obsolete(self, queued: Queued, reason: str) -> None:
        """Drop a notice whose reason went away before it was sent (a reminder answered)."""
        ...

    def mark_failed(self, queued: Queued, error: str, at: datetime) -> None:
        """Give up on a notice the platform will never accept; it stays visible as failed."""
        ...

    def forget_edit_target(self, edit_key: str) -> None:
        """The card's platform message is gone: the next card notice posts a new one."""
        ...

    def outbox_counts(self) -> dict[str, int]:
        """How many notices are in each state."""
        ...

    def outbox_problems(self, limit: int) -> list[tuple[int, str, str, str, int, str]]:
        """Failed and retrying notices: (id, status, where, kind, attempts, last error)."""
        ...

    def retry_failed(self, now: datetime) -> int:
        """Queue every failed notice again (after fixing the config that failed them)."""
        ...


class TimersTx(Protocol):
    """One transaction's view of the SLA clocks and the timers that act on them."""

    def clocks(self, ticket_id: int) -> dict[ClockKind, SlaClock]: ...

    def save_clock(self, clock: SlaClock) -> None:
        """Insert or replace the ticket's clock of that kind."""
        ...

    def timers(self, ticket_id: int) -> list[Timer]:
        """Every timer the ticket ever had, pending, done or cancelled."""
        ...

    def schedule(self, ticket_id: int, step: Step, round_: int, due_at: datetime) -> None:
        """Make the step pending at `due_at` (reviving a cancelled one; never a done one)."""
        ...

    def cancel_timer(self, timer: Timer) -> None: ...

    def finish_timer(self, timer: Timer, at: datetime) -> bool:
        """Mark a pending step done; False if it was not pending (someone else fired it)."""
        ...

    def due_timers(self, now: datetime, limit: int) -> list[Timer]:
        """Pending steps due by `now`, earliest first."""
        ...

    def next_timer_due(self) -> datetime | None: ...

    @property
    def earliest_scheduled(self) -> datetime | None:
        """The earliest due time this transaction scheduled, so the scheduler can re-arm."""
        ...


class LeaseTx(Protocol):
    """One transaction's view of the leases: who may sweep and send for this storage."""

    def take_lease(self, name: str, holder: str, now: datetime, until: datetime) -> Lease:
        """Hold the lease until `until` if it is free, expired or already ours; return it."""
        ...

    def release_lease(self, name: str, holder: str) -> None:
        """Give the lease up if `holder` holds it."""
        ...


class DigestsTx(Protocol):
    """One transaction's view of the digests posted to the leads."""

    def record_digest(self, record: rows.DigestRecord) -> None:
        """Remember a digest posted to the leads: the next one starts where it ended."""
        ...


class SnippetsTx(Protocol):
    """One transaction's view of the workspaces' saved replies."""

    def add_snippet(self, snippet: Snippet) -> bool:
        """Save a new snippet; False (and nothing written) if its name is taken."""
        ...

    def snippet(self, workspace: str, name: str) -> Snippet | None: ...

    def snippets(self, workspace: str) -> list[Snippet]:
        """Every snippet of a workspace, by name."""
        ...

    def remove_snippet(self, workspace: str, name: str) -> bool:
        """Remove a snippet; False if there was none by that name."""
        ...

    def count_snippet_use(self, workspace: str, name: str) -> None:
        """Count one use of a snippet."""
        ...


class SurveysTx(Protocol):
    """One transaction's view of the satisfaction surveys: one per resolution, and its rating."""

    def add_survey(self, survey: Survey) -> None:
        """Record a resolution's survey (asked or not); its (ticket, round) is new."""
        ...

    def latest_survey(self, ticket_id: int) -> Survey | None:
        """Return the ticket's survey of its latest resolution, asked or not, if any."""
        ...

    def last_asked(self, customer_key: str) -> datetime | None:
        """When the customer was last asked to rate a ticket (any ticket), if ever."""
        ...

    def save_rating(self, survey: Survey) -> None:
        """Write the rating of survey (ticket, round): score, comment, answered and rated at."""
        ...


# A row of what is stored about a person, for their export: (table, column values).
Sink = Callable[[str, dict[str, object]], None]


class PrivacyTx(Protocol):
    """One transaction's view of a person's data: forget it, export it, redact old text."""

    def forget(self, request: Forgetting) -> Forgotten:
        """Replace what identifies the person with their pseudonym (or count, on a dry run),
        through the audit log's redaction path; drop notices still queued for them."""
        ...

    def export_person(self, person_key: str, sink: Sink) -> int:
        """Hand `sink` every row stored about the person, table by table; return how many."""
        ...

    def redact_closed(
        self,
        messages_before: datetime | None,
        audit_before: datetime | None,
        at: datetime,
        pruned: int = 0,
    ) -> Redacted:
        """Redact the text of tickets closed before the cutoffs (None: keep it); record the
        run, with the dedupe keys it `pruned`, when it did anything."""
        ...

    def closed_to_redact(
        self, messages_before: datetime | None, audit_before: datetime | None
    ) -> Redacted:
        """Count what `redact_closed` would redact now."""


class IncidentsTx(Protocol):
    """One transaction's view of the incidents, their linked tickets and their timelines."""

    def add_incident(self, draft: Incident) -> Incident:
        """Number and store a new incident (`draft.number` is ignored); return it numbered."""
        ...

    def incident(self, number: int) -> Incident | None: ...

    def incidents(self, workspace: str, since: datetime | None = None) -> list[Incident]:
        """The workspace's incidents, newest first: open ones, and (with `since`) any
        resolved since then."""
        ...

    def save_incident(self, incident: Incident) -> None:
        """Write its title, status, owner, resolution, last update and SLA due time."""
        ...

    def holding(self, ticket_id: int) -> Incident | None:
        """The open incident the ticket is linked to, if any (it holds the ticket's reminders)."""
        ...

    def part_of(self, ticket_ids: Sequence[int]) -> dict[int, Incident]:
        """The incident each ticket is part of, for those that are: the open one holding it,
        else the newest one it stayed linked to until that was resolved (an unlinked ticket
        is part of none). One read for a page of tickets."""
        ...

    def link(self, number: int, ticket_id: int, by: Person, at: datetime) -> bool:
        """Link a ticket to an open incident; False if an open incident holds it already."""
        ...

    def unlink(self, number: int, ticket_id: int, at: datetime) -> bool:
        """Unlink a ticket; False if the incident did not hold it."""
        ...

    def release(self, number: int) -> None:
        """The incident is resolved: its links stop holding their tickets (and stay listed)."""
        ...

    def linked(self, number: int, *, ever: bool = False) -> list[Ticket]:
        """The tickets the incident holds (`ever`: every ticket it ever held), by number."""
        ...

    def linked_count(self, number: int) -> int:
        """How many tickets the incident holds now."""
        ...

    def response_clocks(self, number: int) -> list[SlaClock]:
        """The unstopped first- and next-response clocks of the tickets the incident holds."""
        ...

    def add_entry(self, entry: Entry) -> Entry:
        """Append a line to the incident's timeline; return it with its `seq`."""
        ...

    def timeline(self, number: int) -> list[Entry]:
        """The incident's timeline, oldest first."""
        ...

    def broadcast(self, broadcast: Broadcast) -> None:
        """Post one update to every ticket of the broadcast, in one batch (see `Broadcast`)."""
        ...

    def deliveries(self, number: int) -> dict[int, Delivery]:
        """How far each update's notices got, by timeline `seq`."""
        ...

    def failures(self, number: int, limit: int) -> list[Failure]:
        """The first `limit` notices of the incident's updates given up on, by `seq`, ticket."""
        ...

    def due_incidents(self, now: datetime, limit: int) -> list[Incident]:
        """Open incidents whose SLA is due by `now`, earliest first."""
        ...

    def recent_arrivals(self, workspace: str, since: datetime, limit: int) -> list[Arrival]:
        """The workspace's active tickets opened since `since` that no open incident holds,
        newest first (at most `limit`)."""
        ...

    def spikes(self, workspace: str, since: datetime) -> list[Spike]:
        """The workspace's spikes not declared yet that grew since `since`, newest first."""
        ...

    def add_spike(self, spike: Spike, tickets: Sequence[int]) -> Spike:
        """Store a new spike of `tickets` (`spike.id`, `size` and `first` are ignored)."""
        ...

    def join_spike(self, spike_id: int, ticket_id: int, at: datetime) -> int:
        """Add a ticket to a spike, which grew at `at`; return how many tickets it holds."""
        ...

    def spike_of(self, ticket_id: int) -> Spike | None:
        """The newest spike the ticket is part of, if any."""
        ...

    def spike_tickets(self, spike_id: int) -> list[int]:
        """Every ticket of a spike, in order."""
        ...

    def declare_spike(self, spike_id: int, incident: int) -> None:
        """Note the incident declared from the spike: it grows no more."""
        ...


class Tx(
    TicketsTx,
    OutboxTx,
    TimersTx,
    LeaseTx,
    DigestsTx,
    SnippetsTx,
    SurveysTx,
    PrivacyTx,
    IncidentsTx,
    Protocol,
):
    """One transaction's view of storage.

    The desk's decisions run inside a transaction, synchronously, so that reading a ticket,
    changing it, auditing the change and queueing its notices commit together or not at all.
    """


class ReportSource(Protocol):
    """The part of a store a reporting verb may use: the reports, read beside the writer."""

    async def report(self, work: Callable[[Reports], T], workspace: str | None = None) -> T:
        """Run `work` in one read transaction beside the writer (a long report blocks nobody);
        with `workspace`, its figures count that workspace's tickets only."""
        ...


class Store(Protocol):
    async def transact(self, work: Callable[[Tx], T]) -> T:
        """Run `work` in one write transaction; commit if it returns, roll back if it raises."""
        ...

    async def read(self, work: Callable[[Tx], T]) -> T:
        """Run `work` in a read-only transaction."""
        ...

    async def report(self, work: Callable[[Reports], T], workspace: str | None = None) -> T:
        """Run `work` in one read transaction beside the writer (a long report blocks nobody);
        with `workspace`, its figures count that workspace's tickets only."""
        ...

    async def outside_changes(self) -> int:
        """Return a number that changes whenever another connection commits to the storage."""
        ...

    async def erase_freed(self) -> str | None:
        """Make what was just removed unreadable in the storage's files; say what remains."""
        ...


class Cursors(Protocol):
    """Where each watched channel was last read, so startup can catch up on what came after."""

    async def advance(self, workspace: str, channel: str, message_id: int, at: datetime) -> None:
        """Move the channel's cursor to `message_id`, unless it is already further on."""
        ...

    async def positions(self, workspace: str) -> dict[str, int]:
        """Return every cursor of a workspace, by channel id."""
        ...


# -- reports --------------------------------------------------------------------------------


class Reports(Protocol):
    """Aggregate reads for the digest, on one consistent snapshot. Windows are `[start, end)`.

    Reports of one workspace (`ReportSource.report(work, workspace)`) count only the tickets
    of that workspace, their events, clocks and surveys; `last_digest` is the desk's.
    """

    def last_digest(self) -> rows.DigestRecord | None:
        """Return the digest most recently posted to the leads, if any."""
        ...

    def flows(self, windows: Sequence[rows.Window]) -> list[rows.FlowCount]:
        """Count `opened`, `resolved` and `reopened` audit events in each window."""
        ...

    def active(self) -> list[rows.ActiveGroup]:
        """Count active tickets by status, priority and holder."""
        ...

    def oldest_active(self, limit: int) -> list[rows.ActiveTicket]:
        """Return the `limit` oldest active tickets, oldest first."""
        ...

    def stopped_clocks(self, window: rows.Window) -> list[rows.StoppedClock]:
        """Return the first-response and resolution clocks stopped in the window."""
        ...

    def stopped_summary(self, window: rows.Window) -> list[rows.StoppedSummary]:
        """`stopped_clocks` counted by kind: kept, broken in the window, and their times."""
        ...

    def missed_unstopped(self, window: rows.Window, now: datetime) -> list[rows.ClockCount]:
        """Count, by kind, first-response and resolution promises broken in the window by
        clocks that did not stop in it (still running or paused, or stopped later)."""
        ...

    def risk(self, now: datetime, horizon: datetime) -> list[rows.RiskCount]:
        """Count active tickets' unstopped clocks breached now or due by `horizon`: by kind
        (clocks), and overall (tickets, each once)."""
        ...

    def opened_subjects(self, window: rows.Window, limit: int) -> list[rows.Subject]:
        """Return the subjects of up to `limit` tickets opened in the window, oldest first."""
        ...

    def deflections(self, window: rows.Window) -> int:
        """Count tickets resolved in the window by an answer suggested to their customer."""
        ...

    def agent_activity(self, window: rows.Window) -> list[rows.AgentActivity]:
        """Count, by agent, claims (and assignments), resolutions and first responses in the
        window, with each first response's business time."""
        ...

    def snippet_uses(self, window: rows.Window, limit: int) -> list[rows.SnippetUse]:
        """The `limit` saved replies used most in the window, most used first."""
        ...

    def ratings(self, window: rows.Window) -> list[rows.Rating]:
        """Return the surveys first answered in the window, with their current rating."""
        ...

    def surveys_asked(self, window: rows.Window) -> rows.SurveyCount:
        """Count the surveys asked in the window, and how many of them are answered."""
        ...

    def retained(self, window: rows.Window) -> rows.Retained:
        """Sum what the redactions recorded in the window did (retention runs, forgettings)."""

    def incidents(self, window: rows.Window) -> list[rows.IncidentRow]:
        """The incidents open at some time in the window (declared before its end, not
        resolved before its start), oldest first, each with the tickets it affected."""

    def search(self, query: SearchQuery) -> list[Found]:
        """Return the tickets matching `query`, best first, as `TicketsTx.search` finds them
        as of the last commit: a search that keeps no writer waiting."""
        ...


# -- the web view ---------------------------------------------------------------------------


class Views(Protocol):
    """Reads for the web view and the operators' endpoints, on one consistent snapshot."""

    def queue(self, query: views.QueueQuery) -> list[views.QueueRow]:
        """Return one page of the queue: the tickets after `query.after`, in its order."""
        ...

    def ticket_page(self, ticket_id: int, *, include_internal: bool) -> views.TicketPage | None:
        """Return a ticket with its conversation (notes only if asked), audit and clocks."""
        ...

    def tickets_created(
        self, workspace: str, window: rows.Window, after_id: int, limit: int
    ) -> list[Ticket]:
        """Return the workspace's tickets created in `window` with ids above `after_id`."""
        ...

    def remembered(self, key: str) -> bool:
        """Whether `key` was remembered (`TicketsTx.remember`): a used sign-in link's, say."""
        ...

    def totals(self, kinds: Sequence[str]) -> views.Totals:
        """Count audit events of `kinds` ever, the outbox by state, and open breaches."""
        ...


class ViewSource(Protocol):
    """The part of a store the web view reads through, beside the writer."""

    async def view(self, work: Callable[[Views], T]) -> T:
        """Run `work` in one read transaction beside the writer."""
        ...
