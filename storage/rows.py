"""Translate between the core's values and stored rows: times, people, JSON payloads.

SQLite gives times as text and PostgreSQL as datetimes; both give JSON as text, so each
store's rows read through the same functions here.

Timer steps and reminder guards are typed in the core (`Step`, `Guard`) and stored as the
short strings every earlier version wrote (`warn:first_response`, `idle@<ISO time>`): this
module is the one place that writes and reads those strings.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from handlers.models import (
    Action,
    Attachment,
    Author,
    Card,
    ClockKind,
    Condition,
    CustomerHistory,
    Guard,
    Mention,
    Message,
    Notice,
    NoticeFile,
    NoticeKind,
    Person,
    Place,
    Priority,
    Scale,
    Similar,
    SlaClock,
    SlaSpan,
    Snippet,
    Status,
    Step,
    Survey,
    SurveyView,
    Ticket,
    Timer,
    TimerState,
)


class Row(Protocol):
    """A stored row read by column name: SQLite's `sqlite3.Row`, PostgreSQL's dict row."""

    def __getitem__(self, key: str, /) -> Any: ...


def to_db(at: datetime) -> str:
    """UTC, fixed width, so that text order is time order."""
    if at.tzinfo is None:
        raise ValueError(f"refusing to store a naive datetime: {at!r}")
    # `2026-11-24T10:00:00.000000Z`; isoformat writes it in two thirds of strftime's time (a
    # new ticket stores sixteen times), and pads a year before 1000 as strftime does not.
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def from_db(stored: str | datetime) -> datetime:
    if isinstance(stored, datetime):
        return stored  # PostgreSQL's timestamptz, read in UTC
    # fromisoformat reads the trailing Z as UTC, and is many times faster than strptime.
    return datetime.fromisoformat(stored)


def maybe_to_db(at: datetime | None) -> str | None:
    return None if at is None else to_db(at)


def maybe_from_db(stored: str | datetime | None) -> datetime | None:
    return None if stored is None else from_db(stored)


def person(key: str, name: str) -> Person:
    platform, _, user_id = key.partition(":")
    return Person(platform, user_id, name)


def maybe_person(key: str | None, name: str | None) -> Person | None:
    return None if key is None else person(key, name or key)


def ticket(row: Row) -> Ticket:
    return Ticket(
        id=row["id"],
        place=Place(row["workspace"], row["channel"], row["thread"]),
        customer=person(row["customer_key"], row["customer_name"]),
        subject=row["subject"],
        body=row["body"],
        status=Status(row["status"]),
        priority=Priority(row["priority"]),
        created_at=from_db(row["created_at"]),
        updated_at=from_db(row["updated_at"]),
        assignee=maybe_person(row["assignee_key"], row["assignee_name"]),
        permalink=row["permalink"],
        first_response_at=maybe_from_db(row["first_response_at"]),
        resolved_at=maybe_from_db(row["resolved_at"]),
        closed_at=maybe_from_db(row["closed_at"]),
        status_since=maybe_from_db(row["status_since"]),
        last_agent_activity_at=maybe_from_db(row["last_agent_activity_at"]),
        private=bool(row["private"]),
    )


def clock(row: Row) -> SlaClock:
    target, days = row["target_seconds"], row["promise_days"]
    return SlaClock(
        ticket_id=row["ticket_id"],
        kind=ClockKind(row["kind"]),
        calendar=row["calendar"],
        target=None if target is None else timedelta(seconds=target),
        started_at=from_db(row["started_at"]),
        used=timedelta(seconds=row["used_seconds"]),
        running_since=maybe_from_db(row["running_since"]),
        due_at=maybe_from_db(row["due_at"]),
        stopped_at=maybe_from_db(row["stopped_at"]),
        breached_at=maybe_from_db(row["breached_at"]),
        promise=None if days is None else SlaSpan(days, timedelta(seconds=row["promise_seconds"])),
    )


# Queue a notice; parameters: `queued_values(notice, at)`.
QUEUE_NOTICE = (
    "INSERT INTO outbox (kind, workspace, channel, thread, ticket_id, edit_key, payload,"
    " next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def queued_values(notice: Notice, at: datetime) -> tuple[object, ...]:
    """A notice's outbox row, due at once from `at`."""
    place, when = notice.place, to_db(at)
    return (
        str(notice.kind),
        place.workspace,
        place.channel,
        place.thread,
        notice.ticket_id,
        notice.edit_key,
        notice_payload(notice),
        when,
        when,
    )


# Write a clock whole, with its ticket's workspace (for the reports of one workspace);
# parameters: `clock_values(clock)`, then the ticket's id again.
SAVE_CLOCK = (
    "INSERT OR REPLACE INTO sla_clocks (ticket_id, kind, calendar, target_seconds,"
    " started_at, used_seconds, running_since, due_at, stopped_at, breached_at,"
    " promise_days, promise_seconds, workspace) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
    " ?, ?, (SELECT workspace FROM tickets WHERE id = ?))"
)


