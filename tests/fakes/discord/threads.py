"""Start threads as Discord does: from a message (same id), as a forum post, or bare."""

from __future__ import annotations

from collections.abc import Sequence

from . import errors, messages, payloads
from .messages import Draft
from .payloads import Payload
from .snowflakes import snowflake_timestamp
from .state import DiscordState

MAX_NAME = 100
_THREAD_PARENTS = (payloads.GUILD_TEXT, 5)


def check_name(body: Payload) -> str:
    """Return the thread name, or answer 50035 when it is not 1–100 characters."""
    name = str(body.get("name") or "")
    if not 1 <= len(name) <= MAX_NAME:
        raise errors.bad_length("name", 1, MAX_NAME)
    return name


def from_message(state: DiscordState, channel: Payload, message: Payload, body: Payload) -> Payload:
    """Start a public thread on a message; the thread's id is the message's id."""
    if channel["type"] not in _THREAD_PARENTS:
        raise errors.bad_request(50024, "Cannot execute action on this channel type")
    if "thread" in message:
        raise errors.bad_request(160004, "A thread has already been created for this message")
    thread = state.add_thread(
        channel["id"],
        check_name(body),
        thread_id=message["id"],
        auto_archive_duration=int(body.get("auto_archive_duration") or 4320),
    )
    message["thread"] = thread
    message["flags"] |= payloads.HAS_THREAD
    return thread


def in_channel(state: DiscordState, channel: Payload, body: Payload) -> Payload:
    """Start a thread without a message in a text channel (type from the body)."""
    if channel["type"] not in _THREAD_PARENTS:
        raise errors.bad_request(50024, "Cannot execute action on this channel type")
    kind = int(body.get("type") or payloads.PRIVATE_THREAD)
    return state.add_thread(
        channel["id"],
        check_name(body),
        type=kind,
        auto_archive_duration=int(body.get("auto_archive_duration") or 4320),
    )


def forum_post(state: DiscordState, forum: Payload, draft: Draft) -> tuple[Payload, Payload]:
    """Create a forum post: a thread plus its starter message, which shares the thread's id.

    `draft.body` is the start-thread body (`name`, `message`, `applied_tags`).
    """
    body = draft.body
    name = check_name(body)
    starter_body = body.get("message")
    if not isinstance(starter_body, dict):
        raise errors.invalid_form_body("message", "BASE_TYPE_REQUIRED", "This field is required")
    tags = _check_tags(forum, body.get("applied_tags") or [])
    starter_draft = Draft(draft.author, starter_body, draft.files)
    messages.validate(starter_body, draft.files)
    thread = state.add_thread(
        forum["id"],
        name,
        owner_id=draft.author["id"],
        applied_tags=tags,
        auto_archive_duration=int(body.get("auto_archive_duration") or 4320),
    )
    starter = messages.build(state, thread, starter_draft)
    starter["id"] = thread["id"]
    starter["timestamp"] = snowflake_timestamp(int(thread["id"]))
    messages.store(state, thread, starter)
    return thread, starter


def _check_tags(forum: Payload, tags: Sequence[str]) -> list[str]:
    available = {tag["id"] for tag in forum["available_tags"]}
    unknown = [str(tag) for tag in tags if str(tag) not in available]
    if unknown:
        raise errors.invalid_form_body(
            "applied_tags", "BASE_TYPE_CHOICES", f"Unknown tags {unknown}."
        )
    return [str(tag) for tag in tags]
