"""What the desk has learnt: similar past cases, search, answers that helped, recurring problems.

Every ticket's subject, customer text, public replies and resolution note are searchable;
internal notes only by staff. Text is cut into terms here, the same way for every store:
words for scripts written with spaces, and overlapping pairs of characters for Chinese and
Japanese, which are written without them (a two-character word such as 退款 is a term).
What people type is data, never query syntax: only these terms reach a store.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from handlers.models import (
    ACTIVE_STATUSES,
    Action,
    Found,
    Notice,
    Person,
    Role,
    SearchQuery,
    Similar,
    Status,
    Ticket,
)
from handlers.ports import TicketsTx
from handlers.settings import DeskSettings
from handlers.texts import Texts

SOLVED = frozenset({Status.RESOLVED, Status.CLOSED})
ON_CARD = 3  # similar tickets a triage card shows
LISTED = 10  # similar tickets and search results a command lists
# A ticket strongly matches an answered one when it holds this share of that one's subject.
STRONG_MATCH = 0.75
# A cluster of recurring problems: tickets whose subjects share this share of their terms.
CLUSTER_LIKENESS = 0.5
CLUSTER_SMALLEST = 3

_IDEOGRAPHIC = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
_TOKEN = re.compile(rf"([{_IDEOGRAPHIC}]+)|((?:(?![{_IDEOGRAPHIC}])[^\W_])+)")
_IDEOGRAPH = re.compile(rf"[{_IDEOGRAPHIC}]")
_WORD = re.compile(r"[^\W_]+")  # `_TOKEN`'s words, in text without ideographs
# Words too common to say what a ticket is about: left out of likeness, never of search.
_COMMON = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "he",
        "her",
        "his",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "just",
        "me",
        "my",
        "no",
        "not",
        "of",
        "on",
        "or",
        "our",
        "she",
        "so",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "they",
        "this",
        "to",
        "too",
        "us",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "will",
        "with",
        "would",
        "you",
        "your",
        "hi",
        "hello",
        "please",
        "thanks",
        "thank",
        "help",
    ]
)


def phrases(text: str) -> list[tuple[str, ...]]:
    """Cut `text` into phrases of terms: a word, or a run of ideographs as overlapping pairs."""
    lowered = text.lower()
    if _IDEOGRAPH.search(lowered) is None:
        # Words alone, as most text is: a plain pattern reads them in a third of the time
        # (every message is cut on its way into the index).
        return [(word,) for word in _WORD.findall(lowered)]
    return _mixed_phrases(lowered)


def _mixed_phrases(lowered: str) -> list[tuple[str, ...]]:
    """`phrases` of text holding ideographs."""
    found: list[tuple[str, ...]] = []
    for run, word in _TOKEN.findall(lowered):
        if word:
            found.append((word,))
        elif len(run) == 1:
            found.append((run,))
        else:
            found.append(tuple(run[i : i + 2] for i in range(len(run) - 1)))
    return found


def lone_ideograph(phrase: tuple[str, ...]) -> bool:
    """Whether the phrase is one ideograph alone, which a text holds only inside pairs.

    A search reads it as the start of a pair. A lone letter or digit is a word of its own.
    """
    return len(phrase) == 1 and _IDEOGRAPH.fullmatch(phrase[0]) is not None


def terms(text: str) -> list[str]:
    """Every term of `text`, in order (what an index holds)."""
    return [term for phrase in phrases(text) for term in phrase]


def telling_terms(text: str) -> set[str]:
    """The terms that say what `text` is about: common words and single letters left out."""
    return {term for term in terms(text) if term not in _COMMON and (len(term) > 1)}


# -- similar tickets --------------------------------------------------------------------------


def similar(tx: TicketsTx, ticket: Ticket, limit: int = ON_CARD) -> list[Found]:
    """Resolved tickets most like `ticket`, best first, by its subject and first message."""
    return tx.search(similar_query(ticket, limit))


def similar_query(ticket: Ticket, limit: int = ON_CARD) -> SearchQuery:
    """The search for resolved tickets like `ticket`: its subject and first message."""
    return SearchQuery(
        ticket.place.workspace,
        f"{ticket.subject}\n{ticket.body}",
        statuses=SOLVED,
        like=True,
        excluding=ticket.id,
        limit=limit,
    )


def similar_view(found: Sequence[Found]) -> tuple[Similar, ...]:
    """The card's lines for found tickets: link and resolution of each."""
    return tuple(
        Similar(hit.ticket.id, hit.ticket.subject, hit.ticket.permalink, hit.resolution)
        for hit in found
    )


def with_similar(card: Notice, found: Sequence[Found], texts: Texts) -> Notice:
    """The triage card with up to `ON_CARD` similar resolved tickets added."""
    if card.card is None or not found:
        return card
    lines = similar_view(found[:ON_CARD])
    text = "\n".join([card.text, texts.similar_heading(), *map(texts.similar_line, lines)])
    return replace(card, text=text, card=replace(card.card, similar=lines))


def told(
    tx: TicketsTx, ticket: Ticket, card: Notice | None, settings: DeskSettings
) -> Notice | None:
    """The card with the similar tickets found for `ticket` so far: read by key, no query.

    They are found beside the writer after the ticket is opened or re-worded
    (`handlers.likeness`), so no change to a ticket searches while it holds the writer.
    """
    if card is None:
        return None
    texts = settings.texts_for(ticket.place.platform)
    return with_similar(card, tx.remembered_similar(ticket.id), texts)


def strongly_alike(ticket: Ticket, other: Ticket) -> bool:
    """Whether `ticket` says most of what `other`'s subject says (and that is something)."""
    wanted = telling_terms(other.subject)
    if len(wanted) < 2:
        return False
    held = telling_terms(f"{ticket.subject}\n{ticket.body}")
    return len(wanted & held) / len(wanted) >= STRONG_MATCH


