"""The operator's view of ingestion: ingestion_batches, the anomaly warnings and their stored failures.

Generated log days are delivered one build at a time, as a daily feed would arrive. Then
ingestion_batches holds one log_data row per day whose figures add up to log_line_accounting, and
the anomaly rules stay quiet; a day of garbage makes the quarantine rule warn, its failing row is
stored in the audit schema, and sparkify-report shows it. Each rule firing on a crafted history is
proven by the dbt unit tests of ingestion_batch_warnings, which every build runs (checked here).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from pytests.conftest import generate_raw
from pytests.dbt_runner import DbtProject, DbtResult
from pytests.raw_delivery import deliver, deliver_songs, log_files
from sparkify_tools import report

# builds on DuckDB, one per generated day
pytestmark = pytest.mark.dbt

DAYS = 6
OUTCOMES = ("lines_read", "song_plays", "other_events", "duplicates", "quarantined")
RULE_TESTS = (
    "newest_log_batch_has_plays_above_share_of_trailing_median",
    "newest_batch_quarantine_share_within_bound",
    "newest_log_batch_match_rate_above_share_of_trailing_median",
    "a_log_batch_landed_recently",
)


def duckdb_query(database: Path) -> Callable[[str], list[tuple]]:
    def run(sql: str) -> list[tuple]:
        with duckdb.connect(str(database), read_only=True) as connection:
            return connection.sql(sql).fetchall()

    return run


def outcome(result: DbtResult, test_name: str) -> str:
    """PASS, WARN, FAIL or ERROR of one test in dbt's output."""
    found = re.search(rf"\b(PASS|WARN|FAIL|ERROR)\b[^\n]*\b{re.escape(test_name)}\b", result.output)
    assert found, f"{test_name} not in the output:\n{result.output[-3000:]}"
    return found.group(1)


@pytest.fixture(scope="module")
def daily(tmp_path_factory: pytest.TempPathFactory) -> tuple[DbtProject, DbtResult, Path]:
    """A warehouse built once per delivered day; the last build's result."""
    work = tmp_path_factory.mktemp("daily")
    raw = generate_raw(work / "generated", days=DAYS, events_per_day=200, seed=11)
    delivered = work / "delivered"
    project = DbtProject(work_dir=work / "project", raw_data=delivered)
    deliver_songs(raw, delivered)
    days = log_files(raw)
    assert len(days) == DAYS
    # the first build seeds; the days between are plain runs, the last is a build with every test
    deliver(days[0], raw, delivered)
    project.dbt("build")
    for day in days[1:-1]:
        deliver(day, raw, delivered)
        project.dbt("run")
    deliver(days[-1], raw, delivered)
    return project, project.dbt("build"), raw


def test_one_log_row_per_day_adding_up_to_the_accounting(daily: tuple[DbtProject, DbtResult, Path]) -> None:
    project, _, _ = daily
    query = duckdb_query(project.duckdb_path)
    rows = query(
        "select count(*), count(distinct landing_batch_id), sum(files_read), "
        + ", ".join(f"sum({column})" for column in OUTCOMES)
        + " from main.ingestion_batches where source_table = 'log_data'"
    )[0]
    assert rows[:3] == (DAYS, DAYS, DAYS)
    accounting = query(
        "select " + ", ".join(f"sum({column})" for column in OUTCOMES) + " from main.log_line_accounting"
    )
    assert rows[3:] == accounting[0]
    # the songs came with the first day: one song_data row, in the first log batch's landing batch
    songs = query(
        "select count(*), sum(files_read) from main.ingestion_batches where source_table = 'song_data'"
    )
    assert songs[0][0] == 1 and songs[0][1] > 0
    plays, matched, mart_plays = query(
        "select sum(song_plays), sum(plays_matched), (select count(*) from main.songplays)"
        " from main.ingestion_batches"
    )[0]
    assert plays == mart_plays and 0 < matched <= plays
    # every day came in its own build, so each row names a different dbt invocation
    invocations = query(
        "select count(distinct ingestion_batch_id) from main.ingestion_batches"
        " where source_table = 'log_data'"
    )
    assert invocations[0][0] == DAYS


