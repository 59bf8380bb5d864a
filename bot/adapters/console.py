"""The console platform: a support channel in the terminal, where you type as several people.

    alice: my printer is on fire        alice posts in #support (a new ticket)
    bob: /ticket claim 1                bob runs a command
    bob: #1 have you tried turning it off and on?   bob replies in ticket 1's thread
    alice: /dm my invoice is wrong      alice writes to deskbot directly (a private ticket)
    /as carol                           lines without a name are carol's from now on
    /help, /quit

Who speaks is never guessed: a line starts with a lowercase name and a colon, or belongs to
the speaker chosen with `/as` (the prompt shows who), or gets a hint. Names are lowercase so
that an ordinary sentence like "Update: still broken" is text, not a speaker. A line that
starts with `/` is a console command or `/ticket …`; anything else is refused, not posted.

Like every adapter it only translates: lines into messages and commands for the desk, and
the desk's notices and answers into printed lines, wrapped to the terminal's width.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import shutil
import sys
import textwrap
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import ClassVar, TextIO

from bot.config import Config
from bot.platform import RoleKeys, Services
from handlers.desk import Desk
from handlers.intake import Outcome
from handlers.models import Command, Inbound, InboundKind, Notice, NoticeKind, Person, Place
from handlers.settings import Capabilities, PlatformPlaces
from handlers.texts import Texts

log = logging.getLogger(__name__)

PLATFORM = "console"
CONSOLE_WORKSPACE = "console:local"
CONSOLE_SUPPORT, CONSOLE_TRIAGE, CONSOLE_LEADS = "support", "triage", "leads"
COMMAND = "/ticket"
SETTLE_TIMEOUT = 2.0
NAME = r"[a-z][a-z0-9_.-]{0,31}"
_NAME = re.compile(NAME)
_SPEAKER = re.compile(rf"({NAME}):(?:\s+(.*))?")
_THREAD = re.compile(r"#(\d{1,18})(?:\s+(.*))?")
_MENTION = re.compile(r"@([A-Za-z][\w.-]{0,31})")
QUIT, HELP_COMMAND, AS = ("/quit", "/exit"), "/help", "/as"
DIRECT = "/dm"  # after a name: the line is a direct message to deskbot
DM_CHANNEL = "dm:"  # a person's direct messages with deskbot: `dm:alice`


# -- what the console itself says, in the desk's language ---------------------------------


def console_help(t: Texts) -> str:
    return t.say(
        "deskbot console: you are in #support, typing as several people.\n"
        "Start a line with who speaks, a lowercase name and a colon:\n"
        "  alice: my printer is on fire  a customer posts: a new ticket\n"
        "  bob: /ticket claim 1          an agent's command (/ticket help lists them)\n"
        "  bob: #1 try the other tray    a reply in ticket 1's thread\n"
        "  alice: /dm my card was charged twice   a direct message to deskbot: a private"
        " ticket\n"
        '("Update: still broken" is text: Update is not a lowercase name.)\n'
        "  /as carol   lines without a name are carol's (the prompt shows who)\n"
        "  /help       this text\n"
        "  /quit       leave (end of input works too)"
    )


def who_speaks(t: Texts) -> str:
    return t.say(
        'Who is speaking? Start the line with a lowercase name, like "alice: hello",'
        " or choose a speaker with /as alice."
    )


def as_usage(t: Texts) -> str:
    return t.say("Usage: /as <name>, a lowercase name like /as carol.")


def unknown_console_command(t: Texts, word: str) -> str:
    """Refuse a line that starts with a /command the console does not have."""
    return t.say("Unknown console command {word}; /help lists them.", word=word)


def unknown_command(t: Texts, word: str) -> str:
    """Refuse a /command after a name or a ticket number: only /ticket works there."""
    return t.say(
        "Unknown command {word}; only /ticket … runs here (/ticket help lists its commands).",
        word=word,
    )


@dataclass(frozen=True)
class Line:
    """One typed line, understood: who speaks, where (a ticket's thread, or their direct
    messages with deskbot), and what."""

    speaker: str
    ticket: int | None
    text: str
    direct: bool = False


def parse_line(line: str, speaker: str | None, t: Texts) -> Line | str | None:
    """Read a typed line; a string is a hint for the typist, None means nothing to do.

    `speaker` is the one chosen with /as: a line without a name of its own is theirs.
    """
    text = line.strip()
    if not text:
        return None
    match = _SPEAKER.fullmatch(text)
    if match:
        speaker, text = match.group(1), (match.group(2) or "").strip()
    elif speaker is None:
        return who_speaks(t)
    word, _, rest = text.partition(" ")
    if word == DIRECT:
        return Line(speaker, None, rest.strip(), direct=True)
    ticket = None
    thread = _THREAD.fullmatch(text)
    if thread:
        ticket, text = int(thread.group(1)), (thread.group(2) or "").strip()
    word = text.split(maxsplit=1)[0] if text else ""
    if word.startswith("/") and word != COMMAND:
        return unknown_command(t, word)
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
        *,
        prompt: bool = False,
        wrap: bool = False,
    ) -> None:
        self.desk = desk
        self.texts = desk.settings.texts_for(PLATFORM)
        self.out = out
        self.speaker: str | None = None
        # In a terminal, what a line causes should print before the next line is read.
        self.settle = settle
        self.prompt = prompt  # someone types at a terminal: show whose line comes next
        self.wrap = wrap  # `out` is a terminal: fit lines to its width
        self._prompting = False

    def say(self, text: str, head: str = "") -> None:
        """Print `text` after `head`, its later lines aligned under the first."""
        self._print(block(head, text, self._width()))

    def _print(self, text: str) -> None:
        interrupted = self._prompting
        if interrupted:  # a notice arrived while waiting at the prompt: start a fresh line
            self.out.write("\n")
        print(text, file=self.out, flush=True)
        if interrupted:
            self._prompt()

    def _width(self) -> int | None:
        # Asked each time, so that a resized terminal is followed. One column spare keeps a
        # full line from wrapping a second time in terminals that wrap at the last column.
        return shutil.get_terminal_size().columns - 1 if self.wrap else None

    def _prompt(self) -> None:
        if self.prompt:
            self.out.write(f"{self.speaker or ''}> ")
            self.out.flush()
            self._prompting = True

    async def run(self, lines: AsyncIterator[str]) -> None:
        """Serve typed lines until /quit or the end of input."""
        self.say(console_help(self.texts))
        self._prompt()
        async for raw in lines:
            self._prompting = False  # the typist's Enter ended the prompt's line
            try:
                if not await self.handle(raw):
                    return
            except Exception:
                # One line's failure is ours to fix, not a reason to end the session.
                log.exception("The console could not handle %r", raw.strip())
                self.say(self.texts.unexpected_failure())
            await self._settle()
            self._prompt()
        if self._prompting:  # end of input typed at the prompt: leave the shell a clean line
            self.out.write("\n")
            self._prompting = False

    async def _settle(self) -> None:
        if self.settle is None:
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(SETTLE_TIMEOUT):
                await self.settle()

    async def handle(self, raw: str) -> bool:
        """Act on one line; False means the typist asked to leave."""
        text = raw.strip()
        word, _, rest = text.partition(" ")
        if word in QUIT:
            return False
        if word == HELP_COMMAND:
            self.say(console_help(self.texts))
        elif word == AS:
            self._switch(rest.strip())
        elif word.startswith("/") and word != COMMAND:
            self.say(unknown_console_command(self.texts, word))
        else:
            parsed = parse_line(text, self.speaker, self.texts)
            if isinstance(parsed, str):
                self.say(parsed)
            elif parsed is not None:
                await self._speak(parsed)
        return True

    def _switch(self, name: str) -> None:
        if not _NAME.fullmatch(name):
            self.say(as_usage(self.texts))
            return
        self.speaker = name
        self.say(self.texts.say("(you are now {name})", name=name))

    async def _speak(self, line: Line) -> None:
        place = await self._place(line)
        if place is None:
            self._private(line.speaker, self.texts.say("No ticket #{id} here.", id=line.ticket))
            return
        if line.text == COMMAND or line.text.startswith(COMMAND + " "):
            await self._command(line, place)
        else:
            await self._message(line, place)

    async def _place(self, line: Line) -> Place | None:
        if line.direct:
            return Place(CONSOLE_WORKSPACE, DM_CHANNEL + line.speaker)
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
        self._private(line.speaker, reply.text)

    async def _message(self, line: Line, place: Place) -> None:
        message_id = uuid.uuid4().hex[:16]
        inbound = Inbound(
            kind=InboundKind.POSTED,
            dedupe_key=f"console:{message_id}",
            place=place,
            message_id=message_id,
            author=person(line.speaker),
            text=line.text,
            direct=line.direct,
        )
        result = await self.desk.receive(inbound)
        if result.reply:
            self._private(line.speaker, result.reply)
        elif result.outcome is Outcome.APPENDED:
            # In a chat the message would show in the thread; here, say where it went.
            added = self.texts.say(
                "({name}'s message added to ticket #{id})", name=line.speaker, id=result.ticket_id
            )
            self.say(added)

    def _private(self, speaker: str, text: str) -> None:
        self.say(text, head=self.texts.say("(only {name} sees) ", name=speaker))

    def leads_workspace(self) -> str:
        return CONSOLE_WORKSPACE

    async def deliver(self, notice: Notice, edit_of: str | None) -> str:
        """Print a notice where it would appear; return its console message id."""
        message_id = edit_of or f"bot-{uuid.uuid4().hex[:12]}"
        printed = render(notice, self.texts, edited=edit_of is not None, width=self._width())
        self._print(printed)
        return message_id


class ConsolePlatform:
    """The console as a `Platform`: on when the config asks, or when no chat platform is."""

    name: ClassVar[str] = PLATFORM
    # It prints edits, direct messages and private answers, labelled; a file it cannot show.
    capabilities: ClassVar[Capabilities] = Capabilities(
        files=False, direct_messages=True, ephemeral=True, edits=True
    )
    role_keys: ClassVar[RoleKeys] = RoleKeys(users=("console_users",))

    def __init__(self, adapter: ConsoleAdapter, lines: AsyncIterator[str]) -> None:
        self.adapter = adapter
        self.lines = lines

    @classmethod
    def enabled(cls, config: Config) -> bool:
        return config.console_enabled

    @classmethod
    def places(cls, config: Config) -> PlatformPlaces:
        # `/dm` is how the demo shows private tickets: always on, as the console is a demo.
        return PlatformPlaces(
            frozenset({CONSOLE_SUPPORT}), CONSOLE_TRIAGE, CONSOLE_LEADS, direct_messages=True
        )

    @classmethod
    def locale(cls, config: Config) -> str | None:
        return config.console.locale

    @classmethod
    def allowed_bots(cls, config: Config) -> frozenset[str]:
        return frozenset()

    @classmethod
    def from_config(cls, config: Config, desk: Desk, services: Services) -> ConsolePlatform | None:
        """Read typed lines (stdin when none are given) and print to `services.out`."""
        if not cls.enabled(config):
            return None
        out, lines = services.out, services.lines
        typed = lines is None and sys.stdin.isatty()
        adapter = ConsoleAdapter(
            desk, out, settle=services.settle, prompt=typed and out.isatty(), wrap=out.isatty()
        )
        return cls(adapter, lines or stdin_lines())

    @property
    def sender(self) -> ConsoleAdapter:
        return self.adapter

    async def run(self) -> None:
        await self.adapter.run(self.lines)

    async def connected(self) -> bool:
        """The terminal is always there while the console runs."""
        return True

    def leads_workspace(self) -> str:
        return self.adapter.leads_workspace()


def block(head: str, text: str, width: int | None = None) -> str:
    """`text` after `head`, later lines under its first, each wrapped to `width` if given."""
    pad = " " * len(head)
    if width is not None and len(pad) > width // 2:
        pad = "    "  # a narrow terminal: leave the words room
    printed = []
    for index, line in enumerate(text.splitlines() or [""]):
        first = head if index == 0 else pad
        if width is None:
            printed.append((first + line).rstrip())
            continue
        # An indented line is an item of a list: its continuation hangs under the item.
        lead = line[: len(line) - len(line.lstrip())]
        indent = pad + lead + ("  " if lead else "")
        wrapped = textwrap.wrap(
            line,
            width,
            initial_indent=first,
            subsequent_indent=indent,
            break_long_words=False,  # links and ids stay whole, and clickable
            break_on_hyphens=False,
        )
        printed.extend(wrapped or [first.rstrip()])
    return "\n".join(printed)


_CHANNEL_NAMES = {CONSOLE_SUPPORT: "#support", CONSOLE_TRIAGE: "#triage", CONSOLE_LEADS: "#leads"}


def render(notice: Notice, t: Texts, *, edited: bool, width: int | None = None) -> str:
    """A notice as printed lines, labelled with where it appears."""
    channel = _CHANNEL_NAMES.get(notice.place.channel, f"#{notice.place.channel}")
    if notice.place.channel.startswith(DM_CHANNEL):
        name = notice.place.channel.removeprefix(DM_CHANNEL)
        channel = t.say("direct message to {name}", name=name)
    mentions = " ".join(f"@{mention.id}" for mention in notice.mentions)
    text = f"{mentions} {notice.text}" if mentions else notice.text
    if notice.kind is NoticeKind.CARD:
        label = t.say("card updated") if edited else t.say("new card")
        return block(f"  [{channel}] {label}: ", text, width)
    if notice.direct_to is not None:
        to = t.say("direct message to {name}", name=notice.direct_to)
        return block(f"  [{to}] deskbot: ", notice.text, width)
    if notice.place.thread:
        where = t.say("{channel} › ticket #{id}", channel=channel, id=notice.ticket_id)
    else:
        where = channel
    return block(f"  [{where}] deskbot: ", text, width)
