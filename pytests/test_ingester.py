"""The ingester on bytes, without dbt: what each hostile file lands as, and how batches follow
changes to raw_data (new, changed in place, touched, gone, renamed strangely, cut short)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pytests.conftest import generate_raw
from pytests.hostile_cases import CASE_NAMES, Case, cases, deliver
from sparkify_tools.ingest.ingest_batch import BatchSummary, Ingestion
from sparkify_tools.ingest.landing_parquet import ParquetLanding
from sparkify_tools.ingest.listing import RawDataError
from sparkify_tools.ingest.text_repair import repair_columns, repair_double_utf8

TINY = {"days": 2, "events_per_day": 60, "songs": 20, "users": 10}


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_raw(tmp_path_factory.mktemp("ingest") / "raw", **TINY)


@pytest.fixture(scope="module")
def hostile(sample: Path) -> dict[str, Case]:
    return cases(sample)


def ingest(
    raw: Path | str, landing: Path, messages: list[str] | None = None, mode: str = "same"
) -> BatchSummary:
    store = ParquetLanding(str(landing))
    try:
        return Ingestion(str(raw), store, (messages if messages is not None else []).append, mode=mode).run()
    finally:
        store.close()


def landed(landing: Path, table: str, where: str = "true") -> list[dict[str, Any]]:
    """The rows of one landing table in committed batches, oldest batch first."""
    with duckdb.connect() as con:
        result = con.sql(
            f"select * from read_parquet('{landing}/{table}/*.parquet', union_by_name = true) "
            f"where landing_batch_id in (select landing_batch_id from '{landing}/batches/*.parquet') "
            f"and {where} order by all"
        )
        return [dict(zip(result.columns, row, strict=True)) for row in result.fetchall()]


def one_good_day(sample: Path, raw: Path) -> None:
    day = sorted(sample.glob("log_data/*/*/*.json"))[0]
    (raw / day.relative_to(sample)).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(day, raw / day.relative_to(sample))


# What the landing says of a record that the warehouse quarantines for the reason given: the
# ingester's checks a validation rule reads (the rules themselves are dbt's, unit-tested there).
LANDING_SIGN = {
    "not readable as text: ": lambda row, rest: (row["decoding_error"] or "").startswith(rest),
    "malformed JSON": lambda row, rest: not row["is_valid_json"] and (row["raw_text"] or "").strip(),
    "empty line": lambda row, rest: not row["is_valid_json"] and not (row["raw_text"] or "").strip(),
    "a number beyond the range of a double: ": lambda row, rest: row["non_finite_fields"] == rest,
}


def sign_of(reason: str) -> tuple[Any, str]:
    for prefix, check in LANDING_SIGN.items():
        if reason.startswith(prefix):
            return check, reason.removeprefix(prefix)
    return (lambda row, rest: row["is_valid_json"]), ""


@pytest.mark.parametrize("name", CASE_NAMES)
def test_hostile_file_lands_with_what_the_warehouse_needs(
    name: str, sample: Path, hostile: dict[str, Case], tmp_path: Path
) -> None:
    case = hostile[name]
    raw = tmp_path / "raw"
    one_good_day(sample, raw)
    deliver(raw, case)
    summary = ingest(raw, tmp_path / "landing")

    not_read = {r["source_file"]: r["reason"] for r in landed(tmp_path / "landing", "files_not_read")}
    if case.not_read:
        assert not_read.get(case.path, "").startswith(case.not_read), not_read
    else:
        assert case.path not in not_read
    table = "song_files" if case.path.startswith("song_data/") else "log_lines"
    rows = landed(tmp_path / "landing", table, f"source_file = '{case.path}'")
    if case.lines is not None:
        assert [r["line_number"] for r in rows] == (list(range(1, case.lines + 1)) or [0])
    elif table == "log_lines":
        assert rows == []
    for row in rows:
        reason = case.quarantined.get(row["line_number"]) or case.song_reason
        if reason:
            check, rest = sign_of(reason)
            assert check(row, rest), (reason, row)
        elif row["line_number"] > 0:
            assert row["is_valid_json"] and not row["decoding_error"], row
            assert not (row["non_scalar_fields"] or row["has_duplicate_keys"] or row["non_finite_fields"])
            # a CR between JSON tokens is whitespace: the line is the clean line as the warehouse reads it
            assert row["raw_text"].replace("\r", "") in [*case.clean_lines, case.clean_song], row["raw_text"][
                :200
            ]
    assert summary.files_not_read == len(not_read)


def test_a_second_ingestion_reads_nothing(sample: Path, tmp_path: Path) -> None:
    first = ingest(sample, tmp_path / "landing")
    second = ingest(sample, tmp_path / "landing")
    assert first.files_ingested == first.files_listed > 0
    assert (second.files_ingested, second.records_ingested, second.files_gone) == (0, 0, 0)
    assert len(landed(tmp_path / "landing", "batches")) == 2


def test_a_file_changed_in_place_is_read_again_even_with_its_size_and_time(
    sample: Path, tmp_path: Path
) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(sample, raw)
    day = sorted(raw.glob("log_data/*/*/*.json"))[0]
    ingest(raw, tmp_path / "landing")
    status = day.stat()
    data = day.read_bytes()
    # one digit changed, the size and the nanosecond modification time put back (as cp -p does)
    day.write_bytes(data.replace(b'"ts":15', b'"ts":16', 1))
    os.utime(day, ns=(status.st_atime_ns, status.st_mtime_ns))
    assert day.stat().st_size == status.st_size and day.stat().st_mtime_ns == status.st_mtime_ns
    again = ingest(raw, tmp_path / "landing")
    assert again.files_ingested == 1
    # touched but the same bytes (chmod moves the change time): hashed, not landed again
    day.chmod(0o600)
    touched = ingest(raw, tmp_path / "landing")
    assert (touched.files_ingested, touched.records_ingested) == (0, 0)
    statuses = [
        r["status"] for r in landed(tmp_path / "landing", "raw_files", f"source_file like '%{day.name}'")
    ]
    assert statuses == ["ingested", "ingested", "unchanged"]
    assert ingest(raw, tmp_path / "landing").files_ingested == 0


def test_a_deleted_file_is_recorded_gone_once_and_read_again_when_back(sample: Path, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(sample, raw)
    day = sorted(raw.glob("log_data/*/*/*.json"))[-1]
    kept = tmp_path / day.name
    ingest(raw, tmp_path / "landing")
    shutil.move(day, kept)
    assert ingest(raw, tmp_path / "landing").files_gone == 1
    assert ingest(raw, tmp_path / "landing").files_gone == 0
    shutil.move(kept, day)
    assert ingest(raw, tmp_path / "landing").files_ingested == 1


def test_another_raw_data_stops_unless_added_or_replaced(sample: Path, tmp_path: Path) -> None:
    first, second, landing = tmp_path / "first", tmp_path / "second", tmp_path / "landing"
    shutil.copytree(sample, first)
    shutil.copytree(sample, second)
    dropped = sorted(second.glob("log_data/*/*/*.json"))[0]
    dropped.unlink()
    ingest(first, landing)
    batches = len(landed(landing, "batches"))

    assert ingest(f"{first}/./", landing).files_ingested == 0, "one folder, spelled another way"
    with pytest.raises(RawDataError, match=f"raw_data is '{second}' but the warehouse holds '{first}'"):
        ingest(second, landing)
    assert len(landed(landing, "batches")) == batches + 1, "the stopped batch landed nothing"

    ingest(second, landing, mode="replace")
    left = dropped.relative_to(second).as_posix()
    assert [row["status"] for row in landed(landing, "raw_files", f"source_file = '{left}'")] == [
        "ingested",
        "replaced",
    ]
    # back to the first folder, added: the replaced file is read again
    assert ingest(first, landing, mode="add").files_ingested == 1


def test_a_batch_cut_short_is_ignored_and_its_files_read_again(sample: Path, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    ingest(sample, landing)
    # a batch killed before its batches file: its other files are there, the batch never happened
    for folder in landing.iterdir():
        shutil.copy(next(folder.glob("*.parquet")), folder / "20000101T000000000000Z-cut.parquet")
    (landing / "batches" / "20000101T000000000000Z-cut.parquet").unlink()
    assert len(landed(landing, "batches")) == 1
    assert ingest(sample, landing).files_ingested == 0
    # and without any committed batch, every file is new again
    for committed in (landing / "batches").glob("*.parquet"):
        committed.unlink()
    assert ingest(sample, landing).files_ingested == len(list(sample.glob("*_data/**/*.json")))


def test_linked_folders_are_followed_once_and_a_loop_is_listed(sample: Path, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    one_good_day(sample, raw)
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(sample / "log_data", elsewhere)
    (raw / "log_data" / "linked").symlink_to(elsewhere, target_is_directory=True)
    (elsewhere / "loop").symlink_to(elsewhere, target_is_directory=True)
    summary = ingest(raw, tmp_path / "landing")
    files = {r["source_file"] for r in landed(tmp_path / "landing", "raw_files")}
    days = len(list(sample.glob("log_data/*/*/*.json")))
    assert sum(f.startswith("log_data/linked/") for f in files) == days
    not_read = {r["source_file"]: r["reason"] for r in landed(tmp_path / "landing", "files_not_read")}
    assert not_read == {"log_data/linked/loop": "folder seen before (a link loop): not entered twice"}
    assert summary.files_ingested == days + 1


def test_a_name_that_is_not_utf8_is_listed_and_every_other_file_loads(sample: Path, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(sample, raw)
    day = sorted(raw.glob("log_data/*/*/*.json"))[0]
    song_folder = next(raw.glob("song_data/*/*/*"))
    for folder in (day.parent, song_folder):
        with open(os.path.join(os.fsencode(folder), b"bad\xff.json"), "wb") as bad:
            bad.write(day.read_bytes()[:200])
    summary = ingest(raw, tmp_path / "landing")
    not_read = {r["source_file"]: r["reason"] for r in landed(tmp_path / "landing", "files_not_read")}
    assert set(not_read) == {
        f"{day.parent.relative_to(raw).as_posix()}/bad\\xff.json",
        f"{song_folder.relative_to(raw).as_posix()}/bad\\xff.json",
    }
    assert all(reason.startswith("file name is not UTF-8") for reason in not_read.values())
    assert summary.files_ingested == summary.files_listed - 2


def test_a_file_that_cannot_be_opened_is_listed_with_why(sample: Path, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    one_good_day(sample, raw)
    (raw / "log_data" / "dangling.json").symlink_to(tmp_path / "nowhere.json")
    summary = ingest(raw, tmp_path / "landing")
    not_read = landed(tmp_path / "landing", "files_not_read")
    assert [(r["source_file"], r["reason"].split(":")[0]) for r in not_read] == [
        ("log_data/dangling.json", "cannot be read")
    ]
    assert summary.files_ingested == 1


def test_raw_data_that_is_missing_or_empty_is_named(tmp_path: Path) -> None:
    with pytest.raises(RawDataError, match=f"{tmp_path / 'nowhere'} does not exist"):
        ingest(tmp_path / "nowhere", tmp_path / "landing")
    (tmp_path / "empty" / "log_data").mkdir(parents=True)
    with pytest.raises(RawDataError, match="no raw files under"):
        ingest(tmp_path / "empty", tmp_path / "landing")
    assert not (tmp_path / "landing").exists()


def test_progress_names_files_and_bytes(sample: Path, tmp_path: Path) -> None:
    messages: list[str] = []
    ingest(sample, tmp_path / "landing", messages)
    days = len(list(sample.glob("log_data/*/*/*.json")))
    assert any(f"log_data: {days}/{days} new or changed files" in m and " MB read" in m for m in messages)


# Text that must come back unchanged (not mojibake, or not safely decodable) and text that must be
# repaired.
REPAIR_CASES = {
    "Bj\u00c3\u0083\u00c2\u00b6rk": "Björk",  # doubly encoded Björk
    "Bj\u00c3\u00b6rk": "Björk",  # encoded once
    "Björk": "Björk",  # already right: ö alone is no UTF-8 sequence
    "日本の歌": "日本の歌",  # beyond Latin-1
    "Ã": "Ã",  # a lead byte with nothing after it
    "\u00c0\u0080": "\u00c0\u0080",  # overlong encoding of NUL
    "\u00ed\u00a0\u0080": "\u00ed\u00a0\u0080",  # an encoded UTF-16 surrogate
    "\u00f4\u0090\u0080\u0080": "\u00f4\u0090\u0080\u0080",  # above U+10FFFF
    "Ã¶ and 日本": "Ã¶ and 日本",  # mojibake next to text beyond Latin-1
    "Ces Gens L\u00c3\u0083\u00c2\u00a0": "Ces Gens L\u00e0",  # the real log's "là" (trimmed later)
    "plain ascii": "plain ascii",
    "": "",
}


@pytest.mark.parametrize("text", list(REPAIR_CASES))
def test_doubly_encoded_text_is_repaired_and_nothing_else_changes(text: str) -> None:
    assert repair_double_utf8(text) == REPAIR_CASES[text]


def test_only_the_named_columns_are_repaired() -> None:
    import pyarrow as pa

    table = pa.table({"song": [*REPAIR_CASES, None], "page": [*REPAIR_CASES, None]})
    repaired = repair_columns(table, ["song"])
    assert repaired["song"].to_pylist() == [*REPAIR_CASES.values(), None]
    assert repaired["page"].to_pylist() == [*REPAIR_CASES, None]
