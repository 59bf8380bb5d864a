"""Without PostgreSQL its tests are skipped and the run says so, unless CI requires them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests import postgres

ROOT = Path(__file__).resolve().parents[1]
ONE_TEST = "tests/storage/contract/test_lease.py::test_a_free_lease_is_taken"


def pytest_without_postgres(**environ: str) -> subprocess.CompletedProcess[str]:
    """Run one contract test (on both stores) on a machine where no initdb is found."""
    env = {**os.environ, postgres.BIN: "/nonexistent"}
    env.pop(postgres.REQUIRE, None)
    env.update(environ)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rs", ONE_TEST],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )


def test_without_postgres_its_tests_are_skipped_and_the_run_says_so() -> None:
    """Locally: SQLite's half runs, PostgreSQL's is skipped, and the summary says why."""
    run = pytest_without_postgres()
    assert run.returncode == 0, run.stdout
    assert "1 passed, 1 skipped" in run.stdout
    assert "postgresql: not installed, so the PostgreSQL tests are SKIPPED" in run.stdout


def test_when_postgres_is_required_its_absence_fails_the_run() -> None:
    """In CI (DESKBOT_REQUIRE_POSTGRES=1) a missing PostgreSQL is an error, not a skip."""
    run = pytest_without_postgres(**{postgres.REQUIRE: "1"})
    assert run.returncode != 0
    assert "PostgreSQL is not installed, and DESKBOT_REQUIRE_POSTGRES is set." in run.stdout
    assert "skipped" not in run.stdout


def test_ci_installs_postgres_when_missing_and_requires_its_tests() -> None:
    """.ci/run installs PostgreSQL if absent, forbids the skip, and ends with the test run."""
    script = (ROOT / ".ci" / "run").read_text()
    assert "apt-get install -y postgresql" in script
    assert f"export {postgres.REQUIRE}=1" in script
    assert script.strip().splitlines()[-1] == "python3 dev.py test"
    assert subprocess.run(["sh", "-n", str(ROOT / ".ci" / "run")], check=False).returncode == 0
