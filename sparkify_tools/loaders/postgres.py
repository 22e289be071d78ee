"""Load the raw Sparkify files into PostgreSQL the way `load_raw_data` COPYs them into Redshift.

Same tables (sparkify_raw.log_data and .song_data: the source's columns plus source_file), same
mapping (JSONPaths for logs, 'auto' for songs), same MAXERROR rule (a file with more rejected
records than allowed is not loaded) and the same idempotence (a file already loaded, recognised by
source_file, is skipped). Rows travel through COPY FROM STDIN, PostgreSQL's bulk path.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2
from psycopg2 import sql

from .raw_files import TABLE_GLOBS, Column, LoadError, RawDataError, raw_files, read_file, table_columns

LOAD_ERRORS_TABLE = "load_errors"
SHOWN_ERRORS = 20  # per failed run: enough to see the pattern, short enough to read


@dataclass
class TableSummary:
    files_loaded: int = 0
    files_skipped: int = 0
    rows_loaded: int = 0
    errors: list[LoadError] = field(default_factory=list)


class TooManyLoadErrors(Exception):
    """Some file had more rejected records than max_errors allows; nothing was loaded."""


def source_file_name(raw_data: str, path: Path, root: Path) -> str:
    """The file's name as DuckDB's reader reports it for the same raw_data, so both engines agree."""
    return f"{raw_data.rstrip('/')}/{path.relative_to(root).as_posix()}"


def _copy_field(value: str | None) -> str:
    if value is None:
        return "\\N"
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _copy_text(rows: list[tuple[str | None, ...]]) -> io.StringIO:
    return io.StringIO("".join("\t".join(_copy_field(v) for v in row) + "\n" for row in rows))


def _ensure_tables(cursor, schema: str, tables: dict[str, list[Column]]) -> None:
    cursor.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(schema)))
    for table, columns in tables.items():
        target = sql.Identifier(schema, table)
        cursor.execute(sql.SQL("create table if not exists {} (source_file text not null)").format(target))
        # columns a newer source declaration added since the table was created
        for column in columns:
            cursor.execute(
                sql.SQL("alter table {} add column if not exists {} {}").format(
                    target, sql.Identifier(column.name), sql.SQL(column.data_type)
                )
            )
    cursor.execute(
        sql.SQL(
            """
            create table if not exists {} (
                loaded_at timestamp with time zone not null default now(),
                table_name text not null,
                file_name text not null,
                line_number bigint,
                column_name text,
                error_message text not null,
                raw_line text
            )
            """
        ).format(sql.Identifier(schema, LOAD_ERRORS_TABLE))
    )


def _loaded_files(cursor, schema: str, table: str) -> set[str]:
    cursor.execute(sql.SQL("select distinct source_file from {}").format(sql.Identifier(schema, table)))
    return {row[0] for row in cursor.fetchall()}


def _record_errors(cursor, schema: str, table: str, errors: list[LoadError]) -> None:
    cursor.executemany(
        sql.SQL(
            "insert into {} (table_name, file_name, line_number, column_name, error_message, raw_line)"
            " values (%s, %s, %s, %s, %s, %s)"
        ).format(sql.Identifier(schema, LOAD_ERRORS_TABLE)),
        [(table, e.file, e.line_number, e.column or None, e.message, e.raw_line) for e in errors],
    )


def describe_errors(errors: list[LoadError]) -> str:
    lines = [
        f"  {e.file}:{e.line_number}: {e.column + ': ' if e.column else ''}{e.message}"
        for e in errors[:SHOWN_ERRORS]
    ]
    if len(errors) > SHOWN_ERRORS:
        lines.append(f"  ... and {len(errors) - SHOWN_ERRORS} more")
    return "\n".join(lines)


def load_raw_data(
    connection,
    raw_data: str,
    project_dir: Path,
    schema: str = "sparkify_raw",
    max_errors: int = 0,
    reload: bool = False,
    progress: Callable[[str], None] = print,
) -> dict[str, TableSummary]:
    """Load every new raw file below raw_data, all in one transaction: all new files or none."""
    if max_errors < 0:
        raise RawDataError(f"max_errors must be 0 or more, got {max_errors}")
    tables = table_columns(project_dir)
    root = Path(raw_data)
    files = raw_files(root)
    summaries = {table: TableSummary() for table in TABLE_GLOBS}
    over_limit: list[tuple[str, list[LoadError]]] = []
    lock = "select pg_advisory_xact_lock(hashtext(%s))", (f"sparkify load_raw_data {schema}",)
    # the tables exist (empty) even when the load below is refused, so dbt always finds its sources
    with connection, connection.cursor() as cursor:
        cursor.execute(
            "select current_database(), pg_encoding_to_char(encoding) from pg_database"
            " where datname = current_database()"
        )
        database, encoding = cursor.fetchone()
        if encoding != "UTF8":
            raise RawDataError(
                f"database {database} has encoding {encoding}; the raw names are Unicode and their repair "
                f"needs UTF8 (createdb --encoding=UTF8 --template=template0 {database})"
            )
        cursor.execute(*lock)
        _ensure_tables(cursor, schema, tables)
    with connection, connection.cursor() as cursor:
        # two loaders at once would both see a file as new and load it twice
        cursor.execute(*lock)
        for table, columns in tables.items():
            target = sql.Identifier(schema, table)
            if reload:
                cursor.execute(sql.SQL("truncate {}").format(target))
            already = _loaded_files(cursor, schema, table)
            summary = summaries[table]
            column_list = sql.SQL(", ").join(
                sql.Identifier(c.name) for c in [*columns, Column("source_file", "", "")]
            )
            copy = sql.SQL("copy {} ({}) from stdin").format(target, column_list)
            todo = [p for p in files[table] if source_file_name(raw_data, p, root) not in already]
            summary.files_skipped = len(files[table]) - len(todo)
            for number, path in enumerate(todo, start=1):
                name = source_file_name(raw_data, path, root)
                result = read_file(path, name, table, columns)
                if len(result.errors) > max_errors:
                    over_limit.append((name, result.errors))
                    continue
                if result.rows:
                    cursor.copy_expert(copy.as_string(cursor), _copy_text(result.rows))
                if result.errors:
                    _record_errors(cursor, schema, table, result.errors)
                summary.files_loaded += 1
                summary.rows_loaded += len(result.rows)
                summary.errors.extend(result.errors)
                if number % 500 == 0 or number == len(todo):
                    progress(f"{table}: {number}/{len(todo)} new files read, {summary.rows_loaded} rows")
        if over_limit:
            connection.rollback()
            details = "\n".join(
                f"{name}: {len(errors)} rejected records (max_errors {max_errors})\n{describe_errors(errors)}"
                for name, errors in over_limit
            )
            raise TooManyLoadErrors(
                f"{len(over_limit)} file(s) had more rejected records than max_errors allows; "
                f"nothing was loaded:\n{details}"
            )
    return summaries


def connect(dsn: str | None):
    """A connection from the DSN, or from libpq's PGHOST/PGPORT/PGUSER/PGPASSWORD/PGDATABASE."""
    try:
        return psycopg2.connect(dsn or "")
    except psycopg2.OperationalError as error:
        raise RawDataError(f"cannot connect to PostgreSQL ({str(error).strip()})") from error
