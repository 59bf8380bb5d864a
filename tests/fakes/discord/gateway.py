"""The gateway websocket: HELLO, heartbeats, IDENTIFY → READY, RESUME with replay, controls.

A session outlives its connections: every dispatch gets the session's next sequence number
and is kept, so a RESUME replays exactly the events after the client's last sequence number.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import WSMsgType, web

from . import compression, events
from .payloads import Payload
from .state import DiscordState

# Gateway opcodes (opcodes and status codes › gateway opcodes).
DISPATCH = 0
HEARTBEAT = 1
IDENTIFY = 2
PRESENCE_UPDATE = 3
RESUME = 6
RECONNECT = 7
REQUEST_GUILD_MEMBERS = 8
INVALID_SESSION = 9
HELLO = 10
HEARTBEAT_ACK = 11

# Gateway close event codes.
UNKNOWN_ERROR = 4000
UNKNOWN_OPCODE = 4001
DECODE_ERROR = 4002
NOT_AUTHENTICATED = 4003
AUTHENTICATION_FAILED = 4004
ALREADY_AUTHENTICATED = 4005
INVALID_API_VERSION = 4012
INVALID_INTENTS = 4013
DISALLOWED_INTENTS = 4014
# Codes after which Discord's docs say not to reconnect (and so not to resume).
SESSION_ENDING_CODES = (4004, 4007, 4009, 4010, 4011, 4012, 4013, 4014)
CLIENT_ENDS_SESSION = (1000, 1001)


@dataclasses.dataclass(eq=False)
class Connection:
    """One websocket connection, attached to at most one session."""

    ws: web.WebSocketResponse
    transport: asyncio.BaseTransport | None
    encode: compression.Encoder
    path: str
    session: GatewaySession | None = None
    closed_by_server: bool = False

    async def send(self, frame: Payload) -> None:
        """Send one gateway payload, compressed as negotiated."""
        data = self.encode(json.dumps(frame, separators=(",", ":")))
        if isinstance(data, bytes):
            await self.ws.send_bytes(data)
        else:
            await self.ws.send_str(data)

    async def close(self, code: int, reason: str = "") -> None:
        """Close the websocket with a gateway close code."""
        self.closed_by_server = True
        await self.ws.close(code=code, message=reason.encode())


@dataclasses.dataclass(eq=False)
class GatewaySession:
    """An identified session: its intents, sequence, every dispatch sent, its live connection."""

    id: str
    intents: int
    identify: Payload
    seq: int = 0
    history: list[Payload] = dataclasses.field(default_factory=list)
    connection: Connection | None = None
    invalidated: bool = False
    lock: asyncio.Lock = dataclasses.field(default_factory=asyncio.Lock)

    async def emit(self, event: str, data: Payload) -> None:
        """Give a dispatch the next sequence number, keep it, and send it if connected."""
        self.seq += 1
        frame = {"op": DISPATCH, "t": event, "s": self.seq, "d": data}
        self.history.append(frame)
        if self.connection is not None:
            await _send_quietly(self.connection, frame)


async def _send_quietly(connection: Connection, frame: Payload) -> None:
    # A dispatch lost to a dying socket stays in the history and is replayed on RESUME.
    try:
        await connection.send(frame)
    except (ConnectionError, RuntimeError):
        return


def _requested(member: Payload, request: Payload) -> bool:
    """Tell whether a member matches REQUEST_GUILD_MEMBERS' `user_ids` or `query`."""
    user_ids = {str(u) for u in request.get("user_ids") or []}
    if user_ids:
        return str(member["user"]["id"]) in user_ids
    return str(member["user"]["username"]).startswith(str(request.get("query") or "").lower())


Frame = dict[str, Any]
OpHandler = Callable[[Connection, Any], Awaitable[None]]


