"""Byte-level encoding of the raw files, matching the real data's conventions.

Real log lines are compact JSON with ASCII-only ``\\uXXXX`` escapes and ``/`` escaped as ``\\/``.
Real song files come in two styles: the sample's (``json.dumps`` defaults, num_songs first) and the
full set's (sorted keys, compact, ``\\/``). No real file ends with a newline.
"""

from __future__ import annotations

import json
from pathlib import Path

from .song_catalog import SongRecord

LOG_KEYS: tuple[str, ...] = (
    "artist", "auth", "firstName", "gender", "itemInSession", "lastName", "length", "level", "location",
    "method", "page", "registration", "sessionId", "song", "status", "ts", "userAgent", "userId",
)  # fmt: skip


def json_text(value: str | int | float | None) -> str:
    """One JSON value as the real log writes it."""
    return json.dumps(value).replace("/", "\\/")


def song_file_text(song: SongRecord, style: str) -> str:
    record = {
        "num_songs": 1,
        "artist_id": song.artist_id,
        "artist_latitude": song.artist_latitude,
        "artist_longitude": song.artist_longitude,
        "artist_location": song.artist_location,
        "artist_name": song.artist_name,
        "song_id": song.song_id,
        "title": song.title,
        "duration": song.duration,
        "year": song.year,
    }
    if style == "full":
        return json.dumps(record, sort_keys=True, separators=(",", ":")).replace("/", "\\/")
    return json.dumps(record)


def log_json_path_text() -> str:
    """The Redshift COPY jsonpaths file that ships with the real sample, byte for byte."""
    return json.dumps({"jsonpaths": [f"$['{key}']" for key in LOG_KEYS]}, indent=4)


def write_text(path: Path, text: str) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("ascii")  # real files are pure ASCII; fail loudly if an escape was missed
    path.write_bytes(data)
    return len(data)


def write_lines(path: Path, lines: list[str], chunk: int = 20_000) -> int:
    """Newline-separated, no newline after the last line; written in chunks to keep one copy in memory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with path.open("wb") as handle:
        for start in range(0, len(lines), chunk):
            text = "\n".join(lines[start : start + chunk])
            data = (text if start == 0 else "\n" + text).encode("ascii")
            handle.write(data)
            written += len(data)
    return written


def log_relative_path(day_iso: str) -> str:
    year, month, _ = day_iso.split("-")
    return f"log_data/{year}/{month}/{day_iso}-events.json"
