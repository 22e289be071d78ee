"""Runs every figure of every tier: the measured commands, in order, several times each.

A figure is one command measured ``runs`` times (median and spread reported): the raw scan floor,
a full `dbt build`, a full run without tests, the one-day incremental run, and the reference PySpark
job. Every dbt command runs in a workspace of its own (profiles, target, logs, DuckDB file); each
full build starts from an empty database. Partial parsing is warmed once per workspace, untimed,
unless --no-partial-parse asks to time full parses.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .dbt_workspace import RUN_WITHOUT_TESTS, DbtWorkspace, node_timings
from .measure import DEFAULT_POLL_SECONDS, Measurement, Spread, run_measured
from .tiers import PreparedTier, TierError, stage_delivery

# figure name -> what it measures, in report order
FIGURES = {
    "scan_floor": "raw scan floor (DuckDB read_json, typed)",
    "dbt_build": "full `dbt build` (tests included)",
    "dbt_run": "full run, no tests (`dbt build --exclude-resource-type test unit_test`)",
    "dbt_incremental_run": "one-day incremental run, no tests (29 days loaded)",
    "reference_spark": "reference PySpark job",
    "s3_scan_floor": "raw scan floor from local S3",
    "s3_dbt_run": "full run, no tests, from local S3",
    "spark_dbt_build": "the project on Spark: `sparkify-ingest --spark`, staging and a full `dbt build`",
}
OVERHEAD_FIGURES = {
    "dbt_parse_cold": "`dbt parse --no-partial-parse` (no data read)",
    "dbt_parse_partial": "`dbt parse`, partial parse, nothing changed",
}


class BenchmarkError(RuntimeError):
    """A measured command failed; the message names it and quotes its output."""


@dataclass
class Options:
    out_dir: Path
    cache_dir: Path
    work_dir: Path
    runs: int = 3
    reference_runs: int = 3
    figures: tuple[str, ...] = (
        "scan_floor",
        "dbt_build",
        "dbt_run",
        "dbt_incremental_run",
        "reference_spark",
    )
    duckdb_threads: int | None = None
    # DuckDB threads for the S3 figures: each thread keeps one request in flight
    s3_threads: int = 16
    dbt_threads: int | None = None
    partial_parse: bool = True
    duckdb_settings: dict[str, str] = field(default_factory=dict)
    poll_seconds: float = DEFAULT_POLL_SECONDS
    keep_work: bool = False


@dataclass
class Figure:
    name: str
    records: int
    measurements: list[Measurement] = field(default_factory=list)
    details: list[dict] = field(default_factory=list)

    def summary(self) -> dict[str, object]:
        walls = [m.wall_seconds for m in self.measurements]
        summary: dict[str, object] = {
            "label": FIGURES.get(self.name) or OVERHEAD_FIGURES.get(self.name, self.name),
            "runs": len(self.measurements),
            "records": self.records,
            "wall_seconds": Spread.of(walls).to_dict(),
            "cpu_seconds": Spread.of([m.cpu_seconds for m in self.measurements]).to_dict(),
            "peak_rss_bytes": Spread.of([m.peak_rss_bytes for m in self.measurements]).to_dict(),
            "records_per_second": Spread.of([self.records / w if w else 0.0 for w in walls]).to_dict(),
            "logs": [m.log_path for m in self.measurements],
        }
        errors = [d["error"] for d in self.details if d.get("error")]
        summary["failed_runs"] = len(errors)
        if errors:
            summary["errors"] = sorted(set(errors))
        summary.update(_summarise_details(self.details))
        return summary


def _summarise_details(details: list[dict]) -> dict[str, object]:
    """Medians of the per-run extras: dbt's own elapsed time and overhead, per-node seconds, rows."""
    if not details:
        return {}
    out: dict[str, object] = {}
    for key in ("dbt_elapsed_seconds", "dbt_overhead_seconds", "query_seconds"):
        values = [d[key] for d in details if d.get(key) is not None]
        if values:
            out[key] = Spread.of(values).to_dict()
    nodes: dict[str, list[float]] = {}
    for detail in details:
        for node, seconds in detail.get("node_seconds", {}).items():
            nodes.setdefault(node, []).append(seconds)
    if nodes:
        medians = {node: Spread.of(values).median for node, values in nodes.items()}
        out["node_seconds_median"] = dict(sorted(medians.items(), key=lambda item: -item[1]))
        by_kind: dict[str, float] = {}
        for node, seconds in medians.items():
            kind = node.split(":", 1)[0]
            by_kind[kind] = by_kind.get(kind, 0.0) + seconds
        out["seconds_by_resource_type"] = {k: round(v, 3) for k, v in sorted(by_kind.items())}
    for key in ("mart_rows", "output_rows"):
        last = next((d[key] for d in reversed(details) if d.get(key)), None)
        if last:
            out[key] = last
    return out


