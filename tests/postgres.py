"""A throwaway PostgreSQL cluster for the tests: `initdb` into a temporary folder, served
on a Unix socket in that folder only, and a fresh database for each test.

As root, the server runs as the `postgres` user (PostgreSQL refuses to run as root). When
no PostgreSQL is installed the tests that need it are skipped, unless
`DESKBOT_REQUIRE_POSTGRES=1` (CI sets it) turns the skip into a failure.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from storage.postgres.database import migrations

REQUIRE = "DESKBOT_REQUIRE_POSTGRES"
BIN = "DESKBOT_POSTGRES_BIN"  # where initdb and pg_ctl are, if not found by looking
PORT = 5432  # only names the socket file: the server listens on no TCP port
TEMPLATE = "deskbot_template"


class NoPostgres(RuntimeError):
    """PostgreSQL's server programs are not installed on this machine."""


def binaries() -> Path | None:
    """The newest installed PostgreSQL's bin folder (`initdb`, `pg_ctl`), if any."""
    override = os.environ.get(BIN)
    if override:
        candidates = [override]
    else:
        candidates = sorted(
            glob.glob("/usr/lib/postgresql/*/bin"),
            key=lambda p: [int(n) for n in Path(p).parent.name.split(".") if n.isdigit()],
            reverse=True,
        )
        which = shutil.which("initdb")
        if which:
            candidates.append(str(Path(which).parent))
    for candidate in candidates:
        if (Path(candidate) / "initdb").is_file() and (Path(candidate) / "pg_ctl").is_file():
            return Path(candidate)
    return None


def required() -> bool:
    return os.environ.get(REQUIRE, "") not in ("", "0")


def header() -> str:
    """One line for the test run's header: whether the PostgreSQL tests run, and why not."""
    found = binaries()
    if found is not None:
        return f"postgresql: {found} (a throwaway cluster runs the PostgreSQL tests)"
    if required():
        return f"postgresql: NOT INSTALLED and {REQUIRE} is set: its tests will fail"
    return (
        "postgresql: not installed, so the PostgreSQL tests are SKIPPED"
        " (install postgresql to run them)"
    )


@dataclass
class Cluster:
    """A running throwaway cluster; `database()` makes a fresh, migrated database."""

    bin: Path
    folder: Path
    _numbers: itertools.count[int] = field(default_factory=itertools.count)
    _spare: list[str] = field(default_factory=list)

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def url(self, database: str) -> str:
        return f"postgresql://postgres@/{database}?host={self.folder}&port={PORT}"

    @classmethod
    def start(cls, *, durable: bool = False) -> Cluster:
        found = binaries()
        if found is None:
            raise NoPostgres("PostgreSQL is not installed (no initdb found).")
        folder = Path(tempfile.mkdtemp(prefix="deskbot-pg-"))
        cluster = cls(found, folder)
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres", "postgres")
        try:
            init = ["-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"]
            cluster._run("initdb", "-D", str(cluster.data), *init)
            # Durability is not under test here (the server is never killed): skip fsync,
            # unless the cluster is for measuring (the benches), where it must be as served.
            fast = "" if durable else " -c fsync=off -c full_page_writes=off"
            options = f"-k {folder} -p {PORT} -c listen_addresses='' -c max_connections=200{fast}"
            log = str(folder / "log")
            cluster._run("pg_ctl", "-D", str(cluster.data), "-l", log, "-o", options, "-w", "start")
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return cluster

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def create(self, name: str | None = None, *, template: str = "template0") -> str:
        """Create an empty database (a copy of `template`) and return its URL."""
        name = name or f"test_{next(self._numbers)}"
        with psycopg.connect(self.url("postgres"), autocommit=True) as admin:
            # FILE_COPY: faster than the default for a small database.
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
        return self.url(name)

    def lend(self) -> str:
        """A migrated database holding nothing: a spare one emptied, or a new copy."""
        return self._spare.pop() if self._spare else self.create(template=TEMPLATE)

    def give_back(self, url: str) -> None:
        """Empty a lent database for the next test (far faster than a new copy), or drop it."""
        try:
            with psycopg.connect(url, autocommit=True) as connection:
                connection.execute("SET lock_timeout = '2s'")
                tables = connection.execute(
                    "SELECT string_agg(quote_ident(tablename), ', ') FROM pg_tables"
                    " WHERE schemaname = 'public' AND tablename <> 'deskbot_schema'"
                ).fetchone()
                assert tables is not None
                with connection.transaction():
                    connection.execute(f"TRUNCATE {tables[0]} RESTART IDENTITY")  # type: ignore[arg-type]
                    connection.execute("INSERT INTO ticket_numbers (last) VALUES (0)")  # as made
                    # A test may have played a newer deskbot: this version's schema it is.
                    known = migrations()[-1][0]
                    connection.execute("DELETE FROM deskbot_schema WHERE version > %s", (known,))
        except psycopg.Error:
            self.drop(url)  # a test left it locked or changed its schema: start afresh
            return
        self._spare.append(url)

    def drop(self, url: str) -> None:
        name = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
        with psycopg.connect(self.url("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bin / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, check=False, cwd="/")
        if done.returncode != 0:
            log = self.folder / "log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(
                f"{program} failed ({done.returncode}): {done.stderr.strip()}\n{tail}"
            )
