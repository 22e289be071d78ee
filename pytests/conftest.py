"""Shared fixtures: generated raw data (never ../shared) and isolated dbt projects."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytests.dbt_runner import DbtProject
from sparkify_tools.generator import GeneratorConfig, generate

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
