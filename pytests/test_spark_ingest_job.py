"""`sparkify-ingest --spark` lands what the in-process ingester lands (sparkify_tools/ingest/spark_job.py).

Raw data with every hostile case (pytests/hostile_cases.py) is ingested into two landings, by
`sparkify-ingest --spark` on a local Spark (local[2], a JVM of its own in a subprocess) and by
Ingestion in this process; then a day is added, a file changed in place, a file deleted and one
touched without a change, and both ingest again. Every landing table must hold the same rows, batch
ids and times aside (a batch is known by its place in the order).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pytests.conftest import generate_raw
from pytests.dbt_runner import PROJECT_ROOT
from pytests.hostile_cases import NOTES_FILE, cases, deliver
from pytests.raw_delivery import log_files
from pytests.spark_session import java_missing_reason
from sparkify_tools.ingest.ingest_batch import Ingestion
from sparkify_tools.ingest.landing_parquet import ParquetLanding
from sparkify_tools.ingest.landing_schema import SCHEMAS

# a JVM
pytestmark = pytest.mark.slow

SAMPLE = {"days": 3, "events_per_day": 120, "songs": 40, "users": 20, "seed": 3}
# when and by what a row was landed, not what it holds
BATCH_COLUMNS = {"landing_batch_id", "landed_at", "finished_at"}


def ingest_with_spark(raw: Path, landing: Path) -> str:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")])),
        # the executors' Python: this one (pyspark's default is whatever python3 is on PATH)
        "PYSPARK_PYTHON": sys.executable,
        "PYSPARK_SUBMIT_ARGS": "--master local[2] --driver-memory 1g --conf spark.ui.enabled=false "
        "--driver-java-options '-XX:TieredStopAtLevel=1 -XX:+UseSerialGC' pyspark-shell",
    }
    command = [sys.executable, "-m", "sparkify_tools.ingest.cli", "--spark"]
    completed = subprocess.run(
        [*command, "--raw-data", str(raw), "--landing", str(landing)],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr[-5000:]
    return completed.stdout


def ingest_in_process(raw: Path, landing: Path) -> None:
    store = ParquetLanding(str(landing))
    try:
        Ingestion(str(raw), store, progress=lambda _: None).run()
    finally:
        store.close()


def landed_rows(landing: Path, table: str) -> list[tuple]:
    """A landing table's rows, sorted, with the batch's number in place of its id and times."""
    columns = [name for name in SCHEMAS[table].names if name not in BATCH_COLUMNS]
    with duckdb.connect() as con:
        return con.execute(
            f"""
            select dense_rank() over (order by landing_batch_id) as batch_number, {", ".join(columns)}
            from read_parquet('{landing}/{table}/*.parquet', union_by_name = true)
            order by all
            """
        ).fetchall()


def test_spark_job_lands_what_the_ingester_lands(tmp_path: Path) -> None:
    reason = java_missing_reason()
    if reason:
        pytest.skip(reason)
    raw = generate_raw(tmp_path / "raw", **SAMPLE)
    days = log_files(raw)
    song = sorted((raw / "song_data").rglob("*.json"))[0]
    days[-1].rename(tmp_path / "new_day.json")
    for case in [*cases(raw).values(), NOTES_FILE]:
        deliver(raw, case)
    on_spark, in_process = tmp_path / "landing_spark", tmp_path / "landing_local"

    first = ingest_with_spark(raw, on_spark)
    ingest_in_process(raw, in_process)
    (tmp_path / "new_day.json").rename(days[-1])
    with days[0].open("a") as handle:  # changed in place: read again, its rows replaced
        handle.write(days[0].read_text().splitlines()[0] + "\n")
    song.unlink()  # gone
    touched = days[1].stat()  # its change signal moves, its bytes do not: hashed, 'unchanged'
    os.utime(days[1], ns=(touched.st_atime_ns, touched.st_mtime_ns))
    second = ingest_with_spark(raw, on_spark)
    ingest_in_process(raw, in_process)

    for table in SCHEMAS:
        assert landed_rows(on_spark, table) == landed_rows(in_process, table), table
    statuses = {row[-2] for row in landed_rows(on_spark, "raw_files")}
    assert statuses == {"ingested", "gone", "unchanged"}
    # the log lines of a batch were written by two tasks, one part file each
    assert len(list((on_spark / "log_lines").glob("*-part-*.parquet"))) == 4, first + second
