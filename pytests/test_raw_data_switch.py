"""The warehouse holds one raw_data folder: a build over another one stops and says how to go on,
and replacing the folder (--full-refresh) back and forth ends equal to a fresh warehouse."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytests.conftest import generate_raw
from pytests.dbt_runner import DbtProject
from pytests.mart_compare import diff_states, duckdb_query, read_warehouse_state

pytestmark = pytest.mark.slow

FEW_DAYS = {"days": 3, "events_per_day": 120, "songs": 60, "users": 12}


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("switch")
    # the other folder shares some paths (with other content) and lacks others: 5 days against 3
    return {
        "generated": generate_raw(root / "generated", seed=1, **FEW_DAYS),
        "other": generate_raw(root / "other", seed=2, **{**FEW_DAYS, "days": 5}),
    }


def state_of(project: DbtProject) -> dict[str, list[tuple]]:
    return read_warehouse_state(duckdb_query(project.duckdb_path), marts="main")


def landing_batches(project: DbtProject) -> int:
    return len(list((project.landing / "batches").glob("*.parquet")))


def test_a_build_over_another_folder_stops_and_changes_nothing(
    tmp_path: Path, folders: dict[str, Path]
) -> None:
    project = DbtProject(work_dir=tmp_path / "work", raw_data=folders["generated"])
    project.dbt("build")
    before, batches = state_of(project), landing_batches(project)

    # spelled differently, the same folder is no switch
    project.dbt("build", vars={"raw_data": f"{folders['generated']}/./"})
    result = project.dbt("build", vars={"raw_data": str(folders["other"])}, check=False)

    assert not result.ok
    named = f"raw_data is '{folders['other']}' but the warehouse holds '{folders['generated']}'"
    assert named in result.output
    assert "--full-refresh" in result.output and "add_raw_data" in result.output
    assert landing_batches(project) == batches + 1, "only the respelled build landed a batch"
    assert diff_states(state_of(project), before) == []


@pytest.mark.parametrize("order", [("generated", "other", "generated"), ("other", "generated", "other")])
def test_switching_folders_ends_equal_to_a_fresh_warehouse(
    tmp_path: Path, folders: dict[str, Path], order: tuple[str, ...]
) -> None:
    project = DbtProject(work_dir=tmp_path / "work", raw_data=folders[order[0]])
    project.dbt("build")
    for name in order[1:]:
        result = project.dbt("build", "--full-refresh", vars={"raw_data": str(folders[name])})
        assert "WARN=0 " in result.output, result.output[-3000:]
    fresh = DbtProject(work_dir=tmp_path / "fresh", raw_data=folders[order[-1]])
    fresh.dbt("build")
    assert diff_states(state_of(project), state_of(fresh)) == []