_DBT_FAILURE = re.compile(r"(Failure in .*|.*Error in (model|test|seed|snapshot) .*|Got \d+ results?.*)")


def dbt_failure_summary(measurement: Measurement) -> str:
    """The lines of a failed dbt command's output that say what failed, on one line."""
    text = Path(measurement.log_path).read_text(errors="replace")
    found = [re.sub(r"\x1b\[[0-9;]*m", "", m.group(0)).strip() for m in _DBT_FAILURE.finditer(text)]
    return "; ".join(dict.fromkeys(found)) or f"exit {measurement.returncode}"


def _progress(message: str) -> None:
    print(f"[benchmark] {message}", file=sys.stderr, flush=True)


def _last_json_line(measurement: Measurement) -> dict:
    for line in reversed(Path(measurement.log_path).read_text(errors="replace").splitlines()):
        line = line.strip()
        if line.startswith("{") and line.endswith("}"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                continue
    return {}


class Benchmark:
    def __init__(self, options: Options) -> None:
        self.options = options
        # what went wrong without stopping the benchmark (a failed data test, a failed figure)
        self.notes: list[str] = []

    def _figures(self, tier_name: str, wanted: dict[str, Callable[[], Figure]]) -> dict[str, Figure]:
        """Each wanted figure; a failure of one's setup is noted and the benchmark goes on."""
        figures: dict[str, Figure] = {}
        for figure_name, measure in wanted.items():
            try:
                figures[figure_name] = measure()
            except (BenchmarkError, TierError) as error:
                self.notes.append(f"{tier_name}: {figure_name} not measured: {str(error).splitlines()[0]}")
                _progress(f"{tier_name}: {figure_name} not measured:\n{error}")
        return figures

    def _measure(
        self,
        what: str,
        command: Sequence[str],
        log_path: Path,
        env: dict[str, str] | None,
        *,
        tolerate_failure: bool = False,
    ) -> Measurement:
        measurement = run_measured(
            command, log_path=log_path, env=env, poll_seconds=self.options.poll_seconds
        )
        if not measurement.ok and not tolerate_failure:
            raise BenchmarkError(
                f"{what} failed (exit {measurement.returncode}; full log {log_path}):\n"
                f"{measurement.log_tail()}"
            )
        return measurement

    def _workspace(self, path: Path, raw_data: str, **overrides) -> DbtWorkspace:
        settings = {
            "duckdb_threads": self.options.duckdb_threads,
            "dbt_threads": self.options.dbt_threads,
            "partial_parse": self.options.partial_parse,
            "duckdb_settings": dict(self.options.duckdb_settings),
        }
        return DbtWorkspace(work_dir=path, raw_data=raw_data, **{**settings, **overrides})

    def _repeat(
        self,
        figure: Figure,
        runs: int,
        tier_name: str,
        one_run: Callable[[int], tuple[Measurement, dict]],
    ) -> Figure:
        for index in range(runs):
            measurement, detail = one_run(index)
            figure.measurements.append(measurement)
            figure.details.append(detail)
            _progress(
                f"{tier_name}: {figure.name} run {index + 1}/{runs}: {measurement.wall_seconds:.1f} s wall, "
                f"{measurement.cpu_seconds:.1f} s CPU, {measurement.peak_rss_bytes / 2**20:.0f} MiB peak"
            )
        return figure

    # -- figures that do not depend on the data ---------------------------------------------------

    def overhead_figures(self, raw_data: str) -> dict[str, Figure]:
        """dbt's own cost before it reads anything: a cold parse and a partial one."""
        base = self.options.work_dir / "parse"
        logs = base / "measured"
        cold = DbtWorkspace(work_dir=base / "cold", raw_data=raw_data, partial_parse=False)
        warm = DbtWorkspace(work_dir=base / "warm", raw_data=raw_data, partial_parse=True)
        # untimed: the saved parse that the partial figure starts from
        self._measure("dbt parse", warm.command("parse"), logs / "warm-up.log", warm.env())
        figures: dict[str, Figure] = {}
        for name, workspace in (("dbt_parse_cold", cold), ("dbt_parse_partial", warm)):

            def one_run(index: int, name: str = name, workspace: DbtWorkspace = workspace):
                measurement = self._measure(
                    name, workspace.command("parse"), logs / f"{name}-{index + 1}.log", workspace.env()
                )
                return measurement, {}

            figures[name] = self._repeat(Figure(name, 0), self.options.runs, "project", one_run)
        return figures

    # -- one tier ---------------------------------------------------------------------------------

    def tier_figures(self, prepared: PreparedTier) -> dict[str, Figure]:
        options = self.options
        tier_dir = options.work_dir / prepared.tier.name
        raw = str(prepared.raw_dir)
        records = prepared.stats.records
        logs = tier_dir / "measured"
        name = prepared.tier.name

        wanted: dict[str, Callable[[], Figure]] = {}
        if "scan_floor" in options.figures:
            wanted["scan_floor"] = lambda: self._repeat(
                Figure("scan_floor", records), options.runs, name, lambda i: self._scan_floor(raw, logs, i)
            )

        workspace = self._workspace(tier_dir / "full", raw)
        parsed: list[bool] = []

        def warm_parse() -> None:
            # untimed: later commands in this workspace start from a saved parse, as a developer's do
            if options.partial_parse and not parsed:
                self._measure(
                    f"{name}: dbt parse", workspace.command("parse"), logs / "parse.log", workspace.env()
                )
                parsed.append(True)

        for figure_name, args in (("dbt_build", ("build",)), ("dbt_run", RUN_WITHOUT_TESTS)):
            if figure_name not in options.figures:
                continue

            def full_build(index: int, figure_name: str = figure_name, args: tuple[str, ...] = args):
                warm_parse()
                workspace.reset_database()
                measurement = self._measure(
                    f"{name}: dbt {' '.join(args)}",
                    workspace.command(*args),
                    logs / f"{figure_name}-{index + 1}.log",
                    workspace.env(),
                    tolerate_failure=True,
                )
                return measurement, self._dbt_detail(workspace, measurement, with_rows=True)

            wanted[figure_name] = lambda figure_name=figure_name, full_build=full_build: self._repeat(
                Figure(figure_name, records), options.runs, name, full_build
            )

        if "dbt_incremental_run" in options.figures:
            wanted["dbt_incremental_run"] = lambda: self._incremental(prepared, tier_dir, logs)

        if "reference_spark" in options.figures:
            out = tier_dir / "reference_out"

            def reference(index: int) -> tuple[Measurement, dict]:
                shutil.rmtree(out, ignore_errors=True)
                command = [
                    sys.executable,
                    "-m",
                    "sparkify_tools.benchmark.reference_spark_job",
                    raw,
                    str(out),
                ]
                measurement = self._measure(
                    f"{name}: reference PySpark job", command, logs / f"reference_spark-{index + 1}.log", None
                )
                report = _last_json_line(measurement)
                return measurement, {
                    "output_rows": report.get("rows"),
                    "query_seconds": report.get("seconds"),
                }

            def reference_figure() -> Figure:
                try:
                    return self._repeat(
                        Figure("reference_spark", records), options.reference_runs, name, reference
                    )
                finally:
                    if not options.keep_work:
                        shutil.rmtree(out, ignore_errors=True)

            wanted["reference_spark"] = reference_figure

        return self._figures(name, wanted)

    def _scan_floor(
        self,
        raw: str,
        logs: Path,
        index: int,
        env: dict[str, str] | None = None,
        prefix: str = "",
        threads: int | None = None,
    ):
        command = [sys.executable, "-m", "sparkify_tools.benchmark.scan_floor", raw]
        threads = threads or self.options.duckdb_threads
        if threads:
            command += ["--threads", str(threads)]
        measurement = self._measure(
            f"{prefix}scan floor of {raw}", command, logs / f"{prefix}scan_floor-{index + 1}.log", env
        )
        report = _last_json_line(measurement)
        return measurement, {
            "query_seconds": report.get("seconds"),
            "output_rows": {k: v["rows"] for k, v in report.items() if isinstance(v, dict)},
        }

    def _dbt_detail(self, workspace: DbtWorkspace, measurement: Measurement, *, with_rows: bool) -> dict:
        results = workspace.run_results()
        elapsed = results.get("elapsed_time")
        detail: dict[str, object] = {
            "dbt_elapsed_seconds": elapsed,
            # startup, parse check, graph compile and artifact writing: what dbt costs around the SQL
            "dbt_overhead_seconds": round(measurement.wall_seconds - elapsed, 3) if elapsed else None,
            "node_seconds": node_timings(results),
        }
        if not measurement.ok:
            # timed all the same (a failed data test still built every model), but flagged
            detail["error"] = dbt_failure_summary(measurement)
            self.notes.append(f"dbt failed ({detail['error']}); log {measurement.log_path}")
        if with_rows:
            try:
                detail["mart_rows"] = workspace.mart_rows()
            except Exception as error:  # a failed build may leave a mart missing
                detail["mart_rows"] = {}
                detail.setdefault("error", f"marts unreadable: {error}")
        return detail

    def _incremental(self, prepared: PreparedTier, tier_dir: Path, logs: Path) -> Figure:
        name = prepared.tier.name
        delivery_root = tier_dir / "delivery"
        workspace = self._workspace(tier_dir / "incremental", str(delivery_root))
        figure: Figure | None = None

        def one_run(index: int) -> tuple[Measurement, dict]:
            delivery = stage_delivery(prepared.raw_dir, delivery_root)
            workspace.reset_database()
            # untimed: the 29 days already loaded
            self._measure(
                f"{name}: run of all days but the last",
                workspace.command(*RUN_WITHOUT_TESTS),
                logs / f"incremental-base-{index + 1}.log",
                workspace.env(),
            )
            delivery.deliver_held_back()
            measurement = self._measure(
                f"{name}: incremental run of {delivery.held_back}",
                workspace.command(*RUN_WITHOUT_TESTS),
                logs / f"dbt_incremental_run-{index + 1}.log",
                workspace.env(),
                tolerate_failure=True,
            )
            assert figure is not None
            figure.records = delivery.held_back_lines
            return measurement, self._dbt_detail(workspace, measurement, with_rows=True)

        figure = Figure("dbt_incremental_run", 0)
        return self._repeat(figure, self.options.runs, name, one_run)

    # -- the project on Spark (optional) ----------------------------------------------------------

    def spark_figures(self, prepared: PreparedTier) -> dict[str, Figure]:
        """The same dbt project on Spark (profile output `spark`), beside the reference job."""
        name = prepared.tier.name
        tier_dir = self.options.work_dir / name
        logs = tier_dir / "measured"
        workspace = self._workspace(tier_dir / "spark", str(prepared.raw_dir), target="spark")

        def spark_build(index: int) -> tuple[Measurement, dict]:
            workspace.reset_database()
            # timed together, as a Spark user runs them: ingest (as a Spark job), stage, build
            steps = [
                workspace.ingest_command("--spark"),
                workspace.command("run-operation", "stage_external_sources"),
                workspace.command("build"),
            ]
            measurement = self._measure(
                f"{name}: sparkify-ingest --spark, stage_external_sources and dbt build on Spark",
                ["bash", "-c", " && ".join(shlex.join(step) for step in steps)],
                logs / f"spark_dbt_build-{index + 1}.log",
                workspace.env(),
                tolerate_failure=True,
            )
            return measurement, self._dbt_detail(workspace, measurement, with_rows=False)

        figures = self._figures(
            name,
            {
                "spark_dbt_build": lambda: self._repeat(
                    Figure("spark_dbt_build", prepared.stats.records),
                    self.options.reference_runs,
                    name,
                    spark_build,
                )
            },
        )
        if not self.options.keep_work:
            workspace.reset_database()
        return figures

    # -- the S3 figures (optional) ----------------------------------------------------------------

    def s3_figures(self, prepared: PreparedTier) -> dict[str, Figure]:
        """The tier read from a local S3 server (moto on 127.0.0.1), as the S3 issue sets it up."""
        name = prepared.tier.name
        try:
            from sparkify_tools.s3.local_server import start_moto_server
        except ImportError as error:  # moto comes with the dev extra
            self.notes.append(f"{name}: S3 figures not measured: no local S3 server here ({error})")
            return {}
        tier_dir = self.options.work_dir / name
        logs = tier_dir / "measured"
        server = start_moto_server(tier_dir / "moto", auth=False)
        try:
            bucket = "sparkify-benchmark"
            _progress(f"{name}: uploading {prepared.raw_dir} to the local S3 server (untimed)")
            server.upload_tree(prepared.raw_dir / "song_data", bucket, "raw/song_data")
            server.upload_tree(prepared.raw_dir / "log_data", bucket, "raw/log_data")
            raw = f"s3://{bucket}/raw"
            env = {**os.environ, **server.dbt_env()}
            records = prepared.stats.records
            # many small objects: latency bound, one request in flight per DuckDB thread
            workspace = self._workspace(
                tier_dir / "s3", raw, duckdb_threads=self.options.s3_threads, extra_env=server.dbt_env()
            )

            def s3_run(index: int) -> tuple[Measurement, dict]:
                workspace.reset_database()
                measurement = self._measure(
                    f"{name}: run from S3",
                    workspace.command(*RUN_WITHOUT_TESTS),
                    logs / f"s3_dbt_run-{index + 1}.log",
                    workspace.env(),
                    tolerate_failure=True,
                )
                return measurement, self._dbt_detail(workspace, measurement, with_rows=True)

            wanted: dict[str, Callable[[], Figure]] = {
                "s3_scan_floor": lambda: self._repeat(
                    Figure("s3_scan_floor", records),
                    self.options.runs,
                    name,
                    lambda i: self._scan_floor(
                        raw, logs, i, env=env, prefix="s3_", threads=self.options.s3_threads
                    ),
                ),
                "s3_dbt_run": lambda: self._repeat(
                    Figure("s3_dbt_run", records), self.options.runs, name, s3_run
                ),
            }
            return self._figures(name, wanted)
        finally:
            server.stop()
