"""The console platform: typed lines become messages and commands; notices are printed."""

from __future__ import annotations

import asyncio
import io
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.adapters import console
from bot.adapters.console import CONSOLE_WORKSPACE, ConsoleAdapter, Line, parse_line
from handlers.desk import Desk
from handlers.models import Notice, NoticeKind, Place
from handlers.texts import ENGLISH

ROOT = Path(__file__).resolve().parents[2]


WHO = console.who_speaks(ENGLISH)


@pytest.mark.parametrize(
    ("typed", "speaker", "expected"),
    [
        ("alice: my printer is on fire", None, Line("alice", None, "my printer is on fire")),
        ("bob: /ticket claim 1", "alice", Line("bob", None, "/ticket claim 1")),
        ("bob: #1 try again", None, Line("bob", 1, "try again")),
        ("#2 thanks", "alice", Line("alice", 2, "thanks")),
        ("just text", "carol", Line("carol", None, "just text")),
        ("see http://x.y:80/z", "carol", Line("carol", None, "see http://x.y:80/z")),
        ("Update: still broken", "carol", Line("carol", None, "Update: still broken")),
        ("erin.k-2: hi", None, Line("erin.k-2", None, "hi")),
        ("alice:", "carol", Line("alice", None, "")),
        ("re:thing", "carol", Line("carol", None, "re:thing")),
        ("/ticket list", "carol", Line("carol", None, "/ticket list")),
        ("   ", "carol", None),
        ("hello", None, WHO),
        ("Update: still broken", None, WHO),
        ("#1 thanks", None, WHO),
        ("alice: /foo bar", None, console.unknown_command(ENGLISH, "/foo")),
        ("#1 /tickets", "carol", console.unknown_command(ENGLISH, "/tickets")),
    ],
)
def test_lines_are_understood(typed: str, speaker: str | None, expected: Line | str | None) -> None:
    """A lowercase `name: text` speaks as name; other lines are the /as speaker's, or a hint."""
    assert parse_line(typed, speaker, ENGLISH) == expected


class Typed:
    """Lines typed into a console, one at a time, with time for notices in between."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[str | None] = asyncio.Queue()
        self.waiting = asyncio.Event()  # set once the console asks for a line not yet typed

    def type(self, *lines: str) -> None:
        for line in lines:
            self.queue.put_nowait(line)

    def end(self) -> None:
        self.queue.put_nowait(None)

    async def __aiter__(self) -> AsyncIterator[str]:
        while True:
            if self.queue.empty():
                self.waiting.set()
            line = await self.queue.get()
            if line is None:
                return
            yield line


async def session(desk: Desk, *lines: str, **options: bool) -> str:
    """Run a console over `lines` to the end of input; return everything it printed."""
    out = io.StringIO()
    typed = Typed()
    typed.type(*lines)
    typed.end()
    await ConsoleAdapter(desk, out, **options).run(aiter(typed))
    return out.getvalue().removeprefix(console.console_help(ENGLISH) + "\n")


async def test_a_line_without_a_name_is_never_guessed(desk: Desk) -> None:
    """After `alice: …`, a line without a name gets a hint instead of being alice's."""
    out = await session(desk, "alice: my printer is on fire", "it is still burning")
    assert out.splitlines()[-1] == WHO
    assert await desk.ticket(2) is None


async def test_a_sentence_with_a_colon_is_not_a_speaker(desk: Desk) -> None:
    """`Update: still broken` after /as alice is alice's message, not a ticket from "Update"."""
    await session(desk, "/as alice", "Update: still broken")
    ticket = await desk.ticket(1)
    assert ticket is not None
    assert (ticket.customer.name, ticket.subject) == ("alice", "Update: still broken")


@pytest.mark.parametrize("typed", ["/foo", "/ask", "/ticketing 1", "/"])
async def test_unknown_console_commands_are_refused(desk: Desk, typed: str) -> None:
    """A line starting with an unknown /command is refused: no ticket, no speaker change."""
    out = await session(desk, "/as carol", typed, "/as")
    word = typed.split()[0]
    assert f"Unknown console command {word}; /help lists them." in out
    assert await desk.ticket(1) is None


@pytest.mark.parametrize("typed", ["/as", "/as Carol", "/as carol smith", "/as @carol"])
async def test_as_without_a_lowercase_name_shows_its_usage(desk: Desk, typed: str) -> None:
    """`/as` needs one lowercase name; anything else is answered with the usage."""
    out = await session(desk, typed, "hello", prompt=True)
    assert console.as_usage(ENGLISH) in out
    assert WHO in out


