"""Load the raw Sparkify files into PostgreSQL so that the warehouse sees what DuckDB's reader sees.

Every line of every file read becomes a row (sparkify_raw.log_data: one per line; .song_data: one
per file) with its line number, raw text, the parse of it (is_valid_json, non_scalar_fields,
has_duplicate_keys), why its bytes are not text where they are not (decoding_error), and the raw
keys as text, exactly as DuckDB's json_extract_string gives them (raw_records.py): nothing is
rejected here, validation in the warehouse quarantines what is not an event, with the same reason
as on DuckDB. Files below raw_data the project does not read are recorded in files_not_read, with
DuckDB's reasons, for the ops model raw_files_not_read.

Every row also records its file's size and modification time (file_size, file_modified_at): a file
already loaded is skipped only while both are unchanged; a file changed in place is reloaded, its
old rows deleted in the same transaction, and the base models then see the new size or time and
ingest it again. Rows travel through COPY FROM STDIN, PostgreSQL's bulk path.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg2
from psycopg2 import sql

from .raw_files import TABLE_UNITS, Column, RawDataError, RawListing, raw_files, table_columns
from .raw_records import RECORD_COLUMNS, read_raw_records

FILES_NOT_READ_TABLE = "files_not_read"
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
    files_not_read: int = 0  # below the table's folder, not read (listed in files_not_read)
    rows_loaded: int = 0
    rows_not_records: int = 0  # of rows_loaded: not text, or not a JSON object (to be quarantined)


def source_file_name(raw_data: str, path: Path, root: Path) -> str:
    """The file's name as DuckDB's reader reports it for the same raw_data, so both engines agree."""
    return f"{raw_data.rstrip('/')}/{path.relative_to(root).as_posix()}"


def file_version(path: Path) -> FileVersion:
    """Size and modification time, the latter to the microsecond Postgres keeps (integer maths, so
    the value read back compares equal)."""
    status = path.stat()
    return status.st_size, EPOCH + dt.timedelta(microseconds=status.st_mtime_ns // 1000)


def _copy_field(value: str | int | bool | None) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int):
        return str(value)
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _copy_text(rows: list[tuple[str | int | bool | None, ...]]) -> io.StringIO:
    return io.StringIO("".join("\t".join(_copy_field(v) for v in row) + "\n" for row in rows))


def _ensure_tables(cursor, schema: str, tables: dict[str, list[Column]]) -> None:
    cursor.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(schema)))
    for table, columns in tables.items():
        target = sql.Identifier(schema, table)
        cursor.execute(sql.SQL("create table if not exists {} (source_file text not null)").format(target))
        cursor.execute(
            "select column_name, data_type from information_schema.columns"
            " where table_schema = %s and table_name = %s",
            (schema, table),
        )
        existing = dict(cursor.fetchall())
        # the keys are text as the file wrote them: typing is staging's job, so that a value of the
        # wrong type is quarantined instead of refused. Tables of loaders before that had typed keys.
        for column in [
            *RECORD_COLUMNS,
            *(Column(c.name, "text", c.json_key) for c in columns),
            *FILE_COLUMNS[1:],
        ]:
            if column.name not in existing:
                cursor.execute(
                    sql.SQL("alter table {} add column {} {}").format(
                        target, sql.Identifier(column.name), sql.SQL(column.data_type)
                    )
                )
            elif column.data_type == "text" and existing[column.name] != "text":
                cursor.execute(
                    sql.SQL("alter table {} alter column {} type text").format(
                        target, sql.Identifier(column.name)
                    )
                )
    cursor.execute(
        sql.SQL(
            """
            create table if not exists {} (
                source_table text not null,
                source_file text not null,
                file_size bigint not null,
                reason text not null
            )
            """
        ).format(sql.Identifier(schema, FILES_NOT_READ_TABLE))
    )


def _loaded_files(cursor, schema: str, table: str) -> dict[str, FileVersion | None]:
    """The version of every file loaded; None for rows loaded before versions were recorded, or
    before every line was loaded with its line number (such files are loaded again, once)."""
    cursor.execute(
        sql.SQL(
            "select source_file, max(file_size), max(file_modified_at), bool_and(line_number is not null)"
            " from {} group by source_file"
        ).format(sql.Identifier(schema, table))
    )
    return {
        name: (size, modified_at) if size is not None and modified_at is not None and current else None
        for name, size, modified_at, current in cursor.fetchall()
    }


def _record_files_not_read(cursor, schema: str, raw_data: str, root: Path, listing: RawListing) -> None:
    """What this load saw and did not read: the ops model raw_files_not_read shows this table, as
    DuckDB's shows the files its build saw."""
    target = sql.Identifier(schema, FILES_NOT_READ_TABLE)
    cursor.execute(sql.SQL("truncate {}").format(target))
    cursor.executemany(
        sql.SQL(
            "insert into {} (source_table, source_file, file_size, reason) values (%s, %s, %s, %s)"
        ).format(target),
        [(f.table, source_file_name(raw_data, f.path, root), f.size, f.reason) for f in listing.not_read],
    )


