"""`FakeSlack`: the loopback server and the test-facing API around it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Self, Unpack

import aiohttp
from aiohttp import web

from . import payloads
from .api_core import ApiError
from .events import (
    FORM_CONTENT_TYPE,
    DeliveryOptions,
    HttpDelivery,
    form_body,
    interactive_body,
    json_body,
)
from .faults import Fault, FaultBook, FaultSpec
from .ids import DEFAULT_IDENTITY, AppIdentity, new_secret
from .modals import OpenModal
from .post_limits import PostLimit
from .records import ApiCall, AppResponse, ResponseUrlPost
from .response_urls import ResponseUrls
from .socket_mode import SocketModeHub
from .state import JsonDict, Workspace
from .web_api import call_method, read_arguments, recorded_arguments, take_token


class _ServedUrls:
    """The URLs Web API answers point back to: upload URLs and websocket URLs."""

    def __init__(self, hub: SocketModeHub, app_id: str) -> None:
        self.base_url = ""
        self._hub = hub
        self._app_id = app_id
        self.uploads: dict[str, str] = {}

    def upload_url(self, file_id: str) -> str:
        """Return a fresh upload URL for `file_id`."""
        secret = new_secret()
        self.uploads[secret] = file_id
        return f"{self.base_url}/upload/v1/{secret}"

    def socket_url(self) -> str:
        """Return a one-time Socket Mode URL on this server."""
        ticket = self._hub.issue_ticket()
        return (
            f"{self.base_url.replace('http', 'ws', 1)}/link/?ticket={ticket}&app_id={self._app_id}"
        )


class FakeSlack:
    """A protocol-faithful Slack on 127.0.0.1: Web API, Events API delivery and Socket Mode."""

    def __init__(self, identity: AppIdentity = DEFAULT_IDENTITY, wait_timeout: float = 5.0) -> None:
        self.identity = identity
        self.workspace = Workspace(identity)
        # Set-up goes straight to the workspace: add_user(name, real_name=None, user_id=,
        # is_bot=, bot_id=, is_admin=, email=), add_channel(name, members=, bot_member=True,
        # is_private=, channel_id=), add_usergroup(handle, users, name=, usergroup_id=) and
        # dm_channel(user_id), the bot's DM with a member (App Home's channel).
        self.add_user = self.workspace.add_user
        self.add_channel = self.workspace.add_channel
        self.add_usergroup = self.workspace.add_usergroup
        self.dm_channel = self.workspace.dm_with
        self.calls: list[ApiCall] = []
        self._faults = FaultBook()
        self.post_limit: PostLimit | None = None  # off until `limit_posts`
        self._hub = SocketModeHub(identity, wait_timeout)
        self._urls = _ServedUrls(self._hub, identity.api_app_id)
        self._response_urls = ResponseUrls(self.workspace)
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    # -- lifecycle ----------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._serve_api)
        app.router.add_post("/upload/v1/{secret}", self._serve_upload)
        app.router.add_post("/hooks/{kind}/{secret}", self._response_urls.handle)
        app.router.add_get("/link/", self._hub.handle)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self._urls.base_url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        self._session = aiohttp.ClientSession()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self._hub.close_all()
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # -- connection details -------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The server's root, `http://127.0.0.1:PORT`."""
        if not self._urls.base_url:
            raise RuntimeError("FakeSlack is not running: use `async with FakeSlack() as slack`.")
        return self._urls.base_url

    @property
    def api_url(self) -> str:
        """The Web API base URL (with its trailing slash), for `AsyncWebClient(base_url=...)`."""
        return f"{self.base_url}/api/"

    @property
    def bot_token(self) -> str:
        """The `xoxb-` bot token the Web API accepts."""
        return self.identity.bot_token

    @property
    def app_token(self) -> str:
        """The `xapp-` app-level token `apps.connections.open` accepts."""
        return self.identity.app_token

    @property
    def signing_secret(self) -> str:
        """The secret HTTP-mode requests are signed with."""
        return self.identity.signing_secret

    # -- workspace set-up and inspection ------------------------------------------------------

    def user_posts(
        self, channel_id: str, user_id: str, text: str, *, thread_ts: str | None = None
    ) -> JsonDict:
        """Record a person's message in the channel and return the `message` event announcing it."""
        channel = self.workspace.channels.get(channel_id)
        if channel is None:
            raise LookupError(f"No channel {channel_id} in the fake workspace; add_channel first.")
        stored = self.workspace.add_message(channel_id, user_id, text, thread_ts=thread_ts)
        return payloads.message(
            channel_id,
            user_id,
            text,
            ts=stored.ts,
            thread_ts=thread_ts,
            parent_user_id=stored.parent_user_id,
            channel_type=channel.channel_type,
            team=self.identity.team_id,
        )

    def messages(self, channel_id: str) -> list[JsonDict]:
        """What the channel shows, oldest first, rendered as `conversations.history` would."""
        return [self.workspace.render(m) for m in self.workspace.history(channel_id)]

    def thread(self, channel_id: str, ts: str) -> list[JsonDict]:
        """A thread's parent and replies, oldest first, as `conversations.replies` would."""
        parent = self.workspace.message(channel_id, ts)
        replies = self.workspace.replies(channel_id, ts)
        return [self.workspace.render(m) for m in ([parent] if parent else []) + replies]

    def message(self, channel_id: str, ts: str) -> JsonDict | None:
        """One message, rendered, or None."""
        stored = self.workspace.message(channel_id, ts)
        return None if stored is None else self.workspace.render(stored)

    def ephemerals(self, channel_id: str | None = None) -> list[JsonDict]:
        """Ephemeral messages shown (by `chat.postEphemeral` or a response URL)."""
        shown = self.workspace.ephemerals
        return [e for e in shown if channel_id is None or e["channel"] == channel_id]

    def home_view(self, user_id: str) -> JsonDict | None:
        """The App Home view last published for a user."""
        return self.workspace.home_views.get(user_id)

    @property
    def response_url_posts(self) -> list[ResponseUrlPost]:
        """Every post the app made to a response URL the fake handed out, in order."""
        return self._response_urls.posts

    def calls_to(self, method: str) -> list[ApiCall]:
        """The recorded calls of one Web API method, in order."""
        return [call for call in self.calls if call.method == method]

    # -- fault injection ----------------------------------------------------------------------

    def fail(self, method: str, **fault: Unpack[FaultSpec]) -> Fault:
        """Make the next `times` calls of `method` fail (`times=None`: until cleared).

        `status=429` answers `ratelimited` with `Retry-After: retry_after` (default 1s);
        `status=500` or `503` answers the edge's HTML error page (`body=""` for an empty one);
        `error="channel_not_found"` answers HTTP 200 `ok: false`. `channel` restricts the
        fault to calls for that channel (`channel` or `channel_id` argument). `times` defaults
        to 1.
        """
        return self._faults.add(method, **fault)

    def clear_faults(self, method: str | None = None) -> None:
        """Forget planned faults (of one method, or all)."""
        self._faults.clear(method)

    def limit_posts(self, interval: float = 1.0, burst: int = 1) -> PostLimit:
        """Enforce Slack's per-channel limit on `chat.postMessage` (see `post_limits`).

        A post over it is answered 429 `ratelimited` with Retry-After and not posted.
        """
        self.post_limit = PostLimit(interval, burst)
        return self.post_limit

    def rate_limited_calls(self, method: str = "chat.postMessage") -> int:
        """How many calls of `method` were answered 429."""
        return sum(1 for call in self.calls_to(method) if call.status == 429)

    # -- HTTP mode (Events API, slash commands, interactivity) ---------------------------------

    def command(
        self, user_id: str, channel_id: str, text: str, *, command: str = "/ticket"
    ) -> dict[str, str]:
        """Build a slash command typed by a member in a channel, with a hosted response URL."""
        response_url = self._response_url("commands", user_id, channel_id, None)
        origin = self._origin(user_id, channel_id)
        fields = payloads.slash_command(
            command, text, origin, response_url=response_url, identity=self.identity
        )
        self.workspace.modals.issue(fields["trigger_id"], user_id)
        return fields

    def block_action(
        self, user_id: str, channel_id: str, message_ts: str, action: JsonDict
    ) -> JsonDict:
        """Build a `block_actions` payload for a member's click on a stored message."""
        message = self.message(channel_id, message_ts)
        if message is None:
            raise LookupError(f"No message {message_ts} in channel {channel_id} to click on.")
        payload = payloads.block_actions(
            [action],
            self._origin(user_id, channel_id),
            message=message,
            response_url=self._response_url("actions", user_id, channel_id, message_ts),
            identity=self.identity,
        )
        self.workspace.modals.issue(payload["trigger_id"], user_id)
        return payload

    # -- modals -------------------------------------------------------------------------------

    def open_modals(self, user_id: str) -> list[OpenModal]:
        """The modals a member sees now (`views.open` opened them), oldest first."""
        return [m for m in self.workspace.modals.open.values() if m.user_id == user_id]

    def view_submission(self, view_id: str, values: Mapping[str, str | None]) -> JsonDict:
        """Build the `view_submission` of an open modal, inputs filled in by action id."""
        return self.workspace.modals.submission(view_id, values)

    def view_acknowledged(self, view_id: str, ack: JsonDict | None) -> OpenModal | None:
        """Apply the app's ack of a submission (its JSON body or Socket Mode payload)."""
        return self.workspace.modals.acknowledged(view_id, ack)

    def _response_url(self, kind: str, user_id: str, channel_id: str, ts: str | None) -> str:
        return self._response_urls.issue(self.base_url, kind, channel_id, user_id, ts)

    def _origin(self, user_id: str, channel_id: str) -> payloads.Origin:
        user, channel = self.workspace.users[user_id], self.workspace.channels[channel_id]
        channel_name = "directmessage" if channel.is_im else channel.name
        return payloads.Origin(user.id, user.name, channel.id, channel_name)

    async def post_event(
        self,
        url: str,
        event: JsonDict,
        *,
        event_id: str | None = None,
        **options: Unpack[DeliveryOptions],
    ) -> AppResponse:
        """Deliver an event as a signed `event_callback` (reuse `event_id` for a retry)."""
        callback = payloads.event_callback(event, identity=self.identity, event_id=event_id)
        return await self._http().post(url, json_body(callback), "application/json", **options)

    async def post_url_verification(
        self, url: str, challenge: str | None = None, **options: Unpack[DeliveryOptions]
    ) -> AppResponse:
        """Deliver the `url_verification` handshake."""
        body = json_body(payloads.url_verification(challenge, identity=self.identity))
        return await self._http().post(url, body, "application/json", **options)

    async def post_command(
        self, url: str, fields: dict[str, str], **options: Unpack[DeliveryOptions]
    ) -> AppResponse:
        """Deliver a slash command as a signed form post."""
        return await self._http().post(url, form_body(fields), FORM_CONTENT_TYPE, **options)

    async def post_interaction(
        self, url: str, payload: JsonDict, **options: Unpack[DeliveryOptions]
    ) -> AppResponse:
        """Deliver an interactivity payload as a signed form post (`payload=<json>`)."""
        return await self._http().post(url, interactive_body(payload), FORM_CONTENT_TYPE, **options)

    async def post_signed(
        self, url: str, body: bytes, content_type: str, **options: Unpack[DeliveryOptions]
    ) -> AppResponse:
        """Deliver any body, signed like Slack signs it."""
        return await self._http().post(url, body, content_type, **options)

    def _http(self) -> HttpDelivery:
        if self._session is None:
            raise RuntimeError("FakeSlack is not running: use `async with FakeSlack() as slack`.")
        return HttpDelivery(self._session, self.signing_secret)

    # -- Socket Mode --------------------------------------------------------------------------

    async def socket_wait_connected(self, connections_made: int = 1) -> None:
        """Wait until the `connections_made`-th Socket Mode connection is open."""
        await self._hub.wait_connected(connections_made)

    @property
    def socket_connections_made(self) -> int:
        """How many Socket Mode connections were opened so far."""
        return self._hub.connections_made

    @property
    def socket_open_connections(self) -> int:
        """How many Socket Mode connections are open now."""
        return self._hub.open_connections

    async def socket_wait_pings(self, count: int) -> None:
        """Wait until the fake has answered `count` websocket pings from the client."""
        await self._hub.wait_pings(count)

    async def socket_send(self, envelope: JsonDict) -> str:
        """Push a ready-made envelope (see `payloads.*_envelope`); return its envelope id."""
        return await self._hub.send(envelope)

    async def socket_send_event(
        self,
        event: JsonDict,
        *,
        event_id: str | None = None,
        retry_attempt: int = 0,
        retry_reason: str = "",
    ) -> str:
        """Push an event in an `events_api` envelope; return the envelope id."""
        callback = payloads.event_callback(event, identity=self.identity, event_id=event_id)
        envelope = payloads.events_api_envelope(
            callback, retry_attempt=retry_attempt, retry_reason=retry_reason
        )
        return await self._hub.send(envelope)

    async def socket_send_command(self, fields: dict[str, str]) -> str:
        """Push a slash command in a `slash_commands` envelope; return the envelope id."""
        return await self._hub.send(payloads.slash_commands_envelope(fields))

    async def socket_send_interaction(self, payload: JsonDict) -> str:
        """Push an interactivity payload in an `interactive` envelope; return the envelope id."""
        return await self._hub.send(payloads.interactive_envelope(payload))

    async def socket_ack(self, envelope_id: str) -> JsonDict:
        """Wait for the client's next ack of `envelope_id` (`{"envelope_id", "payload"?}`)."""
        return await self._hub.ack(envelope_id)

    def socket_acks(self, envelope_id: str) -> list[JsonDict]:
        """Every ack received so far for `envelope_id`."""
        return self._hub.acks(envelope_id)

    async def socket_disconnect(self, reason: str = "refresh_requested") -> None:
        """Send Slack's `disconnect` message and close the socket once the client leaves it."""
        await self._hub.disconnect(reason)

    # -- HTTP handlers ------------------------------------------------------------------------

    async def _serve_api(self, request: web.Request) -> web.StreamResponse:
        method, verb = request.match_info["method"], request.method
        try:
            args = await read_arguments(request)
        except (ApiError, json.JSONDecodeError):
            return self._answer(method, {}, verb, {"ok": False, "error": "invalid_json"})
        token = take_token(request, args)
        fault = self._faults.take(method, args)
        if fault is not None:
            self.calls.append(
                ApiCall(method, recorded_arguments(args), fault.status, fault.payload(), verb)
            )
            return fault.to_response()
        refused = self._over_post_limit(method, args, verb)
        if refused is not None:
            return refused
        answer = call_method(self.workspace, self._urls, method, args, token)
        return self._answer(method, args, verb, answer)

    def _over_post_limit(self, method: str, args: dict[str, Any], verb: str) -> web.Response | None:
        if self.post_limit is None or method != "chat.postMessage":
            return None
        wait = self.post_limit.take(str(args.get("channel")))
        if wait is None:
            return None
        answer = {"ok": False, "error": "ratelimited"}
        self.calls.append(ApiCall(method, recorded_arguments(args), 429, answer, verb))
        headers = {"Retry-After": self.post_limit.retry_after(wait)}
        return web.json_response(answer, status=429, headers=headers)

    def _answer(
        self, method: str, args: dict[str, Any], verb: str, answer: JsonDict
    ) -> web.Response:
        self.calls.append(ApiCall(method, recorded_arguments(args), 200, answer, verb))
        return web.json_response(answer)

    async def _serve_upload(self, request: web.Request) -> web.Response:
        file_id = self._urls.uploads.pop(request.match_info["secret"], None)
        if file_id is None:
            return web.Response(status=404, text="Not Found")
        content = await request.read()
        self.workspace.files[file_id].content = content
        return web.Response(text=f"OK - {len(content)}")
