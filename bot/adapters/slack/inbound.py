"""Read Slack's payloads into the desk's values: messages, slash commands, clicks, reactions.

Pure functions over the payload shapes Slack documents. The adapter looks people up (names,
user groups) and hands the results to the desk; nothing here decides anything.

Dedupe keys: a posted message is keyed by its channel and ts, so however many envelopes
announce it (Events API retries, a Socket Mode envelope sent twice), or whether a catch-up
after downtime read it from the channel's history instead, it is one message. An
edit, a deletion or a 🎫 reaction is keyed by the Events API `event_id`, which Slack keeps
across redeliveries of the same event. A slash command or a click is keyed by its
`trigger_id`, so a signed request replayed within Slack's five minutes runs once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from handlers.models import Attachment, Inbound, InboundKind, Person, Place

PLATFORM = "slack"
JsonDict = dict[str, Any]

_POSTED_SUBTYPES = frozenset({None, "thread_broadcast", "file_share", "bot_message", "me_message"})
_MARKUP = re.compile(r"<([^<>]*)>")
_USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>")


def workspace_of(team_id: str) -> str:
    return f"{PLATFORM}:{team_id}"


def message_key(team_id: str, channel: str, ts: str) -> str:
    return f"{PLATFORM}:{team_id}:{channel}:{ts}"


def event_key(team_id: str, event_id: str) -> str:
    return f"{PLATFORM}:{team_id}:event:{event_id}"


def trigger_key(team_id: str, payload: JsonDict) -> str | None:
    """The dedupe key of a slash command or a click: Slack's `trigger_id`, one per request."""
    trigger = payload.get("trigger_id")
    return f"{PLATFORM}:{team_id}:trigger:{trigger}" if trigger else None


@dataclass(frozen=True)
class SlackMessage:
    """A Slack message as deskbot reads it, before its author is looked up."""

    kind: InboundKind
    dedupe_key: str
    channel: str
    ts: str
    thread_ts: str | None  # the thread's root, when the message is a reply in a thread
    user: str | None
    bot_id: str | None
    bot_name: str | None
    text: str  # as Slack sent it: mrkdwn with <@U…> mentions and &amp; escapes
    attachments: tuple[Attachment, ...] = ()
    direct: bool = False  # written in a direct message with the app (`channel_type` "im")

    @property
    def author_id(self) -> str | None:
        # A bot with a bot user posts as that user; an old integration has only a bot id.
        return self.user or self.bot_id

    def place(self, workspace: str) -> Place:
        # A direct message is one flat conversation (`Ticket.conversation`): its threads,
        # which Slack allows, are read as the conversation too.
        return Place(workspace, self.channel, None if self.direct else self.thread_ts)

    def inbound(
        self,
        workspace: str,
        author: Person,
        permalink: str | None,
        names: Mapping[str, str],
        requested_by: Person | None = None,
    ) -> Inbound:
        """The desk's view of this message, its text made plain with `names` for mentions."""
        return Inbound(
            kind=self.kind,
            dedupe_key=self.dedupe_key,
            place=self.place(workspace),
            message_id=self.ts,
            author=author,
            text=plain_text(self.text, names),
            attachments=self.attachments,
            permalink=permalink,
            requested_by=requested_by,
            direct=self.direct,
        )


def read_message(event: JsonDict, team_id: str, event_id: str | None) -> SlackMessage | None:
    """Read a `message` event of any subtype; None for the ones that are not conversation."""
    channel = event.get("channel")
    if not channel:
        return None
    found = _read_event(event, channel, team_id, event_id)
    if found is not None and event.get("channel_type") == "im":
        return replace(found, direct=True)
    return found


def _read_event(
    event: JsonDict, channel: str, team_id: str, event_id: str | None
) -> SlackMessage | None:
    subtype = event.get("subtype")
    # Without an event_id (never seen from Slack) the event's own ts keeps the key unique.
    key = event_key(team_id, event_id or f"{channel}:{event.get('event_ts') or event.get('ts')}")
    if subtype in _POSTED_SUBTYPES:
        return read_posted(event, channel, message_key(team_id, channel, event["ts"]))
    if subtype == "message_changed" and isinstance(event.get("message"), dict):
        return _read(event["message"], channel, InboundKind.EDITED, key)
    if subtype == "message_deleted" and event.get("deleted_ts"):
        previous = {**(event.get("previous_message") or {}), "ts": event["deleted_ts"]}
        return _read(previous, channel, InboundKind.DELETED, key)
    return None


