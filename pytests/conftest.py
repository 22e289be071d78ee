"""Shared fixtures: generated raw data (never ../shared) and isolated dbt projects."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytests.dbt_runner import DbtProject
from sparkify_tools.generator import GeneratorConfig, generate

# The longest modules (minutes each, measured in the full suite), run first: scripts/test.sh hands
# whole modules to two workers in collection order, and one of these left for last would keep one
# worker busy long after the other has finished.
LONGEST_MODULES = (
    "test_spark_marts.py",
    "test_ingestion_batches.py",
    "test_postgres_build.py",
    "test_readme_walkthrough.py",
    "test_raw_data_switch.py",
    "test_interrupted_runs.py",
    "test_redshift_sql.py",
    "test_hostile_input_postgres.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return LONGEST_MODULES.index(name) if name in LONGEST_MODULES else len(LONGEST_MODULES)

    items.sort(key=rank)  # stable: the modules' own order stays within each rank


# Small enough to build in seconds, large enough to hold every quirk the generator knows.
SMALL_SAMPLE = {"seed": 7, "songs": 300, "users": 60, "days": 7, "events_per_day": 400, "match_share": 0.5}


def generate_raw(out: Path, **overrides: object) -> Path:
    generate(GeneratorConfig(out=out, **{**SMALL_SAMPLE, **overrides}))
    return out


@pytest.fixture(scope="session")
def small_raw_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_raw(tmp_path_factory.mktemp("raw") / "sparkify")


@pytest.fixture(scope="session")
def built_duckdb(tmp_path_factory: pytest.TempPathFactory, small_raw_data: Path) -> DbtProject:
    """One full `dbt build` on DuckDB over the small sample, shared by read-only tests."""
    project = DbtProject(work_dir=tmp_path_factory.mktemp("duckdb_build"), raw_data=small_raw_data)
    project.dbt("build")
    return project
