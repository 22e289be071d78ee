"""The project on Spark (dbt-spark's session method): a parquet lake equal to DuckDB's marts.

One module-scoped run, reused by every test: raw tables staged, a full `dbt build`, then one more
day of logs (the first of a new month) and an incremental `dbt build`; DuckDB builds the same
landing folder after each step. Small generated data: Spark's fixed costs dominate anyway. Last,
in the same Spark session, raw files delivered out of order (issue 12) against a full refresh.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from pytests.conftest import generate_raw
from pytests.dbt_runner import DbtProject
from pytests.mart_compare import (
    MART_KEYS,
    Query,
    diff_marts,
    diff_states,
    query_duckdb,
    read_duckdb_marts,
    read_warehouse_state,
    without_bookkeeping,
)
from pytests.out_of_order import Delivery, out_of_order_steps
from pytests.raw_delivery import deliver, deliver_songs, log_files
from pytests.spark_session import SparkDbtProject, java_missing_reason

# a JVM, and builds of minutes
pytestmark = pytest.mark.slow

# Four days across a month boundary: the incremental day opens a new log folder and new partitions.
SPARK_SAMPLE = {
    "seed": 23,
    "songs": 120,
    "users": 25,
    "days": 4,
    "events_per_day": 150,
    "match_share": 0.5,
    "start_date": date(2018, 11, 28),
}
SPARK_SCHEMA = "sparkify"
# Out-of-order delivery: six days, its own raw tables and target schemas in the same Spark session.
OUT_OF_ORDER_SAMPLE = {**SPARK_SAMPLE, "seed": 5, "days": 6, "events_per_day": 80}
# "between" first (the initial load), then a day older than all of them and a changed one: a row
# added late and rows replaced. Each step costs Spark two builds, and Spark rebuilds every batch
# model whole (docs/spark.md), so more steps would prove little more for their CI time; the DuckDB
# and Postgres tests run every step.
SPARK_STEPS = ("between", "late", "changed")
# the level history, without the columns that depend on when the build ran (ingested_at) or on the
# engine's text of a timestamp (the id, a hash of it)
HISTORY_COLUMNS = "user_id, level, valid_from, valid_to, is_current"
# dispatches to spark__stage_external_sources (macros/external/spark_external_tables.sql)
STAGE_OPERATION = "stage_external_sources"
# Lines no loader should take: each must come out quarantined with the same reason on both engines.
BAD_LOG_LINES = [
    '{"artist":null,"auth":"Logged In","page":"Home","sessionId":1,"itemInSession":0,"ts":15',
    '{"artist":null,"auth":"Logged In","page":"Home","sessionId":1,"itemInSession":1,"ts":"soon"}',
    '{"artist":null,"auth":"Logged In","page":"Home","sessionId":"one","itemInSession":2,"ts":1543363200000}',
]


@dataclass
class Lake:
    spark: SparkDbtProject
    duckdb: DbtProject
    after_full: dict[str, Any]
    after_incremental: dict[str, Any]
    files_after_full: dict[str, set[str]]


def read_spark_marts(project: SparkDbtProject) -> dict[str, list[dict[str, Any]]]:
    # without ingested_at, as read_duckdb_marts: when a row was processed is not what it holds
    return {
        mart: without_bookkeeping(project.sql(f"select * from {SPARK_SCHEMA}.`{mart}`")) for mart in MART_KEYS
    }


def mart_files(project: SparkDbtProject) -> dict[str, set[str]]:
    """Every parquet file of every mart, relative to the warehouse (partition folders included)."""
    root = project.warehouse_dir / f"{SPARK_SCHEMA}.db"
    return {
        mart: {str(path.relative_to(root / mart)) for path in (root / mart).rglob("*.parquet")}
        for mart in MART_KEYS
    }


# records set aside, per source table and reason (the ops model every engine builds)
QUARANTINE_COUNTS = (
    "select source_table, rejection_reason, count(*) as n from {schema}.quarantined_records "
    "group by source_table, rejection_reason order by 1, 2"
)


def quarantine_counts_spark(project: SparkDbtProject) -> list[tuple[str, str, int]]:
    rows = project.sql(QUARANTINE_COUNTS.format(schema=SPARK_SCHEMA))
    return [(row["source_table"], row["rejection_reason"], row["n"]) for row in rows]


def quarantine_counts_duckdb(project: DbtProject) -> list[tuple[str, str, int]]:
    rows = query_duckdb(project.duckdb_path, QUARANTINE_COUNTS.format(schema="main"))
    return [tuple(row) for row in rows]


def level_history_spark(project: SparkDbtProject) -> list[tuple]:
    rows = project.sql(f"select {HISTORY_COLUMNS} from {SPARK_SCHEMA}.users_level_history")
    return sorted(tuple(row.values()) for row in rows)


def level_history_duckdb(project: DbtProject) -> list[tuple]:
    query = f"select {HISTORY_COLUMNS} from main.users_level_history"
    rows = query_duckdb(project.duckdb_path, query)
    return sorted(tuple(row) for row in rows)


def snapshot(spark: SparkDbtProject, duckdb: DbtProject) -> dict[str, Any]:
    return {
        "marts": (read_spark_marts(spark), read_duckdb_marts(duckdb.duckdb_path)),
        "level_history": (level_history_spark(spark), level_history_duckdb(duckdb)),
        "quarantine": (quarantine_counts_spark(spark), quarantine_counts_duckdb(duckdb)),
    }


def add_awkward_files(landing: Path) -> None:
    """Raw files that only a careful reader takes the same way on both engines."""
    bad_log = landing / "log_data" / "2018" / "11" / "2018-11-28-rejects.json"
    bad_log.write_text("\n".join(BAD_LOG_LINES))
    bad_song = landing / "song_data" / "Z" / "Z" / "Z" / "TRZZZZZ128F0000000.json"
    bad_song.parent.mkdir(parents=True)
    bad_song.write_text('{"num_songs": 1, "song_id": "SOZZZZZ12AB0000000", "title": ')
    # a song file written over several lines must still be one record (read whole, like DuckDB)
    first_song = sorted((landing / "song_data").glob("*/*/*/*.json"))[0]
    first_song.write_text(json.dumps(json.loads(first_song.read_text()), indent=2))


def upgrade_a_free_listener(landing: Path, day_file: Path, duckdb: DbtProject) -> None:
    """Append a paid event, latest of all, for a listener the built marts hold as free.

    The level history then has to close that listener's free interval and open a paid one.
    """
    query = "select min(user_id) from main.users where level = 'free'"
    free_user = query_duckdb(duckdb.duckdb_path, query)[0][0]
    assert free_user, "the sample must hold a free listener"
    template = next(
        event
        for path in sorted((landing / "log_data").glob("*/*/*-events.json"))
        for event in map(json.loads, path.read_text().splitlines())
        if event.get("userId") == free_user
    )
    newest = max(json.loads(line)["ts"] for line in day_file.read_text().splitlines())
    upgrade = {**template, "level": "paid", "ts": newest + 1000, "sessionId": 999_999, "itemInSession": 0}
    with day_file.open("a") as handle:
        handle.write("\n" + json.dumps(upgrade).replace("/", "\\/"))


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lake]:
    reason = java_missing_reason()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("spark_lake")
    raw = generate_raw(root / "generated", **SPARK_SAMPLE)
    landing = root / "landing"
    deliver_songs(raw, landing)
    days = log_files(raw)
    for day in days[:-1]:
        deliver(day, raw, landing)
    add_awkward_files(landing)

    duckdb = DbtProject(work_dir=root / "duckdb", raw_data=landing)
    with SparkDbtProject(work_dir=root / "spark", raw_data=landing) as spark:
        spark.dbt("run-operation", STAGE_OPERATION)
        spark.dbt("build")
        duckdb.dbt("build")
        after_full = snapshot(spark, duckdb)
        files_after_full = mart_files(spark)

        new_day = deliver(days[-1], raw, landing)
        upgrade_a_free_listener(landing, new_day, duckdb)
        # a new month folder: staging registers its partition (and must be safe to re-run)
        spark.dbt("run-operation", STAGE_OPERATION)
        # unit tests do not read the data and passed in the full build
        spark.dbt("build", "--exclude", "resource_type:unit_test")
        duckdb.dbt("build")
        after_incremental = snapshot(spark, duckdb)
        yield Lake(spark, duckdb, after_full, after_incremental, files_after_full)


def test_full_build_marts_equal_duckdb(lake: Lake) -> None:
    spark_marts, duckdb_marts = lake.after_full["marts"]
    assert all(duckdb_marts[mart] for mart in MART_KEYS), "the sample must fill every mart"
    for mart in MART_KEYS:
        assert set(spark_marts[mart][0]) == set(duckdb_marts[mart][0]), f"{mart}: columns differ"
    assert diff_marts(spark_marts, duckdb_marts) == []


def test_incremental_build_marts_equal_duckdb(lake: Lake) -> None:
    spark_marts, duckdb_marts = lake.after_incremental["marts"]
    assert diff_marts(spark_marts, duckdb_marts) == []
    # the new day really arrived, in its own month
    before, _ = lake.after_full["marts"]
    assert len(spark_marts["songplays"]) > len(before["songplays"])
    assert {row["month"] for row in spark_marts["songplays"]} == {11, 12}


def test_level_history_equal_duckdb(lake: Lake) -> None:
    for step in (lake.after_full, lake.after_incremental):
        spark_history, duckdb_history = step["level_history"]
        assert duckdb_history, "the level history must hold intervals"
        assert spark_history == duckdb_history
    closed_before = {row for row in lake.after_full["level_history"][1] if row[3] is not None}
    closed_after = {row for row in lake.after_incremental["level_history"][1] if row[3] is not None}
    assert closed_after - closed_before, "the incremental step must close an interval (the upgraded one's)"


def test_bad_records_are_quarantined_alike(lake: Lake) -> None:
    spark_counts, duckdb_counts = lake.after_incremental["quarantine"]
    assert sum(n for table, _, n in duckdb_counts if table == "log_data") >= len(BAD_LOG_LINES)
    assert any(table == "song_data" for table, _, _ in duckdb_counts), "the broken song file is quarantined"
    assert spark_counts == duckdb_counts


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
        kept = lake.files_after_full[mart] & after[mart]
        assert not kept, f"{mart}: files of the earlier build remain: {sorted(kept)[:3]}"


def test_raw_log_table_reads_every_log_file(lake: Lake) -> None:
    """One text table over every depth (no month partitions: a file outside YYYY/MM/ is read too)."""
    files = lake.spark.sql(
        "select count(distinct source_file) as n "
        "from (select input_file_name() as source_file from sparkify_raw.log_data)"
    )
    assert files[0]["n"] == len(list((Path(lake.duckdb.raw_data) / "log_data").rglob("*.json")))


def test_second_staging_run_is_idempotent(lake: Lake) -> None:
    before = lake.spark.sql("select count(*) as n from sparkify_raw.log_data")[0]["n"]
    lake.spark.dbt("run-operation", STAGE_OPERATION, "--args", "{select: sparkify.log_data}")
    after = lake.spark.sql("select count(*) as n from sparkify_raw.log_data")[0]["n"]
    assert after == before > 0


def newest_event_time(raw: Path) -> datetime:
    """The largest integer ts of any well-formed log line, computed from the files themselves."""
    newest = 0
    for path in (raw / "log_data").glob("*/*/*.json"):
        for line in path.read_text().splitlines():
            try:
                ts = json.loads(line).get("ts")
            except json.JSONDecodeError:
                continue
            if isinstance(ts, int):
                newest = max(newest, ts)
    return datetime.fromtimestamp(newest / 1000, UTC)


def test_source_freshness_reads_the_raw_log_table(lake: Lake) -> None:
    # 2018 data is stale by any threshold: the command reports an error, not a failure to run
    result = lake.spark.dbt("source", "freshness", check=False)
    assert "Runtime Error" not in result.output, result.output[-3000:]
    results = json.loads((lake.spark.work_dir / "target" / "sources.json").read_text())["results"]
    log_data = next(r for r in results if r["unique_id"].endswith(".log_data"))
    loaded_at = datetime.fromisoformat(log_data["max_loaded_at"])
    assert loaded_at == newest_event_time(Path(lake.duckdb.raw_data))


def test_staging_an_empty_location_fails_naming_it(lake: Lake, tmp_path: Path) -> None:
    empty = tmp_path / "nothing"
    (empty / "log_data").mkdir(parents=True)
    result = lake.spark.dbt("run-operation", STAGE_OPERATION, vars={"raw_data": str(empty)}, check=False)
    assert not result.ok
    assert f"{empty}/log_data/" in result.output
    # nothing was dropped: the raw tables still read the landing folder
    assert lake.spark.sql("select count(*) as n from sparkify_raw.log_data")[0]["n"] > 0


def spark_query(project: SparkDbtProject) -> Query:
    """The shared state queries on Spark, whose SQL quotes identifiers with backticks."""
    return lambda sql: project.sql(sql.replace('"', "`"))


def drop_databases(project: SparkDbtProject, schema: str) -> None:
    """The target schema and the ones dbt derives from it (<schema>_staging, _intermediate, ...)."""
    for row in project.sql(f"show databases like '{schema}|{schema}_*'"):
        project.sql(f"drop database if exists `{row['namespace']}` cascade")


def test_out_of_order_delivery_equals_full_refresh(lake: Lake, tmp_path: Path) -> None:
    """The DuckDB test's steps, shorter: on Spark every model is a table rebuilt whole, so this holds
    by construction; the test proves it, level history included. Runs in the module's Spark session, with
    its own raw tables (var raw_schema) and target schemas (SPARKIFY_SPARK_SCHEMA per command)."""
    spark = lake.spark
    raw = generate_raw(tmp_path / "generated", **OUT_OF_ORDER_SAMPLE)
    landing = tmp_path / "landing"
    schema, full_schema = "ooo", "ooo_full"
    on_landing = {"raw_data": str(landing), "raw_schema": "ooo_raw"}
    # the state compared, without the data and unit tests (the module's builds ran them; unit tests
    # do not read the raw data, and the 18 of each of these seven builds took a fifth or more of its
    # time) and without analysts' models
    build = (
        "build",
        "--select",
        "+path:models/marts",
        "--exclude",
        "resource_type:test",
        "resource_type:unit_test",
    )

    def forget(path: str) -> None:
        raise AssertionError(f"no forget step runs on Spark ({path})")

    delivery = Delivery(raw, landing, forget, resent_day=1, changed_day=2)
    for number, step in enumerate(out_of_order_steps(delivery, SPARK_STEPS)):
        # the raw tables are recreated over the landing folder: Spark lists their files anew
        spark.dbt("run-operation", STAGE_OPERATION, vars=on_landing)
        spark.dbt(*build, vars=on_landing, env={"SPARKIFY_SPARK_SCHEMA": schema})
        if number == 0:
            continue  # the first load: a build from nothing either way
        drop_databases(spark, full_schema)
        spark.dbt(*build, "--full-refresh", vars=on_landing, env={"SPARKIFY_SPARK_SCHEMA": full_schema})
        states = [read_warehouse_state(spark_query(spark), marts=name) for name in (schema, full_schema)]
        assert diff_states(*states) == [], f"after {step}"
        assert all(states[0][mart] for mart in MART_KEYS)
    changed = spark.sql(
        f"select count(*) as n from {schema}.songplays where song_title = 'A Song Nobody Has'"
    )
    assert changed[0]["n"] > 0, "the day changed in place must be read in its new version"