def load_raw_data(
    connection,
    raw_data: str,
    project_dir: Path,
    schema: str = "sparkify_raw",
    reload: bool = False,
    prune: bool = False,
    progress: Callable[[str], None] = print,
) -> dict[str, TableSummary]:
    """Load every new or changed raw file below raw_data in one transaction: all of them or none.

    prune: also delete the rows of files loaded from this raw_data (their source_file starts with
    it) that are no longer there. Files loaded from another folder are never touched.
    """
    tables = table_columns(project_dir)
    root = Path(raw_data)
    listing = raw_files(root)
    summaries = {table: TableSummary() for table in TABLE_UNITS}
    for skipped in listing.not_read:
        summaries[skipped.table].files_not_read += 1
    lock = "select pg_advisory_xact_lock(hashtext(%s))", (f"sparkify load_raw_data {schema}",)
    # the tables exist (empty) even when the load below fails, so dbt always finds its sources
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
        _record_files_not_read(cursor, schema, raw_data, root, listing)
        for table, columns in tables.items():
            files = listing.files[table]
            target = sql.Identifier(schema, table)
            if reload:
                cursor.execute(sql.SQL("truncate {}").format(target))
            already = _loaded_files(cursor, schema, table)
            summary = summaries[table]
            column_list = sql.SQL(", ").join(
                sql.Identifier(c.name)
                for c in [FILE_COLUMNS[0], *RECORD_COLUMNS, *columns, *FILE_COLUMNS[1:]]
            )
            copy = sql.SQL("copy {} ({}) from stdin").format(target, column_list)
            delete = sql.SQL("delete from {} where source_file = %s").format(target)
            # a file whose rows predate recorded versions (None) counts as changed: reloaded once
            todo = [
                (path, name, version)
                for path in files
                for name, version in [(source_file_name(raw_data, path, root), file_version(path))]
                if already.get(name, ()) != version
            ]
            summary.files_skipped = len(files) - len(todo)
            if prune:
                present = {source_file_name(raw_data, path, root) for path in files}
                prefix = f"{raw_data.rstrip('/')}/"  # as source_file_name spells this folder
                for name in sorted(already):
                    if name.startswith(prefix) and name not in present:
                        cursor.execute(delete, (name,))
                        summary.files_pruned += 1
            for number, (path, name, version) in enumerate(todo, start=1):
                records = read_raw_records(path, table, columns)
                if name in already:
                    cursor.execute(delete, (name,))
                    summary.files_replaced += 1
                if records:
                    size, modified_at = version
                    stamped = [
                        (name, *record.row(), size, modified_at.isoformat(sep=" ")) for record in records
                    ]
                    cursor.copy_expert(copy.as_string(cursor), _copy_text(stamped))
                summary.files_loaded += 1
                summary.rows_loaded += len(records)
                # an empty file's one row (line 0) is no record to quarantine
                summary.rows_not_records += sum(
                    1
                    for r in records
                    if r.line_number > 0 and (r.decoding_error is not None or not r.is_valid_json)
                )
                if number % 500 == 0 or number == len(todo):
                    progress(
                        f"{table}: {number}/{len(todo)} new or changed files read, {summary.rows_loaded} rows"
                    )
    return summaries


def connect(dsn: str | None):
    """A connection from the DSN, or from libpq's PGHOST/PGPORT/PGUSER/PGPASSWORD/PGDATABASE."""
    try:
        return psycopg2.connect(dsn or "")
    except psycopg2.OperationalError as error:
        raise RawDataError(f"cannot connect to PostgreSQL ({str(error).strip()})") from error
