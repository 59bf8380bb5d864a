"""The VACUUM FULL that `deskbot forget` advises on PostgreSQL runs, and names every table
forgetting rewrites."""

from __future__ import annotations

import psycopg

from storage import personal
from storage.postgres.privacy import REWRITE_ADVICE


def test_the_advised_command_runs_on_a_migrated_database(postgres_url: str) -> None:
    command = REWRITE_ADVICE[REWRITE_ADVICE.index("VACUUM FULL") :]
    for table in personal.forgettable():
        assert f" {table.name}," in command or f" {table.name};" in command, table.name
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute(command.encode())
