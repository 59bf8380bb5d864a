"""Spotting a spike: similar new tickets arriving together, told to the leads once.

Each new ticket is compared with the spikes still growing in its workspace, then with the
tickets opened within `incidents.spike.window` that no incident holds. Two tickets are alike
when their subjects share at least two telling words (`knowledge.telling_terms`, the terms
the similar-tickets search ranks by), and at least half of the shorter one's. When
`incidents.spike.tickets` alike tickets (this one included) are found, the leads' place gets
one alert naming them and their common words, with a **Declare incident** button; each
further alike ticket joins the spike and edits that alert (past 20 tickets, every tenth),
never posting another one. A busy
hour of unrelated tickets shares no two words often enough to make one.

A new ticket alike an open incident's title is linked to it at once with
`incidents.auto_link`, and otherwise shown to the agents with a **Link to INC-3** button
(and the command that does the same).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import datetime
from functools import lru_cache

from handlers import notices
from handlers.incidents import telling
from handlers.incidents.values import SPIKE_SHOWN, Incident, Spike
from handlers.knowledge import telling_terms
from handlers.models import Action, Notice, NoticeKind, Place, Ticket
from handlers.ports import Tx
from handlers.settings import DeskSettings

RECENT = 50  # the newest tickets of the window a new one is compared with
COMMON_WORDS = 5  # the most words an alert names
SHARED = 2  # alike tickets share at least this many telling words …
SHARE = 0.5  # … and at least this share of the shorter one's
ACTION = "incident"  # the alert's button runs `/ticket incident <id>`, a suggestion's `… <id> <n>`


@lru_cache(maxsize=4096)
def words_of(subject: str) -> frozenset[str]:
    """What a ticket's subject says: its telling words.

    Kept for the subjects seen lately: each new ticket is compared with the same recent ones.
    """
    return frozenset(telling_terms(subject))


def alike(first: frozenset[str] | set[str], second: frozenset[str] | set[str]) -> bool:
    """Whether two tickets' words say the same thing."""
    shared = len(first & second)
    return shared >= SHARED and shared >= SHARE * min(len(first), len(second))


def arrived(tx: Tx, ticket: Ticket, now: datetime, settings: DeskSettings) -> None:
    """Look at a new ticket: join the spike it belongs to, or start one if enough are alike."""
    words = words_of(ticket.subject)
    if len(words) < SHARED:
        return
    config = settings.incidents
    since = now - config.spike_window
    workspace = ticket.place.workspace
    if _matched(tx, ticket, words, now, settings):
        return
    for spike in tx.spikes(workspace, since):
        if alike(words, set(spike.words)):
            size = tx.join_spike(spike.id, ticket.id, now)
            if _worth_an_edit(size):  # the alert says the new count
                shown = (
                    spike.first if len(spike.first) >= SPIKE_SHOWN else (*spike.first, ticket.id)
                )
                _alert(tx, replace(spike, size=size, last_at=now, first=shown), now, settings)
            return
    recent = tx.recent_arrivals(workspace, since, RECENT)
    members = [a for a in recent if a.ticket_id != ticket.id and alike(words, words_of(a.subject))]
    if len(members) + 1 < config.spike_tickets:
        return
    members.sort(key=lambda arrival: arrival.ticket_id)
    first = members[0]
    common = _common([words_of(a.subject) for a in members] + [words])
    ids = [*(a.ticket_id for a in members), ticket.id]
    draft = Spike(0, workspace, first.subject, common, first.created_at, now, 0, ())
    _alert(tx, tx.add_spike(draft, ids), now, settings)


def _worth_an_edit(size: int) -> bool:
    """Edit the alert for each ticket up to 20, then every 10: a flood edits it a little."""
    return size <= SPIKE_SHOWN or size % 10 == 0


def _matched(
    tx: Tx, ticket: Ticket, words: frozenset[str], now: datetime, settings: DeskSettings
) -> bool:
    """Link a ticket alike an open incident's title (`auto_link`), or tell the agents so."""
    for incident in tx.incidents(ticket.place.workspace):
        if not alike(words, words_of(incident.title)):
            continue
        if settings.incidents.auto_link:
            telling.link(tx, incident, ticket, incident.owner, now, settings)
            total = tx.linked_count(incident.number)
            telling.linked_moment(tx, incident, incident.owner, 1, total, now)
        else:
            notices.send(tx, now, suggestion(ticket, incident, settings))
        return True
    return False


def suggestion(
    ticket: Ticket, incident: Incident, settings: DeskSettings, linked_by: str | None = None
) -> Notice | None:
    """The new ticket alike `incident`, shown in triage with a **Link to INC-3** button;
    `linked_by` names who pressed it, and the button goes."""
    triage = settings.places_of(ticket.place.platform).triage_channel
    if triage is None:
        return None
    texts = settings.texts_for(ticket.place.platform)
    ref, title = incident.ref, incident.title
    actions: tuple[Action, ...] = ()
    if linked_by is not None:
        text = texts.linked_from_suggestion(ticket.id, ref, title, linked_by)
    else:
        text = texts.looks_like_incident(ticket.id, ref, title)
        actions = (Action(ACTION, str(incident.number), texts.link_to_incident(ref)),)
    place = Place(ticket.place.workspace, triage)
    edits = f"suggested:{ticket.id}:{incident.number}"
    return Notice(NoticeKind.REMINDER, place, text, ticket.id, actions=actions, edits=edits)


def _common(said: list[frozenset[str]]) -> tuple[str, ...]:
    """The words most of the tickets share, most shared first."""
    counts = Counter(word for words in said for word in words)
    wanted = [word for word, n in counts.items() if n * 2 >= len(said)]
    wanted.sort(key=lambda word: (-counts[word], word))
    return tuple(wanted[:COMMON_WORDS])


def alert(spike: Spike, settings: DeskSettings, declared: str | None = None) -> Notice | None:
    """The spike's alert in the leads' place (triage without one); `declared` names the
    incident declared from it, and the button goes."""
    platform = spike.workspace.split(":", 1)[0]
    places = settings.places_of(platform)
    channel = places.leads_channel or places.triage_channel
    if channel is None:
        return None
    texts = settings.texts_for(platform)
    if declared is not None:
        text = texts.spike_declared(spike, declared)
    else:
        text = texts.spike_alert(spike, settings.incidents.spike_window)
    return Notice(
        NoticeKind.ESCALATION,
        Place(spike.workspace, channel),
        text,
        ticket_id=spike.first[0],
        actions=() if declared is not None else (Action(ACTION),),
        edits=f"spike:{spike.id}",
    )


def _alert(tx: Tx, spike: Spike, now: datetime, settings: DeskSettings) -> None:
    notices.send(tx, now, alert(spike, settings))
