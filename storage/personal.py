"""The personal-data map: every text column of both stores, personal or not, and how the
personal ones are forgotten.

This one table is what `storage.forgetting` walks to forget a person, to export what is
stored about them and to redact old text, and what the schema test checks every text column
of SQLite and PostgreSQL against, so a new column cannot be added unclassified and the
classification cannot drift from what forgetting does.

A row is *the person's* when its owner column holds their key (the ticket's customer, the
message's author, the event's actor, the survey's customer) or when it belongs to one of
the tickets they opened: a conversation with a customer quotes them and speaks of them,
internal notes included.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    """What a text column holds, as far as a person's data goes."""

    NOT_PERSONAL = "not personal"  # states, times, platform ids of channels and messages
    KEY = "key"  # a person's key: becomes the pseudonym's key
    NAME = "name"  # a display name beside a key column: becomes the pseudonym
    TEXT = "text"  # what someone wrote: redacted on the person's rows, mentions pseudonymised
    ATTACHMENTS = "attachments"  # JSON [{name, url}]: emptied on the person's rows
    LINK = "link"  # a link to the person's message: cleared on the person's rows
    AUDIT_DATA = "audit data"  # an audit event's JSON: free text redacted, keys pseudonymised
    NOTICE = "notice"  # a queued or sent notice's JSON: the person's dropped and redacted
    QUOTING = "quoting"  # staff's line that may quote a ticket: names and quotes replaced
    INDEX = "index"  # the search index: written again from the rows above once they change


@dataclass(frozen=True)
class Column:
    kind: Kind
    beside: str | None = None  # a NAME's key column
    why: str = ""  # for a column that looks personal but is not


@dataclass(frozen=True)
class Table:
    """One table of the map: its primary key, who owns a row, and each text column."""

    name: str
    primary: tuple[str, ...]
    columns: dict[str, Column]
    owner: str | None = None  # the key column naming whose row it is
    by_ticket: bool = False  # a row of the person's ticket is theirs too

    def personal(self) -> dict[str, Column]:
        """The columns forgetting rewrites."""
        return {
            name: column
            for name, column in self.columns.items()
            if column.kind not in (Kind.NOT_PERSONAL, Kind.INDEX)
        }


NOT = Column(Kind.NOT_PERSONAL)
KEY = Column(Kind.KEY)
TEXT = Column(Kind.TEXT)
TIME = Column(Kind.NOT_PERSONAL, why="a time")
INDEX = Column(Kind.INDEX)
PLATFORM_ID = Column(Kind.NOT_PERSONAL, why="a platform's id of a channel or a message")


def name_of(key: str) -> Column:
    return Column(Kind.NAME, beside=key)


# What the text in an audit event's data says: free text, redacted on the person's events
# and by `retention.audit_data`. Every other string of the data is a state, a platform id or
# a person's key (which forgetting turns into the pseudonym's).
AUDIT_FREE_TEXT = frozenset({"subject", "summary", "before", "after", "comment"})
REDACTED = "[redacted]"

