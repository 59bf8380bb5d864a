"""The fake's world: application, bot, guilds, roles, members, channels, messages, commands.

Objects are stored in their wire form (the dicts of `payloads`), keyed by string snowflakes,
so what REST and the gateway serve is exactly what the state holds.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

from . import errors, payloads
from .payloads import Payload, sid
from .permissions import (
    ALL_PERMISSIONS,
    BOT_DEFAULT,
    EVERYONE_DEFAULT,
    Permission,
    apply_overwrites,
    base_permissions,
)
from .snowflakes import SnowflakeGenerator, snowflake_timestamp

Snowflake = int | str

# Application flags that enable the privileged intents (application object › flags).
GATEWAY_PRESENCE_LIMITED = 1 << 13
GATEWAY_GUILD_MEMBERS_LIMITED = 1 << 15
GATEWAY_MESSAGE_CONTENT_LIMITED = 1 << 19
PRIVILEGED_FLAGS = (
    GATEWAY_PRESENCE_LIMITED | GATEWAY_GUILD_MEMBERS_LIMITED | GATEWAY_MESSAGE_CONTENT_LIMITED
)

THREAD_TYPES = (payloads.PUBLIC_THREAD, payloads.PRIVATE_THREAD)
_MEMBER_OVERWRITE = 1


@dataclasses.dataclass
class GuildRecord:
    """A guild with its members and channel ids (roles live in `data["roles"]`)."""

    data: Payload
    joined_at: str
    members: dict[str, Payload] = dataclasses.field(default_factory=dict)
    channel_ids: list[str] = dataclasses.field(default_factory=list)

    @property
    def id(self) -> str:
        """Return the guild's snowflake."""
        return str(self.data["id"])


