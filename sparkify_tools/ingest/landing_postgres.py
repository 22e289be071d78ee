"""The landing as tables in a PostgreSQL schema: the same tables and columns as the parquet landing,
written by COPY in one transaction per batch (a batch is all there, or not at all)."""

from __future__ import annotations

import io

import duckdb
import pyarrow as pa
import pyarrow.csv as pa_csv
from psycopg2 import sql

from sparkify_tools.ingest.landing_schema import SCHEMAS
from sparkify_tools.ingest.listing import RawDataError

PG_TYPES = {
    pa.string(): "text",
    pa.int64(): "bigint",
    pa.bool_(): "boolean",
    pa.timestamp("us"): "timestamp",
}
# PostgreSQL text cannot hold U+0000: it is shown as \x00, as undecodable bytes are shown
NUL_IN_VALUE = "a value holds \\u0000 (NUL), which PostgreSQL text cannot store"
# the text columns of a landing table that are not raw keys
NOT_KEYS = {
    "landing_batch_id",
    "source_file",
    "raw_text",
    "decoding_error",
    "non_scalar_fields",
    "non_finite_fields",
}


def _without_nul(rows: pa.Table) -> pa.Table:
    """NUL characters shown as \\x00; a record that had one in a raw key's value says so in
    decoding_error (and is quarantined), as its value is no longer what the file held."""
    texts = [f.name for f in rows.schema if f.type == pa.string()]
    keys = [name for name in texts if name not in NOT_KEYS]
    shown = [
        f'replace("{name}", chr(0), \'\\x00\') as "{name}"' for name in texts if name != "decoding_error"
    ]
    if "decoding_error" in texts:
        has_nul = " or ".join(f'coalesce(contains("{k}", chr(0)), false)' for k in keys) or "false"
        shown.append(
            f"case when {has_nul} then concat_ws('; ', decoding_error, '{NUL_IN_VALUE}')"
            " else decoding_error end as decoding_error"
        )
    with duckdb.connect() as con:
        con.register("landing_rows", rows)
        return con.execute(f"select * replace ({', '.join(shown)}) from landing_rows").to_arrow_table()


class PostgresLanding:
    def __init__(self, connection, schema: str = "sparkify_landing") -> None:
        self.connection = connection
        self.schema = schema
        self._cursor = None

    def describe(self) -> str:
        return f"PostgreSQL schema {self.schema}"

    def _ensure_tables(self, cursor) -> None:
        cursor.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(self.schema)))
        for table, schema in SCHEMAS.items():
            columns = sql.SQL(", ").join(
                sql.SQL("{} {}").format(sql.Identifier(f.name), sql.SQL(PG_TYPES[f.type])) for f in schema
            )
            cursor.execute(
                sql.SQL("create table if not exists {} ({})").format(
                    sql.Identifier(self.schema, table), columns
                )
            )

    def read_state(self) -> list[tuple]:
        with self.connection, self.connection.cursor() as cursor:
            cursor.execute(
                "select current_database(), pg_encoding_to_char(encoding) from pg_database"
                " where datname = current_database()"
            )
            database, encoding = cursor.fetchone()
            if encoding != "UTF8":
                raise RawDataError(
                    f"database {database} has encoding {encoding}; the raw names are Unicode and their "
                    f"repair needs UTF8 (createdb --encoding=UTF8 --template=template0 {database})"
                )
            self._ensure_tables(cursor)
            cursor.execute(
                sql.SQL(
                    """
                    select
                        source_table, source_file, status, file_size, modified_ns, change_signal,
                        content_hash
                    from (
                        select raw_files.*, row_number() over (
                            partition by source_table, source_file order by raw_files.landing_batch_id desc
                        ) as recency
                        from {raw_files} as raw_files
                        where landing_batch_id in (select landing_batch_id from {batches})
                    ) as versions
                    where recency = 1
                    """
                ).format(
                    raw_files=sql.Identifier(self.schema, "raw_files"),
                    batches=sql.Identifier(self.schema, "batches"),
                )
            )
            return cursor.fetchall()

    def latest_raw_data(self) -> str | None:
        """The raw_data the latest committed batch listed: the folder the warehouse holds."""
        with self.connection, self.connection.cursor() as cursor:
            self._ensure_tables(cursor)
            cursor.execute(
                sql.SQL("select raw_data from {} order by landing_batch_id desc limit 1").format(
                    sql.Identifier(self.schema, "batches")
                )
            )
            row = cursor.fetchone()
        return row[0] if row else None

    def write(self, table: str, rows: pa.Table) -> None:
        if self._cursor is None:
            self._cursor = self.connection.cursor()
            # two ingestions at once would both see a file as new and land it twice
            self._cursor.execute(
                "select pg_advisory_xact_lock(hashtext(%s))", (f"sparkify-ingest {self.schema}",)
            )
        schema = SCHEMAS[table]
        rows = _without_nul(rows.select(schema.names).cast(schema))
        buffer = io.BytesIO()
        pa_csv.write_csv(rows, buffer, pa_csv.WriteOptions(include_header=False, quoting_style="needed"))
        copy = sql.SQL("copy {} ({}) from stdin with (format csv)").format(
            sql.Identifier(self.schema, table), sql.SQL(", ").join(map(sql.Identifier, schema.names))
        )
        buffer.seek(0)
        self._cursor.copy_expert(copy.as_string(self._cursor), buffer)

    def commit(self, batch_id: str, batch_row: pa.Table) -> None:
        self.write("batches", batch_row)
        self.connection.commit()
        self._cursor.close()
        self._cursor = None

    def close(self) -> None:
        if self._cursor is not None:
            self.connection.rollback()
            self._cursor.close()
            self._cursor = None
