"""The fake workspace: users, channels, user groups, messages, files and App Home views."""

from __future__ import annotations

import copy
import mimetypes
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .ids import AppIdentity, new_id, next_ts
from .modals import Modals

JsonDict = dict[str, Any]


@dataclass
class User:
    """A workspace member as `users.info` describes it."""

    id: str
    name: str
    real_name: str
    team_id: str
    is_bot: bool = False
    bot_id: str | None = None
    is_admin: bool = False
    email: str | None = None
    tz: str = "UTC"
    updated: int = field(default_factory=lambda: int(time.time()))

    def to_api(self) -> JsonDict:
        """Render the user object of `users.info`."""
        profile: JsonDict = {
            "real_name": self.real_name,
            "real_name_normalized": self.real_name,
            "display_name": self.name,
            "display_name_normalized": self.name,
            "team": self.team_id,
            "image_48": f"https://avatars.example/{self.id}_48.png",
        }
        if self.email is not None:
            profile["email"] = self.email
        if self.bot_id is not None:
            profile["bot_id"] = self.bot_id
        return {
            "id": self.id,
            "team_id": self.team_id,
            "name": self.name,
            "deleted": False,
            "real_name": self.real_name,
            "tz": self.tz,
            "tz_label": "Coordinated Universal Time",
            "tz_offset": 0,
            "profile": profile,
            "is_admin": self.is_admin,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "updated": self.updated,
        }


@dataclass
class Channel:
    """A conversation: a public or private channel, or the bot's DM with one user."""

    id: str
    name: str
    creator: str
    team_id: str
    is_private: bool = False
    im_user: str | None = None
    members: set[str] = field(default_factory=set)
    created: int = field(default_factory=lambda: int(time.time()))

    @property
    def is_im(self) -> bool:
        """Whether this is a direct message conversation."""
        return self.im_user is not None

    @property
    def channel_type(self) -> str:
        """The `channel_type` that message events carry for this conversation."""
        if self.is_im:
            return "im"
        return "group" if self.is_private else "channel"

    def to_api(self, viewer: str, include_num_members: bool = False) -> JsonDict:
        """Render the conversation object of `conversations.info` as `viewer` sees it."""
        if self.is_im:
            return {
                "id": self.id,
                "created": self.created,
                "is_im": True,
                "is_org_shared": False,
                "user": self.im_user,
                "is_user_deleted": False,
                "priority": 0,
            }
        rendered: JsonDict = {
            "id": self.id,
            "name": self.name,
            "is_channel": not self.is_private,
            "is_group": self.is_private,
            "is_im": False,
            "is_mpim": False,
            "is_private": self.is_private,
            "created": self.created,
            "is_archived": False,
            "is_general": False,
            "unlinked": 0,
            "name_normalized": self.name,
            "is_shared": False,
            "is_frozen": False,
            "is_org_shared": False,
            "is_ext_shared": False,
            "is_pending_ext_shared": False,
            "context_team_id": self.team_id,
            "shared_team_ids": [self.team_id],
            "is_member": viewer in self.members,
            "creator": self.creator,
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
            "previous_names": [],
        }
        if include_num_members:
            rendered["num_members"] = len(self.members)
        return rendered


@dataclass
class Usergroup:
    """A user group (`@handle`) and its members."""

    id: str
    handle: str
    name: str
    team_id: str
    users: list[str] = field(default_factory=list)
    created: int = field(default_factory=lambda: int(time.time()))

    def to_api(self, include_users: bool = False) -> JsonDict:
        """Render the user group object of `usergroups.list`."""
        rendered: JsonDict = {
            "id": self.id,
            "team_id": self.team_id,
            "is_usergroup": True,
            "name": self.name,
            "description": "",
            "handle": self.handle,
            "is_external": False,
            "date_create": self.created,
            "date_update": self.created,
            "date_delete": 0,
            "auto_type": None,
            "created_by": "USLACKBOT",
            "updated_by": "USLACKBOT",
            "deleted_by": None,
            "prefs": {"channels": [], "groups": []},
            "user_count": len(self.users),
        }
        if include_users:
            rendered["users"] = list(self.users)
        return rendered


