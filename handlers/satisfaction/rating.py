"""Recording a customer's rating: `/ticket rate <id> <score> [comment]`, and the buttons.

A rating belongs to the ticket's latest survey and is taken until that survey expires; only
the ticket's customer may give it. Rating again changes it (the survey keeps one rating, so
the reports count it once), and each rating or change is an audit event (`rated`), applied
like any other ticket change. A rating at or below `satisfaction.alert_below` is posted to
the leads' place at once, with the ticket's link and the comment.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from handlers import changes
from handlers.changes import TicketChange
from handlers.errors import NotAllowed, Unchanged, UsageError
from handlers.models import (
    EventKind,
    Notice,
    NoticeKind,
    Person,
    Place,
    Scale,
    Survey,
    Ticket,
)
from handlers.ports import Tx
from handlers.settings import DeskSettings

# What people type (or a button sends) for a thumbs rating; thumbs are scored 1 and 5.
_THUMBS = {"up": 5, "👍": 5, "+1": 5, "5": 5, "down": 1, "👎": 1, "-1": 1, "1": 1}


def rate(
    tx: Tx,
    ticket: Ticket,
    actor: Person,
    word: str | None,
    comment: str,
    now: datetime,
    settings: DeskSettings,
) -> str:
    """Record (or change) the customer's rating of the ticket's latest resolution."""
    if not actor.same_as(ticket.customer):
        raise NotAllowed(lambda texts: texts.only_the_customer_rates())
    survey = tx.latest_survey(ticket.id)
    if survey is None or not survey.asked:
        raise NotAllowed(lambda texts: texts.no_survey(ticket))
    if not survey.open_at(now):
        ended = survey.expires_at
        raise NotAllowed(lambda texts: texts.survey_expired(ticket, ended, settings.timezone))
    score = score_of(word, survey.scale, ticket)
    rated = replace(
        survey,
        score=score,
        comment=comment.strip() or survey.comment,
        answered_at=survey.answered_at or now,
        rated_at=now,
    )
    if (rated.score, rated.comment) == (survey.score, survey.comment):
        raise Unchanged(lambda texts: texts.rating_unchanged(ticket, rated))
    tx.save_rating(rated)
    _audit(tx, ticket, actor, survey, rated, now, settings)
    texts = settings.texts_for(ticket.place.platform)
    return texts.rated(ticket, rated, survey.score)


def score_of(word: str | None, scale: Scale, ticket: Ticket) -> int:
    """Read a score on the survey's scale; anything else is refused with the scale's range."""
    if word is None:
        raise UsageError(lambda texts: texts.rate_how(ticket, scale))
    if scale is Scale.THUMBS:
        score = _THUMBS.get(word.lower())
    else:
        score = int(word) if word.isascii() and word.isdigit() else None
    if score is None or score not in scale.scores:
        raise UsageError(lambda texts: texts.rate_how(ticket, scale))
    return score


def _audit(
    tx: Tx,
    ticket: Ticket,
    actor: Person,
    before: Survey,
    after: Survey,
    now: datetime,
    settings: DeskSettings,
) -> None:
    """Apply the rating as a change to the ticket: its audit event and its alert."""
    data = {
        "round": after.round,
        "score": after.score,
        "previous": before.score,
        "comment": after.comment,
    }
    alert = _alert(ticket, after, settings) if _alarming(before, after, settings) else None
    said = () if alert is None else (alert,)
    change = TicketChange(ticket, ticket, actor, EventKind.RATED, data, notices=said)
    changes.apply(tx, change, now, settings)


def _alarming(before: Survey, after: Survey, settings: DeskSettings) -> bool:
    """A low rating, new or newly commented on: the leads hear of it (once per change)."""
    threshold = settings.satisfaction.alert_below
    if threshold is None or after.score is None or after.score > threshold:
        return False
    return (before.score, before.comment) != (after.score, after.comment)


def _alert(ticket: Ticket, survey: Survey, settings: DeskSettings) -> Notice | None:
    places = settings.places_of(ticket.place.platform)
    channel = places.leads_channel or places.triage_channel
    if channel is None:
        return None
    text = settings.texts_for(ticket.place.platform).low_rating(ticket, survey)
    place = Place(ticket.place.workspace, channel)
    return Notice(NoticeKind.ESCALATION, place, text, ticket_id=ticket.id)
