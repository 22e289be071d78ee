"""A build killed mid-way heals on the next build; a second build meanwhile fails clearly, harming nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from pytests.conftest import generate_raw
from pytests.dbt_runner import PROJECT_ROOT, DbtProject
from pytests.mart_compare import diff_marts, read_duckdb_marts
from pytests.oracle import expected_marts

# kills and reruns builds: not in the fast tier (pytest -m "not slow")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_raw(tmp_path_factory.mktemp("interrupted") / "raw", days=10, events_per_day=1500)


def build_killed_when(project: DbtProject, marker: str) -> None:
    """Start `dbt build` and SIGKILL it (and its children) as soon as its log shows `marker`."""
    command = [str(Path(sys.executable).with_name("dbt")), "build", "--vars", project.vars_arg()]
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
    for line in process.stdout:
        seen.append(line)
        if marker in line:
            os.killpg(process.pid, signal.SIGKILL)
            break
    process.wait()
    assert process.returncode == -signal.SIGKILL, "the build finished before it could be killed:\n" + "".join(
        seen
    )


@pytest.mark.parametrize(
    "marker",
    [
        "START sql incremental model main_staging.base_sparkify__log_lines",
        "START sql incremental model main.songplays",
    ],
    ids=["during-staging", "during-marts"],
)
def test_build_killed_then_rerun_ends_correct(tmp_path: Path, raw: Path, marker: str) -> None:
    project = DbtProject(work_dir=tmp_path, raw_data=raw)
    build_killed_when(project, marker)
    project.dbt("build")
    assert diff_marts(read_duckdb_marts(project.duckdb_path), expected_marts(raw)) == []


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
