"""Incremental builds follow ingestion batches, not event time.

Raw files arrive out of order — 30 days late, re-sent under a new name, changed in place, rewritten
as empty, forgotten and ingested again, deleted — and after each plain `dbt build` the marts, the
level history and the ops models equal a `--full-refresh` of the same raw folder.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pytests.conftest import generate_raw
from pytests.dbt_runner import DbtProject
from pytests.mart_compare import (
    diff_marts,
    diff_states,
    duckdb_query,
    read_duckdb_marts,
    read_warehouse_state,
)
from pytests.oracle import expected_marts
from pytests.out_of_order import REFERENCE_BUILD, Delivery, out_of_order_steps
from pytests.raw_delivery import deliver, deliver_songs, empty_file_accounting, log_files

pytestmark = pytest.mark.dbt

# 32 days, so that the first day is 30 days older than the last two
MONTH = {"days": 32, "events_per_day": 80, "songs": 120, "users": 25, "seed": 5}


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_raw(tmp_path_factory.mktemp("month") / "raw", **MONTH)


def state_of(project: DbtProject) -> dict[str, list[tuple]]:
    return read_warehouse_state(duckdb_query(project.duckdb_path), marts="main")


def full_refresh_state(landing: Path, work_dir: Path) -> dict[str, list[tuple]]:
    if work_dir.exists():
        shutil.rmtree(work_dir)
    full = DbtProject(work_dir=work_dir, raw_data=landing)
    full.dbt(*REFERENCE_BUILD)
    return state_of(full)


@pytest.mark.slow
def test_out_of_order_delivery_equals_full_refresh(tmp_path: Path, raw: Path) -> None:
    landing = tmp_path / "landing"
    project = DbtProject(work_dir=tmp_path / "incremental", raw_data=landing)
    full_dir = tmp_path / "full"

    def forget(path: str) -> None:
        project.dbt("run-operation", "forget_raw_file", "--args", json.dumps({"path": path}))

    for step in out_of_order_steps(Delivery(raw, landing, forget)):
        project.dbt("build")
        problems = diff_states(state_of(project), full_refresh_state(landing, full_dir))
        assert problems == [], f"after {step}: {problems}"

    # and the whole agrees with the semantics computed from the raw files
    assert diff_marts(read_duckdb_marts(project.duckdb_path), expected_marts(landing)) == []


def test_one_day_build_reads_only_the_new_file(tmp_path: Path, raw: Path) -> None:
    landing = tmp_path / "landing"
    deliver_songs(raw, landing)
    days = log_files(raw)
    for day in days[:3]:
        deliver(day, raw, landing)
    project = DbtProject(work_dir=tmp_path / "work", raw_data=landing)
    project.dbt("build")

    deliver(days[3], raw, landing)
    project.dbt("build")
    # the build's ingestion read the new day only, and no song file
    newest = duckdb_query(project.duckdb_path)(
        f"select source_file, status from read_parquet('{project.landing}/raw_files/*.parquet') "
        f"where landing_batch_id = (select max(landing_batch_id) from '{project.landing}/batches/*.parquet')"
    )
    assert newest == [{"source_file": days[3].relative_to(raw).as_posix(), "status": "ingested"}]
    batches = duckdb_query(project.duckdb_path)(
        "select source_file, count(distinct ingested_at) as batches "
        "from main_staging.base_sparkify__log_lines group by source_file order by source_file"
    )
    assert [row["batches"] for row in batches] == [1, 1, 1, 1]
    assert len({row["source_file"] for row in batches}) == 4


@pytest.mark.slow
def test_a_day_rewritten_as_empty_withdraws_its_rows(tmp_path: Path, raw: Path) -> None:
    """Issue 14e: a log file rewritten as empty is ingested as one row that stands for it, which
    replaces the file's lines: its plays leave songplays, users and time follow, the accounting
    shows it with 0 lines, raw_files_not_read lists it (the build warns), and the plain build
    equals a full refresh of the same files."""
    landing = tmp_path / "landing"
    deliver_songs(raw, landing)
    days = log_files(raw)[:3]
    for day in days:
        deliver(day, raw, landing)
    project = DbtProject(work_dir=tmp_path / "incremental", raw_data=landing)
    project.dbt("build")
    query = duckdb_query(project.duckdb_path)
    emptied = days[1].relative_to(raw).as_posix()
    accounting = f"select * from main.log_line_accounting where source_file = '{emptied}'"
    plays_before = query("select count(*) as n from main.songplays")[0]["n"]
    plays_of_emptied = query(accounting)[0]["song_plays"]
    assert plays_of_emptied > 0

    (landing / emptied).write_bytes(b"")
    result = project.dbt("build")

    assert query("select count(*) as n from main.songplays")[0]["n"] == plays_before - plays_of_emptied
    assert query(accounting) == [empty_file_accounting(emptied)]
    assert query("select * from main.quarantined_records") == []
    assert query("select source_file, reason from main.raw_files_not_read") == [
        {"source_file": emptied, "reason": "empty file: no lines"}
    ]
    assert query("select * from main.raw_files_gone") == []
    assert "WARN 1 is_empty_raw_files_not_read_" in result.output
    assert "WARN=1" in result.output
    assert diff_marts(read_duckdb_marts(project.duckdb_path), expected_marts(landing)) == []
    refreshed = full_refresh_state(landing, tmp_path / "full")
    assert diff_states(state_of(project), refreshed) == []

    # the next build reads nothing again (the empty file's size and time are held) and still warns
    again = project.dbt("build")
    assert "WARN 1 is_empty_raw_files_not_read_" in again.output
    batches = "select count(distinct ingested_at) as n from main_staging.base_sparkify__log_lines"
    assert query(batches) == [{"n": 2}]
    assert diff_states(state_of(project), refreshed) == []


@pytest.mark.slow
def test_same_files_elsewhere_ingest_nothing(tmp_path: Path, raw: Path) -> None:
    """Another spelling or place of the same raw folder names the same files: nothing is new."""
    landing = tmp_path / "landing"
    deliver_songs(raw, landing)
    for day in log_files(raw)[:4]:
        deliver(day, raw, landing)
    project = DbtProject(work_dir=tmp_path / "work", raw_data=landing)
    project.dbt("build")
    before = state_of(project)

    moved = tmp_path / "moved" / "raw"
    moved.parent.mkdir()
    landing.rename(moved)
    # another folder than the warehouse holds: said to be an addition
    project.dbt("build", vars={"raw_data": f"{moved.parent}/./raw", "add_raw_data": True})
    counts = duckdb_query(project.duckdb_path)(
        "select count(distinct ingested_at) as batches, count(distinct source_file) as files "
        "from main_staging.base_sparkify__log_lines"
    )
    assert counts == [{"batches": 1, "files": 4}]
    assert state_of(project) == before


@pytest.mark.slow
def test_new_user_flow_with_two_data_sets(tmp_path: Path) -> None:
    """README order: build the generated sample, then another folder (added), then only that one."""
    first = generate_raw(tmp_path / "first", seed=1, days=4)
    second = generate_raw(tmp_path / "second", seed=2, days=6)
    project = DbtProject(work_dir=tmp_path / "work", raw_data=first)
    project.dbt("build")
    # the folder is added: same paths with other content replace, new paths add; no test fails
    project.dbt("build", vars={"raw_data": str(second), "add_raw_data": True})
    project.dbt("build", "--full-refresh", vars={"raw_data": str(second)})
    assert diff_marts(read_duckdb_marts(project.duckdb_path), expected_marts(second)) == []
