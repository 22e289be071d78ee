"""The MetricFlow metrics layer on DuckDB: `mf query … --group-by metric_time__day` answers, and its
numbers equal what hand-written SQL over the marts (or plain Python over the raw JSON) says.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from pytests import oracle
from pytests.conftest import generate_raw
from pytests.dbt_runner import PROJECT_ROOT, DbtProject
from pytests.mart_compare import query_duckdb

# MetricFlow queries: not in the fast tier (pytest -m "not slow")
pytestmark = pytest.mark.slow

MAU_WINDOW_DAYS = 30


def mf_query(project: DbtProject, metrics: list[str], out: Path) -> list[dict[str, str]]:
    """Run `mf query` against the project's private build and return the rows it wrote."""
    # mf reads <project dir>/target/semantic_manifest.json whatever DBT_TARGET_PATH says, so it gets
    # a project dir of its own whose target/ is this build's (the checkout's target/ is shared).
    mf_dir = project.work_dir / "mf_project"
    mf_dir.mkdir(exist_ok=True)
    for name, points_to in (
        ("dbt_project.yml", PROJECT_ROOT / "dbt_project.yml"),
        ("vars.yml", PROJECT_ROOT / "vars.yml"),
        ("target", project.work_dir / "target"),
    ):
        link = mf_dir / name
        if not link.is_symlink():
            link.symlink_to(points_to)
    command = [
        str(Path(sys.executable).with_name("mf")),
        "query",
        "--metrics",
        ",".join(metrics),
        "--group-by",
        "metric_time__day",
        "--order",
        "metric_time__day",
        "--csv",
        str(out),
    ]
    env = {**project.env(), "DBT_PROJECT_DIR": str(mf_dir)}
    done = subprocess.run(command, cwd=mf_dir, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"mf query failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    with out.open(newline="") as handle:
        return list(csv.DictReader(handle))


def as_day(text: str) -> date:
    return datetime.fromisoformat(text).date()


def number(text: str) -> float | None:
    return float(text) if text != "" else None


def by_day(rows: list[dict[str, str]], metric: str) -> dict[date, float]:
    """A metric's non-empty values per day."""
    return {
        as_day(row["metric_time__day"]): float(row[metric]) for row in rows if number(row[metric]) is not None
    }


def sql_by_day(database: Path, sql: str) -> dict[date, float]:
    return {day: float(value) for day, value in query_duckdb(database, sql)}


def test_daily_play_metrics_equal_sql_over_the_marts(built_duckdb: DbtProject, tmp_path: Path) -> None:
    metrics = ["plays", "daily_active_users", "paid_play_share", "matched_plays", "monthly_active_users"]
    rows = mf_query(built_duckdb, metrics, tmp_path / "daily.csv")
    database = built_duckdb.duckdb_path

    daily = """
        select
            cast(start_time as date) as day,
            {measure}
        from main.songplays
        group by 1
    """
    expected = {
        "plays": sql_by_day(database, daily.format(measure="count(*)")),
        "daily_active_users": sql_by_day(database, daily.format(measure="count(distinct user_id)")),
        "paid_play_share": sql_by_day(
            database, daily.format(measure="avg(case when level = 'paid' then 1.0 else 0.0 end)")
        ),
        "matched_plays": sql_by_day(database, daily.format(measure="count(song_id)")),
        # every day from the first play to the last (the time spine ends at the newest play):
        # distinct listeners of the 30 days ending that day
        "monthly_active_users": sql_by_day(
            database,
            f"""
            with days as (
                select cast(unnest(generate_series(
                    min(cast(start_time as date)),
                    max(cast(start_time as date)),
                    interval 1 day
                )) as date) as day
                from main.songplays
            )
            select days.day, count(distinct songplays.user_id)
            from days
            inner join main.songplays
                on cast(songplays.start_time as date) between days.day - {MAU_WINDOW_DAYS - 1} and days.day
            group by 1
            """,
        ),
    }
    assert expected["plays"], "the sample has no song plays: the comparison would prove nothing"
    for metric, want in expected.items():
        got = by_day(rows, metric)
        assert got == pytest.approx(want), f"{metric} per day differs from SQL over the marts"


def _level_since(events: list[oracle.Event]) -> dict[str, tuple[str, date]]:
    """Each listener's final level and the day it started, from the raw events (users.level_since)."""

    def order(event: oracle.Event) -> tuple[int, int, int, str, int]:
        return (
            event.ts or 0,
            event.session_id or 0,
            event.item_in_session or 0,
            event.source_file,
            event.line_number,
        )

    by_user: dict[str, list[oracle.Event]] = defaultdict(list)
    for event in events:
        if event.user_id is not None:
            by_user[event.user_id].append(event)
    result = {}
    for user_id, own in by_user.items():
        own.sort(key=order)
        final = own[-1].level
        start = len(own)
        while start > 0 and own[start - 1].level == final:
            start -= 1
        result[user_id] = (final, oracle.start_time_of(own[start].ts).date())
    return result


def _upgrade_lines(raw: Path, users: list[str], day: date) -> list[str]:
    """Log lines in which each listener submits an upgrade (at level free), then browses as paid."""
    last_lines: dict[str, dict] = {}
    for path in sorted((raw / "log_data").rglob("*.json")):
        for line in path.read_text().splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(record, dict) and record.get("userId") in users:
                last_lines[record["userId"]] = record
    midnight_ms = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000)
    lines = []
    for position, user_id in enumerate(users):
        template = {**last_lines[user_id], "song": None, "artist": None, "length": None, "auth": "Logged In"}
        session_id = 900_000 + position
        ts = midnight_ms + 3_600_000 * (position + 1)
        submit = {**template, "page": "Submit Upgrade", "level": "free", "method": "PUT", "status": 307}
        home = {**template, "page": "Home", "level": "paid", "method": "GET", "status": 200}
        lines.append(json.dumps({**submit, "sessionId": session_id, "itemInSession": 0, "ts": ts}))
        lines.append(json.dumps({**home, "sessionId": session_id, "itemInSession": 1, "ts": ts + 1000}))
    return lines


