"""Incremental builds, one day of logs at a time, end equal to a full refresh of the same data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytests.conftest import generate_raw
from pytests.dbt_runner import DbtProject
from pytests.mart_compare import diff_marts, query_duckdb, read_duckdb_marts
from pytests.oracle import expected_marts
from pytests.raw_delivery import count_lines, deliver, deliver_songs, log_files

MONTH = {"days": 30, "events_per_day": 120, "songs": 150, "users": 30, "seed": 11}


@pytest.fixture(scope="module")
def month_of_raw_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_raw(tmp_path_factory.mktemp("month") / "raw", **MONTH)


def test_day_by_day_equals_full_refresh(tmp_path: Path, month_of_raw_data: Path) -> None:
    raw = month_of_raw_data
    landing = tmp_path / "landing"
    deliver_songs(raw, landing)
    incremental = DbtProject(work_dir=tmp_path / "incremental", raw_data=landing)

    days = log_files(raw)
    late_day = days[9]
    on_time = [day for day in days if day != late_day]
    for position, day in enumerate(on_time):
        deliver(day, raw, landing)
        if position == 11:
            # day 10 arrives two days late, after day 12 (inside the 3-day lookback)
            deliver(late_day, raw, landing)
        if position == 15:
            # an earlier file delivered again under its own name (S3 overwrite) and under a new one
            deliver(days[14], raw, landing)
            deliver(days[14], raw, landing, rename="2018-11-15-events-resent.json")
        # the first build also loads the seeds and creates the snapshot that `dbt run` assumes
        incremental.dbt("build" if position == 0 else "run")
    incremental.dbt("build")

    full = DbtProject(work_dir=tmp_path / "full", raw_data=landing)
    full.dbt("build", "--full-refresh")

    incremental_marts = read_duckdb_marts(incremental.duckdb_path)
    full_marts = read_duckdb_marts(full.duckdb_path)
    for mart, rows in full_marts.items():
        assert sorted(incremental_marts[mart], key=repr) == sorted(rows, key=repr), mart
    # and both equal the semantics computed from the raw files (the resent copy adds nothing)
    assert diff_marts(incremental_marts, expected_marts(raw)) == []

    resent = query_duckdb(
        incremental.duckdb_path,
        "select count(*), count(*) filter (where is_duplicate) from main_staging.stg_sparkify__log_records "
        "where source_file like '%resent%'",
    )
    assert resent[0][0] > 0 and resent[0][0] == resent[0][1], "every resent line is a known duplicate"


def test_incremental_build_reads_only_new_files(tmp_path: Path, month_of_raw_data: Path) -> None:
    raw = month_of_raw_data
    landing = tmp_path / "landing"
    deliver_songs(raw, landing)
    days = log_files(raw)
    for day in days[:3]:
        deliver(day, raw, landing)
    project = DbtProject(work_dir=tmp_path / "work", raw_data=landing)
    project.dbt("build")

    # An ingested file that is not read again cannot change anything, even when it turns to garbage.
    ingested = landing / days[0].relative_to(raw)
    ingested.write_text("this is not json\n")
    deliver(days[3], raw, landing)
    project.dbt("run")

    staged = query_duckdb(
        project.duckdb_path,
        "select count(*), count(*) filter (where rejection_reason is not null) "
        "from main_staging.stg_sparkify__log_records",
    )
    delivered_lines = sum(count_lines(raw / day.relative_to(raw)) for day in days[:4])
    assert staged[0] == (delivered_lines, 0)

    # DuckDB lists the files at compile time: the run read the one new log file and no song file
    compiled = project.work_dir / "target" / "compiled" / "sparkify" / "models" / "staging" / "sparkify"
    new_file = landing / days[3].relative_to(raw)
    assert f"read_csv(['{new_file}']," in (compiled / "stg_sparkify__log_records.sql").read_text()
    assert "no_new_files" in (compiled / "stg_sparkify__song_records.sql").read_text()

    # forget_raw_file makes the next build read a file again, on purpose
    project.dbt("run-operation", "forget_raw_file", "--args", json.dumps({"path": str(ingested)}))
    project.dbt("run")
    rows = query_duckdb(
        project.duckdb_path,
        "select count(*), any_value(rejection_reason) from main_staging.stg_sparkify__log_records "
        f"where source_file = '{ingested}'",
    )
    assert rows[0] == (1, "malformed JSON: not a JSON object")
