"""Asking a resolution's customer to rate it, once, and closing the survey when it expires.

Whether a resolution is asked is decided when it happens and never again: surveys off, a
sample that lets this resolution pass, or a customer asked within the cooldown each leave a
survey row marked unasked, so the next resolution of the ticket is the next round. The
sample is a hash of (ticket, round): the same resolutions are asked in tests and replays.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import datetime

from handlers.models import Notice, NoticeKind, Step, StepKind, Survey, SurveyView, Ticket
from handlers.ports import Tx
from handlers.settings import DeskSettings, SatisfactionSettings

EXPIRY = Step(StepKind.SURVEY)


def ask(tx: Tx, ticket: Ticket, now: datetime, settings: DeskSettings) -> tuple[Notice, ...]:
    """Record the survey of a resolution; return its notices (the survey, the one it ends)."""
    config = settings.satisfaction
    if not config.enabled:
        return ()
    previous = tx.latest_survey(ticket.id)
    round_ = previous.round + 1 if previous is not None else 1
    survey = Survey(
        ticket_id=ticket.id,
        round=round_,
        customer_key=ticket.customer.key,
        asked=False,
        scale=config.scale,
        asked_at=now,
        expires_at=now + config.expires,
        agent_key=ticket.assignee.key if ticket.assignee else None,
        agent_name=ticket.assignee.name if ticket.assignee else None,
    )
    if not sampled(ticket.id, round_, config.sample) or _cooling(tx, ticket, now, config):
        tx.add_survey(survey)
        return ()
    survey = replace(survey, asked=True)
    tx.add_survey(survey)
    tx.schedule(ticket.id, EXPIRY, round_, survey.expires_at)
    # A newer resolution's survey replaces an earlier one still open: it stops taking ratings.
    ended = previous if previous is not None and previous.open_at(now) else None
    return tuple(
        notice
        for notice in (
            closing(ticket, ended, settings) if ended else None,
            question(ticket, survey, settings),
        )
        if notice is not None
    )


def sampled(ticket_id: int, round_: int, sample: float) -> bool:
    """Whether resolution `round_` of the ticket is in the sample: the same answer every time."""
    if sample >= 1:
        return True
    digest = hashlib.sha256(f"{ticket_id}:{round_}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < sample


def _cooling(tx: Tx, ticket: Ticket, now: datetime, config: SatisfactionSettings) -> bool:
    """Whether the customer was asked too recently to be asked again."""
    if not config.cooldown:
        return False
    last = tx.last_asked(ticket.customer.key)
    return last is not None and now - last < config.cooldown


def question(ticket: Ticket, survey: Survey, settings: DeskSettings) -> Notice:
    """The survey in the ticket's thread: the question, and buttons where the platform has them."""
    texts = settings.texts_for(ticket.place.platform)
    view = SurveyView(ticket.id, survey.round, survey.scale)
    text = texts.survey_question(ticket, survey.scale)
    return Notice(NoticeKind.SURVEY, ticket.conversation, text, ticket_id=ticket.id, survey=view)


def closing(ticket: Ticket, survey: Survey, settings: DeskSettings) -> Notice:
    """The survey message edited to say it takes no more ratings (and the one it got)."""
    texts = settings.texts_for(ticket.place.platform)
    view = SurveyView(ticket.id, survey.round, survey.scale, closed=True)
    text = texts.survey_closed(ticket, survey)
    return Notice(NoticeKind.SURVEY, ticket.conversation, text, ticket_id=ticket.id, survey=view)


def expire(tx: Tx, ticket: Ticket, round_: int, now: datetime, settings: DeskSettings) -> None:
    """The survey's window closed (its timer step fired): edit its buttons to say so."""
    survey = tx.latest_survey(ticket.id)
    # A later resolution's survey closed this one already, when it was asked.
    if survey is None or survey.round != round_ or not survey.asked:
        return
    tx.enqueue(closing(ticket, survey, settings), now)