@dataclass
class StoredMessage:
    """A message as the fake keeps it; `to_api` renders it the way the Web API returns it."""

    channel: str
    ts: str
    text: str
    user: str | None
    team: str
    blocks: list[JsonDict] | None = None
    attachments: list[JsonDict] | None = None
    metadata: JsonDict | None = None
    thread_ts: str | None = None
    parent_user_id: str | None = None
    subtype: str | None = None
    bot_id: str | None = None
    app_id: str | None = None
    bot_profile: JsonDict | None = None
    files: list[JsonDict] = field(default_factory=list)
    reactions: list[JsonDict] = field(default_factory=list)
    edited: JsonDict | None = None

    @property
    def is_reply(self) -> bool:
        """Whether this message is a reply inside a thread (not the thread's parent)."""
        return self.thread_ts is not None and self.thread_ts != self.ts

    def to_api(self, replies: list[StoredMessage], include_metadata: bool = True) -> JsonDict:
        """Render the message object; `replies` are this message's thread replies, if any."""
        rendered: JsonDict = {"type": "message", "text": self.text, "ts": self.ts}
        optional: JsonDict = {
            "subtype": self.subtype,
            "user": self.user,
            "team": self.team,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "bot_profile": self.bot_profile,
            "blocks": self.blocks,
            "attachments": self.attachments,
            "thread_ts": self.thread_ts,
            "parent_user_id": self.parent_user_id,
            "edited": self.edited,
            "metadata": self.metadata if include_metadata else None,
        }
        rendered.update({key: value for key, value in optional.items() if value is not None})
        if self.files:
            rendered.update(files=self.files, upload=True, display_as_bot=False)
        if self.reactions:
            rendered["reactions"] = self.reactions
        if replies:
            rendered.update(_thread_summary(replies))
        return copy.deepcopy(rendered)


def _thread_summary(replies: list[StoredMessage]) -> JsonDict:
    """Return the thread fields Slack adds to a parent message."""
    reply_users = list(dict.fromkeys(reply.user or reply.bot_id or "" for reply in replies))
    return {
        "reply_count": len(replies),
        "reply_users_count": len(reply_users),
        "latest_reply": replies[-1].ts,
        "reply_users": reply_users,
        "is_locked": False,
        "subscribed": False,
    }


@dataclass
class StoredFile:
    """A file uploaded through the v2 flow (`files.getUploadURLExternal` and friends)."""

    id: str
    name: str
    length: int
    user: str
    alt_txt: str | None = None
    title: str | None = None
    content: bytes | None = None
    completed: bool = False
    shares: JsonDict = field(default_factory=dict)
    created: int = field(default_factory=lambda: int(time.time()))

    def to_api(self, team_domain: str, team_id: str) -> JsonDict:
        """Render the file object of `files.completeUploadExternal`."""
        base = f"https://files.slack.com/files-pri/{team_id}-{self.id}"
        return {
            "id": self.id,
            "created": self.created,
            "timestamp": self.created,
            "name": self.name,
            "title": self.title or self.name,
            "mimetype": mimetypes.guess_type(self.name)[0] or "application/octet-stream",
            "filetype": self.name.rsplit(".", 1)[-1] if "." in self.name else "binary",
            "pretty_type": "Binary",
            "user": self.user,
            "user_team": team_id,
            "editable": False,
            "size": len(self.content) if self.content is not None else self.length,
            "mode": "hosted",
            "is_external": False,
            "external_type": "",
            "is_public": bool(self.shares.get("public")),
            "public_url_shared": False,
            "display_as_bot": False,
            "username": "",
            "url_private": f"{base}/{self.name}",
            "url_private_download": f"{base}/download/{self.name}",
            "permalink": f"https://{team_domain}.slack.com/files/{self.user}/{self.id}/{self.name}",
            "alt_txt": self.alt_txt,
            "shares": copy.deepcopy(self.shares),
            "has_rich_preview": False,
        }


