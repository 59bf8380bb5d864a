"""The plain values that cross the core's edges: people, places, messages, tickets, notices.

What a platform hands the core (people, places, attachments, messages, commands) is made
storable as it is built: text holding half an emoji (a lone surrogate, `"\\ud83d"` in JSON,
which clients do send) cannot be encoded to be stored, and would fail the whole transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum


def storable(text: str) -> str:
    """Return `text` as it can be stored: each lone UTF-16 surrogate replaced with U+FFFD."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # Two halves that make a pair are joined; a half on its own becomes U+FFFD.
        return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return text


def _make_storable(value: object, *names: str) -> None:
    """Replace what cannot be stored in the named text fields of a frozen dataclass."""
    for name in names:
        text = getattr(value, name)
        fixed = text if text is None else storable(text)
        if fixed is not text:
            object.__setattr__(value, name, fixed)


class Status(StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"
    WAITING = "waiting"
    RESOLVED = "resolved"
    CLOSED = "closed"


ACTIVE_STATUSES = frozenset({Status.OPEN, Status.CLAIMED, Status.WAITING})
UNCLOSED_STATUSES = ACTIVE_STATUSES | {Status.RESOLVED}  # a customer's reply still reopens


class Priority(StrEnum):
    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


class Role(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"
    LEAD = "lead"

    @property
    def rank(self) -> int:
        return _ROLE_RANK[self]

    def at_least(self, other: Role) -> bool:
        return self.rank >= other.rank


_ROLE_RANK = {Role.CUSTOMER: 0, Role.AGENT: 1, Role.LEAD: 2}


class Author(StrEnum):
    """Who wrote a message in a ticket's conversation."""

    CUSTOMER = "customer"
    AGENT = "agent"
    BOT = "bot"


@dataclass(frozen=True)
class Person:
    """Someone on a platform; `groups` are the Slack user groups or Discord roles they hold."""

    platform: str
    id: str
    name: str
    groups: frozenset[str] = frozenset()
    is_bot: bool = False

    def __post_init__(self) -> None:
        _make_storable(self, "platform", "id", "name")
        if not all(group.isascii() for group in self.groups):
            object.__setattr__(self, "groups", frozenset(map(storable, self.groups)))

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.id}"

    def same_as(self, other: Person | None) -> bool:
        return other is not None and other.key == self.key


@dataclass(frozen=True)
class Place:
    """A channel of a workspace, or a thread in it (`thread` is the thread's root message id)."""

    workspace: str
    channel: str
    thread: str | None = None

    def __post_init__(self) -> None:
        _make_storable(self, "workspace", "channel", "thread")

    @property
    def platform(self) -> str:
        return self.workspace.split(":", 1)[0]

    def in_thread(self, thread: str) -> Place:
        return Place(self.workspace, self.channel, thread)


@dataclass(frozen=True)
class Attachment:
    name: str
    url: str

    def __post_init__(self) -> None:
        _make_storable(self, "name", "url")


class InboundKind(StrEnum):
    POSTED = "posted"
    EDITED = "edited"
    DELETED = "deleted"


@dataclass(frozen=True)
class Inbound:
    """A message event from a platform, already translated.

    `dedupe_key` is unique per delivery-independent event (Slack event_id, Discord message
    id): the platform may deliver it twice, the desk records it once. `requested_by` is set
    when someone asked for this message to become a ticket (a 🎫 reaction). `direct` marks
    a message written to the desk itself (a direct message to the bot), not in a channel.
    """

    kind: InboundKind
    dedupe_key: str
    place: Place
    message_id: str
    author: Person
    text: str = ""
    attachments: tuple[Attachment, ...] = ()
    permalink: str | None = None
    requested_by: Person | None = None
    direct: bool = False

    def __post_init__(self) -> None:
        _make_storable(self, "dedupe_key", "message_id", "text", "permalink")


@dataclass(frozen=True)
class Command:
    """`/ticket <text>` from `actor` at `place`; user arguments arrive as `<@id>` in `mentions`.

    `dedupe_key` names this one request (Slack's `trigger_id`, a Discord interaction id): a
    replay of it changes nothing. A command no one can replay (the console's) has none.
    """

    actor: Person
    place: Place
    text: str
    mentions: tuple[Person, ...] = ()
    dedupe_key: str | None = None

    def __post_init__(self) -> None:
        _make_storable(self, "text", "dedupe_key")


@dataclass(frozen=True)
class Reply:
    """The immediate answer to whoever ran a command; `ephemeral` means only they see it.

    `repeated` marks the answer to a replay of a command already run, which changed nothing.
    """

    text: str
    ephemeral: bool = True
    ok: bool = True
    repeated: bool = False


@dataclass(frozen=True)
class Ticket:
    id: int
    place: Place
    customer: Person
    subject: str
    body: str
    status: Status
    priority: Priority
    created_at: datetime
    updated_at: datetime
    assignee: Person | None = None
    permalink: str | None = None
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    status_since: datetime | None = None
    last_agent_activity_at: datetime | None = None
    private: bool = False  # opened by a direct message: its text is for agents only

    @property
    def conversation(self) -> Place:
        """Where the desk talks with the customer about this ticket.

        A ticket's `place` names it: its channel and its root message. A channel ticket's
        conversation is that message's thread. A direct message has no threads to speak of
        (Discord's have none; Slack's customers write at the top of the conversation), so a
        private ticket's conversation is the whole direct-message channel, flat: the desk
        answers there, and the customer's next messages join the ticket while it is active.
        """
        if self.private:
            return Place(self.place.workspace, self.place.channel)
        return self.place


@dataclass(frozen=True)
class Snippet:
    """A saved reply of a workspace: text agents reuse, its placeholders filled per ticket."""

    workspace: str
    name: str
    text: str
    author: Person
    created_at: datetime
    uses: int = 0


@dataclass(frozen=True)
class NewTicket:
    """A ticket before storage has numbered it."""

    place: Place
    customer: Person
    subject: str
    body: str
    priority: Priority
    created_at: datetime
    permalink: str | None = None
    private: bool = False


@dataclass(frozen=True)
class Message:
    """One message of a ticket's conversation (or an internal note)."""

    ticket_id: int
    message_id: str
    author: Person
    role: Author
    text: str
    created_at: datetime
    internal: bool = False
    attachments: tuple[Attachment, ...] = ()
    edited_at: datetime | None = None
    deleted_at: datetime | None = None


class EventKind(StrEnum):
    """What an audit event records; the value is what the `events.kind` column holds."""

    OPENED = "opened"
    MESSAGE = "message"
    FIRST_RESPONSE = "first_response"
    CUSTOMER_ANSWERED = "customer_answered"
    MESSAGE_EDITED = "message_edited"
    MESSAGE_DELETED = "message_deleted"
    CLAIMED = "claimed"
    UNCLAIMED = "unclaimed"
    ASSIGNED = "assigned"
    PRIORITY = "priority"
    NOTE = "note"
    WAITING = "waiting"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"
    REMINDER = "reminder"
    RATED = "rated"  # the customer rated a resolution (or changed their rating)
    LINKED = "linked"  # linked to an incident, which holds its reminders while open
    UNLINKED = "unlinked"


@dataclass(frozen=True)
class Conversation:
    """A ticket with its public messages, oldest first, as the desk has them recorded."""

    ticket: Ticket
    messages: tuple[Message, ...]


@dataclass(frozen=True)
class Event:
    """One append-only audit record: who did what to which ticket, when.

    `data` holds JSON values, and `Step`s, which storage writes as their column does.
    """

    ticket_id: int | None
    actor: Person | None
    kind: EventKind
    at: datetime
    data: dict[str, object] = field(default_factory=dict)


class NoticeKind(StrEnum):
    ACK = "ack"  # the first answer in the customer's thread
    CARD = "card"  # the agents' triage card, edited in place
    THREAD = "thread"  # a public note in the ticket's thread
    REMINDER = "reminder"
    ESCALATION = "escalation"
    DIGEST = "digest"
    REPLY = "reply"  # an agent's answer, posted by the bot in the ticket's thread
    SURVEY = "survey"  # the customer's rating request in the ticket's thread, edited in place
    BANNER = "banner"  # an incident's status in a support channel, edited in place


@dataclass(frozen=True)
class Mention:
    """Someone a notice pings on purpose: a `user` or a `group` (Slack user group, Discord role)."""

    kind: str
    id: str


@dataclass(frozen=True)
class CustomerHistory:
    """Who a ticket's customer is to the desk: tickets lately, and others still open."""

    recent: int  # tickets opened in the history window, this one included (up to a cap)
    other_open: int  # active tickets besides this one (up to the same cap)
    cap: int = 100  # where the counts stop: a count that reached it means "at least"
    last_score: int | None = None  # the customer's latest rating, on the scale it was asked
    last_thumbs: bool = False  # that rating was a thumb (its score 1 or 5)

    @property
    def worth_saying(self) -> bool:
        """Whether there is more to say than "a first ticket" (a first ticket's card says none)."""
        return self.recent > 1 or self.other_open > 0 or self.last_score is not None


@dataclass(frozen=True)
class Card:
    """What agents see of a ticket in the triage place, and which actions it offers."""

    ticket_id: int
    subject: str
    customer: str
    status: Status
    priority: Priority
    assignee: str | None
    permalink: str | None
    opened_at: datetime
    actions: tuple[str, ...]
    first_response_at: datetime | None = None
    history: CustomerHistory | None = None
    web_url: str | None = None  # the ticket's page in the web view, when it is on
    similar: tuple[Similar, ...] = ()  # resolved tickets like this one, most alike first
    private: bool = False  # opened by a direct message: agents only, never quoted elsewhere
    incident: str | None = None  # the open incident holding the ticket: `INC-3: title`


@dataclass(frozen=True)
class Action:
    """A button under a notice: runs `/ticket <verb> <ticket_id>`, then `<choice>` if it has one.

    `label` is said in the notice's language where the verb's own label would not do
    ("Link to INC-3" runs `/ticket incident 42 3`).
    """

    verb: str
    choice: str | None = None
    label: str | None = None


@dataclass(frozen=True)
class Notice:
    """Something the desk says to people, delivered by the outbox through a platform."""

    kind: NoticeKind
    place: Place
    text: str
    ticket_id: int | None = None
    card: Card | None = None
    mentions: tuple[Mention, ...] = ()
    thread_title: str | None = None
    # A reminder is re-checked right before it is sent; `guard` names what must still hold.
    guard: Guard | None = None
    # Deliver privately to this user where the platform can (else in `place`, mentioning them).
    direct_to: str | None = None
    file: NoticeFile | None = None
    survey: SurveyView | None = None
    # Buttons a notice other than a card offers, each running `/ticket <verb> <ticket_id> …`.
    actions: tuple[Action, ...] = ()
    # Notices naming the same message here edit it in place (an incident's banner).
    edits: str | None = None

    @property
    def edit_key(self) -> str | None:
        """Notices sharing this key edit one platform message instead of posting anew."""
        if self.edits is not None:
            return self.edits
        if self.survey is not None:
            return f"survey:{self.survey.ticket_id}:{self.survey.round}"
        if self.kind is NoticeKind.ACK:  # edited when similar tickets are found after it
            return f"ack:{self.ticket_id}"
        return f"card:{self.ticket_id}" if self.kind is NoticeKind.CARD else None


@dataclass(frozen=True)
class Queued:
    """A notice waiting in the outbox; `edit_of` is the platform message it replaces."""

    id: int
    notice: Notice
    attempts: int = 0
    edit_of: str | None = None


class ClockKind(StrEnum):
    FIRST_RESPONSE = "first_response"
    NEXT_RESPONSE = "next_response"
    RESOLUTION = "resolution"


@dataclass(frozen=True)
class SlaSpan:
    """An SLA promise as written: whole working days (the `d` part) plus business time.

    `3d` ends at the same wall-clock time on the third open day after the clock starts,
    not after 72 open hours; `1d4h` adds four business hours to that (`handlers.sla.promises`).
    """

    days: int
    rest: timedelta

    @property
    def whole_days(self) -> bool:
        """Tell whether the promise is working days alone (`3d`, not `1d4h` or `4h`)."""
        return bool(self.days) and not self.rest


@dataclass(frozen=True)
class SlaClock:
    """One promise's business-time clock for a ticket: running, paused or stopped.

    `promise` is the promise as written and `target` the business time it gives from the
    clock's start: on a 9–17 calendar a `1d` clock started on Friday 16:00 has 8h (to
    Monday 16:00). Clocks from before promises were kept have a `target` and no `promise`.
    `used` is the business time counted before `running_since`; while running, the clock
    has used `used + elapsed(running_since, now)`. `due_at` is set while it runs with a
    target, and kept once passed (the moment the promise broke). Stopped means answered
    (responses) or resolved (resolution): `used` is final.
    """

    ticket_id: int
    kind: ClockKind
    calendar: str
    target: timedelta | None
    started_at: datetime
    used: timedelta = timedelta()
    running_since: datetime | None = None
    due_at: datetime | None = None
    stopped_at: datetime | None = None
    breached_at: datetime | None = None
    promise: SlaSpan | None = None

    @property
    def running(self) -> bool:
        return self.running_since is not None


class TimerState(StrEnum):
    PENDING = "pending"
    DONE = "done"
    CANCELLED = "cancelled"


class StepKind(StrEnum):
    """What a reminder or follow-up step does when it fires (see `handlers.timers`)."""

    UNCLAIMED = "unclaimed"  # remind the agents of a ticket nobody is on
    WARN = "warn"  # a share of a promise is used: remind the holder
    BREACH = "breach"  # a promise broke: escalate to the leads
    IDLE = "idle"  # a claimed ticket sees no agent activity: nudge the holder
    NUDGE = "nudge"  # the ticket waits on the customer: remind them
    AUTO_RESOLVE = "auto_resolve"  # it waited much longer: resolve it
    SURVEY = "survey"  # the satisfaction survey's window closes: its buttons say so

    @property
    def per_clock(self) -> bool:
        """Tell whether a step of this kind belongs to one SLA clock (warnings, breaches)."""
        return self is StepKind.WARN or self is StepKind.BREACH


@dataclass(frozen=True, slots=True)
class Step:
    """One step a ticket's reminders can take: its kind and, if it has one, its clock."""

    kind: StepKind
    clock: ClockKind | None = None

    def __post_init__(self) -> None:
        if self.kind.per_clock != (self.clock is not None):
            wants = "needs a clock" if self.kind.per_clock else "takes no clock"
            raise ValueError(f"A step of kind {self.kind} {wants}; got clock {self.clock!r}.")

    @staticmethod
    def every() -> tuple[Step, ...]:
        """Return every step there can be: each kind, once per clock where it has one."""
        return tuple(
            Step(kind, clock)
            for kind in StepKind
            for clock in (tuple(ClockKind) if kind.per_clock else (None,))
        )


class Condition(StrEnum):
    """What must still hold for a reminder to be sent (see `handlers.timers.still_relevant`)."""

    UNCLAIMED = "unclaimed"  # the ticket is open with nobody on it
    CLOCK = "clock"  # the guard's clock still runs
    IDLE = "idle"  # claimed, and no agent activity since the reminder fired
    WAITING = "waiting"  # waiting on the customer since before the reminder fired

    @property
    def since_firing(self) -> bool:
        """Tell whether the condition compares with when the reminder fired."""
        return self is Condition.IDLE or self is Condition.WAITING


@dataclass(frozen=True, slots=True)
class Guard:
    """A reminder's reason, re-checked right before it is sent: a reply meanwhile cancels it."""

    condition: Condition
    clock: ClockKind | None = None
    fired_at: datetime | None = None

    def __post_init__(self) -> None:
        if (self.condition is Condition.CLOCK) != (self.clock is not None):
            raise ValueError(f"Only a clock guard names a clock; got {self!r}.")
        if self.condition.since_firing != (self.fired_at is not None):
            raise ValueError(f"Only idle and waiting guards carry a firing time; got {self!r}.")


@dataclass(frozen=True)
class Timer:
    """A reminder or follow-up step: fires once at `due_at`, then is done for good."""

    ticket_id: int
    step: Step
    round: int
    due_at: datetime
    state: TimerState = TimerState.PENDING
    fired_at: datetime | None = None


@dataclass(frozen=True)
class TicketQuery:
    """Which tickets a list shows (`/ticket list`, the home tab, a platform's catch-up)."""

    workspace: str
    statuses: frozenset[Status]
    customer_key: str | None = None
    assignee_key: str | None = None
    unassigned: bool = False
    priority: Priority | None = None
    limit: int = 20
    recent_first: bool = False  # most recently changed first, instead of oldest first


@dataclass(frozen=True)
class NoticeFile:
    """A file a notice carries where the platform takes files (the digest's chart)."""

    name: str
    content: bytes = field(repr=False)


# -- satisfaction ---------------------------------------------------------------------------


class Scale(StrEnum):
    """How a survey asks: five stars' worth of buttons, or thumbs up and down."""

    FIVE = "5"
    THUMBS = "thumbs"

    @property
    def scores(self) -> tuple[int, ...]:
        """The scores a rating on this scale can be; thumbs are 1 (👎) and 5 (👍)."""
        return (1, 2, 3, 4, 5) if self is Scale.FIVE else (1, 5)


POSITIVE_SCORE = 4  # a rating of this or more is positive (CSAT counts these)


@dataclass(frozen=True)
class Survey:
    """One resolution of a ticket and its customer's rating of it.

    Every resolution while surveys are on gets one (`round` counts them, from 1); `asked`
    is False when sampling or the cooldown let it pass unasked. `answered_at` is the first
    rating, `rated_at` the latest: a changed rating is one rating, counted once.
    """

    ticket_id: int
    round: int
    customer_key: str
    asked: bool
    scale: Scale
    asked_at: datetime
    expires_at: datetime
    agent_key: str | None = None
    agent_name: str | None = None
    score: int | None = None
    comment: str = ""
    answered_at: datetime | None = None
    rated_at: datetime | None = None

    def __post_init__(self) -> None:
        _make_storable(self, "comment", "agent_name")

    def open_at(self, now: datetime) -> bool:
        """Whether the survey still takes a rating at `now`."""
        return self.asked and now < self.expires_at


@dataclass(frozen=True)
class SurveyView:
    """What a survey message shows: its buttons, or (`closed`) that it takes no more ratings."""

    ticket_id: int
    round: int
    scale: Scale
    closed: bool = False


# -- knowledge: search and similar tickets ----------------------------------------------------


@dataclass(frozen=True)
class SearchQuery:
    """Which tickets a search finds: `text` is the person's words, data and never syntax.

    With `like`, tickets are ranked by how much of `text` they share (any of its words
    will do: the similar-tickets query); without it, a ticket must hold every word.
    `internal` searches internal notes too (staff only). Ranked best first.
    """

    workspace: str
    text: str
    statuses: frozenset[Status] = frozenset(Status)
    customer_key: str | None = None
    since: datetime | None = None
    internal: bool = False
    like: bool = False
    excluding: int | None = None
    limit: int = 10


@dataclass(frozen=True)
class Found:
    """A ticket a search found, with its latest resolution note (empty if it has none)."""

    ticket: Ticket
    resolution: str = ""


@dataclass(frozen=True)
class Unmatched:
    """A ticket a unit opened or re-worded, as it wrote it: its likes are yet to be found."""

    ticket: Ticket
    opened: bool  # opened by the unit, so like nothing yet (else re-worded)


@dataclass(frozen=True)
class Similar:
    """A resolved ticket like another, as a card lists it: its link and how it was resolved."""

    ticket_id: int
    subject: str
    permalink: str | None
    resolution: str
