"""The console platform: a support channel in the terminal, where you type as several people.

    alice: my printer is on fire        alice posts in #support (a new ticket)
    bob: /ticket claim 1                bob runs a command
    bob: #1 have you tried turning it off and on?   bob replies in ticket 1's thread
    /as carol                           from now on, lines without "name:" are carol's
    /help, /quit

Like every adapter it only translates: lines into messages and commands for the desk, and
the desk's notices and answers into printed lines.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sys
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import TextIO

from bot.desk_settings import CONSOLE_LEADS, CONSOLE_SUPPORT, CONSOLE_TRIAGE, CONSOLE_WORKSPACE
from handlers import texts
from handlers.desk import Desk
from handlers.models import Command, Inbound, InboundKind, Notice, NoticeKind, Person, Place

log = logging.getLogger(__name__)

PLATFORM = "console"
COMMAND = "/ticket"
SETTLE_TIMEOUT = 2.0
_SPEAKER = re.compile(r"([A-Za-z][\w.-]{0,31}):\s+(.*)")
_THREAD = re.compile(r"#(\d{1,18})(?:\s+(.*))?")
_MENTION = re.compile(r"@([A-Za-z][\w.-]{0,31})")

HELP = """\
deskbot console: you are in #support. Type as someone, e.g.
  alice: my printer is on fire        (a customer opens a ticket)
  bob: /ticket claim 1                (an agent runs a command; /ticket help lists them)
  bob: #1 try turning it off and on   (a reply in ticket 1's thread)
  /as carol                           (lines without "name:" are now carol's)
  /help  this text      /quit  leave (end of input works too)"""


@dataclass(frozen=True)
class Line:
    """One typed line, understood: who speaks, in which ticket's thread, and what."""

    speaker: str
    ticket: int | None
    text: str


def parse_line(line: str, speaker: str | None) -> Line | str | None:
    """Read a typed line; a string is a hint for the typist, None means nothing to do."""
    text = line.strip()
    if not text:
        return None
    match = _SPEAKER.fullmatch(text)
    if match:
        speaker, text = match.group(1), match.group(2).strip()
    if speaker is None:
        return 'Who is speaking? Start with a name, like "alice: hello", or type /as alice.'
    ticket = None
    thread = _THREAD.fullmatch(text)
    if thread:
        ticket, text = int(thread.group(1)), (thread.group(2) or "").strip()
    return Line(speaker, ticket, text)


def person(name: str) -> Person:
    return Person(PLATFORM, name, name)


async def stdin_lines(stream: TextIO = sys.stdin) -> AsyncIterator[str]:
    """Yield lines typed on `stream` without blocking the event loop (EOF ends it)."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def pump() -> None:
        # A daemon thread: a blocked read must never hold the process open at exit.
        for line in stream:
            loop.call_soon_threadsafe(queue.put_nowait, line)
        loop.call_soon_threadsafe(queue.put_nowait, None)

    threading.Thread(target=pump, name="console-stdin", daemon=True).start()
    while (line := await queue.get()) is not None:
        yield line


class ConsoleAdapter:
    """Reads lines, hands them to the desk, and prints what the desk says."""

    platform = PLATFORM

    def __init__(
        self,
        desk: Desk,
        out: TextIO = sys.stdout,
        settle: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.desk = desk
        self.out = out
        self.speaker: str | None = None
        # In a terminal, what a line causes should print before the next line is read.
        self.settle = settle

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    async def run(self, lines: AsyncIterator[str]) -> None:
        """Serve typed lines until /quit or the end of input."""
        self.say(HELP)
        async for raw in lines:
            try:
                if not await self.handle(raw):
                    return
            except Exception:
                # One line's failure is ours to fix, not a reason to end the session.
                log.exception("The console could not handle %r", raw.strip())
                self.say(texts.unexpected_failure())
            await self._settle()

    async def _settle(self) -> None:
        if self.settle is None:
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(SETTLE_TIMEOUT):
                await self.settle()

    async def handle(self, raw: str) -> bool:
        """Act on one line; False means the typist asked to leave."""
        text = raw.strip()
        if text in ("/quit", "/exit"):
            return False
        if text == "/help":
            self.say(HELP)
        elif text.startswith("/as"):
            self._switch(text.removeprefix("/as").strip())
        else:
            parsed = parse_line(text, self.speaker)
            if isinstance(parsed, str):
                self.say(parsed)
            elif parsed is not None:
                self.speaker = parsed.speaker
                await self._speak(parsed)
        return True

    def _switch(self, name: str) -> None:
        if not _SPEAKER.fullmatch(f"{name}: x"):
            self.say("Usage: /as <name>, e.g. /as carol")
            return
        self.speaker = name
        self.say(f"(you are now {name})")

    async def _speak(self, line: Line) -> None:
        place = await self._place(line)
        if place is None:
            self.say(f"(only {line.speaker} sees) No ticket #{line.ticket} here.")
            return
        if line.text == COMMAND or line.text.startswith(COMMAND + " "):
            await self._command(line, place)
        else:
            await self._message(line, place)

    async def _place(self, line: Line) -> Place | None:
        support = Place(CONSOLE_WORKSPACE, CONSOLE_SUPPORT)
        if line.ticket is None:
            return support
        ticket = await self.desk.ticket(line.ticket)
        if ticket is None or ticket.place.workspace != CONSOLE_WORKSPACE:
            return None
        return ticket.place

    async def _command(self, line: Line, place: Place) -> None:
        text = line.text.removeprefix(COMMAND).strip()
        mentions = tuple(person(name) for name in _MENTION.findall(text))
        reply = await self.desk.execute(Command(person(line.speaker), place, text, mentions))
        self.say(_private(line.speaker, reply.text))

    async def _message(self, line: Line, place: Place) -> None:
        message_id = uuid.uuid4().hex[:16]
        inbound = Inbound(
            kind=InboundKind.POSTED,
            dedupe_key=f"console:{message_id}",
            place=place,
            message_id=message_id,
            author=person(line.speaker),
            text=line.text,
        )
        result = await self.desk.receive(inbound)
        if result.reply:
            self.say(_private(line.speaker, result.reply))

    def leads_workspace(self) -> str:
        return CONSOLE_WORKSPACE

    async def deliver(self, notice: Notice, edit_of: str | None) -> str:
        """Print a notice where it would appear; return its console message id."""
        message_id = edit_of or f"bot-{uuid.uuid4().hex[:12]}"
        self.say(render(notice, edited=edit_of is not None))
        return message_id


def _private(speaker: str, text: str) -> str:
    return _indent(f"(only {speaker} sees) ", text)


def _indent(head: str, text: str) -> str:
    pad = " " * len(head)
    first, *rest = text.splitlines() or [""]
    return "\n".join([head + first, *(pad + line for line in rest)])


_CHANNEL_NAMES = {CONSOLE_SUPPORT: "#support", CONSOLE_TRIAGE: "#triage", CONSOLE_LEADS: "#leads"}


def render(notice: Notice, *, edited: bool) -> str:
    """A notice as a printed line, labelled with where it appears."""
    channel = _CHANNEL_NAMES.get(notice.place.channel, f"#{notice.place.channel}")
    mentions = " ".join(f"@{mention.id}" for mention in notice.mentions)
    text = f"{mentions} {notice.text}" if mentions else notice.text
    if notice.kind is NoticeKind.CARD:
        label = "card updated" if edited else "new card"
        return _indent(f"  [{channel}] {label}: ", text)
    if notice.direct_to is not None:
        return _indent(f"  [direct message to {notice.direct_to}] deskbot: ", notice.text)
    where = f"{channel} › ticket #{notice.ticket_id}" if notice.place.thread else channel
    return _indent(f"  [{where}] deskbot: ", text)