def test_free_to_paid_conversions_follow_the_level_history(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Two builds, the second bringing upgrades: the metric counts every free → paid change in the
    events (the level history derived from them), on the day of the first paid event."""
    work = tmp_path_factory.mktemp("metrics_conversions")
    full = generate_raw(work / "generated", days=4)
    raw = work / "raw"
    shutil.copytree(full / "song_data", raw / "song_data")
    log_files = sorted((full / "log_data").rglob("*.json"))
    first_half, second_half = log_files[: len(log_files) // 2], log_files[len(log_files) // 2 :]

    def deliver(files: list[Path]) -> None:
        for path in files:
            target = raw / path.relative_to(full)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, target)

    project = DbtProject(work_dir=work / "dbt", raw_data=raw)
    deliver(first_half)
    project.dbt("build")

    deliver(second_half)
    # Listeners free at the end of the generated data upgrade the day after it, so that the history
    # holds conversions whatever the generator's dice did.
    generated = _level_since(oracle.deduplicate_events(oracle.read_events(full)))
    still_free = sorted(user_id for user_id, (level, _) in generated.items() if level == "free")
    assert still_free, "the generated sample has no free listener to upgrade"
    last_day = date.fromisoformat(second_half[-1].name[:10])
    upgrade_day = last_day + timedelta(days=1)
    upgrade_file = raw / "log_data" / f"{upgrade_day:%Y}" / f"{upgrade_day:%m}" / f"{upgrade_day}-events.json"
    upgrade_file.parent.mkdir(parents=True, exist_ok=True)
    upgrade_file.write_text("\n".join(_upgrade_lines(raw, still_free[:3], upgrade_day)) + "\n")
    project.dbt("build")
    events = oracle.deduplicate_events(oracle.read_events(raw))
    changes = oracle.level_changes(oracle.level_intervals(events))

    expected_conversions = Counter(
        change["changed_at"].date() for change in changes if change["change_type"] == "upgrade"
    )
    # the three upgrades written above, and those of the generated days
    assert sum(expected_conversions.values()) >= min(3, len(still_free))
    assert expected_conversions[upgrade_day] >= min(3, len(still_free))
    expected_submissions = Counter(
        oracle.start_time_of(e.ts).date()
        for e in events
        if e.page == "Submit Upgrade" and e.user_id is not None
    )

    rows = mf_query(project, ["free_to_paid_conversions", "upgrades_submitted"], work / "conversions.csv")
    assert by_day(rows, "free_to_paid_conversions") == {d: float(n) for d, n in expected_conversions.items()}
    assert by_day(rows, "upgrades_submitted") == {d: float(n) for d, n in expected_submissions.items()}
