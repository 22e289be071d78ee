"""sparkify-report: the operator's page, one static HTML file from a built DuckDB warehouse.

Per landing batch of log data: plays, quarantine share, match rate and arrival lateness as plots
(SVG drawn here, so the report needs nothing beyond duckdb), then the anomaly warnings of
ingestion_batch_warnings and every data test whose stored failures (the audit schema) hold rows.
docs/operations.md says what to do about each.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

PLOT_WIDTH = 720
PLOT_HEIGHT = 220
MARGIN = 48
# rows shown per stored-failures table: enough to see what failed, not the whole table
FAILURE_ROWS_SHOWN = 5


@dataclass(frozen=True)
class Batch:
    landing_batch_id: str
    landed_at: dt.datetime
    song_plays: int
    quarantine_share: float | None
    match_rate: float | None
    lateness_hours: float | None


@dataclass(frozen=True)
class StoredFailures:
    table: str
    row_count: int
    columns: list[str]
    rows: list[tuple]


@dataclass(frozen=True)
class ReportData:
    batches: list[Batch]
    warnings: list[tuple]
    failures: list[StoredFailures]


def read_report_data(con: duckdb.DuckDBPyConnection, schema: str, audit_schema: str) -> ReportData:
    batches = [
        Batch(*row)
        for row in con.execute(
            f"""
            select landing_batch_id, landed_at, song_plays, quarantine_share, match_rate, lateness_hours
            from "{schema}".ingestion_batches
            where source_table = 'log_data'
            order by landed_at, landing_batch_id
            """
        ).fetchall()
    ]
    warnings = con.execute(
        f"""
        select landed_at, source_table, landing_batch_id, rule_name, observed, threshold, is_latest_batch
        from "{schema}".ingestion_batch_warnings
        order by landed_at desc, source_table, rule_name
        """
    ).fetchall()
    failures = []
    tables = con.execute(
        "select table_name from information_schema.tables where table_schema = ? order by table_name",
        [audit_schema],
    ).fetchall()
    for (table,) in tables:
        relation = f'"{audit_schema}"."{table}"'
        row_count = con.execute(f"select count(*) from {relation}").fetchone()[0]
        if row_count == 0:
            continue
        cursor = con.execute(f"select * from {relation} limit {FAILURE_ROWS_SHOWN}")
        columns = [column[0] for column in cursor.description]
        failures.append(StoredFailures(table, row_count, columns, cursor.fetchall()))
    return ReportData(batches, warnings, failures)


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.3g}"


def svg_plot(title: str, labels: Sequence[str], values: Sequence[float | None], *, bars: bool = False) -> str:
    """A bar or line chart of one value per batch, with each point's label and value as its tooltip."""
    known = [value for value in values if value is not None]
    top = max([*known, 0.0]) or 1.0
    bottom = min([*known, 0.0])
    span = (top - bottom) or 1.0
    inner_width = PLOT_WIDTH - 2 * MARGIN
    inner_height = PLOT_HEIGHT - 2 * MARGIN
    step = inner_width / max(len(values), 1)

    def y_of(value: float) -> float:
        return MARGIN + inner_height * (top - value) / span

    parts = [
        f'<svg class="plot" role="img" aria-label="{html.escape(title)}" width="{PLOT_WIDTH}" '
        f'height="{PLOT_HEIGHT}" viewBox="0 0 {PLOT_WIDTH} {PLOT_HEIGHT}" xmlns="http://www.w3.org/2000/svg">',
        f'<text x="{MARGIN}" y="20" font-weight="bold">{html.escape(title)}</text>',
        f'<line x1="{MARGIN}" y1="{y_of(bottom):.1f}" x2="{PLOT_WIDTH - MARGIN}" y2="{y_of(bottom):.1f}" '
        'stroke="#888"/>',
        f'<line x1="{MARGIN}" y1="{MARGIN}" x2="{MARGIN}" y2="{y_of(bottom):.1f}" stroke="#888"/>',
        f'<text x="{MARGIN - 4}" y="{y_of(top) + 4:.1f}" text-anchor="end" font-size="11">'
        f"{_number(top)}</text>",
        f'<text x="{MARGIN - 4}" y="{y_of(bottom) + 4:.1f}" text-anchor="end" font-size="11">'
        f"{_number(bottom)}</text>",
    ]
    points = []
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = MARGIN + step * (index + 0.5)
        if value is None:
            continue
        tooltip = f"<title>{html.escape(label)}: {_number(value)}</title>"
        if bars:
            height = y_of(bottom) - y_of(value)
            parts.append(
                f'<rect class="point" x="{x - step * 0.4:.1f}" y="{y_of(value):.1f}" '
                f'width="{step * 0.8:.1f}" height="{height:.1f}" fill="#4878a8">{tooltip}</rect>'
            )
        else:
            points.append(f"{x:.1f},{y_of(value):.1f}")
            parts.append(
                f'<circle class="point" cx="{x:.1f}" cy="{y_of(value):.1f}" r="3" fill="#4878a8">'
                f"{tooltip}</circle>"
            )
    if points:
        parts.insert(4, f'<polyline points="{" ".join(points)}" fill="none" stroke="#4878a8"/>')
    if labels:
        parts.append(
            f'<text x="{MARGIN}" y="{PLOT_HEIGHT - 12}" font-size="11">{html.escape(labels[0])}</text>'
        )
        parts.append(
            f'<text x="{PLOT_WIDTH - MARGIN}" y="{PLOT_HEIGHT - 12}" text-anchor="end" font-size="11">'
            f"{html.escape(labels[-1])}</text>"
        )
    parts.append("</svg>")
    return "\n".join(parts)


