"""The benchmark's output: results.json (every figure), results.md (tables) and scaling.png (plot).

Ratios and targets are computed here from the medians, so that the JSON, the table and the plot
always agree. A target whose figures were not measured in this run is listed as not measured.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .runner import FIGURES, OVERHEAD_FIGURES

GB = 1_000_000_000
MIB = 2**20


def _median(tier: dict, figure: str, metric: str = "wall_seconds") -> float | None:
    found = tier.get("figures", {}).get(figure)
    return found[metric]["median"] if found else None


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, 4)


def tier_ratios(tier: dict) -> dict[str, float | None]:
    """How the figures of one tier compare: speed-up over the reference, distance to the floor."""
    build, run = _median(tier, "dbt_build"), _median(tier, "dbt_run")
    incremental = _median(tier, "dbt_incremental_run")
    floor, reference = _median(tier, "scan_floor"), _median(tier, "reference_spark")
    ratios = {
        "reference_over_dbt_build": _ratio(reference, build),
        "reference_over_dbt_run": _ratio(reference, run),
        "dbt_run_over_scan_floor": _ratio(run, floor),
        "dbt_build_over_scan_floor": _ratio(build, floor),
        "incremental_over_dbt_build": _ratio(incremental, build),
        "incremental_over_dbt_run": _ratio(incremental, run),
        "s3_dbt_run_over_local_dbt_run": _ratio(_median(tier, "s3_dbt_run"), run),
        "reference_over_spark_dbt_build": _ratio(reference, _median(tier, "spark_dbt_build")),
        # CPU seconds suffer far less than wall time from other work on a shared machine
        "reference_over_dbt_build_cpu": _ratio(
            _median(tier, "reference_spark", "cpu_seconds"), _median(tier, "dbt_build", "cpu_seconds")
        ),
        "dbt_run_over_scan_floor_cpu": _ratio(
            _median(tier, "dbt_run", "cpu_seconds"), _median(tier, "scan_floor", "cpu_seconds")
        ),
        "incremental_over_dbt_build_cpu": _ratio(
            _median(tier, "dbt_incremental_run", "cpu_seconds"), _median(tier, "dbt_build", "cpu_seconds")
        ),
    }
    return {key: value for key, value in ratios.items() if value is not None}


def _peak_of_builds(tier: dict) -> float | None:
    peaks = [
        _median(tier, name, "peak_rss_bytes") for name in ("dbt_build", "dbt_run", "dbt_incremental_run")
    ]
    measured = [peak for peak in peaks if peak is not None]
    return max(measured) if measured else None


@dataclass(frozen=True)
class Target:
    tier: str
    text: str
    measure: Callable[[dict], float | None]
    kind: str  # 'min' (measured must be >= limit) or 'max' (measured must be < limit)
    limit: float
    unit: str

    def evaluate(self, tiers: dict[str, dict]) -> dict[str, object]:
        tier = tiers.get(self.tier)
        measured = self.measure(tier) if tier else None
        met = (
            None
            if measured is None
            else (measured >= self.limit if self.kind == "min" else measured < self.limit)
        )
        return {
            "tier": self.tier,
            "target": self.text,
            "measured": measured,
            "limit": self.limit,
            "unit": self.unit,
            "met": met,
        }


TARGETS = (
    Target(
        "full",
        "full `dbt build` at least 30x faster than the reference job",
        lambda t: tier_ratios(t).get("reference_over_dbt_build"),
        "min",
        30,
        "x",
    ),
    Target(
        "full",
        "the project on Spark at least as fast as the reference job (1x)",
        lambda t: tier_ratios(t).get("reference_over_spark_dbt_build"),
        "min",
        1,
        "x",
    ),
    Target(
        "10m",
        "full run (no tests) within 3x the raw scan floor",
        lambda t: tier_ratios(t).get("dbt_run_over_scan_floor"),
        "max",
        3,
        "x",
    ),
    Target("10m", "peak memory of every dbt build under 4 GB", _peak_of_builds, "max", 4 * GB, "bytes"),
    Target(
        "10m",
        "one-day incremental run under 10 % of the full `dbt build`",
        lambda t: tier_ratios(t).get("incremental_over_dbt_build"),
        "max",
        0.10,
        "share",
    ),
    Target(
        "full",
        "the 14,896 song files (and logs) read from the local S3 server in under 60 s",
        lambda t: _median(t, "s3_scan_floor"),
        "max",
        60,
        "s",
    ),
    Target(
        "full",
        "full run (no tests) from the local S3 server in under 60 s",
        lambda t: _median(t, "s3_dbt_run"),
        "max",
        60,
        "s",
    ),
)


def evaluate_targets(results: dict) -> list[dict[str, object]]:
    return [target.evaluate(results.get("tiers", {})) for target in TARGETS]


# -- markdown --------------------------------------------------------------------------------------


def _spread_text(spread: dict, scale: float = 1.0, digits: int = 1) -> str:
    median, low, high = (spread[k] / scale for k in ("median", "min", "max"))
    if len(spread.get("values", [])) <= 1:
        return f"{median:,.{digits}f}"
    return f"{median:,.{digits}f} ({low:,.{digits}f}-{high:,.{digits}f})"


def _measured_text(target: dict) -> str:
    value = target["measured"]
    if value is None:
        return "not measured"
    if target["unit"] == "bytes":
        return f"{value / MIB:,.0f} MiB"
    if target["unit"] == "share":
        return f"{value:.1%}"
    if target["unit"] == "x":
        return f"{value:,.2f}x"
    return f"{value:,.1f} s"


def _limit_text(target: dict) -> str:
    limit, unit = target["limit"], target["unit"]
    if unit == "bytes":
        return f"< {limit / GB:g} GB"
    if unit == "share":
        return f"< {limit:.0%}"
    if unit == "x":
        return f"{'>=' if 'faster' in str(target['target']) else '<='} {limit:g}x"
    return f"< {limit:g} s"


def markdown(results: dict) -> str:
    machine = results["machine"]
    lines = [
        "# Sparkify benchmark",
        "",
        f"Run {results['started_at']} - {results['finished_at']} on {machine['cpu_count']} cores, "
        f"{machine['memory_bytes'] / GB:.0f} GB RAM, commit {machine.get('commit', 'unknown')}; "
        f"load average {machine['load_average_start']} at the start, "
        f"{machine['load_average_end']} at the end. {results['options']['runs']} run(s) per figure "
        f"({results['options']['reference_runs']} for the reference job"
        + "".join(f"; {tier}: {runs}" for tier, runs in results["options"].get("tier_runs", {}).items())
        + "): median (min-max).",
        "",
    ]
    if machine["load_average_start"][0] > machine["cpu_count"]:
        lines += [
            "> The machine was busy with other work during this run (load above its core count): absolute "
            "times are noisy; the ratios, measured side by side, are the figures to read.",
            "",
        ]
    lines += [
        "## Figures",
        "",
        "| tier | input | figure | runs | wall s | CPU s | peak MiB | records/s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for tier_name, tier in results["tiers"].items():
        raw = tier["raw"]
        size = f"{raw['log_lines']:,} lines + {raw['song_files']:,} songs, {raw['bytes'] / 1e6:,.1f} MB"
        for figure_name in FIGURES:
            figure = tier["figures"].get(figure_name)
            if not figure:
                continue
            label = figure["label"]
            if figure_name == "dbt_incremental_run":
                label += f" — {figure['records']:,} new lines"
            if figure.get("failed_runs"):
                label += f" **(dbt failed in {figure['failed_runs']} of {figure['runs']} runs: see notes)**"
            lines.append(
                f"| {tier_name} | {size} | {label} | {figure['runs']} "
                f"| {_spread_text(figure['wall_seconds'])} "
                f"| {_spread_text(figure['cpu_seconds'])} "
                f"| {_spread_text(figure['peak_rss_bytes'], MIB, 0)} "
                f"| {_spread_text(figure['records_per_second'], 1, 0)} |"
            )
    ratio_lines = ["", "## Ratios (of medians)", ""]
    ratio_names = {
        "reference_over_dbt_build": "reference ÷ `dbt build`",
        "reference_over_dbt_run": "reference ÷ run",
        "dbt_run_over_scan_floor": "run ÷ scan floor",
        "dbt_build_over_scan_floor": "`dbt build` ÷ scan floor",
        "incremental_over_dbt_build": "incremental ÷ full `dbt build`",
        "incremental_over_dbt_run": "incremental ÷ full run",
        "s3_dbt_run_over_local_dbt_run": "run from S3 ÷ local",
        "reference_over_spark_dbt_build": "reference ÷ the project on Spark",
        "reference_over_dbt_build_cpu": "CPU: reference ÷ `dbt build`",
        "dbt_run_over_scan_floor_cpu": "CPU: run ÷ scan floor",
        "incremental_over_dbt_build_cpu": "CPU: incremental ÷ `dbt build`",
    }
    tiers = results["tiers"]
    ratio_lines += ["| ratio | " + " | ".join(tiers) + " |", "|---" * (len(tiers) + 1) + "|"]
    measured_ratios = [key for key in ratio_names if any(key in tier["ratios"] for tier in tiers.values())]
    for key in measured_ratios:
        cells = [f"{tier['ratios'][key]:,.3g}" if key in tier["ratios"] else "-" for tier in tiers.values()]
        ratio_lines.append(f"| {ratio_names[key]} | " + " | ".join(cells) + " |")
    if measured_ratios:
        lines += ratio_lines
    lines += ["", "## Targets", "", "| tier | target | measured | limit | met |", "|---|---|---|---|---|"]
    for target in results["targets"]:
        met = {True: "yes", False: "**no**", None: "-"}[target["met"]]
        lines.append(
            f"| {target['tier']} | {target['target']} | {_measured_text(target)} "
            f"| {_limit_text(target)} | {met} |"
        )
    lines += _overhead_section(results) + _profile_section(results)
    if results.get("notes"):
        lines += ["", "## Notes", ""] + [f"- {note}" for note in results["notes"]]
    return "\n".join(lines) + "\n"


def _overhead_section(results: dict) -> list[str]:
    lines: list[str] = []
    for name, label in OVERHEAD_FIGURES.items():
        figure = results.get("overhead", {}).get(name)
        if figure:
            lines.append(f"- {label}: {_spread_text(figure['wall_seconds'])} s wall")
    for tier_name, tier in results["tiers"].items():
        for figure_name in ("dbt_build", "dbt_run", "dbt_incremental_run"):
            figure = tier["figures"].get(figure_name)
            if figure and "dbt_overhead_seconds" in figure:
                lines.append(
                    f"- {tier_name}, {figure['label']}: {_spread_text(figure['dbt_overhead_seconds'])} s "
                    f"of {_spread_text(figure['wall_seconds'])} s outside dbt's own elapsed time "
                    "(start-up, parse check, artifacts)"
                )
    return ["", "## dbt's own overhead", "", *lines] if lines else []


def _profile_section(results: dict, top: int = 8) -> list[str]:
    lines: list[str] = []
    for tier_name, tier in results["tiers"].items():
        for figure_name in ("dbt_run", "dbt_incremental_run", "dbt_build"):
            figure = tier["figures"].get(figure_name)
            if not figure or "node_seconds_median" not in figure:
                continue
            nodes = list(figure["node_seconds_median"].items())[:top]
            kinds = ", ".join(
                f"{k} {v:,.1f} s" for k, v in figure.get("seconds_by_resource_type", {}).items()
            )
            lines.append(f"- **{tier_name}, {figure['label']}** (by type: {kinds}): ")
            lines.append("  " + "; ".join(f"{node} {seconds:,.2f}" for node, seconds in nodes))
    return ["", "## Where the time goes (median seconds per node)", "", *lines] if lines else []


# -- plot ------------------------------------------------------------------------------------------

PLOTTED = {
    "dbt_build": ("full dbt build", "o-"),
    "dbt_run": ("full run, no tests", "s-"),
    "dbt_incremental_run": ("one-day incremental run", "^-."),
    "scan_floor": ("raw scan floor", "v:"),
    "reference_spark": ("reference PySpark job", "D--"),
    "spark_dbt_build": ("the project on Spark (dbt build)", "P--"),
}


def plot(results: dict, path: Path) -> Path:
    """Log-log wall time against raw data size, median with min-max bars, one line per figure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(8, 5.5), dpi=120)
    tiers = sorted(results["tiers"].items(), key=lambda item: item[1]["raw"]["bytes"])
    for figure_name, (label, style) in PLOTTED.items():
        points = [
            (tier["raw"]["bytes"] / 1e6, tier["figures"][figure_name]["wall_seconds"])
            for _, tier in tiers
            if figure_name in tier["figures"]
        ]
        if not points:
            continue
        sizes = [size for size, _ in points]
        medians = [spread["median"] for _, spread in points]
        errors = [
            [spread["median"] - spread["min"] for _, spread in points],
            [spread["max"] - spread["median"] for _, spread in points],
        ]
        axes.errorbar(sizes, medians, yerr=errors, fmt=style, capsize=3, label=label)
    for name, tier in tiers:
        axes.annotate(
            name,
            (tier["raw"]["bytes"] / 1e6, 1),
            xycoords=("data", "axes fraction"),
            xytext=(0, -12),
            textcoords="offset points",
            ha="center",
            fontsize=8,
            color="grey",
        )
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("raw data size (MB of JSON)")
    axes.set_ylabel("wall time (s), median with min-max")
    axes.set_title("Sparkify warehouse (dbt + DuckDB) vs the PySpark data-lake job")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)
    return path


def write_outputs(results: dict, out_dir: Path) -> dict[str, Path]:
    """results.json, results.md and scaling.png in ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for tier in results["tiers"].values():
        tier["ratios"] = tier_ratios(tier)
    results["targets"] = evaluate_targets(results)
    paths = {
        "json": out_dir / "results.json",
        "markdown": out_dir / "results.md",
        "plot": out_dir / "scaling.png",
    }
    paths["json"].write_text(json.dumps(results, indent=2) + "\n")
    paths["markdown"].write_text(markdown(results))
    if any(tier["figures"] for tier in results["tiers"].values()):
        plot(results, paths["plot"])
    return paths