class Gateway:
    """Serve `/gateway` and expose the controls tests use to misbehave like Discord."""

    def __init__(
        self, state: DiscordState, heartbeat_interval: int, changed: Callable[[], None]
    ) -> None:
        self._state = state
        self.heartbeat_interval = heartbeat_interval
        self._changed = changed
        self.resume_url = ""
        self.allowed_intents = events.KNOWN_INTENTS
        self.ack_heartbeats = True
        self.sessions: list[GatewaySession] = []
        self.connections: list[Connection] = []
        self.identifies: list[Payload] = []
        self.resumes: list[Payload] = []
        self.heartbeats = 0
        self.presences: list[Payload] = []
        self.filtered: list[tuple[str, Payload]] = []
        self.undelivered: list[tuple[str, Payload]] = []
        self._ops: dict[int, OpHandler] = {
            HEARTBEAT: self._heartbeat,
            IDENTIFY: self._identify,
            PRESENCE_UPDATE: self._presence,
            RESUME: self._resume,
            REQUEST_GUILD_MEMBERS: self._request_members,
        }

    # -- what tests read ---------------------------------------------------------------------

    @property
    def live_sessions(self) -> list[GatewaySession]:
        """Return the sessions Discord would still deliver to (connected or resumable)."""
        return [s for s in self.sessions if not s.invalidated]

    @property
    def open_connections(self) -> list[Connection]:
        """Return the websocket connections still open."""
        return [c for c in self.connections if not c.ws.closed]

    @property
    def intents(self) -> int | None:
        """Return the intents of the latest IDENTIFY."""
        return None if not self.identifies else int(self.identifies[-1]["intents"])

    # -- serving -----------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Accept a gateway websocket and run it until it closes."""
        encode = self._negotiate(request)
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        connection = Connection(ws, request.transport, encode, request.path)
        self.connections.append(connection)
        try:
            await self._serve(connection, request)
        finally:
            self._detach(connection)
        return ws

    def _negotiate(self, request: web.Request) -> compression.Encoder:
        query = request.query
        if query.get("encoding", "json") != "json":
            raise web.HTTPBadRequest(text="This fake speaks only encoding=json.")
        try:
            return compression.encoder_for(query.get("compress"))
        except ValueError as unsupported:
            raise web.HTTPBadRequest(text=str(unsupported)) from unsupported

    async def _serve(self, connection: Connection, request: web.Request) -> None:
        if request.query.get("v", str(events.API_VERSION)) != str(events.API_VERSION):
            await connection.close(INVALID_API_VERSION, "Invalid API version")
            return
        hello = {
            "op": HELLO,
            "d": {"heartbeat_interval": self.heartbeat_interval},
            "s": None,
            "t": None,
        }
        await connection.send(hello)
        self._changed()
        async for message in connection.ws:
            if message.type is not WSMsgType.TEXT:
                await connection.close(DECODE_ERROR, "Decode error")
                return
            await self._receive(connection, message.data)

    async def _receive(self, connection: Connection, text: str) -> None:
        try:
            frame: Frame = json.loads(text)
            handler = self._ops.get(frame.get("op", -1))
        except (ValueError, AttributeError):
            await connection.close(DECODE_ERROR, "Decode error")
            return
        if handler is None:
            await connection.close(UNKNOWN_OPCODE, "Unknown opcode")
        elif connection.session is None and frame["op"] not in (HEARTBEAT, IDENTIFY, RESUME):
            await connection.close(NOT_AUTHENTICATED, "Not authenticated")
        else:
            await handler(connection, frame.get("d"))

    def _detach(self, connection: Connection) -> None:
        session = connection.session
        if session is not None and session.connection is connection:
            session.connection = None
            client_ended = (
                not connection.closed_by_server and connection.ws.close_code in CLIENT_ENDS_SESSION
            )
            if client_ended:
                session.invalidated = True
        self._changed()

    # -- opcodes -----------------------------------------------------------------------------

    async def _heartbeat(self, connection: Connection, _: Any) -> None:
        self.heartbeats += 1
        if self.ack_heartbeats:
            await connection.send({"op": HEARTBEAT_ACK})
        self._changed()

    async def _identify(self, connection: Connection, data: Payload) -> None:
        failure = self._identify_failure(connection, data)
        if failure is not None:
            await connection.close(*failure)
            return
        identify = {k: v for k, v in data.items() if k != "token"}
        session = GatewaySession(
            id=uuid.uuid4().hex, intents=int(data["intents"]), identify=identify
        )
        self.sessions.append(session)
        self.identifies.append(identify)
        async with session.lock:
            self._attach(connection, session)
            await self._send_initial_state(session, data.get("shard"))
        self._changed()

    def _identify_failure(self, connection: Connection, data: Payload) -> tuple[int, str] | None:
        if connection.session is not None:
            return ALREADY_AUTHENTICATED, "Already authenticated"
        if data.get("token") != self._state.token:
            return AUTHENTICATION_FAILED, "Authentication failed"
        intents = data.get("intents")
        if not isinstance(intents, int) or intents & ~events.KNOWN_INTENTS:
            return INVALID_INTENTS, "Invalid intent(s)"
        if intents & ~self.allowed_intents:
            return DISALLOWED_INTENTS, "Disallowed intent(s)"
        return None

    async def _send_initial_state(self, session: GatewaySession, shard: list[int] | None) -> None:
        await session.emit("READY", events.ready(self._state, session.id, self.resume_url, shard))
        for record in self._state.guilds.values():
            data = events.guild_create(self._state, record, session.intents)
            view = events.view_for(self._state, session.intents, "GUILD_CREATE", data)
            if view is not None:
                await session.emit("GUILD_CREATE", view)

    async def _resume(self, connection: Connection, data: Payload) -> None:
        if data.get("token") != self._state.token:
            await connection.close(AUTHENTICATION_FAILED, "Authentication failed")
            return
        session = self._resumable(data)
        if session is None:
            await connection.send({"op": INVALID_SESSION, "d": False, "s": None, "t": None})
            return
        self.resumes.append({k: v for k, v in data.items() if k != "token"})
        async with session.lock:
            self._attach(connection, session)
            for frame in session.history:
                if frame["s"] > int(data.get("seq") or 0):
                    await connection.send(frame)
            await session.emit("RESUMED", {})
        self._changed()

    def _resumable(self, data: Payload) -> GatewaySession | None:
        found = next((s for s in self.live_sessions if s.id == data.get("session_id")), None)
        if found is None or int(data.get("seq") or 0) > found.seq:
            return None
        return found

    def _attach(self, connection: Connection, session: GatewaySession) -> None:
        connection.session = session
        session.connection = connection

    async def _presence(self, _: Connection, data: Payload) -> None:
        self.presences.append(data)
        self._changed()

    async def _request_members(self, connection: Connection, data: Payload) -> None:
        record = self._state.guild(data["guild_id"])
        members = [m for m in record.members.values() if _requested(m, data)]
        limit = int(data.get("limit") or 0)
        chunk: Payload = {
            "guild_id": record.id,
            "members": members[:limit] if limit else members,
            "chunk_index": 0,
            "chunk_count": 1,
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        session = connection.session
        assert session is not None  # _receive lets only identified connections get here
        async with session.lock:
            await session.emit("GUILD_MEMBERS_CHUNK", chunk)

    # -- dispatching and controls ------------------------------------------------------------

    async def dispatch(self, event: str, data: Payload) -> None:
        """Send an event to every live session that would receive it (buffered if offline)."""
        sessions = self.live_sessions
        if not sessions:
            self.undelivered.append((event, data))
        for session in sessions:
            view = events.view_for(self._state, session.intents, event, data)
            if view is None:
                self.filtered.append((event, data))
                continue
            async with session.lock:
                await session.emit(event, view)
        self._changed()

    async def drop(self) -> None:
        """Cut every connection without a close frame, like a network failure."""
        for connection in self.open_connections:
            connection.closed_by_server = True
            if isinstance(connection.transport, asyncio.WriteTransport):
                connection.transport.abort()

    async def close(self, code: int = UNKNOWN_ERROR, reason: str = "") -> None:
        """Close every connection with a close code (4004 and friends end the session)."""
        for connection in self.open_connections:
            if code in SESSION_ENDING_CODES and connection.session is not None:
                connection.session.invalidated = True
            await connection.close(code, reason)

    async def reconnect(self) -> None:
        """Send RECONNECT (op 7): the client should reconnect and resume."""
        await self._send_op(RECONNECT, None)

    async def invalidate_session(self, resumable: bool = False) -> None:
        """Send INVALID_SESSION (op 9); with `resumable=False` the session is gone."""
        for connection in self.open_connections:
            if connection.session is not None and not resumable:
                connection.session.invalidated = True
        await self._send_op(INVALID_SESSION, resumable)

    async def _send_op(self, op: int, data: Any) -> None:
        for connection in self.open_connections:
            await _send_quietly(connection, {"op": op, "d": data, "s": None, "t": None})
