"""One ingestion batch: list raw_data, read the files that are new or changed, decode, split and
judge their records, and land them with what was found gone or not read. Never stopped by what a
file holds: a file that cannot be read is listed with the reason, and every other file loads."""

from __future__ import annotations

import datetime as dt
import hashlib
import posixpath
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from sparkify_tools.ingest.file_names import SOURCE_UNITS
from sparkify_tools.ingest.judge import judge_records
from sparkify_tools.ingest.landing_schema import RECORD_TABLES, REPAIRED_KEYS, SCHEMAS
from sparkify_tools.ingest.listing import ListedFile, RawDataError, is_s3, list_raw_data, split_s3_url
from sparkify_tools.ingest.raw_lines import decode_raw_file, split_raw_log_file, within_text_limit
from sparkify_tools.ingest.text_repair import repair_columns

# raw bytes judged at once: bounds memory whatever the size of the batch
CHUNK_BYTES = 64 << 20
PROGRESS_SECONDS = 2.0
# what a batch does when raw_data is not the folder the landing's latest batch listed: stop, add the
# new folder's files, or replace the earlier folder's files with them
MODES = ("same", "add", "replace")
# a file's latest word that takes it out of the warehouse: gone from raw_data, or left behind when
# raw_data was replaced by another folder (not a loss: raw_files_gone does not report it)
RETIRED = ("gone", "replaced")
RECORD_COLUMNS = ["source_file", "file_size", "file_modified_at", "line_number", "raw_text", "decoding_error"]


@dataclass
class BatchSummary:
    batch_id: str
    files_listed: int = 0
    files_ingested: int = 0
    bytes_ingested: int = 0
    records_ingested: int = 0
    files_gone: int = 0
    files_not_read: int = 0
    seconds: float = 0.0

    def describe(self) -> str:
        return (
            f"batch {self.batch_id}: {self.files_listed} files listed, {self.files_ingested} new or changed "
            f"read ({self.bytes_ingested / 1e6:.1f} MB, {self.records_ingested} records), "
            f"{self.files_gone} gone, {self.files_not_read} not read, {self.seconds:.1f} s"
        )


@dataclass(frozen=True)
class KnownFile:
    status: str  # ingested | gone | replaced | unchanged (ingested before, its change signal moved)
    size: int
    modified_ns: int
    change_signal: str
    content_hash: str


@dataclass
class Plan:
    read: list[tuple[ListedFile, KnownFile | None]] = field(default_factory=list)
    gone: list[tuple[str, str]] = field(default_factory=list)


def normalised_raw_data(raw_data: str) -> str:
    """One spelling per location: a/./b and a/b/ are a/b (the scheme of an s3:// URL kept)."""
    scheme, separator, path = raw_data.partition("://")
    if not separator:
        return posixpath.normpath(raw_data) if raw_data else raw_data
    return f"{scheme}://{posixpath.normpath(path) if path.strip('/') else path.strip('/')}"


def switch_message(raw_data: str, held: str) -> str:
    return (
        f"raw_data is '{raw_data}' but the warehouse holds '{held}' (the landing's latest batch); "
        "nothing was changed. To replace it: dbt build --full-refresh (sparkify-ingest --replace, then "
        "dbt build --full-refresh). To add the new folder's files to it: dbt build --vars "
        "'{add_raw_data: true}' (sparkify-ingest --add). Or set raw_data back in vars.yml."
    )


def new_batch_id(now: dt.datetime) -> str:
    """Sortable by time, unique across machines."""
    return f"{now:%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex[:8]}"


def plan_batch(files: list[ListedFile], known: dict[tuple[str, str], KnownFile]) -> Plan:
    """Which files to read (new, changed, or maybe changed: the caller compares the content hash)
    and which files ingested before are gone."""
    plan = Plan()
    present = set()
    for listed in files:
        if not listed.read:
            continue
        key = (listed.source_table, listed.source_file)
        present.add(key)
        before = known.get(key)
        changed = before is None or (before.size, before.modified_ns) != (listed.size, listed.modified_ns)
        if changed or before.status in RETIRED:
            plan.read.append((listed, None))
        elif before.change_signal != listed.change_signal:
            plan.read.append((listed, before))
    plan.gone = sorted(key for key, k in known.items() if k.status not in RETIRED and key not in present)
    return plan