def clock_values(clock: SlaClock) -> tuple[object, ...]:
    # The exact business time: a promise that ends at an opening gives fractions of a second.
    target = None if clock.target is None else clock.target.total_seconds()
    promise = clock.promise
    return (
        clock.ticket_id,
        str(clock.kind),
        clock.calendar,
        target,
        to_db(clock.started_at),
        clock.used.total_seconds(),
        maybe_to_db(clock.running_since),
        maybe_to_db(clock.due_at),
        maybe_to_db(clock.stopped_at),
        maybe_to_db(clock.breached_at),
        None if promise is None else promise.days,
        None if promise is None else round(promise.rest.total_seconds()),
    )


def step_text(step: Step) -> str:
    """The `timers.step` column of a step: `unclaimed`, `warn:first_response`."""
    return _STEP_TEXTS[step]


def step(text: str) -> Step:
    """Read a `timers.step` column back."""
    found = _STEPS.get(text)
    if found is None:
        raise ValueError(f"No timer step is stored as {text!r}.")
    return found


def _spell_step(step: Step) -> str:
    return str(step.kind) if step.clock is None else f"{step.kind}:{step.clock}"


# A handful of steps exist: look each one up rather than parse it on every row.
_STEP_TEXTS = {known: _spell_step(known) for known in Step.every()}
_STEPS = {text: known for known, text in _STEP_TEXTS.items()}


def guard_text(guard: Guard) -> str:
    """A notice's guard as stored: `unclaimed`, `clock:<clock>`, `idle@<ISO time>`."""
    text = str(guard.condition)
    if guard.clock is not None:
        text = f"{text}:{guard.clock}"
    if guard.fired_at is not None:
        text = f"{text}@{guard.fired_at.isoformat()}"
    return text


def guard(text: str) -> Guard:
    """Read a stored guard back."""
    head, at, stamp = text.partition("@")
    condition, _, clock = head.partition(":")
    try:
        return Guard(
            Condition(condition),
            ClockKind(clock) if clock else None,
            datetime.fromisoformat(stamp) if at else None,
        )
    except ValueError as error:
        raise ValueError(f"No reminder guard is stored as {text!r}: {error}") from error


def column_form(value: object) -> object:
    """Spell a typed step or guard in JSON (an audit event's data) as its column does."""
    if isinstance(value, Step):
        return step_text(value)
    if isinstance(value, Guard):
        return guard_text(value)
    raise TypeError(f"{type(value).__name__} has no stored form.")


def event_data(data: dict[str, object]) -> str:
    """An audit event's data as its JSON column holds it."""
    return json.dumps(data, ensure_ascii=False, default=column_form)


def timer(row: Row) -> Timer:
    return Timer(
        ticket_id=row["ticket_id"],
        step=step(row["step"]),
        round=row["round"],
        due_at=from_db(row["due_at"]),
        state=TimerState(row["state"]),
        fired_at=maybe_from_db(row["fired_at"]),
    )


def attachments_json(attachments: tuple[Attachment, ...]) -> str:
    return json.dumps([{"name": item.name, "url": item.url} for item in attachments])


def snippet(row: Row) -> Snippet:
    return Snippet(
        row["workspace"],
        row["name"],
        row["text"],
        person(row["author_key"], row["author_name"]),
        from_db(row["created_at"]),
        row["uses"],
    )


def message(row: Row) -> Message:
    return Message(
        ticket_id=row["ticket_id"],
        message_id=row["message_id"],
        author=person(row["author_key"], row["author_name"]),
        role=Author(row["role"]),
        text=row["text"],
        created_at=from_db(row["created_at"]),
        internal=bool(row["internal"]),
        attachments=tuple(Attachment(**item) for item in json.loads(row["attachments"])),
        edited_at=maybe_from_db(row["edited_at"]),
        deleted_at=maybe_from_db(row["deleted_at"]),
    )


