"""The raw scan floor: how long DuckDB needs just to read every raw file, typed as staging types it.

No build can be faster than reading its input once, so the floor is what the build's time is
measured against. Every column is aggregated (``count(column)``) so that DuckDB's JSON reader,
which skips keys a query does not need, still parses and casts every field; nothing is written.

    python -m sparkify_tools.benchmark.scan_floor RAW_DIR [--threads N]

prints one JSON line: rows read per source and the seconds the queries took inside DuckDB.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import duckdb

# The raw keys with the types stg_sparkify__log_events / stg_sparkify__song_records give them.
LOG_COLUMNS = {
    "artist": "VARCHAR",
    "auth": "VARCHAR",
    "firstName": "VARCHAR",
    "gender": "VARCHAR",
    "itemInSession": "BIGINT",
    "lastName": "VARCHAR",
    "length": "DOUBLE",
    "level": "VARCHAR",
    "location": "VARCHAR",
    "method": "VARCHAR",
    "page": "VARCHAR",
    "registration": "DOUBLE",
    "sessionId": "BIGINT",
    "song": "VARCHAR",
    "status": "BIGINT",
    "ts": "BIGINT",
    "userAgent": "VARCHAR",
    "userId": "VARCHAR",
}
SONG_COLUMNS = {
    "num_songs": "BIGINT",
    "artist_id": "VARCHAR",
    "artist_latitude": "DOUBLE",
    "artist_longitude": "DOUBLE",
    "artist_location": "VARCHAR",
    "artist_name": "VARCHAR",
    "song_id": "VARCHAR",
    "title": "VARCHAR",
    "duration": "DOUBLE",
    "year": "BIGINT",
}
LOG_GLOB = "log_data/*/*/*.json"
SONG_GLOB = "song_data/*/*/*/*.json"


def _quote(text: str) -> str:
    return text.replace("'", "''")


def scan_query(pattern: str, columns: dict[str, str]) -> str:
    """count(*) and count(column) of every column of the JSON files matching ``pattern``."""
    column_spec = ", ".join(f"'{name}': '{kind}'" for name, kind in columns.items())
    counts = ", ".join(f'count("{name}")' for name in columns)
    # ignore_errors: the raw data holds malformed lines and values of the wrong type on purpose;
    # the floor reads past them as the build does (which quarantines them).
    return (
        f"select count(*), {counts} from read_json('{_quote(pattern)}', "
        f"columns = {{{column_spec}}}, format = 'newline_delimited', ignore_errors = true)"
    )


def _connect_s3(connection: duckdb.DuckDBPyConnection) -> None:
    """httpfs from the wheel and an S3 secret from the variables the duckdb profile reads."""
    from sparkify_tools.s3.httpfs import load_httpfs

    load_httpfs(connection)
    settings = {
        "key_id": os.environ.get("AWS_ACCESS_KEY_ID", ""),
        "secret": os.environ.get("AWS_SECRET_ACCESS_KEY", ""),
        "session_token": os.environ.get("AWS_SESSION_TOKEN", ""),
        "region": os.environ.get("AWS_REGION", os.environ.get("AWS_DEFAULT_REGION", "us-east-1")),
        "endpoint": os.environ.get("SPARKIFY_S3_ENDPOINT", "s3.amazonaws.com"),
        "url_style": os.environ.get("SPARKIFY_S3_URL_STYLE", "vhost"),
    }
    options = ", ".join(f"{key} '{_quote(value)}'" for key, value in settings.items())
    use_ssl = os.environ.get("SPARKIFY_S3_USE_SSL", "true").lower() == "true"
    connection.execute(f"create secret (type s3, {options}, use_ssl {str(use_ssl).lower()})")


def scan_raw(raw_data: str, threads: int | None = None) -> dict[str, object]:
    """Read log_data and song_data once each; return rows read and seconds per source."""
    connection = duckdb.connect()
    if threads:
        connection.execute(f"set threads = {int(threads)}")
    if raw_data.startswith("s3://"):
        _connect_s3(connection)
    result: dict[str, object] = {}
    total = 0.0
    for name, glob, columns in (("log_data", LOG_GLOB, LOG_COLUMNS), ("song_data", SONG_GLOB, SONG_COLUMNS)):
        began = time.perf_counter()
        row = connection.execute(scan_query(f"{raw_data.rstrip('/')}/{glob}", columns)).fetchone()
        seconds = time.perf_counter() - began
        total += seconds
        result[name] = {"rows": row[0], "seconds": round(seconds, 4)}
    result["seconds"] = round(total, 4)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sparkify_tools.benchmark.scan_floor",
        description="Time DuckDB reading every raw file once, typed as staging types it.",
    )
    parser.add_argument("raw_data", help="folder (or URL) holding song_data/ and log_data/")
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads [all cores]")
    args = parser.parse_args(argv)
    if "://" not in args.raw_data:
        for part in ("song_data", "log_data"):
            if not (Path(args.raw_data) / part).is_dir():
                print(f"scan_floor: {Path(args.raw_data) / part} is not a folder", file=sys.stderr)
                return 2
    try:
        print(json.dumps(scan_raw(args.raw_data, args.threads)))
    except duckdb.Error as error:
        print(f"scan_floor: DuckDB could not read {args.raw_data}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
