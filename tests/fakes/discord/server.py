"""`FakeDiscord`: the REST API and the gateway on one loopback port, with test controls."""

from __future__ import annotations

import secrets
import socket
import time
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from . import messages, modals, payloads, reactions, rest, routes_app, routes_channels, threads
from .gateway import Gateway
from .interactions import InteractionRecord, Interactions
from .messages import SentMessage, UploadedFile
from .payloads import Payload
from .permissions import Permission
from .ratelimits import Fault, RateLimits
from .recording import Call, CallLog
from .snowflakes import SnowflakeGenerator
from .state import DiscordState, GuildRecord, Snowflake
from .waiting import Changes

DEFAULT_TOKEN = "fake-discord-bot-token"
DEFAULT_TIMEOUT = 5.0


class FakeDiscord:
    """A protocol-faithful Discord (REST v10 + gateway) serving one bot on 127.0.0.1."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        bot_name: str = "deskbot",
        heartbeat_interval: int = 45_000,
        rate_limit: int = 50,
        rate_limit_window: float = 1.0,
        clock: Callable[[], float] = time.time,
        wait_timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.changes = Changes(wait_timeout)
        self.state = DiscordState(SnowflakeGenerator(clock), token, bot_name)
        self.gateway = Gateway(self.state, heartbeat_interval, self.changes.notify)
        self.interactions = Interactions(self.state, self.gateway.dispatch)
        self.log = CallLog()
        self.limits = RateLimits(rate_limit, rate_limit_window)
        self._rest = rest.RestContext(
            self.state, self.gateway, self.interactions, self.limits, self.log, self.changes.notify
        )
        self._runner: web.AppRunner | None = None
        self._socket: socket.socket | None = None
        self.base_url = ""

    # -- lifecycle ---------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def start(self) -> None:
        """Listen on an ephemeral loopback port."""
        app = rest.build_app(self._rest, [*routes_app.ROUTES, *routes_channels.ROUTES])
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_get("/gateway/resume", self.gateway.handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        await web.SockSite(self._runner, self._socket).start()
        self.base_url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        self.state.base_url = self.base_url
        self._rest.gateway_url = self.gateway_url
        self.gateway.resume_url = self.gateway_url + "/resume"

    async def stop(self) -> None:
        """Close gateway connections (1001 Going Away) and stop listening."""
        for connection in self.gateway.open_connections:
            await connection.close(1001, "Going away")
        if self._runner is not None:
            await self._runner.cleanup()
        if self._socket is not None:
            self._socket.close()

    @property
    def api_url(self) -> str:
        """Return the REST base discord.py should use (`http://127.0.0.1:PORT/api/v10`)."""
        return self.base_url + rest.API_PREFIX

    @property
    def gateway_url(self) -> str:
        """Return the gateway URL to connect to (`ws://127.0.0.1:PORT/gateway`)."""
        return self.base_url.replace("http://", "ws://", 1) + "/gateway"

    @property
    def token(self) -> str:
        """Return the bot token the fake accepts."""
        return self.state.token

    @property
    def bot(self) -> Payload:
        """Return the bot user."""
        return self.state.bot

    @property
    def application(self) -> Payload:
        """Return the application object."""
        return self.state.application

    # -- world setup (before the client connects; later, dispatch the matching event) --------

    def add_guild(self, name: str = "Support") -> GuildRecord:
        """Create a guild the bot is in (with @everyone and the bot's role)."""
        return self.state.add_guild(name)

    def add_role(self, guild_id: Snowflake, name: str, *, permissions: int = 0) -> Payload:
        """Create a role."""
        return self.state.add_role(guild_id, name, permissions=permissions)

    def add_member(
        self, guild_id: Snowflake, user: str | Payload, *, roles: Sequence[Snowflake] = ()
    ) -> Payload:
        """Add a member (a new user when given a name); returns the member object."""
        return self.state.add_member(guild_id, user, roles=roles)

    def add_text_channel(
        self, guild_id: Snowflake, name: str, *, topic: str | None = None
    ) -> Payload:
        """Create a text channel (type 0)."""
        return self.state.add_text_channel(guild_id, name, topic=topic)

    def add_forum_channel(
        self, guild_id: Snowflake, name: str, *, tags: Sequence[str] = ()
    ) -> Payload:
        """Create a forum channel (type 15) with the named tags."""
        return self.state.add_forum_channel(guild_id, name, tags=tags)

    def add_thread(
        self, parent_id: Snowflake, name: str, *, owner_id: Snowflake | None = None
    ) -> Payload:
        """Create a public thread (type 11) under a channel."""
        return self.state.add_thread(parent_id, name, owner_id=owner_id)

    def deny_access(self, channel_id: Snowflake) -> None:
        """Hide a channel from the bot (REST answers 50001 Missing Access)."""
        self.state.deny_access(channel_id)

    def deny_permission(self, channel_id: Snowflake, permission: Permission | str) -> None:
        """Deny the bot a permission in a channel (REST answers 50013 Missing Permissions)."""
        self.state.deny_permission(channel_id, permission)

    # -- inspection --------------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """Return every REST call answered, oldest first."""
        return self.log.calls

    def calls_to(self, method: str, route: str) -> list[Call]:
        """Return the calls to a route template (`/channels/{id}/messages`) or concrete path."""
        return self.log.calls_to(method, route)

    def sent_messages(self, channel_id: Snowflake | None = None) -> list[SentMessage]:
        """Return the messages the bot created over REST (in one channel, or everywhere)."""
        sent = self._rest.sent
        return sent if channel_id is None else [s for s in sent if s.channel_id == str(channel_id)]

    def messages(self, channel_id: Snowflake) -> list[Payload]:
        """Return a channel's stored messages, oldest first."""
        return self.state.channel_messages(channel_id)

    def channel(self, channel_id: Snowflake) -> Payload:
        """Return a channel object."""
        return self.state.channel(channel_id)

    # -- what users do -----------------------------------------------------------------------

    async def post_as_user(
        self,
        channel_id: Snowflake,
        user_id: Snowflake,
        content: str,
        *,
        reply_to: Snowflake | None = None,
        files: Sequence[tuple[str, bytes]] = (),
    ) -> Payload:
        """Store a user's message and dispatch MESSAGE_CREATE."""
        channel, author = self._author(channel_id, user_id)
        body: Payload = {"content": content}
        if reply_to is not None:
            body["message_reference"] = {"message_id": str(reply_to), "channel_id": channel["id"]}
        uploads = [
            UploadedFile(f"files[{i}]", name, "application/octet-stream", data)
            for i, (name, data) in enumerate(files)
        ]
        message = messages.compose(self.state, channel, messages.Draft(author, body, uploads))
        await self.dispatch("MESSAGE_CREATE", messages.gateway_view(self.state, message))
        return message

    async def edit_as_user(
        self, channel_id: Snowflake, message_id: Snowflake, content: str
    ) -> Payload:
        """Edit a user's message and dispatch MESSAGE_UPDATE."""
        message = self.state.message(channel_id, message_id)
        messages.edit(self.state, message, {"content": content})
        await self.dispatch("MESSAGE_UPDATE", messages.gateway_view(self.state, message))
        return message

    async def delete_as_user(self, channel_id: Snowflake, message_id: Snowflake) -> None:
        """Delete a message and dispatch MESSAGE_DELETE."""
        message = self.state.message(channel_id, message_id)
        del self.state.messages[message["channel_id"]][message["id"]]
        await self.dispatch("MESSAGE_DELETE", messages.deleted_event(self.state, message))

    async def forum_post_as_user(
        self,
        forum_id: Snowflake,
        user_id: Snowflake,
        title: str,
        content: str,
        *,
        tags: Sequence[str] = (),
    ) -> tuple[Payload, Payload]:
        """Create a user's forum post; dispatch THREAD_CREATE then MESSAGE_CREATE."""
        forum, author = self._author(forum_id, user_id)
        tag_ids = [t["id"] for t in forum["available_tags"] if t["name"] in tags]
        body = {"name": title, "message": {"content": content}, "applied_tags": tag_ids}
        thread, starter = threads.forum_post(self.state, forum, messages.Draft(author, body))
        await self.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
        await self.dispatch("MESSAGE_CREATE", messages.gateway_view(self.state, starter))
        return thread, starter

    async def react_as_user(
        self, channel_id: Snowflake, message_id: Snowflake, user_id: Snowflake, emoji: str
    ) -> Payload:
        """Add a user's reaction and dispatch MESSAGE_REACTION_ADD; returns the event.

        As on Discord, reacting again with the same emoji changes nothing and sends nothing.
        """
        channel, author = self._author(channel_id, user_id)
        message = self.state.message(channel["id"], message_id)
        event = self._reaction_event(channel, message, author, emoji)
        if reactions.react(self.state, message, emoji, author["id"]):
            await self.dispatch("MESSAGE_REACTION_ADD", event)
        return event

    async def unreact_as_user(
        self, channel_id: Snowflake, message_id: Snowflake, user_id: Snowflake, emoji: str
    ) -> None:
        """Take a user's reaction back and dispatch MESSAGE_REACTION_REMOVE."""
        channel, author = self._author(channel_id, user_id)
        message = self.state.message(channel["id"], message_id)
        if reactions.unreact(self.state, message, emoji, author["id"]):
            event = self._reaction_event(channel, message, author, emoji)
            event.pop("member", None)  # REMOVE carries no member or message author
            event.pop("message_author_id", None)
            await self.dispatch("MESSAGE_REACTION_REMOVE", event)

    def _reaction_event(
        self, channel: Payload, message: Payload, author: Payload, emoji: str
    ) -> Payload:
        guild_id = channel.get("guild_id")
        return payloads.reaction_add(
            user_id=int(author["id"]),
            channel_id=int(channel["id"]),
            message_id=int(message["id"]),
            emoji_name=emoji,
            guild_id=None if guild_id is None else int(guild_id),
            member=None if guild_id is None else self.state.member(guild_id, author["id"]),
            message_author_id=int(message["author"]["id"]),
        )

    def _author(self, channel_id: Snowflake, user_id: Snowflake) -> tuple[Payload, Payload]:
        channel = self.state.channel(channel_id)
        if channel.get("guild_id") is not None:
            return channel, self.state.member(channel["guild_id"], user_id)["user"]
        return channel, self.state.user(user_id)

    # -- interactions ------------------------------------------------------------------------

    async def invoke_command(
        self,
        name: str,
        *,
        user_id: Snowflake,
        channel_id: Snowflake,
        options: Sequence[Payload] = (),
    ) -> InteractionRecord:
        """Run a registered slash command as a user: dispatch INTERACTION_CREATE (type 2)."""
        channel = self.state.channel(channel_id)
        guild_id = channel.get("guild_id")
        command = self.state.find_command(name, guild_id)
        members = [self._invoker(channel, u) for u in _user_option_values(options)]
        resolved = payloads.resolved_users(members, guild_id is not None) if members else None
        source = self._source(channel, user_id)
        return await self.interact(payloads.command_interaction(source, command, options, resolved))

    async def click(
        self,
        channel_id: Snowflake,
        message_id: Snowflake,
        custom_id: str,
        *,
        user_id: Snowflake,
        component_type: int = payloads.BUTTON,
        values: Sequence[str] | None = None,
    ) -> InteractionRecord:
        """Click a button (or pick select `values`) on a message: INTERACTION_CREATE (type 3)."""
        channel = self.state.channel(channel_id)
        message = self.state.message(channel_id, message_id)
        source = self._source(channel, user_id)
        payload = payloads.component_interaction(source, message, custom_id, component_type, values)
        return await self.interact(payload)

    async def submit_modal(
        self, opened_by: InteractionRecord, values: Mapping[str, str]
    ) -> InteractionRecord:
        """Submit the modal an interaction was answered with, as its user: MODAL_SUBMIT (5)."""
        modal = opened_by.modal
        if modal is None:
            raise AssertionError(f"interaction {opened_by.id} was not answered with a modal")
        invoker = opened_by.payload.get("member", {}).get("user") or opened_by.payload["user"]
        channel = self.state.channel(opened_by.payload["channel_id"])
        source = self._source(channel, invoker["id"])
        return await self.interact(
            modals.submit_interaction(source, opened_by.payload, modal, values)
        )

    async def interact(self, payload: Payload) -> InteractionRecord:
        """Dispatch any interaction payload as INTERACTION_CREATE; return its record."""
        await self.dispatch("INTERACTION_CREATE", payload)
        return self.interactions.records[str(payload["id"])]

    def _source(self, channel: Payload, user_id: Snowflake) -> payloads.InteractionSource:
        """Describe an interaction by a user in a channel, with fresh id and token."""
        permissions = self.state.permissions_in(channel, user_id)
        return payloads.InteractionSource(
            id=self.state.ids.next(),
            application_id=int(self.state.application_id),
            token=secrets.token_urlsafe(32),
            channel={**channel, "permissions": str(permissions)},
            invoker=self._invoker(channel, user_id),
            app_permissions=self.state.permissions_in(channel, self.state.bot["id"]),
        )

    def _invoker(self, channel: Payload, user_id: Snowflake) -> Payload:
        if channel.get("guild_id") is None:
            return self.state.user(user_id)
        return self.state.member_with_permissions(channel, user_id)

    async def wait_until_seen(self, record: InteractionRecord, count: int = 1) -> list[Payload]:
        """Wait until the user has seen `count` messages for an interaction; return them."""
        await self.wait_for(
            lambda: len(record.seen) >= count, f"{count} response(s) to {record.id}"
        )
        return record.seen

    # -- gateway -----------------------------------------------------------------------------

    async def dispatch(self, event: str, data: Payload) -> None:
        """Send a gateway event (buffered for replay while the client is away).

        An INTERACTION_CREATE is registered first, so its token is accepted for callbacks.
        """
        if event == "INTERACTION_CREATE" and str(data["id"]) not in self.interactions.records:
            self.interactions.register(data)
        await self.gateway.dispatch(event, data)

    @property
    def identify_count(self) -> int:
        """Return how many IDENTIFYs the gateway accepted."""
        return len(self.gateway.identifies)

    @property
    def resume_count(self) -> int:
        """Return how many RESUMEs the gateway accepted."""
        return len(self.gateway.resumes)

    async def wait_until_identified(self, count: int = 1) -> None:
        """Wait until `count` IDENTIFYs have been answered with READY."""
        await self.wait_for(lambda: self.identify_count >= count, f"IDENTIFY #{count}")

    async def wait_until_resumed(self, count: int = 1) -> None:
        """Wait until `count` RESUMEs have been answered with RESUMED."""
        await self.wait_for(lambda: self.resume_count >= count, f"RESUME #{count}")

    async def wait_until_disconnected(self) -> None:
        """Wait until no gateway connection is open."""
        await self.wait_for(lambda: not self.gateway.open_connections, "the client to disconnect")

    async def wait_for_call(self, method: str, route: str, count: int = 1) -> list[Call]:
        """Wait until `count` calls reached a route; return them."""
        await self.wait_for(lambda: len(self.calls_to(method, route)) >= count, f"{method} {route}")
        return self.calls_to(method, route)

    async def wait_for(
        self,
        predicate: Callable[[], bool],
        what: str = "a condition",
    ) -> None:
        """Wait until `predicate()` holds; re-checked after every call and gateway event."""
        await self.changes.wait_for(predicate, what)

    # -- faults ------------------------------------------------------------------------------

    def limit_route(self, method: str, route: str, limit: int, window: float) -> None:
        """Give a route its own limit per channel: ("POST", "/channels/{id}/messages", 5, 5)."""
        self.limits.limit_route(method, route, limit, window)

    def fail(
        self,
        method: str,
        route: str,
        status: int = 429,
        retry_after: float = 0.3,
        times: int = 1,
        global_: bool = False,
        body: Any = None,
        scope: str | None = None,
    ) -> Fault:
        """Answer the next `times` matching calls with a 429 (Discord-shaped), a 5xx or `body`."""
        fault = Fault(method.upper(), route, status, retry_after, times, global_, body, scope)
        self.limits.fail(fault)
        return fault


def _user_option_values(options: Sequence[Payload]) -> list[str]:
    """Collect the user ids of USER options, looking inside subcommands."""
    found: list[str] = []
    for item in options:
        if item.get("type") == payloads.USER_OPTION:
            found.append(str(item["value"]))
        found += _user_option_values(item.get("options", []))
    return found
