"""The listeners' level history: `users_level_history` and `level_changes` equal plain Python
over the raw events, and do not depend on how many builds ran: built one day at a time (in order, or
with a day delivered late) they equal one build of every day.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pytests import oracle
from pytests.conftest import generate_raw
from pytests.dbt_runner import DbtProject
from pytests.mart_compare import duckdb_query
from pytests.raw_delivery import deliver, deliver_songs, log_files

pytestmark = pytest.mark.dbt

HISTORY = (
    "select user_id, level, valid_from, valid_to, is_current from main.users_level_history "
    "order by user_id, valid_from"
)
CHANGES = (
    "select user_id, changed_at, level_before, level_after, change_type from main_analytics.level_changes "
    "order by user_id, changed_at"
)
# Five days are enough for listeners to change level more than once; 30 listeners keep each build short.
DAILY_SAMPLE = {"seed": 11, "users": 30, "days": 5, "events_per_day": 300}
# the day delivered last in the late-day order: it lands inside intervals already built
LATE_DAY = 2


def history_of(database: Path) -> dict[str, list[dict[str, Any]]]:
    query = duckdb_query(database)
    return {"intervals": query(HISTORY), "changes": query(CHANGES)}


def expected_history(raw: Path) -> dict[str, list[dict[str, Any]]]:
    intervals = oracle.level_intervals(oracle.deduplicate_events(oracle.read_events(raw)))
    return {"intervals": intervals, "changes": oracle.level_changes(intervals)}


def test_level_history_equals_python_over_the_raw_events(built_duckdb: DbtProject) -> None:
    expected = expected_history(Path(built_duckdb.raw_data))
    assert expected["changes"], "the sample has no level change: the comparison would prove little"
    assert {change["change_type"] for change in expected["changes"]} == {"upgrade", "downgrade"}
    actual = history_of(built_duckdb.duckdb_path)
    assert actual["intervals"] == expected["intervals"]
    assert actual["changes"] == expected["changes"]
    # each listener's current interval is at the level `users` holds
    users = oracle.users_mart(oracle.read_events(Path(built_duckdb.raw_data)))
    current = {row["user_id"]: row["level"] for row in actual["intervals"] if row["is_current"]}
    assert current == {row["user_id"]: row["level"] for row in users if row["level"] is not None}


@pytest.fixture(scope="module")
def daily_raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_raw(tmp_path_factory.mktemp("level_history") / "raw", **DAILY_SAMPLE)


@pytest.fixture(scope="module")
def one_build(daily_raw: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, Any]]]:
    project = DbtProject(work_dir=tmp_path_factory.mktemp("one_build"), raw_data=daily_raw)
    project.dbt("build")
    history = history_of(project.duckdb_path)
    assert history == expected_history(daily_raw)
    assert len(history["changes"]) >= 3, "the sample must change levels for the comparison to mean much"
    return history


@pytest.mark.slow
@pytest.mark.parametrize("order", ["in order", "a day late"])
def test_history_built_day_by_day_equals_one_build(
    order: str, daily_raw: Path, one_build: dict[str, list[dict[str, Any]]], tmp_path: Path
) -> None:
    days = log_files(daily_raw)
    assert len(days) == DAILY_SAMPLE["days"]
    if order == "a day late":
        days = [*days[:LATE_DAY], *days[LATE_DAY + 1 :], days[LATE_DAY]]
    landing = tmp_path / "landing"
    deliver_songs(daily_raw, landing)
    project = DbtProject(work_dir=tmp_path / "work", raw_data=landing)
    before_last = None
    for number, day in enumerate(days, start=1):
        deliver(day, daily_raw, landing)
        if number < len(days):
            # what the history is built from (seeds included), and the history itself: one build
            # per day, without the tests (the last build runs them)
            project.dbt("build", "--select", "+level_changes", "--exclude-resource-type", "test", "unit_test")
            before_last = history_of(project.duckdb_path)
        else:
            # the last day with a whole build: every data test runs over the history built by day
            project.dbt("build")
    assert history_of(project.duckdb_path) == one_build
    if order == "a day late":
        # the late day changed intervals built before (moved a start or split one), not only
        # appended: rows of the day before are gone
        assert before_last is not None
        gone = [row for row in before_last["intervals"] if row not in one_build["intervals"]]
        assert gone, "the late day must land inside intervals already built"
