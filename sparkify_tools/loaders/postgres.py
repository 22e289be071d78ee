"""Load the raw Sparkify files into PostgreSQL the way `load_raw_data` COPYs them into Redshift.

Same tables (sparkify_raw.log_data and .song_data: the source's columns plus source_file), same
mapping (JSONPaths for logs, 'auto' for songs), same MAXERROR rule (a file with more rejected
records than allowed is not loaded). Unlike COPY, every row also records its file's size and
modification time (file_size, file_modified_at): a file already loaded is skipped only while both are
unchanged; a file changed in place is reloaded, its old rows deleted in the same transaction, and the
base models then see the new size or time and ingest it again. Rows travel through COPY FROM STDIN,
PostgreSQL's bulk path.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2
from psycopg2 import sql

from .raw_files import TABLE_GLOBS, Column, LoadError, RawDataError, raw_files, read_file, table_columns

LOAD_ERRORS_TABLE = "load_errors"
SHOWN_ERRORS = 20  # per failed run: enough to see the pattern, short enough to read
# What the loader adds to the source's columns on every row: which file, and which version of it.
FILE_COLUMNS = [
    Column("source_file", "text", ""),
    Column("file_size", "bigint", ""),
    Column("file_modified_at", "timestamp", ""),
]
EPOCH = dt.datetime(1970, 1, 1)

# A file's version as the loader records it: size in bytes, modification time (naive UTC).
FileVersion = tuple[int, dt.datetime]


@dataclass
class TableSummary:
    files_loaded: int = 0
    files_replaced: int = 0  # of files_loaded: loaded before, changed since (old rows deleted)
    files_skipped: int = 0
    files_pruned: int = 0  # loaded from this raw_data before, gone from it now (rows deleted)
    rows_loaded: int = 0
    errors: list[LoadError] = field(default_factory=list)


class TooManyLoadErrors(Exception):
    """Some file had more rejected records than max_errors allows; nothing was loaded."""


def source_file_name(raw_data: str, path: Path, root: Path) -> str:
    """The file's name as DuckDB's reader reports it for the same raw_data, so both engines agree."""
    return f"{raw_data.rstrip('/')}/{path.relative_to(root).as_posix()}"


def file_version(path: Path) -> FileVersion:
    """Size and modification time, the latter to the microsecond Postgres keeps (integer maths, so
    the value read back compares equal)."""
    status = path.stat()
    return status.st_size, EPOCH + dt.timedelta(microseconds=status.st_mtime_ns // 1000)


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
        # columns a newer source declaration (or loader) added since the table was created
        for column in [*columns, *FILE_COLUMNS[1:]]:
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


def _loaded_files(cursor, schema: str, table: str) -> dict[str, FileVersion | None]:
    """The version of every file loaded; None for rows loaded before versions were recorded."""
    cursor.execute(
        sql.SQL(
            "select source_file, max(file_size), max(file_modified_at) from {} group by source_file"
        ).format(sql.Identifier(schema, table))
    )
    return {
        name: (size, modified_at) if size is not None and modified_at is not None else None
        for name, size, modified_at in cursor.fetchall()
    }


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
    prune: bool = False,
    progress: Callable[[str], None] = print,
) -> dict[str, TableSummary]:
    """Load every new or changed raw file below raw_data in one transaction: all of them or none.

    prune: also delete the rows of files loaded from this raw_data (their source_file starts with
    it) that are no longer there. Files loaded from another folder are never touched.
    """
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
            column_list = sql.SQL(", ").join(sql.Identifier(c.name) for c in [*columns, *FILE_COLUMNS])
            copy = sql.SQL("copy {} ({}) from stdin").format(target, column_list)
            delete = sql.SQL("delete from {} where source_file = %s").format(target)
            # a file whose rows predate recorded versions (None) counts as changed: reloaded once
            todo = [
                (path, name, version)
                for path in files[table]
                for name, version in [(source_file_name(raw_data, path, root), file_version(path))]
                if already.get(name, ()) != version
            ]
            summary.files_skipped = len(files[table]) - len(todo)
            if prune:
                present = {source_file_name(raw_data, path, root) for path in files[table]}
                prefix = f"{raw_data.rstrip('/')}/"  # as source_file_name spells this folder
                for name in sorted(already):
                    if name.startswith(prefix) and name not in present:
                        cursor.execute(delete, (name,))
                        summary.files_pruned += 1
            for number, (path, name, version) in enumerate(todo, start=1):
                result = read_file(path, name, table, columns)
                if len(result.errors) > max_errors:
                    over_limit.append((name, result.errors))
                    continue
                if name in already:
                    cursor.execute(delete, (name,))
                    summary.files_replaced += 1
                if result.rows:
                    size, modified_at = version
                    stamped = [(*row, str(size), modified_at.isoformat(sep=" ")) for row in result.rows]
                    cursor.copy_expert(copy.as_string(cursor), _copy_text(stamped))
                if result.errors:
                    _record_errors(cursor, schema, table, result.errors)
                summary.files_loaded += 1
                summary.rows_loaded += len(result.rows)
                summary.errors.extend(result.errors)
                if number % 500 == 0 or number == len(todo):
                    progress(
                        f"{table}: {number}/{len(todo)} new or changed files read, {summary.rows_loaded} rows"
                    )
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
