"""Quarantine replay: after a seed fix that accepts a page name the seed lacked, replay_quarantined
and a plain build bring the records that now pass into the marts, equal to a --full-refresh.
The seed is changed in a copy of the project (ProjectCopy), never in the checkout."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pytests.conftest import generate_raw
from pytests.mart_compare import diff_states, duckdb_query, query_duckdb, read_warehouse_state
from pytests.project_copy import ProjectCopy
from pytests.raw_delivery import log_files

pytestmark = pytest.mark.slow

NEW_PAGE = "PlaySong"
UNKNOWN_PAGE = "unknown page value (not in seed page_categories)"


def raw_with_a_new_page(raw: Path) -> int:
    """Three song plays of one day are on a page the seed does not know; how many."""
    day = log_files(raw)[0]
    events = [json.loads(line) for line in day.read_text().splitlines()]
    others = [event for event in events if event.get("page") == "NextSong"][:3]
    for event in others:
        event["page"] = NEW_PAGE
    day.write_text("".join(json.dumps(event) + "\n" for event in events))
    return len(others)


def quarantined(project: ProjectCopy, reason: str) -> int:
    sql = f"select count(*) from main.quarantined_records where rejection_reason = '{reason}'"
    return query_duckdb(project.duckdb_path, sql)[0][0]


def test_replay_after_a_seed_fix_equals_a_full_refresh(tmp_path: Path) -> None:
    raw = generate_raw(tmp_path / "raw", days=3, events_per_day=150, songs=50, users=12, seed=4)
    lines = raw_with_a_new_page(raw)
    assert lines > 0
    project = ProjectCopy(work_dir=tmp_path / "work", raw_data=raw)
    project.dbt("build")
    assert quarantined(project, UNKNOWN_PAGE) == lines
    plays = "select count(*) from main.songplays"
    plays_before = query_duckdb(project.duckdb_path, plays)[0][0]

    seed = project.project_dir / "seeds" / "page_categories.csv"
    seed.write_text(seed.read_text() + f"{NEW_PAGE},listening,true,\n")
    reason = json.dumps({"reason": "unknown page%"})
    replay = project.dbt("run-operation", "replay_quarantined", "--args", reason)
    assert f"{lines} quarantined records match" in replay.output
    project.dbt("build")

    assert quarantined(project, UNKNOWN_PAGE) == 0
    # the replayed plays reached the marts: only a recompute of the incremental models brings them
    assert query_duckdb(project.duckdb_path, plays)[0][0] == plays_before + lines
    fresh = ProjectCopy(work_dir=tmp_path / "fresh", raw_data=raw)
    shutil.copy(seed, fresh.project_dir / "seeds" / "page_categories.csv")
    fresh.dbt("build", "--full-refresh")
    state = read_warehouse_state(duckdb_query(project.duckdb_path), marts="main")
    assert diff_states(state, read_warehouse_state(duckdb_query(fresh.duckdb_path), marts="main")) == []
