"""Block Kit for what deskbot draws on Slack: the triage card and the App Home tab.

Every text is escaped for mrkdwn and cut to Slack's limits here, so Slack never refuses a
card for its size and nothing a customer wrote can ping anyone.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import Any

from bot.adapters.slack import escaping, wording
from bot.adapters.slack.escaping import (
    BUTTON_TEXT,
    CONTEXT_TEXT,
    FIELD_TEXT,
    HEADER_TEXT,
    INPUT_LABEL,
    OPTION_TEXT,
    SECTION_TEXT,
    TEXT_INPUT,
    VIEW_BLOCKS,
    VIEW_TITLE,
)
from handlers.home import Home, HomeItem, Shelf
from handlers.models import Action, Card, Notice, Priority, Scale, Similar, SurveyView
from handlers.texts import Texts

JsonDict = dict[str, Any]

ACTION_PREFIX = "deskbot:"
CARD_EVENT = "deskbot_ticket_card"
_BUTTON_STYLES = {"claim": "primary"}


# -- clicks -----------------------------------------------------------------------------------


def action_id(verb: str) -> str:
    return f"{ACTION_PREFIX}{verb}"


def clicked_command(action: JsonDict) -> str | None:
    """The `/ticket` text a click means: `claim 42`, `priority 42 high`, `rate 42 5`.

    Buttons of one verb side by side (a survey's scores) differ after a colon in their
    action ids, which Slack wants unique in a block: `deskbot:rate:5`.
    """
    verb = str(action.get("action_id", "")).removeprefix(ACTION_PREFIX).partition(":")[0]
    selected = action.get("selected_option") or {}
    value = selected.get("value") if action.get("type") == "static_select" else action.get("value")
    return f"{verb} {value}" if verb and value else None


# -- the triage card --------------------------------------------------------------------------


def card_metadata(card: Card) -> JsonDict:
    """Message metadata that names the card's ticket, so a reaction on the card finds it."""
    return {"event_type": CARD_EVENT, "event_payload": {"ticket_id": card.ticket_id}}


def card_ticket(message: JsonDict) -> int | None:
    """The ticket a card message (as history returns it) is about, if it is a card."""
    metadata = message.get("metadata") or {}
    if metadata.get("event_type") != CARD_EVENT:
        return None
    ticket_id = (metadata.get("event_payload") or {}).get("ticket_id")
    return ticket_id if isinstance(ticket_id, int) else None


def card_blocks(card: Card, t: Texts) -> list[JsonDict]:
    """The card: subject, who and what state, a link to the conversation, and its actions."""
    blocks: list[JsonDict] = [
        {"type": "header", "text": _plain(f"#{card.ticket_id} · {card.subject}", HEADER_TEXT)},
        {"type": "section", "fields": _card_fields(card, t)},
    ]
    context = _card_context(card, t)
    if context:
        blocks.append({"type": "context", "elements": [_mrkdwn_raw(context)]})
    if card.similar:
        lines = [escaping.escape(t.similar_heading()), *map(partial(_similar, t=t), card.similar)]
        blocks.append(
            {"type": "section", "text": _mrkdwn_raw(escaping.fit("\n".join(lines), SECTION_TEXT))}
        )
    elements = [_card_element(card, verb, t) for verb in card.actions]
    if elements:
        block_id = f"deskbot-card-{card.ticket_id}"
        blocks.append({"type": "actions", "block_id": block_id, "elements": elements})
    return blocks


def _similar(line: Similar, t: Texts) -> str:
    """One similar resolved ticket: its line linking to its conversation where it has one."""
    text = escaping.escape(t.similar_line(replace(line, permalink=None)))
    return escaping.link(line.permalink, text) if line.permalink else text


def notice_blocks(body: str, notice: Notice, t: Texts) -> list[JsonDict] | None:
    """The buttons a notice other than a card offers (the ack's "This solved it"), under it.

    A notice edited in place (a spike's alert) that offers none any more is its text alone:
    Slack keeps a message's old blocks, buttons included, unless an edit gives new ones.
    """
    if notice.edits is not None and not notice.actions:
        return [{"type": "section", "text": _mrkdwn_raw(escaping.fit(body, SECTION_TEXT))}]
    if not notice.actions or notice.ticket_id is None:
        return None
    buttons = [_notice_button(notice.ticket_id, action, t) for action in notice.actions]
    return [
        {"type": "section", "text": _mrkdwn_raw(escaping.fit(body, SECTION_TEXT))},
        {"type": "actions", "block_id": f"deskbot-notice-{notice.ticket_id}", "elements": buttons},
    ]


def _notice_button(ticket_id: int, action: Action, t: Texts) -> JsonDict:
    """A notice's button; one with a choice says it after the ticket, as `priority 42 high`."""
    value, suffix = str(ticket_id), ""
    if action.choice is not None:
        # Slack wants action ids unique in a block: the choice follows a colon.
        value, suffix = f"{ticket_id} {action.choice}", f":{action.choice}"
    return {
        "type": "button",
        "action_id": action_id(action.verb) + suffix,
        "text": _plain(t.button_label(action), BUTTON_TEXT),
        "value": value,
    }


def _card_fields(card: Card, t: Texts) -> list[JsonDict]:
    assignee = card.assignee or t.say("unclaimed")
    pairs = [
        (wording.CUSTOMER, escaping.escape(card.customer)),
        (wording.STATUS, t.status_name(card.status)),
        (wording.PRIORITY, t.gettext(wording.PRIORITY_LABELS[card.priority])),
        (wording.ASSIGNEE, escaping.escape(assignee)),
        (wording.OPENED, _date(card.opened_at)),
    ]
    return [
        _mrkdwn_raw(escaping.fit(f"*{t.gettext(label)}*\n{value}", FIELD_TEXT))
        for label, value in pairs
    ]


def _card_context(card: Card, t: Texts) -> str:
    parts = [escaping.escape(t.private_label())] if card.private else []
    if card.permalink:
        parts.append(escaping.link(card.permalink, t.gettext(wording.CONVERSATION_LINK)))
    if card.web_url:
        parts.append(escaping.link(card.web_url, t.web_page_label()))
    if card.first_response_at:
        parts.append(t.say("answered"))
    said = t.customer_history(card.history)
    if said:
        parts.append(said)
    if card.incident:
        parts.append(escaping.escape(t.incident_card_line(card.incident)))
    return escaping.fit(" · ".join(parts), CONTEXT_TEXT)


def _date(at: datetime) -> str:
    # Slack shows this in each reader's own timezone; the fallback is for old clients.
    fallback = at.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(at.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def _card_element(card: Card, verb: str, t: Texts) -> JsonDict:
    if verb == "priority":
        return _priority_menu(card, t)
    button: JsonDict = {
        "type": "button",
        "action_id": action_id(verb),
        "text": _plain(t.action_label(verb), BUTTON_TEXT),
        "value": str(card.ticket_id),
    }
    if verb in _BUTTON_STYLES:
        button["style"] = _BUTTON_STYLES[verb]
    return button


def _priority_menu(card: Card, t: Texts) -> JsonDict:
    options = {priority: _option(card.ticket_id, priority, t) for priority in Priority}
    return {
        "type": "static_select",
        "action_id": action_id("priority"),
        "placeholder": _plain(t.gettext(wording.PRIORITY_PLACEHOLDER), OPTION_TEXT),
        "options": list(options.values()),
        "initial_option": options[card.priority],
    }


def _option(ticket_id: int, priority: Priority, t: Texts) -> JsonDict:
    label = _plain(t.gettext(wording.PRIORITY_LABELS[priority]), OPTION_TEXT)
    return {"text": label, "value": f"{ticket_id} {priority}"}


# -- the satisfaction survey -----------------------------------------------------------------

RATE = "rate"
_SCORE_LABELS = {Scale.FIVE: {n: str(n) for n in range(1, 6)}, Scale.THUMBS: {5: "👍", 1: "👎"}}


def survey_blocks(survey: SurveyView, markup: str) -> list[JsonDict]:
    """The survey: its question, and a button per score until it closes."""
    blocks: list[JsonDict] = [{"type": "section", "text": _mrkdwn_raw(markup)}]
    if survey.closed:
        return blocks
    labels = _SCORE_LABELS[survey.scale]
    buttons = [
        {
            "type": "button",
            "action_id": f"{action_id(RATE)}:{score}",
            "text": _plain(labels[score], BUTTON_TEXT),
            "value": f"{survey.ticket_id} {score}",
        }
        for score in sorted(labels, reverse=survey.scale is Scale.THUMBS)
    ]
    block_id = f"deskbot-survey-{survey.ticket_id}-{survey.round}"
    return [*blocks, {"type": "actions", "block_id": block_id, "elements": buttons}]


def rating_clicked(action: JsonDict) -> tuple[int, str] | None:
    """The ticket and score of a click on a survey's score button; None for other clicks."""
    if not str(action.get("action_id", "")).startswith(f"{action_id(RATE)}:"):
        return None
    ticket, _, score = str(action.get("value", "")).partition(" ")
    return (int(ticket), score) if ticket.isdigit() and score else None


# -- the comment after a rating ---------------------------------------------------------------

COMMENT_VIEW = "deskbot:comment"
COMMENT_FIELD = "comment"  # the input's block id and action id


def comment_modal(ticket_id: int, score: str, channel: str, t: Texts) -> JsonDict:
    """The modal a score button opens: one optional comment, submitted as `rate` again."""
    return command_modal(
        callback_id=COMMENT_VIEW,
        field=COMMENT_FIELD,
        command=f"rate {ticket_id} {score}",
        channel=channel,
        title=t.comment_title(),
        label=t.comment_label(ticket_id),
        hint=t.comment_hint(TEXT_INPUT),
        submit=t.comment_send(),
        close=t.comment_skip(),
        optional=True,
    )


def command_modal(
    *,
    callback_id: str,
    field: str,
    command: str,
    channel: str,
    title: str,
    label: str,
    hint: str,
    submit: str,
    close: str,
    optional: bool,
) -> JsonDict:
    """A modal with one paragraph to write; `submitted` reads it back as `command` followed
    by what was written, to run from `channel` (a rating's comment, a card's Reply)."""
    field_block = {
        "type": "input",
        "block_id": field,
        "optional": optional,
        "label": _plain(label, INPUT_LABEL),
        "hint": _plain(hint, INPUT_LABEL),
        "element": {
            "type": "plain_text_input",
            "action_id": field,
            "multiline": True,
            "max_length": TEXT_INPUT,
        },
    }
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": _plain(title, VIEW_TITLE),
        "submit": _plain(submit, VIEW_TITLE),
        "close": _plain(close, VIEW_TITLE),
        "private_metadata": json.dumps({"command": command, "channel": channel}),
        "blocks": [field_block],
    }


def submitted(view: JsonDict, field: str) -> tuple[str, str]:
    """What a submitted `command_modal` means: the channel, and the command's text."""
    metadata = json.loads(view.get("private_metadata") or "{}")
    values = (view.get("state") or {}).get("values") or {}
    written = (values.get(field) or {}).get(field) or {}
    return str(metadata["channel"]), f"{metadata['command']} {written.get('value') or ''}".rstrip()


def command_answer(markup: str, title: str, t: Texts) -> JsonDict:
    """The modal once its command ran: the desk's answer, and a button to close it."""
    return {
        "type": "modal",
        "title": _plain(title, VIEW_TITLE),
        "close": _plain(t.comment_close(), VIEW_TITLE),
        "blocks": [{"type": "section", "text": _mrkdwn_raw(markup)}],
    }


# -- App Home ---------------------------------------------------------------------------------


def home_view(home: Home, command: str, t: Texts) -> JsonDict:
    """The App Home tab for one viewer, within Slack's 100 blocks."""
    blocks: list[JsonDict] = [
        {"type": "header", "text": _plain(home.heading, HEADER_TEXT)},
        {"type": "context", "elements": [_mrkdwn(escaping.named_command(home.hint, command))]},
    ]
    for shelf in home.shelves:
        blocks += _shelf(shelf, command, t)
    if len(blocks) > VIEW_BLOCKS:
        blocks = [*blocks[: VIEW_BLOCKS - 1], {"type": "context", "elements": [_mrkdwn("…")]}]
    return {"type": "home", "blocks": blocks}


def _shelf(shelf: Shelf, command: str, t: Texts) -> list[JsonDict]:
    blocks: list[JsonDict] = [{"type": "divider"}]
    if not shelf.items:
        return [*blocks, {"type": "section", "text": _mrkdwn(f"*{shelf.empty}*")}]
    blocks.append({"type": "header", "text": _plain(shelf.title, HEADER_TEXT)})
    blocks += [{"type": "section", "text": _mrkdwn_raw(_item(item, t))} for item in shelf.items]
    if shelf.more_text:
        more = escaping.named_command(shelf.more_text, command)
        blocks.append({"type": "context", "elements": [_mrkdwn(more)]})
    return blocks


def _item(item: HomeItem, t: Texts) -> str:
    line = escaping.escape(item.line)
    if item.permalink:
        line += " · " + escaping.link(item.permalink, t.gettext(wording.CONVERSATION_LINK))
    return escaping.fit(line, SECTION_TEXT)


# -- text objects -----------------------------------------------------------------------------


def _plain(text: str, limit: int) -> JsonDict:
    return {"type": "plain_text", "text": escaping.plain(text, limit), "emoji": True}


def _mrkdwn(text: str, limit: int = SECTION_TEXT) -> JsonDict:
    """A mrkdwn object for plain text: escaped and cut."""
    return _mrkdwn_raw(escaping.mrkdwn(text, limit))


def _mrkdwn_raw(markup: str) -> JsonDict:
    """A mrkdwn object for markup already built from escaped parts."""
    return {"type": "mrkdwn", "text": markup}
