"""A build killed mid-way heals on the next build; a second build meanwhile fails clearly, harming nothing.

Both a plain build and a `--full-refresh` killed mid-way are completed by the next plain `dbt build`.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from pytests.conftest import generate_raw
from pytests.dbt_runner import PROJECT_ROOT, DbtProject
from pytests.mart_compare import (
    diff_marts,
    diff_states,
    duckdb_query,
    read_duckdb_marts,
    read_warehouse_state,
)
from pytests.oracle import expected_marts
from pytests.raw_delivery import log_files

# kills and reruns builds: not in the fast tier (pytest -m "not slow")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_raw(tmp_path_factory.mktemp("interrupted") / "raw", days=10, events_per_day=1500)


def build_killed_when(project: DbtProject, *markers: str, build_args: tuple[str, ...] = ()) -> None:
    """Start `dbt build` and SIGKILL it (and its children) as soon as its log has shown every marker."""
    command = [str(Path(sys.executable).with_name("dbt")), "build", *build_args, "--vars", project.vars_arg()]
    process = subprocess.Popen(
        command,
        cwd=PROJECT_ROOT,
        env=project.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None
    seen = []
    waiting_for = set(markers)
    for line in process.stdout:
        seen.append(line)
        waiting_for = {marker for marker in waiting_for if marker not in line}
        if not waiting_for:
            os.killpg(process.pid, signal.SIGKILL)
            break
    process.wait()
    assert process.returncode == -signal.SIGKILL, "the build finished before it could be killed:\n" + "".join(
        seen
    )


@pytest.mark.parametrize(
    "marker",
    [
        # the ingester's progress line: its log lines read, its batch not yet committed
        "sparkify-ingest: log_data: ",
        "START sql incremental model main_staging.base_sparkify__log_lines",
        "START sql incremental model main.songplays",
    ],
    ids=["during-ingestion", "during-staging", "during-marts"],
)
def test_build_killed_then_rerun_ends_correct(tmp_path: Path, raw: Path, marker: str) -> None:
    project = DbtProject(work_dir=tmp_path, raw_data=raw)
    build_killed_when(project, marker)
    project.dbt("build")
    assert diff_marts(read_duckdb_marts(project.duckdb_path), expected_marts(raw)) == []


# Points at which a --full-refresh is killed: every model before the point was rebuilt from
# nothing, every model after it still holds what the earlier build made.
FULL_REFRESH_KILL_POINTS = {
    "after-base-models": (
        "OK created sql incremental model main_staging.base_sparkify__log_lines",
        "OK created sql incremental model main_staging.base_sparkify__song_files",
    ),
    "after-intermediate-models": (
        "OK created sql incremental model main_intermediate.int_log_events__deduplicated",
        "OK created sql incremental model main_intermediate.int_songplays__matched_to_songs",
    ),
    "during-marts": ("OK created sql incremental model main.songplays",),
}


State = dict[str, list[tuple]]


def warehouse_state(project: DbtProject) -> State:
    """Marts, the level history and the ops models, bookkeeping columns left out."""
    return read_warehouse_state(duckdb_query(project.duckdb_path), marts="main")


@pytest.fixture(scope="module")
def few_days(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_raw(tmp_path_factory.mktemp("few_days") / "raw", days=4, events_per_day=400)


@pytest.fixture(scope="module")
def built_once(tmp_path_factory: pytest.TempPathFactory, few_days: Path) -> tuple[Path, State]:
    """One plain build of the raw folder into an empty warehouse, and its state: what a clean full
    refresh over the same files holds (a first build reads every file, as a full refresh does)."""
    project = DbtProject(work_dir=tmp_path_factory.mktemp("built_once"), raw_data=few_days)
    project.dbt("build")
    return project.duckdb_path, warehouse_state(project)


@pytest.mark.parametrize("markers", FULL_REFRESH_KILL_POINTS.values(), ids=FULL_REFRESH_KILL_POINTS.keys())
def test_full_refresh_killed_then_plain_build_equals_full_refresh(
    tmp_path: Path, few_days: Path, built_once: tuple[Path, State], markers: tuple[str, ...]
) -> None:
    database, clean_state = built_once
    project = DbtProject(work_dir=tmp_path, raw_data=few_days)
    shutil.copy(database, project.duckdb_path)  # the warehouse after a normal build

    build_killed_when(project, *markers, build_args=("--full-refresh",))
    result = project.dbt("build")

    assert "ERROR=0" in result.output
    assert diff_states(warehouse_state(project), clean_state) == []


def test_full_refresh_killed_after_a_file_was_deleted_then_plain_build_drops_its_rows(
    tmp_path: Path, few_days: Path, built_once: tuple[Path, State]
) -> None:
    """The full refresh that was to drop a deleted file's rows is killed once the base models no
    longer hold them: the next plain build must still drop them from every model built from them."""
    database, _ = built_once
    raw = tmp_path / "raw"
    shutil.copytree(few_days, raw)  # modification times kept: the same files as far as dbt can tell
    deleted = log_files(raw)[1]
    deleted.unlink()
    project = DbtProject(work_dir=tmp_path / "work", raw_data=raw)
    shutil.copy(database, project.duckdb_path)

    build_killed_when(project, *FULL_REFRESH_KILL_POINTS["after-base-models"], build_args=("--full-refresh",))
    result = project.dbt("build")
    clean = DbtProject(work_dir=tmp_path / "clean", raw_data=raw)
    clean.dbt("build")

    assert "ERROR=0" in result.output
    state, clean_state = warehouse_state(project), warehouse_state(clean)
    # the deleted file is reported as gone (a clean warehouse never recorded it) ...
    gone = state.pop("raw_files_gone")
    assert [row[1] for row in gone] == [deleted.relative_to(raw).as_posix()]
    assert "WARN 1 is_empty_raw_files_gone_" in result.output
    for name in ("raw_files_gone", "raw_files_ingested"):
        clean_state.pop(name)
    state.pop("raw_files_ingested")
    # ... and everything else equals a clean build over the remaining files
    assert diff_states(state, clean_state) == []


def test_second_build_while_the_file_is_held_fails_clearly(tmp_path: Path, raw: Path) -> None:
    project = DbtProject(work_dir=tmp_path, raw_data=raw)
    project.dbt("build")
    before = read_duckdb_marts(project.duckdb_path)

    # a process holding the database for writing, as a running build does
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); "
            "time.sleep(120)",
            str(project.duckdb_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        second = project.dbt("build", check=False)
    finally:
        holder.kill()
        holder.wait()

    assert not second.ok
    assert "Could not set lock on file" in second.output
    assert str(project.duckdb_path) in second.output
    assert "Traceback" not in second.output
    after = read_duckdb_marts(project.duckdb_path)
    for mart, rows in before.items():
        assert sorted(after[mart], key=repr) == sorted(rows, key=repr), mart