def notice_payload(notice: Notice) -> str:
    payload: dict[str, Any] = {"text": notice.text}
    if notice.card is not None:
        card = notice.card
        payload["card"] = {
            "ticket_id": card.ticket_id,
            "subject": card.subject,
            "customer": card.customer,
            "status": str(card.status),
            "priority": str(card.priority),
            "assignee": card.assignee,
            "permalink": card.permalink,
            "opened_at": to_db(card.opened_at),
            "actions": list(card.actions),
            "first_response_at": maybe_to_db(card.first_response_at),
            "web_url": card.web_url,
        }
        if card.history is not None:
            history = card.history
            payload["card"]["history"] = [
                history.recent,
                history.other_open,
                history.cap,
                history.last_score,
                history.last_thumbs,
            ]
        if card.incident is not None:
            payload["card"]["incident"] = card.incident
        if card.similar:
            payload["card"]["similar"] = [
                [line.ticket_id, line.subject, line.permalink, line.resolution]
                for line in card.similar
            ]
        if card.private:
            payload["card"]["private"] = True
    if notice.mentions:
        payload["mentions"] = [[mention.kind, mention.id] for mention in notice.mentions]
    if notice.thread_title is not None:
        payload["thread_title"] = notice.thread_title
    if notice.guard is not None:
        payload["guard"] = guard_text(notice.guard)
    if notice.direct_to is not None:
        payload["direct_to"] = notice.direct_to
    if notice.file is not None:
        content = base64.b64encode(notice.file.content).decode("ascii")
        payload["file"] = {"name": notice.file.name, "content": content}
    if notice.survey is not None:
        view = notice.survey
        payload["survey"] = [view.ticket_id, view.round, str(view.scale), view.closed]
    if notice.actions:
        payload["actions"] = [_action_payload(action) for action in notice.actions]
    if notice.edits is not None:
        payload["edits"] = notice.edits
    return json.dumps(payload, ensure_ascii=False)


def notice(row: Row) -> Notice:
    payload = json.loads(row["payload"])
    card = payload.get("card")
    return Notice(
        kind=NoticeKind(row["kind"]),
        place=Place(row["workspace"], row["channel"], row["thread"]),
        text=payload["text"],
        ticket_id=row["ticket_id"],
        card=None if card is None else _card(card),
        mentions=tuple(Mention(kind, id_) for kind, id_ in payload.get("mentions", [])),
        thread_title=payload.get("thread_title"),
        guard=_maybe_guard(payload.get("guard")),
        direct_to=payload.get("direct_to"),
        file=_file(payload.get("file")),
        survey=_survey_view(payload.get("survey")),
        actions=tuple(map(_action, payload.get("actions", ()))),
        edits=payload.get("edits"),
    )


def _action_payload(action: Action) -> str | dict[str, str]:
    """A button as the outbox keeps it: its verb alone when that is all it is."""
    if action.choice is None and action.label is None:
        return action.verb
    kept = {"verb": action.verb, "choice": action.choice, "label": action.label}
    return {key: value for key, value in kept.items() if value is not None}


def _action(data: str | dict[str, str]) -> Action:
    if isinstance(data, str):
        return Action(data)
    return Action(data["verb"], data.get("choice"), data.get("label"))


def _survey_view(data: list[Any] | None) -> SurveyView | None:
    if data is None:
        return None
    ticket_id, round_, scale, closed = data
    return SurveyView(ticket_id, round_, Scale(scale), closed)


def _maybe_guard(text: str | None) -> Guard | None:
    return None if text is None else guard(text)


def _file(data: dict[str, str] | None) -> NoticeFile | None:
    if data is None:
        return None
    return NoticeFile(data["name"], base64.b64decode(data["content"]))


def _card(data: dict[str, Any]) -> Card:
    return Card(
        ticket_id=data["ticket_id"],
        subject=data["subject"],
        customer=data["customer"],
        status=Status(data["status"]),
        priority=Priority(data["priority"]),
        assignee=data["assignee"],
        permalink=data["permalink"],
        opened_at=from_db(data["opened_at"]),
        actions=tuple(data["actions"]),
        first_response_at=maybe_from_db(data.get("first_response_at")),
        history=CustomerHistory(*data["history"]) if data.get("history") else None,
        web_url=data.get("web_url"),
        similar=tuple(Similar(*line) for line in data.get("similar", ())),
        private=bool(data.get("private", False)),
        incident=data.get("incident"),
    )


# -- surveys ----------------------------------------------------------------------------------


def survey(row: Row) -> Survey:
    return Survey(
        ticket_id=row["ticket_id"],
        round=row["round"],
        customer_key=row["customer_key"],
        asked=bool(row["asked"]),
        scale=Scale(row["scale"]),
        asked_at=from_db(row["asked_at"]),
        expires_at=from_db(row["expires_at"]),
        agent_key=row["agent_key"],
        agent_name=row["agent_name"],
        score=row["score"],
        comment=row["comment"],
        answered_at=maybe_from_db(row["answered_at"]),
        rated_at=maybe_from_db(row["rated_at"]),
    )


def survey_values(survey: Survey) -> tuple[Any, ...]:
    """A survey's columns, in the order `surveys` declares them."""
    return (
        survey.ticket_id,
        survey.round,
        survey.customer_key,
        survey.asked,
        str(survey.scale),
        to_db(survey.asked_at),
        to_db(survey.expires_at),
        survey.agent_key,
        survey.agent_name,
        survey.score,
        survey.comment,
        maybe_to_db(survey.answered_at),
        maybe_to_db(survey.rated_at),
    )
