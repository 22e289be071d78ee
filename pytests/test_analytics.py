"""The analysts' folder on a built DuckDB warehouse: its models equal the same rules computed in plain
Python from the marts and seeds, the example analyses run and add up, and the walk-through's
commands do what docs/analysts.md says.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pytests import oracle
from pytests.dbt_runner import PROJECT_ROOT, DbtProject
from pytests.mart_compare import normalise, read_duckdb_marts
from sparkify_tools import docs_check

# builds and checks the analysts models on their own samples: not in the fast tier (pytest -m "not slow")
pytestmark = pytest.mark.slow

ANALYTICS = "main_analytics"
ANALYSES = ("plays_by_hour_and_level", "plays_by_state", "catalogue_match_rate_by_week")


def query(database: Path, sql: str) -> list[dict[str, Any]]:
    with duckdb.connect(str(database), read_only=True) as connection:
        relation = connection.sql(sql)
        return [
            {name: normalise(value) for name, value in zip(relation.columns, row, strict=True)}
            for row in relation.fetchall()
        ]


@pytest.fixture(scope="module")
def marts(built_duckdb: DbtProject) -> dict[str, list[dict[str, Any]]]:
    return read_duckdb_marts(built_duckdb.duckdb_path)


def expected_weekly_top_songs(marts: dict[str, list[dict[str, Any]]], limit: int) -> list[dict[str, Any]]:
    titles = {row["song_id"]: row["title"] for row in marts["songs"]}
    names = {row["artist_id"]: row["name"] for row in marts["artists"]}
    plays: Counter[tuple] = Counter()
    listeners: dict[tuple, set] = defaultdict(set)
    for play in marts["songplays"]:
        day = play["start_time"].date()
        week_start = day - timedelta(days=day.weekday())  # ISO weeks start on Monday
        title = titles.get(play["song_id"]) or play["song_title"]
        artist = names.get(play["artist_id"]) or play["artist_name"]
        key = (week_start, play["song_id"], title, artist)
        plays[key] += 1
        if play["user_id"] is not None:
            listeners[key].add(play["user_id"])
    weeks: dict[date, list[tuple]] = defaultdict(list)
    for key in plays:
        weeks[key[0]].append(key)
    rows = []
    for week_start, keys in sorted(weeks.items()):
        keys.sort(key=lambda k: (-plays[k], -len(listeners[k]), k[2], k[3], k[1] or ""))
        for rank, key in enumerate(keys[:limit], start=1):
            rows.append(
                {
                    "week_start": week_start,
                    "song_rank": rank,
                    "song_id": key[1],
                    "song_title": key[2],
                    "artist_name": key[3],
                    "plays": plays[key],
                    "listeners": len(listeners[key]),
                }
            )
    return rows


def test_weekly_top_songs_ranks_the_marts_plays(built_duckdb: DbtProject, marts: dict) -> None:
    actual = query(
        built_duckdb.duckdb_path,
        f"select week_start, song_rank, song_id, song_title, artist_name, plays, listeners "
        f"from {ANALYTICS}.weekly_top_songs order by week_start, song_rank",
    )
    expected = expected_weekly_top_songs(marts, limit=10)
    assert len({row["week_start"] for row in expected}) >= 1
    assert actual == expected


def test_listener_locations_split_metro_area_and_states(built_duckdb: DbtProject, marts: dict) -> None:
    with (PROJECT_ROOT / "seeds" / "us_states.csv").open(newline="") as handle:
        states = {row["state_code"]: row for row in csv.DictReader(handle)}
    expected = []
    for location in sorted({p["location"] for p in marts["songplays"] if p["location"]}):
        metro_area, state_codes = location.rsplit(", ", 1)
        primary = state_codes.split("-")[0]
        expected.append(
            {
                "location": location,
                "metro_area": metro_area,
                "state_codes": state_codes,
                "state_count": len(state_codes.split("-")),
                "primary_state_code": primary,
                "primary_state_name": states[primary]["state_name"],
                "census_region": states[primary]["census_region"],
            }
        )
    actual = query(
        built_duckdb.duckdb_path,
        f"select location, metro_area, state_codes, state_count, primary_state_code, primary_state_name, "
        f"census_region from {ANALYTICS}.listener_locations order by location",
    )
    assert any(row["state_count"] > 1 for row in expected), "the sample has no multi-state metro area"
    assert actual == expected


def test_subscription_changes_are_the_classified_page_events(built_duckdb: DbtProject) -> None:
    with (PROJECT_ROOT / "seeds" / "page_categories.csv").open(newline="") as handle:
        change_of_page = {row["page"]: row["subscription_change"] for row in csv.DictReader(handle)}
    events = oracle.deduplicate_events(oracle.read_events(built_duckdb.raw_data))
    expected = Counter(
        (change_of_page[e.page], e.user_id) for e in events if e.user_id and change_of_page.get(e.page)
    )
    actual = Counter(
        (row["change_type"], row["user_id"])
        for row in query(
            built_duckdb.duckdb_path, f"select change_type, user_id from {ANALYTICS}.subscription_changes"
        )
    )
    assert expected, "the sample has no subscription change"
    assert actual == expected


def test_example_analyses_compile_run_and_add_up(built_duckdb: DbtProject, tmp_path: Path) -> None:
    target = tmp_path / "target"
    built_duckdb.dbt("compile", "--select", *ANALYSES, "--target-path", str(target))
    compiled = {
        name: (target / "compiled" / "sparkify" / "analyses" / f"{name}.sql").read_text() for name in ANALYSES
    }
    database = built_duckdb.duckdb_path
    totals = query(
        database,
        "select count(*) as plays, count(song_id) as matched, count(location) as located, "
        "count(case when level = 'paid' then 1 end) as paid from main.songplays",
    )[0]

    by_hour = query(database, compiled["plays_by_hour_and_level"])
    assert sum(r["free_plays"] + r["paid_plays"] for r in by_hour) == totals["plays"]
    assert sum(r["paid_plays"] for r in by_hour) == totals["paid"]

    by_state = query(database, compiled["plays_by_state"])
    assert sum(r["plays"] for r in by_state) == totals["located"]

    by_week = query(database, compiled["catalogue_match_rate_by_week"])
    assert sum(r["plays"] for r in by_week) == totals["plays"]
    assert sum(r["matched_plays"] for r in by_week) == totals["matched"]


def test_walkthrough_selector_builds_the_model_and_what_it_needs(built_duckdb: DbtProject) -> None:
    listed = built_duckdb.dbt(
        "ls", "--select", "+weekly_top_songs", "--resource-type", "model", "source", "--quiet"
    )
    names = {line.strip().split(".")[-1] for line in listed.output.splitlines() if line.strip()}
    assert {"weekly_top_songs", "songplays", "songs", "artists", "log_lines", "song_files"} <= names
    assert not names & {"listener_locations", "users", "time", "level_changes"}


def test_a_bad_top_songs_limit_is_refused_by_name(built_duckdb: DbtProject, tmp_path: Path) -> None:
    result = built_duckdb.dbt(
        "compile",
        "--select",
        "weekly_top_songs",
        "--target-path",
        str(tmp_path / "target"),
        vars={"weekly_top_songs_limit": "ten"},
        check=False,
    )
    assert not result.ok
    assert "var weekly_top_songs_limit must be a whole number of at least 1, got 'ten'" in result.output


def walkthrough_files() -> dict[str, str]:
    """The files docs/analysts.md tells a reader to create: `<!-- file: PATH -->` before a code block."""
    text = (PROJECT_ROOT / "docs" / "analysts.md").read_text()
    found = re.findall(r"<!-- file: (\S+) -->\n```\w*\n(.*?)\n```", text, flags=re.DOTALL)
    return {path: body + "\n" for path, body in found}


def test_the_walkthrough_model_builds_tests_and_documents(built_duckdb: DbtProject, tmp_path: Path) -> None:
    """Follow docs/analysts.md in a copy of the project and of its built warehouse (what
    scripts/setup.sh leaves): add the files it shows, then build it with the command it shows."""
    files = walkthrough_files()
    assert set(files) == {"models/analytics/listener_activity.sql", "models/analytics/_listener_activity.yml"}
    project_copy = tmp_path / "project"
    project_copy.mkdir()
    for name in ("dbt_project.yml", "vars.yml"):
        shutil.copy(PROJECT_ROOT / name, project_copy)
    for folder in ("models", "macros", "seeds", "snapshots", "tests", "analyses", "assets"):
        if (PROJECT_ROOT / folder).exists():
            shutil.copytree(PROJECT_ROOT / folder, project_copy / folder)
    for path, body in files.items():
        (project_copy / path).write_text(body)

    project = DbtProject(work_dir=tmp_path / "dbt", raw_data=built_duckdb.raw_data)
    shutil.copy(built_duckdb.duckdb_path, project.duckdb_path)
    build = project.dbt(
        "build",
        *("--select", "+listener_activity", "--indirect-selection", "buildable"),
        *("--project-dir", str(project_copy)),
    )
    assert "listener_activity" in build.output
    assert "unique_listener_activity_user_id" in build.output  # the yml's tests ran

    manifest = json.loads((tmp_path / "dbt" / "target" / "manifest.json").read_text())
    gaps = [p for p in docs_check.check(manifest) if "listener_activity" in p.resource]
    assert gaps == []

    rows = query(project.duckdb_path, f"select user_id, plays, sessions from {ANALYTICS}.listener_activity")
    expected = query(
        project.duckdb_path,
        "select user_id, count(*) as plays, count(distinct session_id) as sessions "
        "from main.songplays where user_id is not null group by user_id",
    )
    assert rows
    assert sorted(rows, key=lambda r: r["user_id"]) == sorted(expected, key=lambda r: r["user_id"])