async def test_prompt_shows_who_is_speaking(desk: Desk) -> None:
    """At a terminal the prompt is `> ` until /as carol, then `carol> `."""
    out = await session(desk, "/as carol", "/as dave", prompt=True)
    assert out == "> (you are now carol)\ncarol> (you are now dave)\ndave> \n"


async def test_no_prompt_when_input_is_not_typed_at_a_terminal(desk: Desk) -> None:
    """Piped input prints answers only, so a scripted demo reads cleanly."""
    assert await session(desk, "/as carol") == "(you are now carol)\n"


async def test_a_notice_at_the_prompt_gets_its_own_line(desk: Desk) -> None:
    """A notice arriving while the typist waits is printed below the prompt, which follows."""
    out = io.StringIO()
    adapter = ConsoleAdapter(desk, out, prompt=True)
    typed = Typed()
    typed.type("/as bob")
    running = asyncio.create_task(adapter.run(aiter(typed)))
    await typed.waiting.wait()
    notice = Notice(NoticeKind.REMINDER, Place(CONSOLE_WORKSPACE, "triage"), "#1 is waiting")
    await adapter.deliver(notice, None)
    typed.end()
    await running
    assert out.getvalue().endswith("bob> \n  [#triage] deskbot: #1 is waiting\nbob> \n")


async def test_a_reply_in_a_thread_is_confirmed(desk: Desk) -> None:
    """`alice: #1 thanks` answers with a short line saying where the message went."""
    out = await session(desk, "alice: my printer is on fire", "alice: #1 thanks")
    assert out.splitlines()[-1] == "(alice's message added to ticket #1)"


def test_long_text_wraps_under_its_head() -> None:
    """Wrapped lines hang under the text's first word; list items hang under their item."""
    text = "one two three four five six\n  - seven eight nine ten"
    assert console.block("(only bob sees) ", text, 32).splitlines() == [
        "(only bob sees) one two three",
        "                four five six",
        "                  - seven eight",
        "                    nine ten",
    ]


def test_a_narrow_terminal_keeps_room_for_the_words() -> None:
    """When the head would take more than half the width, wrapped lines hang by four."""
    assert console.block("(only bob sees) ", "one two three four", 30).splitlines() == [
        "(only bob sees) one two three",
        "    four",
    ]


def test_a_long_link_is_never_broken() -> None:
    """A word longer than the line (a link) stays whole on a line of its own."""
    link = "https://example.com/" + "x" * 40
    assert console.block("", f"see {link} now", 30).splitlines() == ["see", link, "now"]