def read_history(
    message: JsonDict, channel: str, team_id: str, direct: bool = False
) -> SlackMessage | None:
    """Read a message from `conversations.history`/`.replies` as its live event is read.

    `direct`: the channel is a DM with the app, which history does not say of each message.
    """
    if message.get("subtype") not in _POSTED_SUBTYPES or not message.get("ts"):
        return None  # channel_join and the like: not conversation, as live
    found = read_posted(message, channel, message_key(team_id, channel, str(message["ts"])))
    return replace(found, direct=True) if direct else found


def read_posted(message: JsonDict, channel: str, dedupe_key: str) -> SlackMessage:
    """Read a message as posted (from an event, or fetched from history for a 🎫)."""
    return _read(message, channel, InboundKind.POSTED, dedupe_key)


def _read(message: JsonDict, channel: str, kind: InboundKind, dedupe_key: str) -> SlackMessage:
    ts = str(message["ts"])
    thread_ts = message.get("thread_ts")
    return SlackMessage(
        kind=kind,
        dedupe_key=dedupe_key,
        channel=channel,
        ts=ts,
        thread_ts=thread_ts if thread_ts and thread_ts != ts else None,
        user=message.get("user"),
        bot_id=message.get("bot_id"),
        bot_name=message.get("username") or (message.get("bot_profile") or {}).get("name"),
        text=message.get("text") or "",
        attachments=tuple(_attachment(item) for item in message.get("files") or ()),
    )


def _attachment(file: JsonDict) -> Attachment:
    name = file.get("name") or file.get("title") or file.get("id") or "file"
    return Attachment(str(name), str(file.get("permalink") or file.get("url_private") or ""))


def permalink(base_url: str, channel: str, ts: str, thread_ts: str | None = None) -> str:
    """The link Slack gives a message (`chat.getPermalink`), built without asking."""
    link = f"{base_url.rstrip('/')}/archives/{channel}/p{ts.replace('.', '')}"
    return f"{link}?thread_ts={thread_ts}&cid={channel}" if thread_ts else link


# -- text -------------------------------------------------------------------------------------


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def mentioned_users(text: str) -> tuple[str, ...]:
    """The user ids mentioned in Slack text, in order, once each."""
    return tuple(dict.fromkeys(_USER_MENTION.findall(text)))


def plain_text(text: str, names: Mapping[str, str], *, keep_user_mentions: bool = False) -> str:
    """Slack markup as people read it: `<@U1>` → `@ana`, `<url|label>` → `label (url)`."""

    def one(match: re.Match[str]) -> str:
        target, _, label = match.group(1).partition("|")
        if target.startswith("@"):
            user = target[1:]
            return f"<@{user}>" if keep_user_mentions else f"@{names.get(user) or label or user}"
        return _readable(target, label)

    return unescape(_MARKUP.sub(one, text))


def _readable(target: str, label: str) -> str:
    if target.startswith("#"):
        return f"#{label or target[1:]}"
    if target.startswith("!subteam^"):
        return label or f"@{target.removeprefix('!subteam^')}"
    if target.startswith("!date^"):
        return label
    if target.startswith("!"):
        return f"@{target[1:]}"  # !here, !channel, !everyone: the desk quotes them when echoed
    if target.startswith("mailto:"):
        return label or target.removeprefix("mailto:")
    return f"{label} ({target})" if label and label != target else target


def command_text(text: str) -> str:
    """A slash command's text for the desk: user arguments stay `<@U…>`, the rest is plain."""
    return plain_text(text, {}, keep_user_mentions=True).strip()


# -- reactions and clicks ---------------------------------------------------------------------


def reaction_name(reaction: str) -> str:
    """The emoji of a reaction without its skin tone (`+1::skin-tone-3` → `+1`)."""
    return reaction.split("::", 1)[0]
