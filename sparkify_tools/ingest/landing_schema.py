"""The landing tables every engine's dbt sources read: their names and columns, in one place.

- log_lines:  one row per line of every log file ingested (an empty log file: one row, line 0)
- song_files: one row per song file ingested (its one JSON object)
- raw_files:  per batch, each file ingested (status 'ingested') or found gone (status 'gone')
- files_not_read: per batch, every file below raw_data the project does not read, and why
- batches:    one row per batch, written last: a batch without it never happened
"""

from __future__ import annotations

import pyarrow as pa

LOG_KEYS = [
    "artist", "auth", "firstName", "gender", "itemInSession", "lastName", "length", "level",
    "location", "method", "page", "registration", "sessionId", "song", "status", "ts",
    "userAgent", "userId",
]  # fmt: skip
SONG_KEYS = [
    "num_songs", "artist_id", "artist_latitude", "artist_longitude", "artist_location",
    "artist_name", "song_id", "title", "duration", "year",
]  # fmt: skip
# landing table of each raw source, and the keys of one of its records
RECORD_TABLES = {"log_data": ("log_lines", LOG_KEYS), "song_data": ("song_files", SONG_KEYS)}
# the names the real data holds UTF-8 encoded twice, landed decoded (text_repair.py)
REPAIRED_KEYS = {"log_lines": ["song", "artist"], "song_files": ["title", "artist_name"]}

BATCH_COLUMNS = [("landing_batch_id", pa.string()), ("landed_at", pa.timestamp("us"))]
FILE_COLUMNS = [
    ("source_file", pa.string()),
    ("file_size", pa.int64()),
    ("file_modified_at", pa.timestamp("us")),
]
# what the ingester says of each record; the keys' values follow, as text, named in lower case
RECORD_CHECKS = [
    ("line_number", pa.int64()),
    ("raw_text", pa.string()),
    ("decoding_error", pa.string()),
    ("is_valid_json", pa.bool_()),
    ("non_scalar_fields", pa.string()),
    ("has_duplicate_keys", pa.bool_()),
    ("non_finite_fields", pa.string()),
]


def record_schema(keys: list[str]) -> pa.Schema:
    return pa.schema(
        [*BATCH_COLUMNS, *FILE_COLUMNS, *RECORD_CHECKS, *((key.lower(), pa.string()) for key in keys)]
    )


SCHEMAS: dict[str, pa.Schema] = {
    "log_lines": record_schema(LOG_KEYS),
    "song_files": record_schema(SONG_KEYS),
    "raw_files": pa.schema(
        [
            *BATCH_COLUMNS,
            ("source_table", pa.string()),
            *FILE_COLUMNS,
            ("modified_ns", pa.int64()),
            ("change_signal", pa.string()),
            ("content_hash", pa.string()),
            ("status", pa.string()),
            ("records", pa.int64()),
        ]
    ),
    "files_not_read": pa.schema(
        [
            *BATCH_COLUMNS,
            ("source_table", pa.string()),
            ("source_file", pa.string()),
            ("file_size", pa.int64()),
            ("reason", pa.string()),
        ]
    ),
    "batches": pa.schema(
        [
            *BATCH_COLUMNS,
            ("raw_data", pa.string()),
            ("finished_at", pa.timestamp("us")),
            ("files_listed", pa.int64()),
            ("files_ingested", pa.int64()),
            ("bytes_ingested", pa.int64()),
            ("records_ingested", pa.int64()),
            ("files_gone", pa.int64()),
            ("files_not_read", pa.int64()),
        ]
    ),
}
