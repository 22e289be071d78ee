"""Where a model's time goes, step by step: the cumulative cost of each CTE of its compiled SQL.

After a benchmark run, a tier's workspace holds the compiled SQL of the last build and the
database it built. This runs ``select ... from <cte>`` for each CTE in turn on a copy of that
database and reports wall and CPU seconds: the difference between two consecutive CTEs is what
that step costs. ``--sink hash`` computes every column without writing (hash of all columns);
``--sink table`` also writes the rows as the model does. Pass ``--sql FILE`` to time a variant
of the compiled SQL (an optimisation proposal) the same way.

    python -m sparkify_tools.benchmark.profile_ctes WORKSPACE MODEL [--sql FILE] [--threads N]

WORKSPACE is e.g. bench_results/work/1m/full (it holds target/ and sparkify.duckdb).
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb

_CTE = re.compile(r"^\s*,?\s*([a-z_][a-z0-9_]*)\s+as\s*\(\s*$", re.IGNORECASE | re.MULTILINE)
_FINAL = re.compile(r"select\s+\*\s+from\s+final\s*;?\s*$", re.IGNORECASE)


def compiled_sql(workspace: Path, model: str) -> Path:
    found = sorted((workspace / "target" / "compiled").rglob(f"{model}.sql"))
    if not found:
        raise FileNotFoundError(
            f"no compiled SQL for model {model} under {workspace / 'target' / 'compiled'}"
        )
    return found[0]


def split_ctes(sql: str) -> tuple[str, list[str]]:
    """The SQL without its closing ``select * from final``, and the CTE names in order."""
    match = _FINAL.search(sql.rstrip())
    if match is None:
        raise ValueError("the SQL does not end with `select * from final` (house style); cannot split it")
    return sql.rstrip()[: match.start()], _CTE.findall(sql)


def profile(
    database: Path, sql: str, ctes: list[str] | None = None, *, sink: str = "hash", threads: int | None = None
) -> list[dict[str, object]]:
    """Cumulative seconds up to each CTE, on a copy of ``database`` (the original is never written)."""
    body, names = split_ctes(sql)
    wanted = ctes or names
    unknown = [name for name in wanted if name not in names]
    if unknown:
        raise ValueError(f"no CTE named {', '.join(unknown)}; the SQL has {', '.join(names)}")
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        # same file name: the SQL names tables by the database's catalog name
        copy = Path(scratch) / database.name
        shutil.copy(database, copy)
        with duckdb.connect(str(copy)) as connection:
            if threads:
                connection.execute(f"set threads = {int(threads)}")
            for name in wanted:
                if sink == "hash":
                    query = f"{body}\nselect count(*), sum(hash(columns(*))) from {name}"
                else:
                    query = f"create or replace table profile_probe as {body}\nselect * from {name}"
                began, cpu = time.perf_counter(), time.process_time()
                connection.execute(query).fetchall()
                rows.append(
                    {
                        "cte": name,
                        "wall_seconds": round(time.perf_counter() - began, 3),
                        "cpu_seconds": round(time.process_time() - cpu, 3),
                    }
                )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sparkify_tools.benchmark.profile_ctes",
        description="Cumulative cost of each CTE of a model's compiled SQL, on a copy of the built database.",
    )
    parser.add_argument("workspace", type=Path, help="a benchmark workspace, e.g. bench_results/work/1m/full")
    parser.add_argument("model", help="model name, e.g. base_sparkify__log_lines")
    parser.add_argument("--sql", type=Path, help="time this SQL instead of the compiled model")
    parser.add_argument("--ctes", help="comma-separated CTEs to time [all]")
    parser.add_argument("--sink", choices=("hash", "table"), default="hash", help="[%(default)s]")
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads [all cores]")
    args = parser.parse_args(argv)
    database = args.workspace / "sparkify.duckdb"
    try:
        if not database.is_file():
            raise FileNotFoundError(f"{database} not found: run the benchmark for this tier first")
        sql_path = args.sql or compiled_sql(args.workspace, args.model)
        ctes = [name.strip() for name in args.ctes.split(",")] if args.ctes else None
        rows = profile(database, sql_path.read_text(), ctes, sink=args.sink, threads=args.threads)
    except (FileNotFoundError, ValueError, duckdb.Error) as error:
        print(f"profile_ctes: {error}", file=sys.stderr)
        return 2
    print(f"{sql_path} ({args.sink}):")
    previous = 0.0
    for row in rows:
        step = float(row["cpu_seconds"]) - previous
        previous = float(row["cpu_seconds"])
        print(
            f"  {row['cte']:<24} {row['wall_seconds']:>8.2f} s wall {row['cpu_seconds']:>8.2f} s CPU "
            f"(step {step:+.2f} s CPU)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
