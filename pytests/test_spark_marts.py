"""The project on Spark (dbt-spark's session method) over the landing: the marts equal the oracle,
hostile files end as they do on DuckDB, and a second build equals a full refresh.

One module-scoped run in one JVM (pytests/spark_session.py), three Spark builds:

1. two middle days of generated data (four days across a month boundary) landed as a batch (the
   ingester, as `sparkify-ingest` runs before a Spark build), staged, and a full `dbt build`, every
   data test and unit test included;
2. a second batch: a day older than all of them, the last day (a new month, with an upgrade of a
   free listener the first build holds as free), a day changed in place, and every hostile case of
   pytests/hostile_cases.py at once; landed, staged and built again (no tests: the first build ran
   them, and the hostile files are the point);
3. the same landing built with --full-refresh into other schemas.

DuckDB builds the same raw folder once, for the hostile files' outcome. On Spark every model built
from ingestion batches is a table rebuilt whole (docs/spark.md), so late and changed files end as a
full refresh by construction; build 3 proves it, level history and ops models included.

The same JVM then serves the marts' contracts and a raw file deleted and forgotten, each with a
project copy or a landing and schemas of its own: a JVM and its metastore cost tens
of seconds to start, more than either check.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pytests.conftest import generate_raw
from pytests.dbt_runner import DbtProject
from pytests.hostile_cases import NOTES_FILE, Case, cases, write_clean_equivalent
from pytests.hostile_cases import deliver as deliver_case
from pytests.mart_compare import (
    MART_KEYS,
    Query,
    diff_marts,
    diff_states,
    duckdb_query,
    read_duckdb_marts,
    read_warehouse_state,
    without_bookkeeping,
)
from pytests.oracle import expected_marts
from pytests.out_of_order import change_in_place
from pytests.project_copy import add_ingested_at_stand_in, copy_project, rewrite_closing_select
from pytests.raw_delivery import deliver, deliver_songs, log_files
from pytests.spark_session import SparkDbtProject, java_missing_reason
from pytests.test_contracts import CONTRACT_ERROR, CONTRACTS, declared

# a JVM, and builds of minutes
pytestmark = pytest.mark.slow

# Four days across a month boundary: the second batch opens a new log folder (and mart partitions).
SPARK_SAMPLE = {
    "seed": 23,
    "songs": 120,
    "users": 25,
    "days": 4,
    "events_per_day": 150,
    "match_share": 0.5,
    "start_date": date(2018, 11, 28),
}
SPARK_SCHEMA, FULL_SCHEMA = "sparkify", "sparkify_full"
# Build 1 leaves out the unit tests of the incremental path (named *_incremental_*, is_incremental
# overridden): on Spark every model they test is a table (incremental_where_possible), so that SQL
# never runs there, and the unit tests took half of the build (one of them 120 s).
FIRST_BUILD = ("build", "--exclude", "*_incremental_*")
# builds 2 and 3: what the comparisons read (marts, ops models, level history), without tests
BUILD = (
    "build",
    "--select",
    "+path:models/marts",
    "+users_level_history",
    "--exclude-resource-type",
    "test",
    "unit_test",
)
# the level history, without the columns that depend on when the build ran (ingested_at) or on the
# engine's text of a timestamp (the id, a hash of it)
HISTORY_COLUMNS = "user_id, level, valid_from, valid_to, is_current"
# what DESCRIBE shows of a contract type, where it is not the contract's spelling
SPARK_TYPE_NAMES = {"integer": "int"}
# the deleted-file check: its own small raw data
GONE_SAMPLE = {"days": 2, "events_per_day": 60, "songs": 20, "users": 10, "seed": 11}


@dataclass
class Lake:
    spark: SparkDbtProject
    raw: Path
    hostile: dict[str, Case]
    expected_first: dict[str, list[dict[str, Any]]]
    expected_second: dict[str, list[dict[str, Any]]]
    marts_first: dict[str, list[dict[str, Any]]]
    files_first: dict[str, set[str]]
    upgraded_user: str
    second: dict[str, list[tuple]]
    refreshed: dict[str, list[tuple]]
    on_duckdb: dict[str, list[tuple]]
    duckdb_marts: dict[str, list[dict[str, Any]]]
    not_read: dict[str, dict[str, str]]
    # the manifest of build 2: what a changed project copy defers to
    state: Path
    seconds: dict[str, float] = field(default_factory=dict)


def spark_query(project: SparkDbtProject) -> Query:
    """The shared state queries on Spark, whose SQL quotes identifiers with backticks."""
    return lambda sql: project.sql(sql.replace('"', "`"))


def read_spark_marts(project: SparkDbtProject, schema: str = SPARK_SCHEMA) -> dict[str, list[dict]]:
    # without ingested_at: when a row was processed is not what it holds
    return {mart: without_bookkeeping(project.sql(f"select * from {schema}.`{mart}`")) for mart in MART_KEYS}


def mart_files(project: SparkDbtProject) -> dict[str, set[str]]:
    """Every parquet file of every mart, relative to the warehouse (partition folders included)."""
    root = project.warehouse_dir / f"{SPARK_SCHEMA}.db"
    return {
        mart: {str(path.relative_to(root / mart)) for path in (root / mart).rglob("*.parquet")}
        for mart in MART_KEYS
    }


def not_read(query: Query, schema: str) -> dict[str, str]:
    return {row["source_file"]: row["reason"] for row in query(f"select * from {schema}.raw_files_not_read")}


def upgrade_a_free_listener(raw: Path, day_file: Path, spark: SparkDbtProject) -> str:
    """Append a paid event, latest of all, for a listener the built marts hold as free: the level
    history then has to close that listener's free interval and open a paid one."""
    free_user = spark.sql(f"select min(user_id) as user_id from {SPARK_SCHEMA}.users where level = 'free'")
    user_id = free_user[0]["user_id"]
    assert user_id, "the sample must hold a free listener"
    template = next(
        event
        for path in log_files(raw)
        for event in map(json.loads, path.read_text().splitlines())
        if event.get("userId") == user_id
    )
    newest = max(json.loads(line)["ts"] for line in day_file.read_text().splitlines())
    upgrade = {**template, "level": "paid", "ts": newest + 1000, "sessionId": 999_999, "itemInSession": 0}
    with day_file.open("a") as handle:
        handle.write("\n" + json.dumps(upgrade).replace("/", "\\/"))
    return user_id


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lake]:
    reason = java_missing_reason()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("spark_lake")
    generated = generate_raw(root / "generated", **SPARK_SAMPLE)
    raw = root / "raw"
    deliver_songs(generated, raw)
    days = log_files(generated)
    for day in days[1:-1]:
        deliver(day, generated, raw)
    seconds: dict[str, float] = {}

    def timed(step: str, action, *args: Any, **kwargs: Any) -> Any:
        started = time.monotonic()
        result = action(*args, **kwargs)
        seconds[step] = round(time.monotonic() - started, 1)
        return result

    with SparkDbtProject(work_dir=root / "spark", raw_data=raw) as spark:
        expected_first = expected_marts(raw)
        timed("first landing and staging (JVM start included)", spark.ingest_and_stage)
        timed("build 1 (data tests and unit tests included)", spark.dbt, *FIRST_BUILD)
        marts_first, files_first = read_spark_marts(spark), mart_files(spark)

        # the second batch: late, new and changed days, an upgrade and every hostile file
        deliver(days[0], generated, raw)
        upgraded_user = upgrade_a_free_listener(raw, deliver(days[-1], generated, raw), spark)
        change_in_place(raw / days[2].relative_to(generated))
        hostile = cases(generated)
        expected_second = expected_marts(write_clean_equivalent(raw, root / "clean", list(hostile.values())))
        for case in [*hostile.values(), NOTES_FILE]:
            deliver_case(raw, case)
        timed("second landing and staging", spark.ingest_and_stage)
        timed("build 2", spark.dbt, *BUILD)
        state = root / "state"
        state.mkdir()
        (state / "manifest.json").write_bytes((spark.work_dir / "target" / "manifest.json").read_bytes())
        timed(
            "build 3 (--full-refresh)",
            spark.dbt,
            *BUILD,
            "--full-refresh",
            env={"SPARKIFY_SPARK_SCHEMA": FULL_SCHEMA},
        )
        on_spark = spark_query(spark)
        second = read_warehouse_state(on_spark, SPARK_SCHEMA)
        refreshed = read_warehouse_state(on_spark, FULL_SCHEMA)

        duckdb_project = DbtProject(work_dir=root / "duckdb", raw_data=raw)
        timed("DuckDB build", duckdb_project.dbt, *BUILD)
        on_duckdb = duckdb_query(duckdb_project.duckdb_path)
        print(f"Spark suite steps, seconds: {seconds}")
        yield Lake(
            spark=spark,
            raw=raw,
            hostile=hostile,
            expected_first=expected_first,
            expected_second=expected_second,
            marts_first=marts_first,
            files_first=files_first,
            upgraded_user=upgraded_user,
            second=second,
            refreshed=refreshed,
            on_duckdb=read_warehouse_state(on_duckdb, "main"),
            duckdb_marts=read_duckdb_marts(duckdb_project.duckdb_path),
            not_read={"spark": not_read(on_spark, SPARK_SCHEMA), "duckdb": not_read(on_duckdb, "main")},
            state=state,
            seconds=seconds,
        )