TABLES: tuple[Table, ...] = (
    Table(
        "messages",
        ("id",),
        {
            "message_id": PLATFORM_ID,
            "author_key": KEY,
            "author_name": name_of("author_key"),
            "role": NOT,
            "text": TEXT,
            "attachments": Column(Kind.ATTACHMENTS),
            "created_at": TIME,
            "edited_at": TIME,
            "deleted_at": TIME,
        },
        owner="author_key",
        by_ticket=True,
    ),
    Table(
        "events",
        ("id",),
        {
            "actor_key": KEY,
            "actor_name": name_of("actor_key"),
            "kind": NOT,
            "data": Column(Kind.AUDIT_DATA),
            "at": TIME,
        },
        owner="actor_key",
        by_ticket=True,
    ),
    Table(
        "outbox",
        ("id",),
        {
            "kind": NOT,
            "workspace": PLATFORM_ID,
            "channel": PLATFORM_ID,
            "thread": PLATFORM_ID,
            "edit_key": Column(Kind.NOT_PERSONAL, why="a card's ticket and channel"),
            "payload": Column(Kind.NOTICE),
            "status": NOT,
            "next_attempt_at": TIME,
            "last_error": Column(Kind.NOT_PERSONAL, why="the platform's error or our reason"),
            "created_at": TIME,
            "sent_at": TIME,
            "message_id": PLATFORM_ID,
        },
        by_ticket=True,
    ),
    Table(
        "surveys",
        ("ticket_id", "round"),
        {
            "customer_key": KEY,
            "scale": NOT,
            "asked_at": TIME,
            "expires_at": TIME,
            "agent_key": KEY,
            "agent_name": name_of("agent_key"),
            "comment": TEXT,
            "answered_at": TIME,
            "rated_at": TIME,
        },
        owner="customer_key",
        by_ticket=True,
    ),
    Table(
        "snippets",
        ("workspace", "name"),
        {
            "workspace": PLATFORM_ID,
            "name": Column(Kind.NOT_PERSONAL, why="a saved reply's name agents chose"),
            "text": Column(Kind.NOT_PERSONAL, why="a reply agents share, about no one"),
            "author_key": KEY,
            "author_name": name_of("author_key"),
            "created_at": TIME,
        },
        owner="author_key",
    ),
    Table(
        "incidents",
        ("id",),
        {
            "workspace": PLATFORM_ID,
            # Declared from a spike, the title is a customer's subject: quotes are redacted.
            "title": Column(Kind.QUOTING),
            "status": NOT,
            "owner_key": KEY,
            "owner_name": name_of("owner_key"),
            "started_at": TIME,
            "detected_at": TIME,
            "resolved_at": TIME,
            "last_update_at": TIME,
            "due_at": TIME,
        },
        owner="owner_key",
    ),
    Table(
        "incident_links",
        ("incident_id", "ticket_id"),
        {
            "linked_at": TIME,
            "linked_by_key": KEY,
            "linked_by_name": name_of("linked_by_key"),
            "unlinked_at": TIME,
        },
        owner="linked_by_key",
        by_ticket=True,
    ),
    Table(
        "incident_moments",
        ("incident_id", "seq"),
        {
            "kind": NOT,
            "at": TIME,
            "actor_key": KEY,
            "actor_name": name_of("actor_key"),
            "text": Column(Kind.QUOTING),
            "status": NOT,
        },
        owner="actor_key",
    ),
    Table(
        "incident_spikes",
        ("id",),
        {
            "workspace": PLATFORM_ID,
            "title": Column(Kind.QUOTING),  # the first alike ticket's subject
            "words": Column(Kind.NOT_PERSONAL, why="words several customers' subjects share"),
            "started_at": TIME,
            "last_at": TIME,
        },
    ),
    Table(
        "redactions",
        ("id",),
        {
            "kind": NOT,
            "asked_by": KEY,
            "at": TIME,
            "pseudonym": Column(Kind.NOT_PERSONAL, why="names no one once the key is gone"),
            "counts": Column(Kind.NOT_PERSONAL, why="rows changed, by column"),
        },
        owner="asked_by",
    ),
    # Last: the rows above find the person's tickets by their customer key.
    Table(
        "tickets",
        ("id",),
        {
            "workspace": PLATFORM_ID,
            "channel": PLATFORM_ID,
            "thread": PLATFORM_ID,
            "customer_key": KEY,
            "customer_name": name_of("customer_key"),
            "subject": TEXT,
            "body": TEXT,
            "status": NOT,
            "priority": NOT,
            "assignee_key": KEY,
            "assignee_name": name_of("assignee_key"),
            "permalink": Column(Kind.LINK),
            "created_at": TIME,
            "updated_at": TIME,
            "first_response_at": TIME,
            "resolved_at": TIME,
            "closed_at": TIME,
            "status_since": TIME,
            "last_agent_activity_at": TIME,
        },
        owner="customer_key",
    ),
    # Written again from the tickets, their messages and events: never rewritten directly.
    Table(
        "ticket_search",
        ("rowid",),
        {
            "subject": INDEX,
            "public": INDEX,
            "internal": INDEX,
            "customer": INDEX,
            "customer_key": INDEX,
            "terms": INDEX,
            "state": Column(Kind.NOT_PERSONAL, why="solved or active"),
        },
    ),
    Table(
        "redacting",
        ("redaction",),
        {
            "pseudonym": Column(Kind.NOT_PERSONAL, why="a redaction's pseudonym, while it runs"),
            "pseudonym_key": Column(Kind.NOT_PERSONAL, why="the pseudonym's key, while it runs"),
        },
    ),
    Table("inbound_keys", ("key",), {"key": PLATFORM_ID, "seen_at": TIME}),
    Table("posted", ("edit_key",), {"edit_key": NOT, "message_id": PLATFORM_ID}),
    Table(
        "channel_cursors",
        ("workspace", "channel"),
        {"workspace": PLATFORM_ID, "channel": PLATFORM_ID, "updated_at": TIME},
    ),
    Table(
        "sla_clocks",
        ("ticket_id", "kind"),
        {
            "workspace": PLATFORM_ID,
            "kind": NOT,
            "calendar": NOT,
            "started_at": TIME,
            "running_since": TIME,
            "due_at": TIME,
            "stopped_at": TIME,
            "breached_at": TIME,
        },
    ),
    Table(
        "timers",
        ("ticket_id", "step", "round"),
        {"step": NOT, "due_at": TIME, "state": NOT, "fired_at": TIME},
    ),
    Table(
        "leases",
        ("name",),
        {
            "name": NOT,
            "holder": Column(Kind.NOT_PERSONAL, why="a deskbot instance"),
            "expires_at": TIME,
        },
    ),
    Table(
        "flow_counts",
        ("workspace", "kind", "quarter"),
        {"workspace": PLATFORM_ID, "kind": NOT, "quarter": TIME},
    ),
    Table(
        "digests",
        ("id",),
        {
            "period_start": TIME,
            "period_end": TIME,
            "created_at": TIME,
            "figures": Column(Kind.NOT_PERSONAL, why="counts and durations"),
        },
    ),
)

BY_NAME = {table.name: table for table in TABLES}


def forgettable() -> list[Table]:
    """The tables whose personal columns forgetting rewrites, in the order it does."""
    return [table for table in TABLES if table.personal()]