async def test_output_wraps_to_the_terminal_width(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At a terminal, answers are wrapped to its width and lose no word."""
    monkeypatch.setenv("COLUMNS", "60")
    wide = await session(desk, "bob: /ticket help")
    wrapped = await session(desk, "bob: /ticket help", wrap=True)
    assert max(len(line) for line in wide.splitlines()) > 59
    assert max(len(line) for line in wrapped.splitlines()) <= 59
    assert wrapped.split() == console.console_help(ENGLISH).split() + wide.split()


def write_config(tmp_path: Path) -> Path:
    config = tmp_path / "config.yaml"
    config.write_text(
        "storage: {path: desk.db}\n"
        "roles: {agents: {console_users: [bob]}, leads: {console_users: [carol]}}\n"
        "sla: {policies: {normal: {first_response: 4h}}}\n"
    )
    return config


def deskbot(*args: str, stdin: str = "", cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
        check=False,
    )


DEMO = """\
alice: my printer is on fire
bob: /ticket claim 1
bob: #1 have you tried turning it off and on again?
alice: #1 that worked, thanks!
bob: /ticket resolve 1 rebooted the printer
dave: /ticket claim 1
/as carol
/ticket list all
"""


def test_console_run_end_to_end(tmp_path: Path) -> None:
    """The real `deskbot run` driven through stdin: answers printed, everything stored."""
    config = write_config(tmp_path)
    result = deskbot("run", "--config", str(config), stdin=DEMO)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "[#support › ticket #1] deskbot: Thanks, alice! This is ticket #1." in out
    assert "[#triage] new card: #1 · my printer is on fire · open" in out
    assert "(only bob sees) You claimed #1 my printer is on fire." in out
    assert "bob has picked up ticket #1." in out
    assert "Ticket #1 was resolved by bob: rebooted the printer" in out
    assert "(only dave sees) /ticket claim is for agents." in out
    assert "(you are now carol)" in out
    assert "#1 · resolved · normal · alice · claimed by bob" in out
    db = sqlite3.connect(tmp_path / "desk.db")
    assert db.execute("SELECT status, assignee_key FROM tickets").fetchall() == [
        ("resolved", "console:bob")
    ]
    roles = db.execute("SELECT role FROM messages ORDER BY id").fetchall()
    assert [role for (role,) in roles] == ["customer", "bot", "bot", "agent", "customer", "bot"]
    assert db.execute(
        "SELECT count(*) FROM outbox WHERE status != 'sent' AND status != 'superseded'"
    ).fetchone() == (0,)


def readme_demo() -> str:
    readme = (ROOT / "README.md").read_text()
    found = re.search(r"python3 dev.py run <<'EOF'\n(.*?)^EOF$", readme, re.DOTALL | re.MULTILINE)
    assert found is not None, "the README's scripted demo moved"
    return found.group(1)


def test_readme_demo_does_what_the_readme_says(tmp_path: Path) -> None:
    """The README's scripted demo, run on the shipped config, prints what the README promises."""
    config = tmp_path / "config.yaml"
    config.write_text((ROOT / "config.yaml").read_text())
    result = deskbot("run", "--config", str(config), stdin=readme_demo())
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "[#support › ticket #1] deskbot: Thanks, alice! This is ticket #1." in out
    assert "[#triage] card updated: #1 · my printer is on fire · claimed" in out
    assert "(bob's message added to ticket #1)" in out
    assert "(alice's message added to ticket #1)" in out
    assert "[#support › ticket #1] deskbot: How did we do on ticket #1, alice?" in out
    assert "(only alice sees) Thank you! You rated ticket #1 5/5, with your comment." in out
    assert "[#triage] new card: #2 · the printer on floor 2 is on fire too" in out
    assert "#1 my printer is on fire — resolved: rebooted the printer" in out  # solved before
    assert "(only dave sees) /ticket claim is for agents." in out
    assert "(only carol sees) 2 tickets (all):" in out
    assert "Who is speaking?" not in out and "Unknown" not in out


def test_console_run_continues_after_a_restart(tmp_path: Path) -> None:
    """A second run on the same database sees the first run's tickets."""
    config = write_config(tmp_path)
    deskbot("run", "--config", str(config), stdin="alice: first\n")
    result = deskbot("run", "--config", str(config), stdin="alice: second\nbob: /ticket list\n")
    assert "This is ticket #2." in result.stdout
    assert "2 tickets (active):" in result.stdout


def test_check_config_summarises_a_valid_file() -> None:
    """`check-config` exits 0 and summarises the shipped config."""
    result = deskbot("check-config", "--config", str(ROOT / "config.yaml"))
    assert result.returncode == 0
    assert "config.yaml is valid." in result.stdout
    assert "platforms: console" in result.stdout


def test_check_config_lists_every_problem(tmp_path: Path) -> None:
    """A bad config exits non-zero with each problem naming its key."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("slak: {}\ntimezone: Nowhere\n")
    result = deskbot("check-config", "--config", str(bad))
    assert result.returncode == 2
    assert "slak: unknown key" in result.stderr
    assert "timezone: 'Nowhere' is not an IANA timezone" in result.stderr


def test_run_refuses_a_database_from_a_newer_version(tmp_path: Path) -> None:
    """Starting on a newer schema fails with a clear message and exit code 1."""
    config = write_config(tmp_path)
    sqlite3.connect(tmp_path / "desk.db").execute("PRAGMA user_version = 999").connection.close()
    result = deskbot("run", "--config", str(config), stdin="")
    assert result.returncode == 1
    assert "written by a newer deskbot" in result.stderr


def test_outbox_command_shows_and_requeues_failures(tmp_path: Path) -> None:
    """`deskbot outbox` lists failed notices with their errors and can queue them again."""
    config = write_config(tmp_path)
    deskbot("run", "--config", str(config), stdin="alice: printer on fire\n")
    db = sqlite3.connect(tmp_path / "desk.db")
    db.execute(
        "UPDATE outbox SET status = 'failed', attempts = 3,"
        " last_error = 'channel_not_found. Check slack.triage_channel.' WHERE kind = 'card'"
    )
    db.commit()
    shown = deskbot("outbox", "--config", str(config))
    assert "pending: 0, failed: 1, sent: 1, superseded: 0" in shown.stdout
    assert (
        "failed card to console:local triage after 3 attempt(s): channel_not_found" in shown.stdout
    )
    again = deskbot("outbox", "--config", str(config), "--retry-failed")
    assert "re-queued 1 failed notice(s)" in again.stdout
    assert db.execute("SELECT status FROM outbox WHERE kind = 'card'").fetchone() == ("pending",)


def readme_chinese_demo() -> tuple[str, str]:
    """The README's Chinese demo: the command that writes its config, and the typed lines."""
    readme = (ROOT / "README.md").read_text()
    found = re.search(
        r"^(sed .*?config.zh_CN.yaml)\npython3 dev.py run --config config.zh_CN.yaml <<'EOF'\n"
        r"(.*?)^EOF$",
        readme,
        re.DOTALL | re.MULTILINE,
    )
    assert found is not None, "the README's Chinese demo moved"
    return found.group(1).replace("\\\n", " "), found.group(2)


def test_readme_chinese_demo_runs_in_chinese_end_to_end(tmp_path: Path) -> None:
    """`locale: zh_CN`: ack, card, claim, resolve, list, why, help, errors and digest in Chinese."""
    shutil.copy(ROOT / "config.yaml", tmp_path / "config.yaml")
    make_config, typed = readme_chinese_demo()
    subprocess.run(["sh", "-c", make_config], cwd=tmp_path, check=True, timeout=30)
    result = deskbot("run", "--config", str(tmp_path / "config.zh_CN.yaml"), stdin=typed)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "[#support › 工单 #1] deskbot: 谢谢，alice！这是工单 #1。" in out  # ack
    assert "[#triage] 新卡片: #1 · 我的打印机着火了 · 待处理 · 普通 · 来自 alice · 未认领" in out
    assert "（仅 bob 可见）你认领了 #1 我的打印机着火了。" in out  # claim
    assert "bob 已接手工单 #1。" in out  # in the thread
    assert "首次响应（承诺 4h 工作时间，按日历 office 计时）：" in out  # why
    assert "日历 office：周一–周五 09:00–12:00, 13:00–17:00 (UTC)。" in out
    assert "工单 #1 已由 bob 解决：重启了打印机" in out  # resolve
    assert "（仅 dave 可见）/ticket claim 仅限客服使用。" in out  # a refusal
    assert "优先级必须是 urgent|high|normal|low 之一。用法：/ticket priority" in out  # usage
    assert "（仅 carol 可见）1 个工单（all）：" in out  # list
    assert "#1 · 已解决 · 普通 · alice · 由 bob 认领 · 我的打印机着火了" in out
    assert "日报：最近 24h。" in out and "新建 1 (+1) · 已解决 1 (+1)" in out  # digest
    assert "/ticket status <id> — 查看你的工单" in out  # help, as a customer sees it
    assert (tmp_path / "deskbot-zh.db").exists() and not (tmp_path / "deskbot.db").exists()


DIRECT_DEMO = """\
alice: /dm my card was charged twice
alice: /dm the second charge is from Tuesday
bob: /ticket reply 1 refunded, it shows in 3 days
bob: /ticket resolve 1 refunded the double charge
alice: /dm and my address changed
"""


def test_console_direct_messages_open_a_private_ticket(tmp_path: Path) -> None:
    """`name: /dm …` writes to deskbot privately: a private ticket answered in that DM."""
    config = write_config(tmp_path)
    result = deskbot("run", "--config", str(config), stdin=DIRECT_DEMO)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    dm = "[direct message to alice] deskbot:"
    assert f"{dm} Thanks, alice! This is ticket #1." in out
    assert "[#triage] new card: 🔒 Private (direct message): for agents only · #1" in out
    assert "(alice's message added to ticket #1)" in out
    assert f"{dm} bob: refunded, it shows in 3 days" in out
    assert f"{dm} How did we do on ticket #1, alice?" in out
    assert f"{dm} Thanks, alice! This is ticket #2." in out
    db = sqlite3.connect(tmp_path / "desk.db")
    assert db.execute("SELECT id, channel, status, private FROM tickets").fetchall() == [
        (1, "dm:alice", "resolved", 1),
        (2, "dm:alice", "open", 1),
    ]
