"""forget_raw_file on a real PostgreSQL server: its deletes are committed.

The Redshift tests see the statements forget_raw_file sends (pytests/test_redshift_sql.py); this one
sees their effect through another connection, which shows only committed rows. The models'
tables are stand-ins made here (a source_file column is all forget_raw_file needs), so no build runs.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import psycopg2
import pytest

from pytests.dbt_runner import DbtProject
from pytests.postgres_server import PostgresServer, postgres_server  # noqa: F401 - the fixture

pytestmark = pytest.mark.slow  # starts PostgreSQL

BASE = ["sparkify_staging.base_sparkify__log_lines", "sparkify_staging.base_sparkify__song_files"]
DERIVED = [
    "sparkify_intermediate.int_log_events__deduplicated",
    "sparkify_intermediate.int_songplays__matched_to_songs",
    *(f'sparkify."{mart}"' for mart in ("songplays", "users", "songs", "artists", "time")),
]
FORGOTTEN = "log_data/2018/11/2018-11-01-events.json"
KEPT = "log_data/2018/11/2018-11-02-events.json"


def execute(server: PostgresServer, sql: str) -> list[tuple]:
    connection = psycopg2.connect(server.dsn())
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall() if cursor.description else []
    finally:
        connection.close()


def test_forget_raw_file_commits_its_deletes(postgres_server: PostgresServer, tmp_path: Path) -> None:  # noqa: F811
    server = postgres_server
    project = DbtProject(
        work_dir=tmp_path,
        raw_data="data/raw",
        target="postgres",
        extra_env={**server.env(), "SPARKIFY_PG_THREADS": "1"},
    )
    args = ("run-operation", "forget_raw_file", "--args", f"{{path: '{FORGOTTEN}'}}")

    nothing = project.dbt(*args)  # nothing built yet: says so instead of sending an empty statement
    assert "nothing to forget" in nothing.output

    for schema in ("sparkify", "sparkify_staging", "sparkify_intermediate"):
        execute(server, f"create schema if not exists {schema}")
    for table in BASE:
        execute(server, f"create table {table} (source_file text, line_number int)")
        execute(server, f"insert into {table} values ('{FORGOTTEN}', 1), ('{KEPT}', 1)")
    for table in DERIVED:
        execute(server, f"create table {table} (ingested_at timestamp)")
        execute(server, f"insert into {table} values (now())")

    project.dbt(*args)

    # read through a new connection: only committed rows are visible
    for table in BASE:
        assert execute(server, f"select source_file from {table}") == [(KEPT,)], table
    # the derived models keep their rows, marked for the next build to recompute
    for table in DERIVED:
        marked = f"select count(*), max(ingested_at) from {table}"
        assert execute(server, marked) == [(1, dt.datetime(1900, 1, 1))], table
