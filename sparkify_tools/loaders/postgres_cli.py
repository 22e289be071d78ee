"""``sparkify-load-postgres``: load raw_data into PostgreSQL's sparkify_raw schema, every line of it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import psycopg2

from .postgres import FILES_NOT_READ_TABLE, connect, load_raw_data
from .raw_files import RawDataError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sparkify-load-postgres",
        description=(
            "Load the raw JSON below --raw-data into <schema>.log_data and <schema>.song_data. Files "
            "already loaded are skipped unless their size or modification time changed (then their "
            "rows are replaced); the connection comes from PGHOST, PGPORT, PGUSER, PGPASSWORD "
            "and PGDATABASE (the variables the dbt postgres target reads) unless --dsn is given."
        ),
    )
    parser.add_argument(
        "--raw-data", default="data/raw", help="folder holding log_data/ and song_data/ [%(default)s]"
    )
    parser.add_argument(
        "--schema", default="sparkify_raw", help="schema of the raw tables (dbt var raw_schema) [%(default)s]"
    )
    parser.add_argument(
        "--reload", action="store_true", help="empty the raw tables first and load every file again"
    )
    parser.add_argument(
        "--prune",
        action="store_true",
        help="delete the rows of files loaded from --raw-data before that are no longer there",
    )
    parser.add_argument(
        "--project-dir", type=Path, default=Path("."), help="the dbt project root [%(default)s]"
    )
    parser.add_argument("--dsn", default=None, help="libpq connection string instead of the PG* variables")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        connection = connect(args.dsn)
        try:
            summaries = load_raw_data(
                connection,
                raw_data=args.raw_data,
                project_dir=args.project_dir,
                schema=args.schema,
                reload=args.reload,
                prune=args.prune,
                progress=lambda message: print(message, flush=True),
            )
        finally:
            connection.close()
    except (RawDataError, psycopg2.Error) as error:
        print(f"sparkify-load-postgres: {str(error).strip()}", file=sys.stderr)
        return 2
    for table, summary in summaries.items():
        print(
            f"{args.schema}.{table}: {summary.files_loaded} files loaded ({summary.rows_loaded} rows, "
            f"{summary.files_replaced} of them changed since loaded), "
            f"{summary.files_skipped} already loaded, {summary.rows_not_records} rows not text or not "
            f"a JSON object (the build quarantines them), {summary.files_not_read} files not read"
            + (f", {summary.files_pruned} files gone from --raw-data removed" if args.prune else "")
        )
    if any(summary.files_not_read for summary in summaries.values()):
        print(f"(files not read, and why, are in {args.schema}.{FILES_NOT_READ_TABLE})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
