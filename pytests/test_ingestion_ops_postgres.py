"""ingestion_batches, its anomaly warnings and the stored test failures on a real PostgreSQL server.

The same SQL as on DuckDB (dbt's cross-database macros, no engine branch): two ingestion batches
(the first days, then the last), each followed by `dbt build`; the ledger adds up to
log_line_accounting, the unit tests and the warn tests pass, and every data test's failing rows
land in schema sparkify_audit.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg2
import pytest

from pytests.conftest import generate_raw
from pytests.dbt_runner import DbtProject
from pytests.postgres_server import PostgresServer, postgres_server  # noqa: F401 - the fixture
from pytests.raw_delivery import deliver, deliver_songs, log_files

pytestmark = pytest.mark.slow  # starts PostgreSQL

OUTCOMES = ("lines_read", "song_plays", "other_events", "duplicates", "quarantined")


def execute(server: PostgresServer, sql: str) -> list[tuple]:
    connection = psycopg2.connect(server.dsn())
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall() if cursor.description else []
    finally:
        connection.close()


def test_ledger_warnings_and_stored_failures_on_postgres(
    postgres_server: PostgresServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    server = postgres_server
    raw = generate_raw(tmp_path / "generated", days=3, events_per_day=150, seed=3)
    delivered = tmp_path / "delivered"
    project = DbtProject(
        work_dir=tmp_path / "project",
        raw_data=delivered,
        target="postgres",
        extra_env={**server.env(), "SPARKIFY_PG_THREADS": "2"},
        # a landing of its own: other modules land other raw data on the same server
        extra_vars={"landing_schema": "ops_landing"},
    )
    days = log_files(raw)
    deliver_songs(raw, delivered)
    for day in days[:-1]:
        deliver(day, raw, delivered)
    for batch in ([], [days[-1]]):
        for day in batch:
            deliver(day, raw, delivered)
        project.ingest()
        result = project.dbt("build")
        assert "ingestion_batches_incremental_adds_only_new_batches" in result.output
        assert " WARN=0 " in result.output

    sums = ", ".join(f"sum({column})" for column in OUTCOMES)
    ledger = execute(
        server,
        f"select count(*), sum(files_read), {sums} from sparkify.ingestion_batches"
        " where source_table = 'log_data'",
    )[0]
    accounting = execute(server, f"select {sums} from sparkify.log_line_accounting")[0]
    assert ledger[:2] == (2, len(days))
    assert ledger[2:] == accounting
    assert execute(server, "select count(*) from sparkify.ingestion_batch_warnings") == [(0,)]
    stored = execute(
        server,
        "select count(*) from information_schema.tables where table_schema = 'sparkify_audit'",
    )
    assert stored[0][0] > 100
    shutil.rmtree(delivered)
