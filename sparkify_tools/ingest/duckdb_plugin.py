"""dbt-duckdb plugin: the Python side of reading raw files DuckDB's native readers cannot take.

Enable it in the duckdb output of profiles.yml::

    plugins:
      - module: sparkify_tools.ingest.duckdb_plugin
        alias: sparkify_ingest

The reader macro (macros/ingestion/read_new_raw_files.sql) sends only the files that need it here
(not UTF-8, gzip, UTF-16, stray control characters, over-long lines): clean files stay on DuckDB's
vectorised read_csv, so the cost of Python is paid by the rare bad file, not by every line.
"""

from __future__ import annotations

from typing import Any

import duckdb
from dbt.adapters.duckdb.plugins import BasePlugin

from sparkify_tools.ingest.raw_lines import decode_raw_file, has_long_line, split_raw_log_file

SPLIT_FUNCTION = "sparkify_split_raw_file"
DECODE_FUNCTION = "sparkify_decode_raw_file"
LONG_LINE_FUNCTION = "sparkify_has_long_line"

LINE_TYPE = "STRUCT(line_number BIGINT, raw_text VARCHAR, decoding_error VARCHAR)"
FILE_TYPE = "STRUCT(raw_text VARCHAR, decoding_error VARCHAR)"


def split_for_duckdb(data: bytes) -> list[dict[str, Any]]:
    return [
        {"line_number": number, "raw_text": text, "decoding_error": problem}
        for number, text, problem in split_raw_log_file(data)
    ]


def decode_for_duckdb(data: bytes) -> dict[str, Any]:
    text, problem = decode_raw_file(data)
    return {"raw_text": text, "decoding_error": problem}


class Plugin(BasePlugin):
    def configure_connection(self, conn: duckdb.DuckDBPyConnection) -> None:
        conn.create_function(
            SPLIT_FUNCTION, split_for_duckdb, [duckdb.sqltype("BLOB")], duckdb.sqltype(f"{LINE_TYPE}[]")
        )
        conn.create_function(
            DECODE_FUNCTION, decode_for_duckdb, [duckdb.sqltype("BLOB")], duckdb.sqltype(FILE_TYPE)
        )
        conn.create_function(
            LONG_LINE_FUNCTION,
            has_long_line,
            [duckdb.sqltype("BLOB"), duckdb.sqltype("BIGINT")],
            duckdb.sqltype("BOOLEAN"),
        )
