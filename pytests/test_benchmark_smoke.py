"""The benchmark harness, end to end on the tiny generated tier (one run of each figure).

No timing is asserted: the checks are that every output is written and that the figures are
consistent with the data, counted independently here (lines, song ids, plays) or by the oracle.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pytests.oracle import expected_marts
from sparkify_tools.benchmark import cli
from sparkify_tools.benchmark.measure import run_measured
from sparkify_tools.benchmark.tiers import TIERS

# runs the benchmark end to end (Spark, S3): not in the fast tier (pytest -m "not slow")
pytestmark = pytest.mark.slow

pytest.importorskip("pyspark", reason="the reference job needs the bench extra (pyspark)")


def _log_lines(raw_dir: Path) -> list[dict]:
    events = []
    for path in sorted(raw_dir.glob("log_data/*/*/*.json")):
        events += [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return events


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, Path, dict]:
    out = tmp_path_factory.mktemp("bench")
    code = cli.main(["--tiers", "tiny", "--runs", "1", "--out", str(out), "--skip-overhead"])
    results = json.loads((out / "results.json").read_text()) if (out / "results.json").is_file() else {}
    return code, out, results


def test_smoke_run_writes_table_json_and_plot(smoke_run: tuple[int, Path, dict]) -> None:
    code, out, results = smoke_run
    assert code == 0
    assert (out / "scaling.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    table = (out / "results.md").read_text()
    figures = results["tiers"]["tiny"]["figures"]
    assert set(figures) == {"scan_floor", "dbt_build", "dbt_run", "dbt_incremental_run", "reference_spark"}
    rows = [line for line in table.splitlines() if line.startswith("| tiny | ")]
    for figure in figures.values():
        assert any(figure["label"] in row for row in rows), figure["label"]


def test_smoke_figures_are_sane(smoke_run: tuple[int, Path, dict]) -> None:
    _, _, results = smoke_run
    tier = results["tiers"]["tiny"]
    for name, figure in tier["figures"].items():
        wall = figure["wall_seconds"]["median"]
        assert wall > 0 and figure["cpu_seconds"]["median"] > 0, name
        # a Python process alone is tens of MiB; zero would mean the process tree was not seen
        assert figure["peak_rss_bytes"]["median"] > 20 * 2**20, name
        assert figure["records_per_second"]["median"] == pytest.approx(figure["records"] / wall, rel=1e-3)
    ratios = tier["ratios"]
    floor, build = tier["figures"]["scan_floor"], tier["figures"]["dbt_build"]
    assert ratios["dbt_build_over_scan_floor"] == pytest.approx(
        build["wall_seconds"]["median"] / floor["wall_seconds"]["median"], rel=1e-3
    )
    # every target names a tier; tiers not in this run are reported as not measured, never as met
    assert {target["tier"] for target in results["targets"]} <= set(TIERS)
    assert all(target["met"] is None for target in results["targets"])


def test_smoke_counts_match_the_raw_data(smoke_run: tuple[int, Path, dict]) -> None:
    _, _, results = smoke_run
    tier = results["tiers"]["tiny"]
    raw_dir = Path(tier["raw_dir"])
    events = _log_lines(raw_dir)
    song_files = sorted(raw_dir.glob("song_data/*/*/*/*.json"))
    assert tier["raw"]["log_lines"] == len(events)
    assert tier["raw"]["song_files"] == len(song_files)
    figures = tier["figures"]
    assert figures["scan_floor"]["output_rows"] == {"log_data": len(events), "song_data": len(song_files)}

    # the builds the benchmark timed produced the right warehouse, the incremental one included
    expected = {name: len(rows) for name, rows in expected_marts(raw_dir).items()}
    for name in ("dbt_build", "dbt_run", "dbt_incremental_run"):
        assert figures[name]["mart_rows"] == expected, name
    last_file = sorted(raw_dir.glob("log_data/*/*/*.json"))[-1]
    assert figures["dbt_incremental_run"]["records"] == sum(
        1 for line in last_file.read_text().splitlines() if line.strip()
    )

    # the reference job: one row per song id, and at least one songplay per NextSong line
    song_ids = {json.loads(path.read_text())["song_id"] for path in song_files}
    plays = [event for event in events if event.get("page") == "NextSong"]
    reference = figures["reference_spark"]["output_rows"]
    assert reference["songs"] == len(song_ids)
    assert reference["songplays"] >= len(plays)


def test_measure_sees_the_whole_process_tree(tmp_path: Path) -> None:
    # a child that starts a grandchild: the grandchild holds 200 MiB and burns CPU, then reports
    grandchild = (
        "import time; block = bytearray(200 * 2**20); block[::4096] = b'x' * len(block[::4096]); "
        "deadline = time.process_time() + 0.5\n"
        "while time.process_time() < deadline: pass\n"
        "time.sleep(0.5); print(time.process_time())"
    )
    child = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {grandchild!r}], check=True)"
    measurement = run_measured([sys.executable, "-c", child], log_path=tmp_path / "tree.log")
    assert measurement.ok
    grandchild_cpu = float((tmp_path / "tree.log").read_text().split()[-1])
    assert measurement.peak_rss_bytes >= 200 * 2**20
    assert measurement.cpu_seconds >= grandchild_cpu


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tiers", "tiny,huge"], "unknown tier huge"),
        (["--runs", "0"], "0 must be 1 or more"),
        (["--figures", "dbt_build,fast"], "unknown figure fast"),
    ],
)
def test_bad_arguments_are_named(args: list[str], message: str) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "sparkify_tools.benchmark.cli", *args], capture_output=True, text=True
    )
    assert completed.returncode == 2
    assert message in completed.stderr
    assert "Traceback" not in completed.stderr


def test_missing_sample_folder_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-sample"
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "sparkify_tools.benchmark.cli",
            "--tiers",
            "sample",
            "--sample-dir",
            str(missing),
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 2
    assert f"sample folder {missing} not found" in completed.stderr
    assert "Traceback" not in completed.stderr
