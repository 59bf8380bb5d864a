"""Socket Mode: the websocket Slack pushes envelopes over and the client acknowledges on.

`apps.connections.open` hands out a one-time URL; on connect the server says `hello`, then
pushes envelopes; the client answers each with `{"envelope_id": ..., "payload": ...}`. Slack
asks a client to move with `{"type": "disconnect", "reason": ...}`; the client then calls
`apps.connections.open` again and opens a new socket.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from aiohttp import WSMessage, WSMsgType, web

from .ids import AppIdentity, new_secret

JsonDict = dict[str, Any]
_DEBUG_INFO = {"host": "applink-fake-1", "build_number": 1, "approximate_connection_time": 18060}


class SocketModeHub:
    """The server end of Socket Mode: tickets, open sockets, pushed envelopes and their acks."""

    def __init__(self, identity: AppIdentity, wait_timeout: float) -> None:
        self._identity = identity
        self._wait_timeout = wait_timeout
        self._tickets: set[str] = set()
        self._open: list[web.WebSocketResponse] = []
        self._acks: dict[str, list[JsonDict]] = defaultdict(list)
        self._acks_taken: dict[str, int] = defaultdict(int)
        self._changed = asyncio.Condition()
        self.connections_made = 0
        self.pings_answered = 0
        self.sent: list[JsonDict] = []
        self.received: list[JsonDict] = []

    def issue_ticket(self) -> str:
        """Issue a one-time ticket for the next websocket connection."""
        ticket = new_secret(32)
        self._tickets.add(ticket)
        return ticket

    @property
    def open_connections(self) -> int:
        """How many sockets are open right now."""
        return len(self._open)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Serve one websocket: say hello, then collect acks until it closes."""
        ticket = request.query.get("ticket", "")
        if ticket not in self._tickets:
            return web.json_response({"ok": False, "error": "invalid_ticket"}, status=401)
        self._tickets.discard(ticket)
        # Pings are answered by hand (not autoping) so tests can see the client's keep-alive.
        socket = web.WebSocketResponse(autoping=False)
        await socket.prepare(request)
        self._open.append(socket)
        self.connections_made += 1
        await socket.send_json(self._hello())
        await self._notify()
        try:
            async for frame in socket:
                await self._on_frame(socket, frame)
        finally:
            self._open.remove(socket)
            await self._notify()
        return socket

    def _hello(self) -> JsonDict:
        return {
            "type": "hello",
            "num_connections": len(self._open),
            "debug_info": dict(_DEBUG_INFO),
            "connection_info": {"app_id": self._identity.api_app_id},
        }

    async def _on_frame(self, socket: web.WebSocketResponse, frame: WSMessage) -> None:
        if frame.type == WSMsgType.PING:
            await socket.pong(frame.data)
            self.pings_answered += 1
            await self._notify()
        elif frame.type == WSMsgType.TEXT:
            await self._receive(json.loads(frame.data))

    async def _receive(self, message: JsonDict) -> None:
        self.received.append(message)
        if "envelope_id" in message:
            self._acks[message["envelope_id"]].append(message)
        await self._notify()

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _wait(self, predicate: Callable[[], bool], what: str) -> None:
        try:
            async with asyncio.timeout(self._wait_timeout), self._changed:
                await self._changed.wait_for(predicate)
        except TimeoutError:
            seconds = self._wait_timeout
            raise TimeoutError(f"The fake Slack waited {seconds}s for {what}.") from None

    async def send(self, envelope: JsonDict) -> str:
        """Push an envelope on the newest open socket and return its envelope id."""
        if not self._open:
            raise RuntimeError("No Socket Mode client is connected to the fake Slack.")
        await self._open[-1].send_str(json.dumps(envelope))
        self.sent.append(envelope)
        return str(envelope["envelope_id"])

    async def ack(self, envelope_id: str) -> JsonDict:
        """Wait for the next unread ack of `envelope_id` and return it."""
        index = self._acks_taken[envelope_id]
        self._acks_taken[envelope_id] = index + 1  # reserved first: concurrent waiters differ
        await self._wait(lambda: len(self._acks[envelope_id]) > index, f"ack {envelope_id}")
        return self._acks[envelope_id][index]

    def acks(self, envelope_id: str) -> list[JsonDict]:
        """Every ack received for `envelope_id`, in order."""
        return list(self._acks[envelope_id])

    async def wait_connected(self, connections_made: int) -> None:
        """Wait until `connections_made` sockets have been opened in all and one is open now."""
        await self._wait(
            lambda: self.connections_made >= connections_made and bool(self._open),
            f"Socket Mode connection #{connections_made}",
        )

    async def wait_pings(self, count: int) -> None:
        """Wait until `count` client pings have been answered with pongs."""
        await self._wait(lambda: self.pings_answered >= count, f"{count} pings")

    async def disconnect(self, reason: str) -> None:
        """Ask the client to move (`disconnect` message), then close the socket it leaves."""
        if not self._open:
            raise RuntimeError("No Socket Mode client is connected to the fake Slack.")
        socket = self._open[-1]
        message = {
            "type": "disconnect",
            "reason": reason,
            "debug_info": {"host": _DEBUG_INFO["host"]},
        }
        await socket.send_json(message)
        self.sent.append(message)
        try:
            await self._wait(lambda: socket not in self._open, "the client to leave")
        except TimeoutError:
            await socket.close(code=1001, message=b"disconnect")

    async def close_all(self) -> None:
        """Close every open socket (the fake is shutting down)."""
        for socket in list(self._open):
            await socket.close(code=1001, message=b"server shutdown")
