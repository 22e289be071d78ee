"""The files below raw_data (a local folder or an s3:// prefix), at any depth, with what changes
when a file changes: size, modification time and, where the store has them, a finer signal."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sparkify_tools.ingest.file_names import SOURCE_UNITS, name_not_read_reason, not_read_reason, shown_name
from sparkify_tools.s3.probe import describe_read_error

EPOCH = dt.datetime(1970, 1, 1)


class RawDataError(Exception):
    """raw_data cannot be listed; the message names the location and what to do."""


@dataclass(frozen=True)
class ListedFile:
    source_table: str  # log_data | song_data
    source_file: str  # path below raw_data, from the source folder on: log_data/2018/11/x.json
    size: int
    modified_ns: int  # modification time, nanoseconds since the epoch (S3: whole seconds)
    # local: the inode change time, which no copy tool sets back; S3: the ETag. A file whose size and
    # modification time are unchanged but whose change_signal moved is hashed to see if it changed.
    change_signal: str
    location: str  # what opens it: a local path, or an S3 key
    read: bool  # the name rule lets it through (an empty log file too: it is read as empty)
    not_read: str | None  # why it is listed as not read (an empty log file: read and listed)

    @property
    def modified_at(self) -> dt.datetime:
        return EPOCH + dt.timedelta(microseconds=self.modified_ns // 1000)


@dataclass
class RawListing:
    files: list[ListedFile]
    # folders below raw_data that could not be entered, and why (a link loop, no permission)
    problems: list[tuple[str, str]]


def is_s3(raw_data: str) -> bool:
    return raw_data.startswith("s3://")


def split_s3_url(url: str) -> tuple[str, str]:
    bucket, _, prefix = url.removeprefix("s3://").partition("/")
    return bucket, prefix.strip("/")


def list_raw_data(raw_data: str, s3_client=None) -> RawListing:
    """Every file below raw_data's song_data/ and log_data/, each with its reason if not read."""
    if is_s3(raw_data):
        return _list_s3(raw_data, s3_client)
    root = Path(raw_data)
    if not root.is_dir():
        raise RawDataError(f"raw data folder {raw_data} does not exist or is not a folder")
    listing = RawListing([], [])
    for table in SOURCE_UNITS:
        folder = root / table
        if folder.is_dir():
            listing.files.extend(_walk_local(folder, table, listing.problems))
    _require_files(raw_data, listing)
    return listing


def _require_files(raw_data: str, listing: RawListing) -> None:
    if not any(f.read for f in listing.files):
        raise RawDataError(
            f"no raw files under {raw_data}: expected *.json or *.json.gz files below "
            "song_data/ and log_data/ (var raw_data, or sparkify-ingest --raw-data)"
        )


def _walk_local(folder: Path, table: str, problems: list[tuple[str, str]]) -> Iterator[ListedFile]:
    """Depth-first below folder, following links to folders once each (a loop is reported, not
    followed); names as bytes, so a name that is not UTF-8 is listed rather than lost."""
    seen: set[tuple[int, int]] = set()
    stack: list[tuple[bytes, str]] = [(os.fsencode(folder), table)]
    while stack:
        path, shown = stack.pop()
        try:
            status = os.stat(path)
            if (status.st_dev, status.st_ino) in seen:
                problems.append((shown, "folder seen before (a link loop): not entered twice"))
                continue
            seen.add((status.st_dev, status.st_ino))
            entries = sorted(os.scandir(path), key=lambda e: e.name)
        except OSError as error:
            problems.append((shown, f"cannot be listed: {error.strerror}"))
            continue
        for entry in entries:
            name, name_is_utf8 = shown_name(entry.name)
            child = f"{shown}/{name}"
            try:
                if entry.is_dir(follow_symlinks=True):
                    stack.append((entry.path, child))
                    continue
                status = entry.stat(follow_symlinks=True)
            except OSError as error:
                problems.append((child, f"cannot be read: {error.strerror}"))
                continue
            yield ListedFile(
                source_table=table,
                source_file=child,
                size=status.st_size,
                modified_ns=status.st_mtime_ns,
                change_signal=str(status.st_ctime_ns),
                location=os.fsdecode(entry.path),
                read=name_not_read_reason(name, name_is_utf8) is None,
                not_read=not_read_reason(name, status.st_size, SOURCE_UNITS[table], name_is_utf8),
            )


def _list_s3(raw_data: str, client) -> RawListing:
    bucket, prefix = split_s3_url(raw_data)
    listing = RawListing([], [])
    base = f"{prefix}/" if prefix else ""
    try:
        for table in SOURCE_UNITS:
            paginator = client.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=bucket, Prefix=f"{base}{table}/"):
                for item in page.get("Contents", []):
                    key = item["Key"]
                    if key.endswith("/"):
                        continue
                    below = key[len(base) :]
                    name = below.rsplit("/", 1)[-1]
                    modified = item["LastModified"].astimezone(dt.UTC).replace(tzinfo=None)
                    listing.files.append(
                        ListedFile(
                            source_table=table,
                            source_file=below,
                            size=item["Size"],
                            modified_ns=int((modified - EPOCH).total_seconds()) * 10**9,
                            change_signal=item.get("ETag", "").strip('"'),
                            location=key,
                            read=name_not_read_reason(name) is None,
                            not_read=not_read_reason(name, item["Size"], SOURCE_UNITS[table]),
                        )
                    )
    except Exception as error:  # botocore's errors: no such bucket, access denied, endpoint down
        raise RawDataError(describe_read_error(f"{raw_data.rstrip('/')}/", error)) from None
    listing.files.sort(key=lambda f: f.source_file)
    _require_files(raw_data, listing)
    return listing
