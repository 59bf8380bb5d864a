"""Each bench still runs: at a small size, so that a change to the code it drives shows here."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SMALL = {
    "broadcast": ["--notices", "200", "--channels", "20", "--interval", "0.05"],
    "intake": ["--messages", "200"],
    "incident": [
        "--tickets",
        "300",
        "--channels",
        "5",
        "--runs",
        "1",
        "--dir",
        "{tmp}",
        "--deliver",
        "--interval",
        "0.05",
    ],
    "timers": ["--tickets", "1500", "--due", "300"],
    "digest": ["--tickets", "2000", "--runs", "2", "--fresh", "--db", "{tmp}/digest.db"],
    "web": ["--tickets", "300", "--metrics-tickets", "600", "--requests", "10", "--fresh"],
    "search": ["--tickets", "3000", "--queries", "20", "--messages", "200", "--dir", "{tmp}"],
}


def test_every_bench_is_smoke_tested() -> None:
    """A new bench gets a small run here too."""
    assert sorted(path.stem for path in (ROOT / "bench").glob("*.py")) == sorted(SMALL)


@pytest.mark.parametrize("bench", sorted(SMALL))
def test_a_bench_runs_to_its_figures(bench: str, tmp_path: Path) -> None:
    """The bench finishes and prints its figures; its files go to a temporary folder."""
    args = [arg.format(tmp=tmp_path) for arg in SMALL[bench]]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / f"{bench}.py"), *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip(), "the bench printed nothing"