def helpful(ticket: Ticket, found: Iterable[Found], settings: DeskSettings) -> list[Found]:
    """Answers to suggest to the customer: strong matches whose resolution note was public.

    A private ticket's answer was for its customer alone: it is never suggested to another.
    """
    if not settings.knowledge.suggest_to_customers:
        return []
    return [
        hit
        for hit in found
        if not hit.ticket.private and hit.resolution.strip() and strongly_alike(ticket, hit.ticket)
    ]


def suggest(ack: Notice, helped: Sequence[Found], texts: Texts) -> Notice:
    """The acknowledgement with answers that helped others and a "this solved it" button."""
    if not helped:
        return ack
    lines = [texts.similar_line(line) for line in similar_view(helped)]
    text = "\n".join([ack.text, texts.helped_others(), *lines, texts.press_solved()])
    return replace(ack, text=text, actions=(Action("solved"),))


# -- search -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What a `/ticket search` narrows to, read from its words."""

    words: str
    statuses: frozenset[Status]
    customer: Person | None = None
    since: datetime | None = None


_STATUS_WORDS: dict[str, frozenset[Status]] = {
    **{status.value: frozenset({status}) for status in Status},
    "active": ACTIVE_STATUSES,
    "solved": SOLVED,
    "all": frozenset(Status),
}
_SINCE = re.compile(r"(\d{1,4})([dwh])")
_UNITS = {"d": timedelta(days=1), "w": timedelta(weeks=1), "h": timedelta(hours=1)}
_MENTION = re.compile(r"<@([^>|]+)(?:\|[^>]*)?>|@(\S+)")


class BadFilter(ValueError):
    """A filter word that cannot be read: `status:soon`, `since:yesterday`."""

    def __init__(self, word: str) -> None:
        super().__init__(f"Cannot filter by {word!r}.")
        self.word = word


def filters(words: Sequence[str], mentions: Sequence[Person], now: datetime) -> Filters:
    """Split a search's words into the words to find and its filters.

    `status:<status|active|solved|all>`, `customer:<@person>` (or a mention on its own) and
    `since:<7d|2w|12h|YYYY-MM-DD>` narrow the search; every other word is searched for.
    """
    kept: list[str] = []
    found = Filters("", frozenset(Status))
    for word in words:
        key, _, value = word.partition(":")
        person = _mentioned(value if key.lower() == "customer" else word, mentions)
        if key.lower() == "status" and value:
            found = replace(found, statuses=_statuses(word, value))
        elif key.lower() == "since" and value:
            found = replace(found, since=_since(word, value, now))
        elif person is not None:
            found = replace(found, customer=person)
        elif key.lower() == "customer" and value:
            raise BadFilter(word)
        else:
            kept.append(word)
    return replace(found, words=" ".join(kept))


def _mentioned(word: str, mentions: Sequence[Person]) -> Person | None:
    match = _MENTION.fullmatch(word)
    wanted = (match.group(1) or match.group(2)) if match else None
    return next((p for p in mentions if wanted in (p.id, p.name)), None)


def _statuses(word: str, value: str) -> frozenset[Status]:
    if value.lower() not in _STATUS_WORDS:
        raise BadFilter(word)
    return _STATUS_WORDS[value.lower()]


def _since(word: str, value: str, now: datetime) -> datetime:
    match = _SINCE.fullmatch(value.lower())
    if match:
        return now - int(match.group(1)) * _UNITS[match.group(2)]
    try:
        day = datetime.strptime(value, "%Y-%m-%d")  # made UTC just below
    except ValueError:
        raise BadFilter(word) from None
    return day.replace(tzinfo=now.tzinfo)


def search_query(
    workspace: str, wanted: Filters, viewer: Person, role: Role, limit: int = LISTED
) -> SearchQuery:
    """The query a person's search runs: customers see their own tickets, never notes."""
    staff = role is not Role.CUSTOMER
    customer = wanted.customer.key if staff and wanted.customer else None
    return SearchQuery(
        workspace,
        wanted.words,
        statuses=wanted.statuses,
        customer_key=customer if staff else viewer.key,
        since=wanted.since,
        internal=staff,
        limit=limit,
    )


# -- recurring problems -----------------------------------------------------------------------


@dataclass(frozen=True)
class Cluster:
    """Tickets of a period about one problem, named by their most common subject."""

    about: str
    ticket_ids: tuple[int, ...]

    @property
    def size(self) -> int:
        return len(self.ticket_ids)


def clusters(
    subjects: Iterable[tuple[int, str]], smallest: int = CLUSTER_SMALLEST, most: int = 5
) -> list[Cluster]:
    """Group tickets whose subjects share most of their terms; the biggest groups first."""
    groups: list[tuple[set[str], list[tuple[int, str]]]] = []
    for ticket_id, subject in subjects:
        said = telling_terms(subject)
        if not said:
            continue
        group = next((g for g in groups if _likeness(g[0], said) >= CLUSTER_LIKENESS), None)
        if group is None:
            groups.append((said, [(ticket_id, subject)]))
        else:
            group[1].append((ticket_id, subject))
    found = [_cluster(members) for _, members in groups if len(members) >= smallest]
    found.sort(key=lambda cluster: (-cluster.size, cluster.ticket_ids[0]))
    return found[:most]


def _likeness(first: set[str], second: set[str]) -> float:
    return len(first & second) / len(first | second)


def _cluster(members: list[tuple[int, str]]) -> Cluster:
    named = Counter(subject.strip().lower() for _, subject in members).most_common(1)[0][0]
    about = next(subject for _, subject in members if subject.strip().lower() == named)
    return Cluster(about, tuple(ticket_id for ticket_id, _ in members))
