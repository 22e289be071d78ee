"""The level history snapshot records real upgrades; source freshness works with operator thresholds."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest

from pytests.conftest import generate_raw
from pytests.dbt_runner import DbtProject
from pytests.mart_compare import query_duckdb
from pytests.raw_delivery import deliver, deliver_songs, log_files

# several builds: not in the fast tier (pytest -m "not slow")
pytestmark = pytest.mark.slow


def level_change_times(raw: Path) -> dict[str, set[datetime]]:
    """Per user, when each level starts: the first event, and every event at another level than the last."""
    events = defaultdict(list)
    for path in log_files(raw):
        for line in path.read_text().splitlines():
            event = json.loads(line)
            if event["userId"].strip():
                key = (event["ts"], event["sessionId"], event["itemInSession"])
                events[event["userId"].strip()].append((key, event["level"]))
    starts: dict[str, set[datetime]] = defaultdict(set)
    for user, timeline in events.items():
        previous = None
        for (ts, _, _), level in sorted(timeline):
            if level != previous:
                starts[user].add(datetime(1970, 1, 1) + timedelta(milliseconds=ts))
            previous = level
    return starts


def test_snapshot_keeps_each_level_change(tmp_path: Path) -> None:
    raw = generate_raw(tmp_path / "raw", days=6, events_per_day=300, users=20)
    landing = tmp_path / "landing"
    deliver_songs(raw, landing)
    project = DbtProject(work_dir=tmp_path / "work", raw_data=landing)
    for day in log_files(raw):
        deliver(day, raw, landing)
        project.dbt("build")

    history = query_duckdb(
        project.duckdb_path,
        "select user_id, level, dbt_valid_from, dbt_valid_to from main_snapshots.users_level_history "
        "order by user_id, dbt_valid_from",
    )
    users = dict(query_duckdb(project.duckdb_path, "select user_id, level from main.users"))
    starts = level_change_times(raw)
    versions = defaultdict(list)
    for user_id, level, valid_from, valid_to in history:
        versions[user_id].append((level, valid_from, valid_to))
        assert valid_from in starts[user_id], f"{user_id} {level} from {valid_from} is no level change"
    assert any(len(periods) > 1 for periods in versions.values()), "no level change was recorded"
    for user_id, periods in versions.items():
        for (level, _, valid_to), (next_level, next_from, _) in pairwise(periods):
            assert valid_to == next_from and level != next_level
        assert periods[-1][0] == users[user_id]
        assert periods[-1][2] == datetime(9999, 12, 31)


def test_source_freshness_uses_operator_thresholds(tmp_path: Path) -> None:
    recent = generate_raw(tmp_path / "recent", days=2, start_date=date.today() - timedelta(days=1))
    fresh = DbtProject(work_dir=tmp_path / "fresh", raw_data=recent).dbt("source", "freshness")
    assert "PASS freshness of sparkify_landing.log_lines" in fresh.output

    old = DbtProject(work_dir=tmp_path / "old", raw_data=generate_raw(tmp_path / "old_raw", days=2))
    stale = old.dbt("source", "freshness", check=False)
    assert not stale.ok and "ERROR STALE freshness of sparkify_landing.log_lines" in stale.output
    age_hours = (datetime.now(UTC).date() - date(2018, 11, 1)).days * 24
    relaxed = old.dbt(
        "source",
        "freshness",
        vars={"log_freshness_warn_hours": 1, "log_freshness_error_hours": age_hours * 2},
    )
    assert "WARN freshness of sparkify_landing.log_lines" in relaxed.output
