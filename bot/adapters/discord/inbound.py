"""Translate what Discord says (messages, edits, deletes, who did it, where) into core values.

Discord lays a support desk out as channels and threads: a ticket's thread is a public thread
started on the customer's message (the thread's id is that message's id) or a forum post (the
thread's id is its starter message's id). Either way the core sees
`Place("discord:<guild>", <support channel>, thread=<root message id>)`.

A direct message to the bot belongs to no guild. The desk files it under the guild it
works in (the one of the triage channel), as `Place("discord:<guild>", <DM channel>)`
marked direct: the DM channel, which has no threads, is the private ticket's conversation.
"""

from __future__ import annotations

from dataclasses import dataclass

import discord

from handlers.models import Attachment, Inbound, InboundKind, Person, Place

PLATFORM = "discord"

# System messages (pins, joins, "started a thread", command responses) are not people talking.
_SPOKEN = frozenset({discord.MessageType.default, discord.MessageType.reply})


def workspace(guild_id: int) -> str:
    return f"{PLATFORM}:{guild_id}"


def guild_of(workspace_key: str) -> int:
    """The guild id of a `discord:<guild>` workspace."""
    return int(workspace_key.partition(":")[2])


def person(user: discord.User | discord.Member) -> Person:
    """Someone on Discord; `groups` are the ids of the roles they hold in the guild."""
    roles = user.roles if isinstance(user, discord.Member) else ()
    groups = frozenset(str(role.id) for role in roles)
    return Person(PLATFORM, str(user.id), user.display_name, groups, user.bot)


@dataclass(frozen=True)
class Location:
    """Where something happened: a guild channel, or a thread (`thread_id`) under `channel_id`."""

    guild_id: int
    channel_id: int
    thread_id: int | None = None
    direct: bool = False  # a direct message with the bot; `guild_id` is the desk's guild

    @property
    def place(self) -> Place:
        thread = None if self.thread_id is None else str(self.thread_id)
        return Place(workspace(self.guild_id), str(self.channel_id), thread)

    def place_of(self, message_id: int) -> Place:
        """The place of a message here: a forum post's starter opens a ticket, like a message."""
        if self.thread_id == message_id:
            return Place(workspace(self.guild_id), str(self.channel_id))
        return self.place

    @property
    def here(self) -> int:
        """The id of the Discord channel messages here are posted in (the thread, if any)."""
        return self.channel_id if self.thread_id is None else self.thread_id


def location_of(channel: object) -> Location | None:
    """Where a cached channel or thread is; None when only its id is known."""
    if isinstance(channel, discord.Thread) and channel.parent_id is not None:
        return Location(channel.guild.id, channel.parent_id, channel.id)
    if isinstance(channel, (discord.TextChannel, discord.ForumChannel)):
        return Location(channel.guild.id, channel.id)
    return None


def is_spoken(message: discord.Message) -> bool:
    """Tell whether a message is someone talking, not a system notice."""
    return message.type in _SPOKEN


def posted(message: discord.Message, where: Location, author: Person | None = None) -> Inbound:
    """A new message; `author` stands in when the message came without its member's roles."""
    # Discord may deliver a message twice (a resume, a catch-up after downtime): its id is
    # the dedupe key, so the desk records it once.
    key = f"{PLATFORM}:{message.id}"
    return _inbound(message, where, InboundKind.POSTED, key, author or person(message.author))


def requested(
    message: discord.Message, where: Location, author: Person | None, by: Person
) -> Inbound:
    """A 🎫 reaction: `by` asks for the message to become a ticket."""
    # Discord gives a reaction no id of its own: one person's 🎫 on one message is one
    # request, however often they take it back and add it again.
    key = f"{PLATFORM}:{message.id}:requested-by:{by.id}"
    author = author or person(message.author)
    return _inbound(message, where, InboundKind.POSTED, key, author, requested_by=by)


def edited(message: discord.Message, where: Location) -> Inbound | None:
    """An edit by its author; None for updates Discord makes itself (link previews)."""
    if message.edited_at is None:
        return None
    key = f"{PLATFORM}:{message.id}:edited:{message.edited_at.isoformat()}"
    return _inbound(message, where, InboundKind.EDITED, key, person(message.author))


def deleted(message_id: int, where: Location, author: Person | None) -> Inbound:
    """A deletion; Discord does not say by whom, so the author is the message's, if known."""
    return Inbound(
        kind=InboundKind.DELETED,
        dedupe_key=f"{PLATFORM}:{message_id}:deleted",
        place=where.place_of(message_id),
        message_id=str(message_id),
        author=author or Person(PLATFORM, "unknown", "someone"),
    )


def _inbound(
    message: discord.Message,
    where: Location,
    kind: InboundKind,
    key: str,
    author: Person,
    requested_by: Person | None = None,
) -> Inbound:
    return Inbound(
        kind=kind,
        dedupe_key=key,
        place=where.place_of(message.id),
        message_id=str(message.id),
        author=author,
        text=_text(message, where),
        attachments=tuple(Attachment(item.filename, item.url) for item in message.attachments),
        permalink=message.jump_url,
        requested_by=requested_by,
        direct=where.direct,
    )


def _text(message: discord.Message, where: Location) -> str:
    """What was written; a forum post is its title, then its starter message."""
    title = getattr(message.channel, "name", None) if where.thread_id == message.id else None
    return "\n".join(part for part in (title, message.content) if part)
