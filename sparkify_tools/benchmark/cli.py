"""``sparkify-benchmark``: time the warehouse against the reference PySpark job, tier by tier.

Writes results.json, results.md and scaling.png to --out (bench_results/ by default), rewritten
after every tier so that an interrupted run keeps what it measured. See docs/benchmark.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import psutil

from .dbt_workspace import PROJECT_ROOT
from .report import write_outputs
from .runner import Benchmark, BenchmarkError, Options
from .tiers import TIERS, TierError, prepare_tier

DEFAULT_TIERS = ("sample", "full", "1m", "10m")
LOCAL_FIGURES = ("scan_floor", "dbt_build", "dbt_run", "dbt_incremental_run", "reference_spark")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be 1 or more")
    return value


def _choices(allowed: tuple[str, ...] | list[str], what: str):
    def parse(text: str) -> tuple[str, ...]:
        names = tuple(part.strip() for part in text.split(",") if part.strip())
        unknown = [name for name in names if name not in allowed]
        if unknown or not names:
            raise argparse.ArgumentTypeError(
                f"unknown {what} {', '.join(unknown) or '(none given)'}; choose from {', '.join(allowed)}"
            )
        return names

    return parse


def _tier_runs(text: str) -> dict[str, int]:
    runs: dict[str, int] = {}
    for part in (part.strip() for part in text.split(",") if part.strip()):
        tier, _, count = part.partition("=")
        if tier not in TIERS:
            raise argparse.ArgumentTypeError(f"unknown tier {tier}; choose from {', '.join(TIERS)}")
        runs[tier] = _positive(count)
    return runs


def _setting(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip() or not value.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not KEY=VALUE (e.g. memory_limit=3GB)")
    return key.strip(), value.strip()


def build_parser() -> argparse.ArgumentParser:
    tier_help = "; ".join(f"{tier.name}: {tier.description}" for tier in TIERS.values())
    parser = argparse.ArgumentParser(
        prog="sparkify-benchmark",
        description="Measure the dbt warehouse on DuckDB against the reference PySpark job, per data tier.",
    )
    parser.add_argument(
        "--tiers",
        type=_choices(list(TIERS), "tier"),
        default=DEFAULT_TIERS,
        help=f"comma-separated [{','.join(DEFAULT_TIERS)}] — {tier_help}",
    )
    parser.add_argument("--runs", type=_positive, default=3, help="runs per figure [%(default)s]")
    parser.add_argument(
        "--reference-runs",
        type=_positive,
        default=None,
        help="runs of the Spark figures: the reference job, the project on Spark [--runs]",
    )
    parser.add_argument(
        "--tier-runs",
        type=_tier_runs,
        default={},
        metavar="TIER=N,...",
        help="runs per figure (reference job included) for some tiers, e.g. 10m=1",
    )
    parser.add_argument(
        "--reference-tiers",
        type=_choices(list(TIERS), "tier"),
        default=None,
        help="tiers the reference PySpark job runs on [every tier]",
    )
    parser.add_argument(
        "--figures",
        type=_choices(LOCAL_FIGURES, "figure"),
        default=LOCAL_FIGURES,
        help=f"comma-separated subset of {','.join(LOCAL_FIGURES)} [all]",
    )
    parser.add_argument(
        "--s3-tiers",
        type=_choices(list(TIERS), "tier"),
        default=(),
        help="tiers also read from a local S3 server (moto on 127.0.0.1; dev extra), e.g. full [none]",
    )
    parser.add_argument(
        "--s3-threads",
        type=_positive,
        default=16,
        help="DuckDB threads for the S3 figures: reading many small objects is latency bound [%(default)s]",
    )
    parser.add_argument(
        "--spark-tiers",
        type=_choices(list(TIERS), "tier"),
        default=(),
        help="tiers the dbt project also builds on Spark (profile output spark; spark extra) [none]",
    )
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "bench_results", help="[%(default)s]")
    parser.add_argument("--cache-dir", type=Path, default=None, help="generated/unpacked tiers [OUT/cache]")
    parser.add_argument("--work-dir", type=Path, default=None, help="databases, logs, parquet [OUT/work]")
    parser.add_argument(
        "--sample-dir",
        type=Path,
        default=PROJECT_ROOT.parent / "shared" / "sparkify-sample",
        help="[%(default)s]",
    )
    parser.add_argument(
        "--full-archive",
        type=Path,
        default=PROJECT_ROOT.parent / "shared" / "sparkify-full" / "song_data.tar.gz",
        help="[%(default)s]",
    )
    parser.add_argument("--duckdb-threads", type=_positive, default=None, help="DuckDB threads [profile's]")
    parser.add_argument("--dbt-threads", type=_positive, default=None, help="dbt threads [profile's]")
    parser.add_argument(
        "--duckdb-setting",
        type=_setting,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="DuckDB setting for the benchmark's copy of the profile (repeatable), e.g. memory_limit=3GB",
    )
    parser.add_argument(
        "--no-partial-parse",
        action="store_true",
        help="time every dbt command with a full parse (default: partial parse, warmed untimed)",
    )
    parser.add_argument("--skip-overhead", action="store_true", help="do not time `dbt parse` on its own")
    parser.add_argument("--keep-work", action="store_true", help="keep the reference job's parquet output")
    return parser


def _versions() -> dict[str, str]:
    versions = {}
    for package in ("dbt-core", "dbt-duckdb", "duckdb", "pyspark"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _commit() -> str:
    """The project's commit, with "+changes" when the working tree differs from it (a figure is
    only comparable with the code that made it)."""
    root = Path(__file__).resolve().parents[2]
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=root, capture_output=True, text=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return head + ("+changes" if changed else "")


def _load() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    out = args.out.resolve()
    options = Options(
        out_dir=out,
        cache_dir=(args.cache_dir or out / "cache").resolve(),
        work_dir=(args.work_dir or out / "work").resolve(),
        runs=args.runs,
        reference_runs=args.reference_runs or args.runs,
        figures=args.figures,
        duckdb_threads=args.duckdb_threads,
        s3_threads=args.s3_threads,
        dbt_threads=args.dbt_threads,
        partial_parse=not args.no_partial_parse,
        duckdb_settings=dict(args.duckdb_setting),
        keep_work=args.keep_work,
    )
    if "reference_spark" in options.figures:
        try:
            import pyspark  # noqa: F401
        except ImportError:
            parser.error(
                "the reference job needs pyspark: install the bench extra, or pass --figures without it"
            )

    results: dict = {
        "schema_version": 1,
        "started_at": _now(),
        "finished_at": None,
        "machine": {
            "cpu_count": psutil.cpu_count(),
            "memory_bytes": psutil.virtual_memory().total,
            "load_average_start": _load(),
            "load_average_end": None,
            "platform": platform.platform(),
            "python": platform.python_version(),
            "commit": _commit(),
            "versions": _versions(),
        },
        "options": {
            "tiers": list(args.tiers),
            "runs": options.runs,
            "reference_runs": options.reference_runs,
            "tier_runs": args.tier_runs,
            "reference_tiers": list(args.reference_tiers or args.tiers),
            "s3_tiers": list(args.s3_tiers),
            "spark_tiers": list(args.spark_tiers),
            "figures": list(options.figures),
            "duckdb_threads": options.duckdb_threads,
            "s3_threads": options.s3_threads,
            "dbt_threads": options.dbt_threads,
            "partial_parse": options.partial_parse,
            "duckdb_settings": options.duckdb_settings,
        },
        "overhead": {},
        "tiers": {},
        "notes": [],
    }
    benchmark = Benchmark(options)

    def tier_options(name: str) -> Options:
        runs = args.tier_runs.get(name, options.runs)
        figures = options.figures
        if args.reference_tiers is not None and name not in args.reference_tiers:
            figures = tuple(figure for figure in figures if figure != "reference_spark")
        return dataclasses.replace(
            options, runs=runs, reference_runs=min(runs, options.reference_runs), figures=figures
        )

    def save() -> dict[str, Path]:
        results["notes"] = list(benchmark.notes)
        results["finished_at"] = _now()
        results["machine"]["load_average_end"] = _load()
        return write_outputs(results, out)

    try:
        for name in args.tiers:
            tier = TIERS[name]
            prepared = prepare_tier(
                tier, cache_dir=options.cache_dir, sample_dir=args.sample_dir, full_archive=args.full_archive
            )
            entry = {
                "description": tier.description,
                "raw_dir": str(prepared.raw_dir),
                "raw": prepared.stats.to_dict(),
                "prepare_seconds": prepared.prepare_seconds,
                "figures": {},
            }
            results["tiers"][name] = entry
            if not args.skip_overhead and not results["overhead"]:
                results["overhead"] = {
                    key: figure.summary()
                    for key, figure in benchmark.overhead_figures(str(prepared.raw_dir)).items()
                }
            benchmark.options = tier_options(name)
            measures = [benchmark.tier_figures]
            if name in args.spark_tiers:
                measures.append(benchmark.spark_figures)
            if name in args.s3_tiers:
                measures.append(benchmark.s3_figures)
            for measure in measures:
                for key, figure in measure(prepared).items():
                    entry["figures"][key] = figure.summary()
                save()
    except (TierError, FileNotFoundError) as error:
        print(f"sparkify-benchmark: {error}", file=sys.stderr)
        return 2
    except BenchmarkError as error:
        benchmark.notes.append(f"stopped: {str(error).splitlines()[0]}")
        save()
        print(f"sparkify-benchmark: {error}", file=sys.stderr)
        return 1
    paths = save()
    print(paths["markdown"].read_text())
    for kind, path in paths.items():
        print(f"{kind}: {path}")
    # figures were written, but a failed dbt command or a figure not measured must not look like success
    return 1 if benchmark.notes else 0


if __name__ == "__main__":
    sys.exit(main())
