"""A raw file ingested once and gone from raw_data at a full refresh is reported.

`raw_files_ingested` records every file ever ingested and survives `--full-refresh`;
`raw_files_gone` lists the recorded files the base models no longer hold, and its warn-severity
test makes `dbt build` say so. forget_raw_file is the intended removal: no warning after it.
On Spark: test_spark_marts.py, in the JVM of that module.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pytests.conftest import generate_raw
from pytests.dbt_runner import DbtProject
from pytests.mart_compare import diff_marts, query_duckdb, read_duckdb_marts
from pytests.oracle import expected_marts
from pytests.raw_delivery import log_files

# two builds per test: not in the fast tier (pytest -m "not slow")
pytestmark = pytest.mark.slow

FEW_DAYS = {"days": 4, "events_per_day": 150, "songs": 80, "users": 15, "seed": 11}
WARNING_TEST = "is_empty_raw_files_gone_"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_raw(tmp_path_factory.mktemp("gone") / "raw", **FEW_DAYS)


def built_copy(generated: Path, work_dir: Path) -> tuple[DbtProject, Path]:
    """A raw folder of its own (the test deletes from it) and a first build over it."""
    raw = work_dir / "raw"
    shutil.copytree(generated, raw)
    project = DbtProject(work_dir=work_dir / "work", raw_data=raw)
    project.dbt("build")
    return project, raw


def gone_files(project: DbtProject) -> list[tuple]:
    return query_duckdb(
        project.duckdb_path, "select source_table, source_file, reason from main.raw_files_gone order by 2"
    )


def plays_from(project: DbtProject, source_file: str) -> int:
    sql = f"select count(*) from main_staging.base_sparkify__log_lines where source_file = '{source_file}'"
    return query_duckdb(project.duckdb_path, sql)[0][0]


def test_a_file_deleted_before_a_full_refresh_is_reported(tmp_path: Path, generated: Path) -> None:
    project, raw = built_copy(generated, tmp_path)
    deleted = log_files(raw)[1]
    below_raw_data = deleted.relative_to(raw).as_posix()
    deleted.unlink()

    result = project.dbt("build", "--full-refresh")

    assert result.ok
    assert f"WARN 1 {WARNING_TEST}" in result.output
    assert f"in test {WARNING_TEST}" in result.output
    assert "WARN=1 " in result.output, "the only warning is the gone file"
    assert gone_files(project) == [("log_data", below_raw_data, "gone from raw_data since it was ingested")]
    assert plays_from(project, below_raw_data) == 0
    # the record still holds every file, the gone one with the batch that last read it
    recorded = query_duckdb(
        project.duckdb_path,
        "select count(*), count(distinct last_ingested_at), min(first_ingested_at) = max(first_ingested_at) "
        "from main.raw_files_ingested where source_table = 'log_data'",
    )
    assert recorded == [(len(log_files(generated)), 2, True)]

    # accepting the loss: forget_raw_file takes the file off the record
    project.dbt("run-operation", "forget_raw_file", "--args", json.dumps({"path": below_raw_data}))
    assert gone_files(project) == []


def test_a_file_forgotten_then_deleted_is_not_reported(tmp_path: Path, generated: Path) -> None:
    project, raw = built_copy(generated, tmp_path)
    deleted = log_files(raw)[1]
    below_raw_data = deleted.relative_to(raw).as_posix()
    plays = "select count(*) from main.songplays"
    before = query_duckdb(project.duckdb_path, plays)
    project.dbt("run-operation", "forget_raw_file", "--args", json.dumps({"path": below_raw_data}))
    # analysts never see an empty warehouse: the marts keep their rows until the next build
    assert query_duckdb(project.duckdb_path, plays) == before != [(0,)]
    deleted.unlink()

    result = project.dbt("build", "--full-refresh")

    assert result.ok
    assert "WARN=0 " in result.output, result.output[-3000:]
    assert f"PASS {WARNING_TEST}" in result.output
    assert gone_files(project) == []
    assert plays_from(project, below_raw_data) == 0
    sql = f"select count(*) from main.raw_files_ingested where source_file = '{below_raw_data}'"
    assert query_duckdb(project.duckdb_path, sql) == [(0,)]


def test_forget_in_one_build_leaves_the_marts_correct(tmp_path: Path, generated: Path) -> None:
    """`dbt build --vars '{forget_raw_file: …}'`: one command, after which the marts are right."""
    project, raw = built_copy(generated, tmp_path)
    deleted, kept = log_files(raw)[1:3]
    below_raw_data = deleted.relative_to(raw).as_posix()
    deleted.unlink()

    result = project.dbt("build", vars={"forget_raw_file": below_raw_data})

    assert "WARN=0 " in result.output, "an intended removal is not reported as gone"
    assert plays_from(project, below_raw_data) == 0
    assert diff_marts(read_duckdb_marts(project.duckdb_path), expected_marts(raw)) == []

    # a file still in raw_data, by pattern: taken from the landing again, the marts unchanged
    pattern = kept.relative_to(raw).as_posix()[:-6] + "%"
    again = project.dbt("build", vars={"forget_raw_file": pattern})
    assert "this build takes them from the landing again" in again.output
    assert plays_from(project, kept.relative_to(raw).as_posix()) > 0
    assert diff_marts(read_duckdb_marts(project.duckdb_path), expected_marts(raw)) == []
