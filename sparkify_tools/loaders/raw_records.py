"""The raw records of one file, every line of it, with the columns DuckDB's reader gives the same bytes.

A loader of another engine writes these rows, so that the base models there see what DuckDB's base
models see: the same line numbers (lines split as sparkify_tools/ingest/raw_lines.py splits them,
gzip recognised by its bytes, UTF-16 by its byte-order mark), the same decoding_error for bytes that
are not text, and the same parse of each line (sparkify_tools/ingest/json_fields.py). Nothing here
rejects a record: validation in the warehouse quarantines what is not an event, with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sparkify_tools.ingest.json_fields import judge_record
from sparkify_tools.ingest.raw_lines import decode_raw_file, split_raw_log_file

from .raw_files import TABLE_UNITS, Column

NUL = "\x00"
# PostgreSQL text cannot hold U+0000: raw text shows it escaped, as undecodable bytes are shown
NUL_SHOWN = "\\x00"
NUL_IN_VALUE = "a value holds \\u0000 (NUL), which PostgreSQL text cannot store"

# The record columns every raw table has before the keys' own, in load order, with their types.
RECORD_COLUMNS = [
    Column("line_number", "bigint", ""),
    Column("raw_text", "text", ""),
    Column("is_valid_json", "boolean", ""),
    Column("decoding_error", "text", ""),
    Column("non_scalar_fields", "text", ""),
    Column("has_duplicate_keys", "boolean", ""),
]


@dataclass(frozen=True)
class RawRecord:
    line_number: int
    raw_text: str | None
    is_valid_json: bool
    decoding_error: str | None
    non_scalar_fields: str | None
    has_duplicate_keys: bool
    values: list[str | None]  # the keys' text, in the order of the columns asked for

    def row(self) -> tuple[str | int | bool | None, ...]:
        return (
            self.line_number,
            self.raw_text,
            self.is_valid_json,
            self.decoding_error,
            self.non_scalar_fields,
            self.has_duplicate_keys,
            *self.values,
        )


def file_texts(data: bytes, unit: str) -> list[tuple[int, str | None, str | None]]:
    """(line number, text, decoding problem) of each record of a file, as DuckDB's reader gets them."""
    if unit == "line":
        return split_raw_log_file(data)
    # A song file is one record. DuckDB takes bytes that are UTF-8 as they are (a UTF-8 byte-order
    # mark included, which then makes the JSON malformed) and only the rest through Python.
    try:
        return [(1, data.decode("utf-8"), None)]
    except UnicodeDecodeError:
        text, problem = decode_raw_file(data)
        return [(1, text, problem)]


def _without_nul(text: str | None) -> str | None:
    return text.replace(NUL, NUL_SHOWN) if text is not None and NUL in text else text


def read_raw_records(path: Path, table: str, columns: list[Column]) -> list[RawRecord]:
    """Every record of one raw file of ``table``; never raises on the file's content."""
    keys = [column.json_key for column in columns]
    records = []
    for number, text, problem in file_texts(path.read_bytes(), TABLE_UNITS[table]):
        judged = judge_record(text, keys)
        values = [judged.values[key] for key in keys]
        if any(value is not None and NUL in value for value in values):
            problem = "; ".join(p for p in (problem, NUL_IN_VALUE) if p)
            values = [_without_nul(value) for value in values]
        records.append(
            RawRecord(
                line_number=number,
                raw_text=_without_nul(text),
                is_valid_json=judged.is_valid_json,
                decoding_error=problem,
                non_scalar_fields=judged.non_scalar_fields,
                has_duplicate_keys=judged.has_duplicate_keys,
                values=values,
            )
        )
    return records
