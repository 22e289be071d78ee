"""Deliver generated raw data into a landing folder piece by piece, as S3 would receive it."""

from __future__ import annotations

import shutil
from pathlib import Path


def log_files(raw: Path) -> list[Path]:
    """The day files of a raw folder, oldest first."""
    return sorted((raw / "log_data").glob("*/*/*.json"))


def deliver(source_file: Path, raw: Path, landing: Path, *, rename: str | None = None) -> Path:
    """Copy one raw file into the landing folder at the same relative place (or under a new name)."""
    relative = source_file.relative_to(raw)
    target = landing / relative
    if rename:
        target = target.with_name(rename)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source_file, target)
    return target


def deliver_songs(raw: Path, landing: Path) -> None:
    shutil.copytree(raw / "song_data", landing / "song_data", dirs_exist_ok=True)


def count_lines(path: Path) -> int:
    """Lines as a line reader sees them: a last line without a newline still counts."""
    data = path.read_bytes()
    if not data:
        return 0
    return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)


def empty_file_accounting(source_file: str) -> dict[str, object]:
    """The one accounting row of a log file emptied after it was loaded: read, nothing in it."""
    return {
        "source_file": source_file,
        "lines_read": 0,
        "song_plays": 0,
        "other_events": 0,
        "duplicates": 0,
        "quarantined": 0,
    }
