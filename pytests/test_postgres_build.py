"""The project on a real PostgreSQL server.

Raw data goes in through `sparkify-ingest --postgres` (the landing tables), dbt builds models and
tests in two increments,
and the five marts must then hold exactly DuckDB's rows for the same generated data. Raw files
delivered out of order leave the same warehouse as a full refresh.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg2
import psycopg2.extras
import pytest

from pytests.conftest import generate_raw
from pytests.dbt_runner import PROJECT_ROOT, DbtProject
from pytests.mart_compare import MART_KEYS, diff_marts, diff_states, read_duckdb_marts, read_warehouse_state
from pytests.out_of_order import REFERENCE_BUILD, Delivery, out_of_order_steps
from pytests.postgres_server import PostgresServer, postgres_server  # noqa: F401 - the fixture
from pytests.raw_delivery import empty_file_accounting, log_files

# a real server, and many builds
pytestmark = pytest.mark.slow

# sparkify-ingest as the module it runs, from PROJECT_ROOT: the console script would import
# whichever checkout the virtualenv was installed from, not the one under test
INGEST = [sys.executable, "-m", "sparkify_tools.ingest.cli", "--postgres"]
# Enough days for every out-of-order step (the oldest is then 14 days older than the newest two);
# fewer events than the DuckDB test's month, since each step builds twice on Postgres.
OUT_OF_ORDER_SAMPLE = {"days": 16, "events_per_day": 60, "songs": 100, "users": 20, "seed": 5}


def run_ingest(server: PostgresServer, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*INGEST, *args],
        cwd=PROJECT_ROOT,
        env={**os.environ, **server.env()},
        capture_output=True,
        text=True,
        check=False,
    )


def query(server: PostgresServer, sql: str) -> list[dict[str, Any]]:
    with (
        psycopg2.connect(server.dsn()) as connection,
        connection.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cursor,
    ):
        cursor.execute(sql)
        rows = [dict(row) for row in cursor.fetchall()]
    connection.close()
    return rows


def execute(server: PostgresServer, sql: str) -> None:
    with psycopg2.connect(server.dsn()) as connection, connection.cursor() as cursor:
        cursor.execute(sql)
    connection.close()


def read_postgres_marts(server: PostgresServer, schema: str) -> dict[str, list[dict[str, Any]]]:
    return {mart: query(server, f'select * from {schema}."{mart}"') for mart in MART_KEYS}


def copy_raw(source: Path, target: Path, log_files: list[Path]) -> None:
    if not (target / "song_data").exists():
        shutil.copytree(source / "song_data", target / "song_data")
    for path in log_files:
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, destination)


@pytest.fixture(scope="module")
def postgres_build(
    postgres_server: PostgresServer,  # noqa: F811 - the imported fixture
    small_raw_data: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> DbtProject:
    """The small sample built on PostgreSQL in two increments: the first days of logs, then the rest."""
    raw = tmp_path_factory.mktemp("postgres_raw") / "sparkify"
    project = DbtProject(
        work_dir=tmp_path_factory.mktemp("postgres_build"),
        raw_data=raw,
        target="postgres",
        # a landing of its own: other modules land other raw data on the same server
        extra_vars={"landing_schema": "build_landing"},
        extra_env=postgres_server.env(),
    )
    log_files = sorted(small_raw_data.glob("log_data/*/*/*.json"))
    assert len(log_files) >= 2, "the sample needs two days of logs to build incrementally"
    half = len(log_files) // 2
    for batch in (log_files[:half], log_files[half:]):
        copy_raw(small_raw_data, raw, batch)
        project.ingest()
        project.dbt("build")
    return project


def test_marts_equal_duckdb(
    postgres_build: DbtProject,
    built_duckdb: DbtProject,
    postgres_server: PostgresServer,  # noqa: F811
) -> None:
    on_postgres = read_postgres_marts(postgres_server, "sparkify")
    on_duckdb = read_duckdb_marts(built_duckdb.duckdb_path)
    assert diff_marts(on_postgres, on_duckdb) == []
    # the comparison proves little unless the data exercised the engine-specific macros
    assert all(on_postgres[mart] for mart in MART_KEYS)
    assert any(row["song_id"] for row in on_postgres["songplays"])
    # the raw lines hold names encoded twice; the ingester lands them repaired
    doubly_encoded = query(
        postgres_server,
        "select count(*) as n from build_landing.log_lines where raw_text ~ '(Ã|\\\\u00c3)'",
    )
    assert doubly_encoded[0]["n"] > 0
    assert any(
        row["artist_name"] and not row["artist_name"].isascii() and "Ã" not in row["artist_name"]
        for row in on_postgres["songplays"]
    )


def test_ingesting_again_lands_nothing(
    postgres_build: DbtProject,
    postgres_server: PostgresServer,  # noqa: F811
) -> None:
    count = (
        "select (select count(*) from build_landing.log_lines)"
        " + (select count(*) from build_landing.song_files) as n"
    )
    before = query(postgres_server, count)
    again = postgres_build.ingest()
    assert " 0 new or changed read (0.0 MB, 0 records)" in again.stdout, again.stdout
    assert query(postgres_server, count) == before


def write_bad_raw(root: Path) -> Path:
    day = root / "log_data" / "2018" / "11"
    day.mkdir(parents=True)
    good = (
        '{"artist":null,"auth":"Logged In","firstName":"A","gender":"F","itemInSession":0,"lastName":"B",'
        '"length":null,"level":"free","location":"X","method":"GET","page":"Home","registration":1.0,'
        '"sessionId":1,"song":null,"status":200,"ts":1541105830796,"userAgent":"ua","userId":"7"}'
    )
    (day / "2018-11-01-events.json").write_text(
        "\n".join([good, '{"page": "Home", "ts": ', good.replace("1541105830796", '"soon"')])
    )
    song = root / "song_data" / "A" / "A" / "A"
    song.mkdir(parents=True)
    (song / "TRAAAAA.json").write_text('{"num_songs": 1, "artist_id": "AR1", "song_id": "SO1", "year": 0}')
    return day / "2018-11-01-events.json"


def test_ingester_bad_input_is_named_without_a_traceback(
    postgres_server: PostgresServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    # a landing of its own: the module's landing holds another raw_data, which would stop these first
    landing = ("--landing-schema", "bad_input_landing")
    missing = run_ingest(postgres_server, "--raw-data", str(tmp_path / "nowhere"), *landing)
    assert missing.returncode == 2
    assert str(tmp_path / "nowhere") in missing.stderr

    (tmp_path / "empty").mkdir()
    empty = run_ingest(postgres_server, "--raw-data", str(tmp_path / "empty"), *landing)
    assert empty.returncode == 2
    assert f"no raw files under {tmp_path / 'empty'}" in empty.stderr

    write_bad_raw(tmp_path / "raw")
    unreachable = subprocess.run(
        [*INGEST, "--raw-data", str(tmp_path / "raw"), *landing],
        cwd=PROJECT_ROOT,
        env={**os.environ, **postgres_server.env(), "PGPORT": "1", "PGCONNECT_TIMEOUT": "5"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert unreachable.returncode == 2
    assert "cannot connect to PostgreSQL" in unreachable.stderr
    for result in (missing, empty, unreachable):
        assert "Traceback" not in result.stderr


def drop_schemas(server: PostgresServer, schema: str) -> None:
    """The target schema and the ones dbt derives from it (<schema>_staging, _intermediate, ...)."""
    derived = query(
        server,
        f"select nspname from pg_namespace where nspname = '{schema}' or nspname like '{schema}\\_%'",
    )
    for row in derived:
        execute(server, f'drop schema "{row["nspname"]}" cascade')


def test_out_of_order_delivery_equals_full_refresh(
    postgres_server: PostgresServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The DuckDB test's steps (test_ingestion_batches), with the ingester before every build."""
    raw = generate_raw(tmp_path / "generated", **OUT_OF_ORDER_SAMPLE)
    landing = tmp_path / "landing"
    schema, full_schema = "ooo", "ooo_full"
    for name in (schema, full_schema, f"{schema}_landing", f"{full_schema}_landing"):
        drop_schemas(postgres_server, name)
    pg_env = postgres_server.env()

    def project(work_dir: Path, target_schema: str) -> DbtProject:
        return DbtProject(
            work_dir=work_dir,
            raw_data=landing,
            target="postgres",
            extra_vars={"landing_schema": f"{target_schema}_landing"},
            extra_env={**pg_env, "SPARKIFY_PG_SCHEMA": target_schema},
        )

    incremental = project(tmp_path / "incremental", schema)
    full = project(tmp_path / "full", full_schema)

    def state_of(target_schema: str) -> dict[str, list[tuple]]:
        return read_warehouse_state(
            lambda sql: query(postgres_server, sql),
            marts=target_schema,
        )

    def forget(path: str) -> None:
        incremental.dbt("run-operation", "forget_raw_file", "--args", json.dumps({"path": path}))

    steps = 0
    delivery = Delivery(raw, landing, forget)
    for step in out_of_order_steps(delivery):
        incremental.ingest()
        incremental.dbt("build")
        # a full refresh from nothing, as the DuckDB test's fresh database: the landing too
        drop_schemas(postgres_server, full_schema)
        drop_schemas(postgres_server, f"{full_schema}_landing")
        full.ingest()
        full.dbt(*REFERENCE_BUILD)
        problems = diff_states(state_of(schema), state_of(full_schema))
        assert problems == [], f"after {step}: {problems}"
        steps += 1
        if "changed in place" in step:
            replaced = query(
                postgres_server,
                f"select count(*) as n from {schema}_staging.base_sparkify__log_lines "
                "where replaces_earlier_ingestion",
            )
            assert replaced[0]["n"] > 0, "the changed file was landed again: the base model must see it"
    assert steps == 7
    gone = log_files(raw)[delivery.deleted_day].relative_to(raw).as_posix()
    deleted = query(
        postgres_server,
        f"select count(*) as n from {schema}_staging.base_sparkify__log_lines where source_file = '{gone}'",
    )
    assert deleted == [{"n": 0}], "the forgotten and deleted day must be gone"
    assert all(state_of(schema)[mart] for mart in MART_KEYS)


