"""Agents' answers sent through the desk: `/ticket reply`, and the saved replies it can use.

`/ticket reply <id> <text>` posts the agent's words into the ticket's thread through the
bot, signed with their name, and counts as that agent's public reply: a message of the
conversation, an answer for the SLA clocks (the first one is the first response). It is how
an agent answers from the triage channel without opening the thread. `reply <id> :name`
posts a saved reply with its placeholders filled in for the ticket.

Saved replies are shared by a workspace's agents (`/ticket snippet add|list|show|remove`).
A snippet may only name the placeholders below; one it cannot fill is refused when it is
saved, so that using it can never fail.
"""

from __future__ import annotations

import re
import string
from dataclasses import replace

from handlers import changes, notices
from handlers.calls import Call
from handlers.changes import TicketChange
from handlers.errors import IllegalTransition, NotAllowed, UsageError
from handlers.models import (
    Author,
    ClockKind,
    EventKind,
    Message,
    NoticeKind,
    Role,
    Snippet,
    Status,
    Ticket,
)

PLACEHOLDERS = ("customer", "agent", "ticket", "due")
SNIPPET_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
_USED = re.compile(rf":({SNIPPET_NAME.pattern})")
SNIPPET_LIMIT = 3000  # characters: a reply is a message, not a document


def reply(call: Call) -> str:
    """Post the agent's answer (or a saved reply) into the ticket's thread."""
    ticket = call.ticket(free_text_follows=True)
    written = call.rest().strip()
    if not written:
        raise call.usage(lambda texts: texts.empty_reply())
    if ticket.status is Status.CLOSED:
        raise IllegalTransition(lambda texts: texts.reply_to_closed(ticket))
    used = _USED.fullmatch(written)
    snippet = _snippet(call, used.group(1)) if used else None
    text = fill(call, snippet, ticket) if snippet else written
    _post(call, ticket, text, snippet)
    if snippet:
        return call.texts.replied_with(ticket, snippet.name)
    return call.texts.replied(ticket)


def _snippet(call: Call, name: str) -> Snippet:
    found = call.tx.snippet(call.command.place.workspace, name)
    if found is None:
        raise UsageError(lambda texts: texts.no_such_snippet(name))
    return found


def _post(call: Call, ticket: Ticket, text: str, snippet: Snippet | None) -> None:
    """Record the answer as the agent's message and queue it, in one change."""
    message_id = f"reply:{call.now.isoformat()}"
    message = Message(ticket.id, message_id, call.actor, Author.AGENT, text, call.now)
    call.tx.add_message(message)
    data: dict[str, object] = {"message_id": message_id, "role": str(Author.AGENT)}
    if snippet is not None:
        call.tx.count_snippet_use(snippet.workspace, snippet.name)
        data["snippet"] = snippet.name
    said = call.texts.agent_reply(call.actor.name, text)
    # The bot says it, but the words are the agent's: not recorded again as the bot's.
    notice = replace(notices.in_thread(ticket, said), kind=NoticeKind.REPLY)
    change = TicketChange(
        ticket,
        replace(ticket, updated_at=call.now),
        call.actor,
        EventKind.MESSAGE,
        data,
        notices=(notice,),
        agent_activity=True,
        answered=changes.is_answer(message),
    )
    call.apply(change)


def fill(call: Call, snippet: Snippet, ticket: Ticket) -> str:
    """The snippet's text with its placeholders filled in for `ticket`."""
    texts, settings = call.texts, call.settings
    clock = call.tx.clocks(ticket.id).get(ClockKind.FIRST_RESPONSE)
    due = clock.due_at if clock is not None else None
    values = {
        "customer": ticket.customer.name,
        "agent": call.actor.name,
        "ticket": f"#{ticket.id}",
        "due": texts.when(due, settings.timezone) if due else texts.as_soon_as_possible(),
    }
    return snippet.text.format_map(values)


def unknown_placeholders(text: str) -> list[str] | None:
    """The placeholders `text` names that a snippet may not; None if its braces are broken."""
    try:
        fields = list(string.Formatter().parse(text))
    except ValueError:
        return None
    found = []
    for _, name, spec, conversion in fields:
        if name is None:
            continue
        if name not in PLACEHOLDERS or spec or conversion:
            found.append("{" + name + (f"!{conversion}" if conversion else "") + "}")
    return found


# -- /ticket snippet ----------------------------------------------------------------------


def snippet(call: Call) -> str:
    """Add, list, show or remove the workspace's saved replies."""
    action = call.words.pop(0).lower() if call.words else "list"
    if action == "list":
        call.done()
        return call.texts.snippet_list(call.tx.snippets(call.command.place.workspace))
    if action not in ("add", "show", "remove"):
        raise call.usage(lambda texts: texts.snippet_actions())
    name = _name(call)
    if action == "add":
        return _add(call, name)
    call.done()
    if action == "show":
        return call.texts.snippet_shown(_snippet(call, name))
    return _remove(call, name)


def _name(call: Call) -> str:
    if not call.words:
        raise call.usage(lambda texts: texts.which_snippet())
    name = call.words.pop(0).lower().removeprefix(":")
    if not SNIPPET_NAME.fullmatch(name):
        raise call.usage(lambda texts: texts.bad_snippet_name(name))
    return name


def _add(call: Call, name: str) -> str:
    text = call.rest().strip()
    if not text:
        raise call.usage(lambda texts: texts.empty_snippet())
    if len(text) > SNIPPET_LIMIT:
        raise UsageError(lambda texts: texts.snippet_too_long(len(text), SNIPPET_LIMIT))
    unknown = unknown_placeholders(text)
    if unknown is None:
        raise UsageError(lambda texts: texts.snippet_braces())
    if unknown:
        shown = ", ".join(unknown)
        raise UsageError(lambda texts: texts.unknown_placeholders(shown, PLACEHOLDERS))
    workspace = call.command.place.workspace
    if not call.tx.add_snippet(Snippet(workspace, name, text, call.actor, call.now)):
        raise UsageError(lambda texts: texts.snippet_exists(name))
    return call.texts.snippet_added(name)


def _remove(call: Call, name: str) -> str:
    found = _snippet(call, name)
    if call.role is not Role.LEAD and not call.actor.same_as(found.author):
        raise NotAllowed(lambda texts: texts.snippet_not_yours(found))
    call.tx.remove_snippet(found.workspace, found.name)
    return call.texts.snippet_removed(name)