def test_rules_stay_quiet_on_a_steady_feed_and_fire_on_crafted_histories(
    daily: tuple[DbtProject, DbtResult, Path],
) -> None:
    project, result, _ = daily
    assert duckdb_query(project.duckdb_path)("select count(*) from main.ingestion_batch_warnings") == [(0,)]
    for test_name in RULE_TESTS:
        assert outcome(result, test_name) == "PASS"
    for unit_test in (
        "ingestion_batch_warnings_fire_on_a_crafted_history",
        "ingestion_batch_warnings_quiet_on_a_steady_history",
        "ingestion_batches_incremental_adds_only_new_batches",
    ):
        assert outcome(result, unit_test) == "PASS"


def test_a_garbage_day_warns_stores_its_failure_and_shows_in_the_report(
    daily: tuple[DbtProject, DbtResult, Path], tmp_path: Path
) -> None:
    project, _, _ = daily
    garbage = Path(project.raw_data) / "log_data" / "2018" / "11" / "garbage-events.json"
    garbage.write_text("".join(f"not json {n}\n" for n in range(50)))
    # a threshold below zero: the newest batch is always "too long ago", so that rule fires too
    # (the unit tests expect the default thresholds: they ran in the builds before)
    result = project.dbt("build", "--exclude", "test_type:unit", vars={"anomaly_max_hours_without_batch": -1})
    assert outcome(result, "newest_batch_quarantine_share_within_bound") == "WARN"
    assert outcome(result, "a_log_batch_landed_recently") == "WARN"
    assert outcome(result, "newest_log_batch_has_plays_above_share_of_trailing_median") == "WARN"
    query = duckdb_query(project.duckdb_path)
    stored = query("select rule_name, observed from main_audit.newest_batch_quarantine_share_within_bound")
    assert stored == [("quarantine_share_above_bound", 1.0)]
    newest = query(
        "select quarantined, quarantined_malformed from main.ingestion_batches"
        " where source_table = 'log_data' order by landed_at desc limit 1"
    )
    assert newest == [(50, 50)]

    out = tmp_path / "report.html"
    assert report.main(["--duckdb", str(project.duckdb_path), "--out", str(out)]) == 0
    page = out.read_text()
    assert page.count("<svg") == 4
    assert "quarantine_share_above_bound" in page
    assert "newest_batch_quarantine_share_within_bound" in page


REAL_SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "sparkify-sample"


@pytest.mark.slow
def test_real_sample_day_by_day_adds_up_and_stays_quiet(tmp_path: Path) -> None:
    """The real sample's 30 days landed one batch a day: 30 log rows whose sums equal
    log_line_accounting, and no anomaly rule fires on real traffic (its Thanksgiving dip included)."""
    if not REAL_SAMPLE.is_dir():
        pytest.skip(f"{REAL_SAMPLE} not present (a clone without ../shared)")
    delivered = tmp_path / "delivered"
    project = DbtProject(work_dir=tmp_path / "project", raw_data=delivered)
    deliver_songs(REAL_SAMPLE, delivered)
    days = log_files(REAL_SAMPLE)
    assert len(days) == 30
    for day in days:
        deliver(day, REAL_SAMPLE, delivered)
        project.ingest()  # a daily feed: one landing batch per day, as sparkify-ingest lands it
    result = project.dbt("build")

    query = duckdb_query(project.duckdb_path)
    sums = ", ".join(f"sum({column})" for column in OUTCOMES)
    ledger = query(f"select count(*), {sums} from main.ingestion_batches where source_table = 'log_data'")[0]
    accounting = query(f"select {sums} from main.log_line_accounting")[0]
    assert ledger == (30, *accounting)
    assert accounting[0] == 8056
    assert query("select count(*) from main.ingestion_batch_warnings") == [(0,)]
    for test_name in RULE_TESTS:
        assert outcome(result, test_name) == "PASS"