def test_a_file_deleted_before_a_full_refresh_is_reported(
    postgres_server: PostgresServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Issue 14c on Postgres: the ingester finds a deleted file gone, the full refresh takes it out of
    the base models; raw_files_ingested remembers it and raw_files_gone warns."""
    raw = generate_raw(tmp_path / "raw", days=3, events_per_day=60, songs=40, users=10, seed=3)
    schema = "gone"
    for name in (schema, f"{schema}_landing"):
        drop_schemas(postgres_server, name)
    project = DbtProject(
        work_dir=tmp_path / "work",
        raw_data=raw,
        target="postgres",
        extra_vars={"landing_schema": f"{schema}_landing"},
        extra_env={**postgres_server.env(), "SPARKIFY_PG_SCHEMA": schema},
    )
    project.ingest()
    project.dbt("build")
    deleted = log_files(raw)[1]
    below_raw_data = deleted.relative_to(raw).as_posix()
    deleted.unlink()
    assert " 1 gone, " in project.ingest().stdout

    result = project.dbt("build", "--full-refresh")

    assert "WARN 1 is_empty_raw_files_gone_" in result.output
    gone = f"select source_table, source_file, reason from {schema}.raw_files_gone"
    assert query(postgres_server, gone) == [
        {
            "source_table": "log_data",
            "source_file": below_raw_data,
            "reason": "gone from raw_data since it was ingested",
        }
    ]
    project.dbt("run-operation", "forget_raw_file", "--args", json.dumps({"path": below_raw_data}))
    assert query(postgres_server, gone) == []


def test_a_day_rewritten_as_empty_withdraws_its_rows(
    postgres_server: PostgresServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Issue 14e on Postgres: the ingester lands a log file rewritten as empty as the one row that
    stands for it (line 0), and the plain build withdraws the file's plays as on DuckDB: 0 lines in
    the accounting, listed as not read (a warning), equal to a full refresh of the same files."""
    raw = generate_raw(tmp_path / "raw", days=3, events_per_day=60, songs=40, users=10, seed=3)
    schema, full_schema = "emptied", "emptied_full"
    for name in (schema, full_schema, f"{schema}_landing", f"{full_schema}_landing"):
        drop_schemas(postgres_server, name)

    def project(work_dir: Path, target_schema: str) -> DbtProject:
        return DbtProject(
            work_dir=work_dir,
            raw_data=raw,
            target="postgres",
            extra_vars={"landing_schema": f"{target_schema}_landing"},
            extra_env={**postgres_server.env(), "SPARKIFY_PG_SCHEMA": target_schema},
        )

    def state_of(target_schema: str) -> dict[str, list[tuple]]:
        return read_warehouse_state(
            lambda sql: query(postgres_server, sql),
            marts=target_schema,
        )

    incremental = project(tmp_path / "incremental", schema)
    incremental.ingest()
    incremental.dbt("build")
    emptied_path = log_files(raw)[1]
    emptied = emptied_path.relative_to(raw).as_posix()
    accounting = f"select * from {schema}.log_line_accounting where source_file = '{emptied}'"
    plays = f"select count(*) as n from {schema}.songplays"
    plays_before = query(postgres_server, plays)[0]["n"]
    plays_of_emptied = query(postgres_server, accounting)[0]["song_plays"]
    assert plays_of_emptied > 0

    emptied_path.write_bytes(b"")
    assert " 1 new or changed read (0.0 MB, 1 records)" in incremental.ingest().stdout
    result = incremental.dbt("build")

    assert query(postgres_server, plays)[0]["n"] == plays_before - plays_of_emptied
    assert query(postgres_server, accounting) == [empty_file_accounting(emptied)]
    quarantined = f"select * from {schema}.quarantined_records where source_file = '{emptied}'"
    assert query(postgres_server, quarantined) == []
    assert query(postgres_server, f"select source_file, reason from {schema}.raw_files_not_read") == [
        {"source_file": emptied, "reason": "empty file: no lines"}
    ]
    assert query(postgres_server, f"select * from {schema}.raw_files_gone") == []
    assert "WARN 1 is_empty_raw_files_not_read_" in result.output
    full = project(tmp_path / "full", full_schema)
    full.ingest()
    full.dbt("build", "--full-refresh")
    assert diff_states(state_of(schema), state_of(full_schema)) == []