def records_of(listed: ListedFile, data: bytes) -> list[tuple[int, str | None, str | None]]:
    if SOURCE_UNITS[listed.source_table] == "line":
        return [
            (number, *within_text_limit(text, problem)) for number, text, problem in split_raw_log_file(data)
        ]
    return [(1, *within_text_limit(*decode_raw_file(data)))]


class Ingestion:
    def __init__(
        self,
        raw_data: str,
        landing,
        progress: Callable[[str], None] = print,
        s3_client_factory: Callable[[], object] | None = None,
        mode: str = "same",
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        self.raw_data = normalised_raw_data(raw_data)
        self.mode = mode
        self.landing = landing
        self.progress = progress
        self._s3 = s3_client_factory() if is_s3(raw_data) and s3_client_factory else None
        self.now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        self.batch_id = new_batch_id(self.now)
        self.summary = BatchSummary(self.batch_id)
        self._raw_files: list[dict] = []
        self._not_read: list[dict] = []

    def _read_bytes(self, listed: ListedFile) -> bytes:
        if self._s3 is not None:
            bucket, _ = split_s3_url(self.raw_data)
            return self._s3.get_object(Bucket=bucket, Key=listed.location)["Body"].read()
        return Path(listed.location).read_bytes()

    def _fetched(self, files: list[tuple[ListedFile, KnownFile | None]]) -> Iterator[tuple]:
        def fetch(item):
            listed, _ = item
            try:
                return item, self._read_bytes(listed), None
            except Exception as error:  # gone since listed, no permission, a broken link, S3 errors
                return item, None, f"could not be read: {error}"

        if self._s3 is None:
            yield from map(fetch, files)
        else:
            with ThreadPoolExecutor(max_workers=16) as pool:
                yield from pool.map(fetch, files)

    def _switched_from(self) -> str | None:
        """The folder the warehouse holds when this batch lists another one (None: the same, or a
        new landing); stops in mode 'same', before anything is listed or written."""
        held = self.landing.latest_raw_data()
        if held is None or normalised_raw_data(held) == self.raw_data:
            return None
        if self.mode == "same":
            raise RawDataError(switch_message(self.raw_data, normalised_raw_data(held)))
        return held

    def run(self) -> BatchSummary:
        started = time.monotonic()
        switched_from = self._switched_from()
        listing = list_raw_data(self.raw_data, self._s3)
        known = {(row[0], row[1]): KnownFile(*row[2:]) for row in self.landing.read_state()}
        plan = plan_batch(listing.files, known)
        # replacing the folder: what only the earlier one held leaves without being a loss
        lost_status = "replaced" if switched_from is not None and self.mode == "replace" else "gone"
        self.summary.files_listed = len(listing.files)
        for listed in listing.files:
            if listed.not_read is not None:
                self._not_read_row(listed.source_table, listed.source_file, listed.size, listed.not_read)
        for path, problem in listing.problems:
            self._not_read_row(path.split("/", 1)[0], path, None, problem)
        with duckdb.connect() as con:
            for table in SOURCE_UNITS:
                todo = [item for item in plan.read if item[0].source_table == table]
                self._land_table(con, table, todo)
        for table, source_file in plan.gone:
            self._raw_file_row(table, source_file, None, lost_status, None, None)
            self.summary.files_gone += 1
        self.summary.files_not_read = len(self._not_read)
        self.summary.seconds = time.monotonic() - started
        for table, rows in (("raw_files", self._raw_files), ("files_not_read", self._not_read)):
            if rows:
                self.landing.write(table, pa.Table.from_pylist(rows, SCHEMAS[table]))
        self.landing.commit(self.batch_id, self._batch_row())
        return self.summary

    def _land_table(self, con, table: str, todo: list[tuple[ListedFile, KnownFile | None]]) -> None:
        landing_table, keys = RECORD_TABLES[table]
        columns: dict[str, list] = {name: [] for name in RECORD_COLUMNS}
        pending = 0
        done = 0
        last_report = time.monotonic()
        for (listed, maybe), data, problem in self._fetched(todo):
            done += 1
            if data is None:
                self._not_read_row(table, listed.source_file, listed.size, problem)
                continue
            # S3's ETag is its own content signal; local bytes are hashed while in memory anyway
            digest = listed.change_signal if self._s3 is not None else hashlib.sha256(data).hexdigest()
            if maybe is not None and digest == maybe.content_hash:
                self._raw_file_row(table, listed.source_file, listed, "unchanged", digest, None)
                continue
            records = records_of(listed, data)
            for number, text, decoding_problem in records:
                columns["source_file"].append(listed.source_file)
                columns["file_size"].append(listed.size)
                columns["file_modified_at"].append(listed.modified_at)
                columns["line_number"].append(number)
                columns["raw_text"].append(text)
                columns["decoding_error"].append(decoding_problem)
            self._raw_file_row(table, listed.source_file, listed, "ingested", digest, len(records))
            self.summary.files_ingested += 1
            self.summary.bytes_ingested += len(data)
            self.summary.records_ingested += len(records)
            pending += len(data)
            if pending >= CHUNK_BYTES:
                self._flush(con, landing_table, keys, columns)
                pending = 0
            if time.monotonic() - last_report > PROGRESS_SECONDS or done == len(todo):
                last_report = time.monotonic()
                self.progress(
                    f"sparkify-ingest: {table}: {done}/{len(todo)} new or changed files, "
                    f"{self.summary.bytes_ingested / 1e6:.1f} MB read so far"
                )
        self._flush(con, landing_table, keys, columns)

    def _flush(self, con, landing_table: str, keys: list[str], columns: dict[str, list]) -> None:
        if not columns["source_file"]:
            return
        records = pa.table(
            {
                "source_file": pa.array(columns["source_file"], pa.string()),
                "file_size": pa.array(columns["file_size"], pa.int64()),
                "file_modified_at": pa.array(columns["file_modified_at"], pa.timestamp("us")),
                "line_number": pa.array(columns["line_number"], pa.int64()),
                "raw_text": pa.array(columns["raw_text"], pa.string()),
                "decoding_error": pa.array(columns["decoding_error"], pa.string()),
            }
        )
        for values in columns.values():
            values.clear()
        judged = judge_records(con, records, keys, (self.batch_id, self.now))
        self.landing.write(landing_table, repair_columns(judged, REPAIRED_KEYS[landing_table]))

    def _raw_file_row(self, table, source_file, listed, status, digest, records) -> None:
        self._raw_files.append(
            {
                "landing_batch_id": self.batch_id,
                "landed_at": self.now,
                "source_table": table,
                "source_file": source_file,
                "file_size": listed.size if listed else None,
                "file_modified_at": listed.modified_at if listed else None,
                "modified_ns": listed.modified_ns if listed else None,
                "change_signal": listed.change_signal if listed else None,
                "content_hash": digest,
                "status": status,
                "records": records,
            }
        )

    def _not_read_row(self, table: str, source_file: str, size: int | None, reason: str) -> None:
        self._not_read.append(
            {
                "landing_batch_id": self.batch_id,
                "landed_at": self.now,
                "source_table": table,
                "source_file": source_file,
                "file_size": size,
                "reason": reason,
            }
        )

    def _batch_row(self) -> pa.Table:
        s = self.summary
        return pa.Table.from_pylist(
            [
                {
                    "landing_batch_id": self.batch_id,
                    "landed_at": self.now,
                    "raw_data": self.raw_data,
                    "finished_at": dt.datetime.now(dt.UTC).replace(tzinfo=None),
                    "files_listed": s.files_listed,
                    "files_ingested": s.files_ingested,
                    "bytes_ingested": s.bytes_ingested,
                    "records_ingested": s.records_ingested,
                    "files_gone": s.files_gone,
                    "files_not_read": s.files_not_read,
                }
            ],
            SCHEMAS["batches"],
        )