class Workspace:
    """All the state the fake keeps: mutated by Web API calls and by test set-up."""

    def __init__(self, identity: AppIdentity) -> None:
        self.identity = identity
        self.users: dict[str, User] = {}
        self.channels: dict[str, Channel] = {}
        self.usergroups: dict[str, Usergroup] = {}
        self.files: dict[str, StoredFile] = {}
        self.ephemerals: list[JsonDict] = []
        self.home_views: dict[str, JsonDict] = {}
        self.modals = Modals(identity)  # trigger ids issued, and the modals people see
        self._messages: dict[str, list[StoredMessage]] = {}
        self.users[identity.bot_user_id] = User(
            id=identity.bot_user_id,
            name=identity.bot_name,
            real_name=identity.bot_name,
            team_id=identity.team_id,
            is_bot=True,
            bot_id=identity.bot_id,
        )

    # -- set-up -------------------------------------------------------------------------------

    def add_user(
        self,
        name: str,
        real_name: str | None = None,
        *,
        user_id: str | None = None,
        is_bot: bool = False,
        bot_id: str | None = None,
        is_admin: bool = False,
        email: str | None = None,
    ) -> User:
        """Add a member to the workspace."""
        user = User(
            id=user_id or new_id("U"),
            name=name,
            real_name=real_name or name.title(),
            team_id=self.identity.team_id,
            is_bot=is_bot,
            bot_id=bot_id,
            is_admin=is_admin,
            email=email,
        )
        self.users[user.id] = user
        return user

    def add_channel(
        self,
        name: str,
        *,
        members: Iterable[str] = (),
        bot_member: bool = True,
        is_private: bool = False,
        channel_id: str | None = None,
    ) -> Channel:
        """Add a channel with `members`; the bot is a member unless `bot_member` is false."""
        channel = Channel(
            id=channel_id or new_id("C"),  # private channels made since 2021 get C ids too
            name=name.lstrip("#"),
            creator=next(iter(members), self.identity.bot_user_id),
            team_id=self.identity.team_id,
            is_private=is_private,
            members=set(members),
        )
        if bot_member:
            channel.members.add(self.identity.bot_user_id)
        self.channels[channel.id] = channel
        return channel

    def add_usergroup(
        self,
        handle: str,
        users: Iterable[str] = (),
        *,
        name: str | None = None,
        usergroup_id: str | None = None,
    ) -> Usergroup:
        """Add a user group `@handle` with `users`."""
        group = Usergroup(
            id=usergroup_id or new_id("S"),
            handle=handle,
            name=name or handle.title(),
            team_id=self.identity.team_id,
            users=list(users),
        )
        self.usergroups[group.id] = group
        return group

    def dm_with(self, user_id: str) -> Channel:
        """Return the bot's DM conversation with `user_id`, opening it on first use."""
        for channel in self.channels.values():
            if channel.im_user == user_id:
                return channel
        channel = Channel(
            id=new_id("D"),
            name=user_id,
            creator=self.identity.bot_user_id,
            team_id=self.identity.team_id,
            im_user=user_id,
            members={user_id, self.identity.bot_user_id},
        )
        self.channels[channel.id] = channel
        return channel

    # -- look-ups -----------------------------------------------------------------------------

    def channel(self, reference: str) -> Channel | None:
        """Find a conversation by id or by `name` / `#name`."""
        if reference in self.channels:
            return self.channels[reference]
        name = reference.lstrip("#")
        return next((c for c in self.channels.values() if c.name == name and not c.is_im), None)

    def message(self, channel_id: str, ts: str) -> StoredMessage | None:
        """Find a message by channel and ts."""
        return next((m for m in self._messages.get(channel_id, []) if m.ts == ts), None)

    def replies(self, channel_id: str, parent_ts: str) -> list[StoredMessage]:
        """Return the replies of the thread whose parent is `parent_ts`, oldest first."""
        return [
            m for m in self._messages.get(channel_id, []) if m.is_reply and m.thread_ts == parent_ts
        ]

    def history(self, channel_id: str) -> list[StoredMessage]:
        """Return what the channel shows: top-level messages and broadcast replies, oldest first."""
        return [
            m
            for m in self._messages.get(channel_id, [])
            if not m.is_reply or m.subtype == "thread_broadcast"
        ]

    def render(self, message: StoredMessage, include_metadata: bool = True) -> JsonDict:
        """Render a stored message with its thread summary."""
        replies = [] if message.is_reply else self.replies(message.channel, message.ts)
        return message.to_api(replies, include_metadata)

    # -- changes ------------------------------------------------------------------------------

    def store(self, message: StoredMessage) -> StoredMessage:
        """Add a message to its channel, keeping the channel in ts order."""
        messages = self._messages.setdefault(message.channel, [])
        messages.append(message)
        messages.sort(key=lambda m: float(m.ts))
        return message

    def add_message(
        self,
        channel_id: str,
        user: str,
        text: str,
        *,
        thread_ts: str | None = None,
        ts: str | None = None,
    ) -> StoredMessage:
        """Record a message a person wrote (for example the one an event is about to announce)."""
        parent = self.message(channel_id, thread_ts) if thread_ts else None
        return self.store(
            StoredMessage(
                channel=channel_id,
                ts=ts or next_ts(),
                text=text,
                user=user,
                team=self.identity.team_id,
                thread_ts=thread_ts,
                parent_user_id=parent.user if parent else None,
            )
        )

    def delete(self, channel_id: str, ts: str) -> None:
        """Remove a message."""
        messages = self._messages.get(channel_id, [])
        self._messages[channel_id] = [m for m in messages if m.ts != ts]