def but_artists(expected: dict[str, list[dict]], built: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """The oracle's marts, artists aside: one artist of this sample has two song files with the same
    song id, and the oracle keeps the other's attributes than every engine's warehouse does (DuckDB
    too). test_second_build_equals_duckdb compares the artists."""
    return {**expected, "artists": built["artists"]}


def test_first_build_marts_equal_the_oracle(lake: Lake) -> None:
    assert all(lake.expected_first[mart] for mart in MART_KEYS), "the sample must fill every mart"
    for mart in MART_KEYS:
        assert set(lake.marts_first[mart][0]) >= set(lake.expected_first[mart][0]), f"{mart}: columns"
    assert diff_marts(lake.marts_first, but_artists(lake.expected_first, lake.marts_first)) == []


def test_second_build_marts_equal_the_oracle(lake: Lake) -> None:
    """The late, new and changed days and the hostile files' good lines, nothing else."""
    marts = read_spark_marts(lake.spark)
    assert diff_marts(marts, but_artists(lake.expected_second, marts)) == []
    assert len(marts["songplays"]) > len(lake.marts_first["songplays"])
    assert {row["month"] for row in marts["songplays"]} == {11, 12}
    changed = [row for row in marts["songplays"] if row["song_title"] == "A Song Nobody Has"]
    assert changed, "the day changed in place must be read in its new version"


def test_second_build_equals_a_full_refresh(lake: Lake) -> None:
    assert diff_states(lake.second, lake.refreshed) == []
    assert all(lake.second[mart] for mart in MART_KEYS)


def test_second_build_equals_duckdb(lake: Lake) -> None:
    """Hostile files included: the same quarantine reasons at the same lines, the same line
    accounting, the same files not read, the same marts, level history and ops models."""
    # the marts by column name: Spark moves partition columns to the end of a table
    assert diff_marts(read_spark_marts(lake.spark), lake.duckdb_marts) == []
    ops = [name for name in lake.on_duckdb if name not in MART_KEYS]
    assert diff_states({n: lake.second[n] for n in ops}, {n: lake.on_duckdb[n] for n in ops}) == []
    assert lake.not_read["spark"] == lake.not_read["duckdb"]


def test_every_hostile_file_is_traced(lake: Lake) -> None:
    quarantined_files = {row[1] for row in lake.second["quarantined_records"]}
    accounted_files = {row[0] for row in lake.second["log_line_accounting"]}
    for name, case in lake.hostile.items():
        if case.not_read:
            assert case.not_read in lake.not_read["spark"].get(case.path, ""), name
        if case.quarantined or case.song_reason:
            assert case.path in quarantined_files, name
        if case.lines is not None:
            assert case.path in accounted_files, name


def test_level_history_closes_the_upgraded_listeners_free_interval(lake: Lake) -> None:
    rows = lake.spark.sql(
        f"select {HISTORY_COLUMNS} from {SPARK_SCHEMA}.users_level_history "
        f"where user_id = '{lake.upgraded_user}' order by valid_from"
    )
    intervals = [(row["level"], row["valid_to"] is not None, row["is_current"]) for row in rows]
    assert intervals[-2:] == [("free", True, False), ("paid", False, True)]


def test_marts_are_partitioned_parquet_like_the_lake(lake: Lake) -> None:
    expected_partitions = {
        "songplays": ["year", "month"],
        "time": ["year", "month"],
        "songs": ["year", "artist_id"],
        "users": [],
        "artists": [],
    }
    files = mart_files(lake.spark)
    for mart, columns in expected_partitions.items():
        detail = {
            row["col_name"]: row["data_type"]
            for row in lake.spark.sql(f"describe table extended {SPARK_SCHEMA}.`{mart}`")
        }
        assert detail["Provider"] == "parquet", mart
        assert files[mart], f"{mart}: no parquet files"
        for path in files[mart]:
            folders = [part.split("=")[0] for part in Path(path).parts[:-1]]
            assert folders == columns, f"{mart}: {path} is not partitioned by {columns}"
    assert any(path.startswith("year=2018/month=12/") for path in files["songplays"])


def test_every_build_rebuilds_the_marts_whole(lake: Lake) -> None:
    """Plain parquet cannot delete by key, so on Spark the models built from ingestion batches are
    tables (incremental_where_possible): each build writes them anew, none of the earlier files stay.
    """
    after = mart_files(lake.spark)
    for mart in MART_KEYS:
        kept = lake.files_first[mart] & after[mart]
        assert not kept, f"{mart}: files of the earlier build remain: {sorted(kept)[:3]}"


def test_staged_tables_read_every_batch_and_staging_again_changes_nothing(lake: Lake) -> None:
    landing = lake.spark.landing
    with duckdb.connect() as con:
        landed = con.sql(f"select count(*) from read_parquet('{landing}/log_lines/*.parquet')").fetchone()[0]
    count = (
        "select count(*) as n, count(distinct landing_batch_id) as batches from sparkify_landing.log_lines"
    )
    assert lake.spark.sql(count) == [{"n": landed, "batches": 2}]
    only_log_lines = "{select: sparkify_landing.log_lines}"
    lake.spark.dbt("run-operation", "stage_external_sources", "--args", only_log_lines)
    assert lake.spark.sql(count) == [{"n": landed, "batches": 2}]


def newest_event_time(raw: Path) -> datetime:
    """The largest integer ts of any well-formed log line, computed from the files themselves."""
    newest = 0
    for path in (raw / "log_data").rglob("*.json"):
        for line in path.read_bytes().splitlines():
            try:
                ts = json.loads(line).get("ts")
            except (ValueError, AttributeError):
                continue
            if isinstance(ts, int):
                newest = max(newest, ts)
    return datetime.fromtimestamp(newest / 1000, UTC)


def test_source_freshness_reads_the_landed_log_lines(lake: Lake) -> None:
    # 2018 data is stale by any threshold: the command reports an error, not a failure to run
    result = lake.spark.dbt("source", "freshness", check=False)
    assert "Runtime Error" not in result.output, result.output[-3000:]
    results = json.loads((lake.spark.work_dir / "target" / "sources.json").read_text())["results"]
    log_lines = next(r for r in results if r["unique_id"].endswith(".log_lines"))
    assert datetime.fromisoformat(log_lines["max_loaded_at"]) == newest_event_time(lake.raw)


def test_staging_a_landing_without_a_batch_fails_naming_it(lake: Lake, tmp_path: Path) -> None:
    empty = tmp_path / "landing"
    where = {"landing": str(empty), "landing_schema": "empty_landing"}
    result = lake.spark.dbt("run-operation", "stage_external_sources", vars=where, check=False)
    assert not result.ok
    assert f"no ingestion batch under {empty}/batches/" in result.output, result.output[-3000:]


def described(project: SparkDbtProject, mart: str) -> dict[str, str]:
    columns = {}
    for row in project.sql(f"describe {SPARK_SCHEMA}.`{mart}`"):
        if row["col_name"].startswith("#") or not row["col_name"]:
            break  # partition information repeats the partition columns
        columns[row["col_name"]] = row["data_type"]
    return columns


def test_marts_hold_the_contract_types(lake: Lake) -> None:
    """Two builds passed the contracts; the tables hold the declared Spark types (partition columns
    move to the end of a Spark table: compared by name)."""
    for mart, columns in CONTRACTS.items():
        expected = {
            name: SPARK_TYPE_NAMES.get(logical, declared("spark", logical)) for name, logical in columns
        }
        assert described(lake.spark, mart) == expected, mart


def test_a_type_change_fails_with_the_contract_error(lake: Lake, tmp_path: Path) -> None:
    """A copy of the project whose songs mart casts year to a string, built into a schema of its own
    and deferring to build 2 for everything else."""
    project = copy_project(tmp_path / "project")
    add_ingested_at_stand_in(project)
    names = [name for name, _ in CONTRACTS["songs"]]
    select_list = ", ".join("cast(year as string) as year" if name == "year" else name for name in names)
    rewrite_closing_select(
        project, "models/marts/songs.sql", lambda closing: f"select {select_list}\nfrom ({closing}) as typed"
    )
    failed = lake.spark.dbt(
        *("run", "--select", "songs", "--defer", "--state", str(lake.state)),
        env={"SPARKIFY_SPARK_SCHEMA": "contracts", "DBT_TARGET_PATH": str(tmp_path / "target")},
        project_dir=project,
        check=False,
    )
    assert not failed.ok
    output = " ".join(failed.output.split())
    assert CONTRACT_ERROR in output, failed.output[-3000:]
    assert "data type mismatch" in output
    # Unlike DuckDB, Postgres and Redshift, a failed mart is not kept as it was: dbt-spark drops a
    # parquet table before re-creating it, and checks the contract while creating it
    # (docs/conventions.md). Wrong types never land; the mart is back with the next good build.


def test_a_deleted_raw_file_is_reported_then_forgotten(lake: Lake, tmp_path: Path) -> None:
    """raw_files_gone on Spark, with a landing and schemas of its own. The ingester lands
    the deleted file as gone, the base models (rebuilt on every build) drop it, the record of
    ingested files (append-only on Spark: one row per file, never a second) keeps it, so
    raw_files_gone names it; forget_raw_file rewrites the record without it."""
    raw = generate_raw(tmp_path / "raw", **GONE_SAMPLE)
    where = {"raw_data": str(raw), "landing": str(tmp_path / "landing"), "landing_schema": "gone_landing"}
    schema = {"SPARKIFY_SPARK_SCHEMA": "gone"}
    build = ("build", "--select", "+raw_files_gone", "--exclude-resource-type", "test", "unit_test")
    files = len(log_files(raw)) + len(list((raw / "song_data").rglob("*.json")))
    deleted = log_files(raw)[1]
    below_raw_data = deleted.relative_to(raw).as_posix()
    record = "select count(*) as files, count(distinct source_file) as paths from gone.raw_files_ingested"
    gone = "select source_table, source_file, reason from gone.raw_files_gone"

    lake.spark.ingest_and_stage(vars=where)
    lake.spark.dbt(*build, vars=where, env=schema)
    assert lake.spark.sql(record) == [{"files": files, "paths": files}]

    deleted.unlink()
    lake.spark.ingest_and_stage(vars=where)
    lake.spark.dbt(*build, vars=where, env=schema)
    assert lake.spark.sql(record) == [{"files": files, "paths": files}]
    reported = {"source_table": "log_data", "source_file": below_raw_data}
    assert lake.spark.sql(gone) == [{**reported, "reason": "gone from raw_data since it was ingested"}]

    forget = json.dumps({"path": below_raw_data})
    lake.spark.dbt("run-operation", "forget_raw_file", "--args", forget, vars=where, env=schema)
    assert lake.spark.sql(gone) == []
    assert lake.spark.sql(record) == [{"files": files - 1, "paths": files - 1}]