class DiscordState:
    """Everything the fake knows, with setup helpers and lookups that answer like Discord."""

    def __init__(self, ids: SnowflakeGenerator, token: str, bot_name: str) -> None:
        self.ids = ids
        self.token = token
        self.owner = payloads.user(id=ids.next(), username="app-owner")
        self.bot = payloads.user(id=ids.next(), username=bot_name, bot=True)
        self.application = payloads.application(
            id=int(self.bot["id"]),
            name=bot_name,
            owner=self.owner,
            bot=self.bot,
            flags=PRIVILEGED_FLAGS,
        )
        self.users: dict[str, Payload] = {u["id"]: u for u in (self.owner, self.bot)}
        self.guilds: dict[str, GuildRecord] = {}
        self.channels: dict[str, Payload] = {}
        self.messages: dict[str, dict[str, Payload]] = {}
        self.dm_channels: dict[str, str] = {}
        self.commands: dict[str | None, dict[tuple[int, str], Payload]] = {}
        self.blobs: dict[str, bytes] = {}
        self.reactions: dict[tuple[str, str], list[str]] = {}
        self.base_url = ""

    @property
    def application_id(self) -> str:
        """Return the application's snowflake (the bot user's id, as on Discord)."""
        return str(self.application["id"])

    # -- setup -------------------------------------------------------------------------------

    def add_user(
        self, username: str, *, global_name: str | None = None, bot: bool = False
    ) -> Payload:
        """Create a user that can later join guilds, write messages and click buttons."""
        new = payloads.user(id=self.ids.next(), username=username, global_name=global_name, bot=bot)
        self.users[new["id"]] = new
        return new

    def add_guild(self, name: str, *, owner: Payload | None = None) -> GuildRecord:
        """Create a guild with @everyone, the bot's managed role and the bot as a member."""
        guild_id = self.ids.next()
        owner = owner or self.owner
        everyone = payloads.role(id=guild_id, name="@everyone", permissions=EVERYONE_DEFAULT)
        bot_role = payloads.role(
            id=self.ids.next(),
            name=self.bot["username"],
            permissions=BOT_DEFAULT,
            position=1,
            bot_id=int(self.bot["id"]),
        )
        data = payloads.guild(
            id=guild_id, name=name, owner_id=int(owner["id"]), roles=[everyone, bot_role]
        )
        record = GuildRecord(data=data, joined_at=snowflake_timestamp(self.ids.next()))
        self.guilds[record.id] = record
        self.add_member(record.id, self.bot, roles=[bot_role["id"]])
        self.add_member(record.id, owner)
        return record

    def add_role(self, guild_id: Snowflake, name: str, *, permissions: int = 0) -> Payload:
        """Create a role in a guild."""
        record = self.guild(guild_id)
        position = len(record.data["roles"])
        new = payloads.role(
            id=self.ids.next(), name=name, permissions=permissions, position=position
        )
        record.data["roles"].append(new)
        return new

    def add_member(
        self, guild_id: Snowflake, user: str | Payload, *, roles: Iterable[Snowflake] = ()
    ) -> Payload:
        """Add a user (a new one when given a name) to a guild with the given role ids."""
        record = self.guild(guild_id)
        user = self.add_user(user) if isinstance(user, str) else user
        joined = snowflake_timestamp(self.ids.next())
        new = payloads.member(user=user, roles=[int(r) for r in roles], joined_at=joined)
        record.members[user["id"]] = new
        return new

    def add_text_channel(
        self, guild_id: Snowflake, name: str, *, topic: str | None = None
    ) -> Payload:
        """Create a guild text channel (type 0)."""
        record = self.guild(guild_id)
        new = payloads.text_channel(
            id=self.ids.next(),
            guild_id=int(record.id),
            name=name,
            position=len(record.channel_ids),
            topic=topic,
        )
        return self._store_channel(record, new)

    def add_forum_channel(
        self, guild_id: Snowflake, name: str, *, tags: Sequence[str] = ()
    ) -> Payload:
        """Create a forum channel (type 15) offering the named tags."""
        record = self.guild(guild_id)
        tag_objects = [payloads.forum_tag(id=self.ids.next(), name=tag) for tag in tags]
        new = payloads.forum_channel(
            id=self.ids.next(),
            guild_id=int(record.id),
            name=name,
            tags=tag_objects,
            position=len(record.channel_ids),
        )
        return self._store_channel(record, new)

    def add_thread(
        self,
        parent_id: Snowflake,
        name: str,
        *,
        owner_id: Snowflake | None = None,
        thread_id: Snowflake | None = None,
        type: int = payloads.PUBLIC_THREAD,
        applied_tags: Iterable[Snowflake] = (),
        auto_archive_duration: int = 4320,
    ) -> Payload:
        """Create a thread under a text or forum channel (`thread_id` defaults to a new id)."""
        parent = self.channel(parent_id)
        record = self.guild(parent["guild_id"])
        new = payloads.thread_channel(
            id=int(thread_id or self.ids.next()),
            guild_id=int(record.id),
            parent_id=int(parent["id"]),
            owner_id=int(owner_id or self.bot["id"]),
            name=name,
            type=type,
            applied_tags=[int(tag) for tag in applied_tags],
            auto_archive_duration=auto_archive_duration,
        )
        return self._store_channel(record, new)

    def open_dm(self, user_id: Snowflake) -> Payload:
        """Return the bot's DM channel with a user, creating it on first use."""
        recipient = self.user(user_id)
        existing = self.dm_channels.get(recipient["id"])
        if existing is not None:
            return self.channels[existing]
        new = payloads.dm_channel(id=self.ids.next(), recipient=recipient)
        self.dm_channels[recipient["id"]] = new["id"]
        self.channels[new["id"]] = new
        self.messages[new["id"]] = {}
        return new

    def deny_access(self, channel_id: Snowflake) -> None:
        """Hide a channel from the bot: REST answers 50001 Missing Access, events stop."""
        self.deny_permission(channel_id, Permission.VIEW_CHANNEL)

    def deny_permission(self, channel_id: Snowflake, permission: Permission | str) -> None:
        """Deny the bot one permission in a channel via a member overwrite (REST answers 50013)."""
        bits = Permission[permission] if isinstance(permission, str) else permission
        channel = self.channel(channel_id)
        overwrites: list[Payload] = channel["permission_overwrites"]
        mine = next((o for o in overwrites if o["id"] == self.bot["id"]), None)
        if mine is None:
            mine = payloads.overwrite(id=int(self.bot["id"]), type=_MEMBER_OVERWRITE)
            overwrites.append(mine)
        mine["deny"] = str(int(mine["deny"]) | bits)

    def _store_channel(self, record: GuildRecord, channel: Payload) -> Payload:
        self.channels[channel["id"]] = channel
        self.messages[channel["id"]] = {}
        record.channel_ids.append(channel["id"])
        return channel

    # -- lookups -----------------------------------------------------------------------------

    def guild(self, guild_id: Snowflake) -> GuildRecord:
        """Return a guild or answer 10004 Unknown Guild."""
        record = self.guilds.get(str(guild_id))
        if record is None:
            raise errors.unknown("Guild", 10004)
        return record

    def user(self, user_id: Snowflake) -> Payload:
        """Return a user or answer 10013 Unknown User."""
        found = self.users.get(str(user_id))
        if found is None:
            raise errors.unknown("User", 10013)
        return found

    def member(self, guild_id: Snowflake, user_id: Snowflake) -> Payload:
        """Return a guild member or answer 10007 Unknown Member."""
        found = self.guild(guild_id).members.get(str(user_id))
        if found is None:
            raise errors.unknown("Member", 10007)
        return found

    def channel(self, channel_id: Snowflake) -> Payload:
        """Return a channel or answer 10003 Unknown Channel."""
        found = self.channels.get(str(channel_id))
        if found is None:
            raise errors.unknown_channel()
        return found

    def message(self, channel_id: Snowflake, message_id: Snowflake) -> Payload:
        """Return a message or answer 10008 Unknown Message."""
        found = self.messages.get(str(channel_id), {}).get(str(message_id))
        if found is None:
            raise errors.unknown_message()
        return found

    def channel_messages(self, channel_id: Snowflake) -> list[Payload]:
        """Return a channel's messages, oldest first."""
        stored = self.messages.get(str(channel_id), {})
        return sorted(stored.values(), key=lambda m: int(m["id"]))

    def guild_of(self, channel: Payload) -> GuildRecord | None:
        """Return the guild a channel belongs to (None for DMs)."""
        guild_id = channel.get("guild_id")
        return None if guild_id is None else self.guilds.get(guild_id)

    def channels_of(self, record: GuildRecord) -> list[Payload]:
        """Return a guild's channels and threads, in creation order."""
        return [self.channels[cid] for cid in record.channel_ids]

    def permissions_in(self, channel: Payload, user_id: Snowflake) -> int:
        """Compute a member's permissions in a channel (threads follow their parent)."""
        record = self.guild_of(channel)
        if record is None:
            return int(ALL_PERMISSIONS)
        if channel["type"] in THREAD_TYPES:
            channel = self.channels[channel["parent_id"]]
        member = record.members.get(str(user_id))
        if member is None:
            return 0
        if record.data["owner_id"] == str(user_id):
            return int(ALL_PERMISSIONS)
        role_ids = set(member["roles"])
        base = base_permissions(record.data["roles"], role_ids, record.id)
        return apply_overwrites(
            base, channel["permission_overwrites"], str(user_id), role_ids, record.id
        )

    def bot_can(self, channel: Payload, permission: Permission) -> bool:
        """Tell whether the bot holds a permission in a channel."""
        return bool(self.permissions_in(channel, self.bot["id"]) & permission)

    def require(self, channel_id: Snowflake, permission: Permission | None = None) -> Payload:
        """Return a channel the bot can see (50001) and act in (50013), like Discord checks."""
        channel = self.channel(channel_id)
        if not self.bot_can(channel, Permission.VIEW_CHANNEL):
            raise errors.missing_access()
        if permission is not None and not self.bot_can(channel, permission):
            raise errors.missing_permissions()
        return channel

    def member_with_permissions(self, channel: Payload, user_id: Snowflake) -> Payload:
        """Return a member object carrying `permissions`, as interactions send it."""
        member = self.member(channel["guild_id"], user_id)
        return {**member, "permissions": str(self.permissions_in(channel, user_id))}

    # -- application commands ----------------------------------------------------------------

    def put_commands(self, guild_id: str | None, bodies: Sequence[Payload]) -> list[Payload]:
        """Replace the commands of a scope, keeping the ids of commands that stay."""
        old = self.commands.get(guild_id, {})
        version = self.ids.next()
        fresh: dict[tuple[int, str], Payload] = {}
        for body in bodies:
            key = (int(body.get("type", 1)), str(body["name"]))
            command_id = int(old[key]["id"]) if key in old else self.ids.next()
            fresh[key] = payloads.application_command(
                body,
                id=command_id,
                application_id=int(self.application_id),
                guild_id=None if guild_id is None else int(guild_id),
                version=version,
            )
        self.commands[guild_id] = fresh
        return list(fresh.values())

    def find_command(self, name: str, guild_id: Snowflake | None, type: int = 1) -> Payload:
        """Return the registered command a user could invoke here (guild first, then global)."""
        for scope in (sid(guild_id), None):
            found = self.commands.get(scope, {}).get((type, name))
            if found is not None:
                return found
        raise LookupError(f"No application command {name!r} is registered for guild {guild_id}.")