def _table(table_id: str, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    head = "".join(f"<th>{html.escape(column)}</th>" for column in columns)
    body = "".join(
        "<tr>"
        + "".join(f"<td>{html.escape('' if cell is None else str(cell))}</td>" for cell in row)
        + "</tr>"
        for row in rows
    )
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def render_html(data: ReportData, generated_at: dt.datetime) -> str:
    labels = [batch.landed_at.strftime("%Y-%m-%d %H:%M") for batch in data.batches]
    plots = [
        svg_plot("Song plays per batch", labels, [batch.song_plays for batch in data.batches], bars=True),
        svg_plot("Quarantine share", labels, [batch.quarantine_share for batch in data.batches]),
        svg_plot(
            "Match rate (plays matched to a song)", labels, [batch.match_rate for batch in data.batches]
        ),
        svg_plot("Arrival lateness (hours)", labels, [batch.lateness_hours for batch in data.batches]),
    ]
    warning_columns = ["landed_at", "source", "batch", "rule", "observed", "threshold", "newest batch"]
    if data.warnings:
        warnings = _table("warnings", warning_columns, data.warnings)
    else:
        warnings = '<p id="warnings">No batch breaks an anomaly rule.</p>'
    if data.failures:
        failures = "".join(
            f'<h3 class="stored-failure">{html.escape(failure.table)} ({failure.row_count} rows)</h3>'
            + _table(f"failure-{failure.table}", failure.columns, failure.rows)
            for failure in data.failures
        )
    else:
        failures = '<p id="failures">No data test has stored failures.</p>'
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Sparkify ingestion report</title>
<style>
body {{ font-family: sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; margin-bottom: 1em; }}
td, th {{ border: 1px solid #ccc; padding: 2px 6px; font-size: 13px; text-align: left; }}
.plot {{ display: block; margin-bottom: 1em; }}
</style>
</head>
<body>
<h1>Sparkify ingestion report</h1>
<p id="summary">Log batches: {len(data.batches)}; generated {generated_at:%Y-%m-%d %H:%M} UTC.</p>
<h2>Per batch</h2>
{"".join(plots)}
<h2>Anomaly warnings</h2>
{warnings}
<h2>Stored test failures</h2>
{failures}
</body>
</html>
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sparkify-report", description=__doc__.splitlines()[0])
    parser.add_argument("--duckdb", type=Path, required=True, help="the built warehouse's DuckDB file")
    parser.add_argument("--out", type=Path, default=Path("report.html"), help="HTML file to write")
    parser.add_argument("--schema", default="main", help="schema of the ops models (the target schema)")
    parser.add_argument("--audit-schema", help="schema of the stored test failures (default: <schema>_audit)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not args.duckdb.exists():
        raise SystemExit(f"sparkify-report: no DuckDB file at {args.duckdb} (build the warehouse first)")
    with duckdb.connect(str(args.duckdb), read_only=True) as con:
        data = read_report_data(con, args.schema, args.audit_schema or f"{args.schema}_audit")
    generated_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    args.out.write_text(render_html(data, generated_at), encoding="utf-8")
    print(f"sparkify-report: {len(data.batches)} batches, {len(data.warnings)} warnings -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
