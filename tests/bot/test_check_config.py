"""`deskbot check-config` and `deskbot run` report a bad config the same way: every problem."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main

ROOT = Path(__file__).resolve().parents[2]

STAFFED = "roles: {agents: {console_users: [bob]}, leads: {console_users: [carol]}}\n"

BAD = """\
storage: {path: notes.txt}
discord: {enabled: true, token: '${DESKBOT_TEST_UNSET}', support_channels: [abc]}
sla: {policies: {normal: {first_response: 4h, calendar: ofice}}}
escalation: {warn_before_breach: 80}
digest: {cron: '0 9 * * mon-fry'}
"""


def write(tmp_path: Path, text: str) -> Path:
    config = tmp_path / "config.yaml"
    config.write_text(text)
    (tmp_path / "notes.txt").write_text("shopping: milk\n")
    return config


@pytest.mark.parametrize("command", ["check-config", "run"])
def test_bad_config_fails_naming_every_problem_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    """One message with every problem on its own line, exit 2, for check-config and run."""
    config = write(tmp_path, BAD)
    assert main([command, "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.splitlines() == [
        f"{config} has 6 problems:",
        f"  - storage.path: {tmp_path / 'notes.txt'} is not a SQLite database",
        "  - discord.token: required when discord.enabled is true (set DESKBOT_TEST_UNSET in"
        " the environment)",
        "  - discord.support_channels[0]: 'abc' is not a Discord channel id (a number like"
        " 1234567890123456789)",
        "  - sla.policies.normal.calendar: no calendar named 'ofice' (calendars: 24x7)",
        "  - escalation.warn_before_breach: 80 is not a percentage between 0% and 100% (write"
        " one like 80%)",
        "  - digest.cron: 'mon-fry' is not a valid day of week field (invalid weekday name"
        ' "fry"; write days like mon-fri or sat,sun)',
    ]


def test_warnings_are_listed_but_do_not_fail(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A desk with nobody to work it is valid: exit 0, the doubts under a Warnings heading."""
    config = write(tmp_path, "roles: {leads: {console_users: [carol]}}\n")
    assert main(["check-config", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{config} is valid.\n")
    assert out.endswith(
        "Warnings:\n"
        "  - roles.agents: nobody on console is an agent, so only leads can work tickets"
        " there (add people to console_users)\n"
    )


def test_valid_config_without_doubts_has_no_warnings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No Warnings heading when there is nothing to warn about."""
    config = write(tmp_path, STAFFED)
    assert main(["check-config", "--config", str(config)]) == 0
    assert "Warnings" not in capsys.readouterr().out


def test_summary_says_shares_as_percentages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """warn_before_breach is summarised as the percentage it is, not rounded away."""
    config = write(tmp_path, STAFFED + "escalation: {warn_before_breach: 0.125}\n")
    assert main(["check-config", "--config", str(config)]) == 0
    assert "warn at 12.5% of a promise" in capsys.readouterr().out


def test_summary_names_the_languages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The desk's language, and each platform that speaks its own."""
    config = write(tmp_path, STAFFED + "locale: zh-CN\nconsole: {locale: en}\n")
    assert main(["check-config", "--config", str(config)]) == 0
    assert "\n  language: zh_CN (console: en)\n" in capsys.readouterr().out


def test_an_unknown_language_names_its_key_and_the_choices(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A locale deskbot has no catalog for stops the check, saying which it speaks."""
    config = write(tmp_path, STAFFED + "locale: fr\n")
    assert main(["check-config", "--config", str(config)]) == 2
    assert "locale: deskbot does not speak 'fr'; choose one of en, zh_CN." in (
        capsys.readouterr().err
    )


def test_run_names_a_damaged_database_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file that looks like SQLite but is not one stops `run` with a sentence, exit 1."""
    (tmp_path / "desk.db").write_bytes(b"SQLite format 3\x00" + b"\xff" * 200)
    config = write(tmp_path, STAFFED + "storage: {path: desk.db}\n")
    assert main(["run", "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert err == f"storage.path: {tmp_path / 'desk.db'} is not a SQLite database\n"


def deskbot_run(config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "run", "--config", str(config)],
        input="",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
def test_run_names_a_place_where_no_database_can_be_made(tmp_path: Path) -> None:
    """Where SQLite cannot create the file, `run` says so in one sentence: no traceback."""
    result = deskbot_run(write(tmp_path, STAFFED + "storage: {path: /proc/deskbot.db}\n"))
    assert result.returncode == 1
    assert result.stderr == (
        "storage.path: /proc/deskbot.db cannot be opened (unable to open database file)\n"
    )


def test_run_logs_the_warnings_and_starts(tmp_path: Path) -> None:
    """`run` says what check-config warns about, then runs all the same."""
    result = deskbot_run(write(tmp_path, "storage: {path: desk.db}\n"))
    assert result.returncode == 0, result.stderr
    assert "WARNING bot.config: roles.agents: nobody on console is an agent" in result.stderr
    assert "WARNING bot.config: roles.leads: nobody on console is a lead" in result.stderr


@pytest.mark.parametrize(
    ("section", "line"),
    [
        (
            "satisfaction: {scale: thumbs, expires: 2d, sample: 20%, cooldown: 30d,"
            " alert_below: 1}\n",
            "satisfaction: on, scale thumbs up/down, surveys close after 2d, ask 20% of"
            " resolutions, cooldown 30d, alert leads at 1 or below",
        ),
        (
            "satisfaction: {alert_below: null}\n",
            "satisfaction: on, scale 1-5, surveys close after 7d, ask 100% of resolutions,"
            " cooldown none, no low-rating alerts",
        ),
        ("satisfaction: {enabled: false, scale: thumbs}\n", "satisfaction: off"),
    ],
)
def test_summary_describes_the_satisfaction_surveys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], section: str, line: str
) -> None:
    """Surveys on or off, their scale, window, sample, cooldown and alert threshold."""
    config = write(tmp_path, STAFFED + section)
    assert main(["check-config", "--config", str(config)]) == 0
    assert f"\n  {line}\n" in capsys.readouterr().out
