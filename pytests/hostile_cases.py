"""The hostile input cases: one bad raw file each, and what the warehouse must make of it.

Shared by the ingester's tests (test_ingester.py: what each file lands as, no dbt) and the DuckDB
and Postgres suites (every case delivered at once, one build each), so every layer and engine
faces the same bytes; `check_case` and `check_every_other_file` state what a build must show.
"""

from __future__ import annotations

import gzip
import json
import shutil
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytests.mart_compare import MART_KEYS, read_warehouse_state
from pytests.raw_delivery import count_lines

APPLEDOUBLE = b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        \x00\x02\x00\x00\x00\x09\x00\x00\x002\xff\xfe"


@dataclass
class Case:
    """One bad file: where it goes, its bytes, and what the build must make of it."""

    path: str
    data: bytes
    # log file read: its line count; quarantined (line -> reason prefix); the clean lines that load
    lines: int | None = None
    quarantined: dict[int, str] = field(default_factory=dict)
    clean_lines: list[str] = field(default_factory=list)
    # song file read: its clean JSON (None: quarantined with quarantine_reason)
    clean_song: str | None = None
    song_reason: str | None = None
    # not read at all: the reason listed in raw_files_not_read (an empty log file, lines=0, is
    # listed there and in log_line_accounting with 0 lines)
    not_read: str | None = None


def event_lines(raw: Path, session_id: int, count: int = 3) -> list[dict]:
    """`count` song plays of a new session, so that they are new events (not duplicates)."""
    day = sorted((raw / "log_data").glob("*/*/*.json"))[0]
    plays = [json.loads(line) for line in day.read_text().splitlines() if '"NextSong"' in line]
    return [
        dict(play, sessionId=session_id, itemInSession=i, ts=play["ts"] + i)
        for i, play in enumerate(plays[:count])
    ]


def as_line(event: dict) -> str:
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"))


def cases(raw: Path) -> dict[str, Case]:
    lines = [as_line(e) for e in event_lines(raw, 990001)]
    text = "".join(line + "\n" for line in lines)

    def fresh(session_id: int) -> tuple[list[str], bytes]:
        new = [as_line(e) for e in event_lines(raw, session_id)]
        return new, "".join(line + "\n" for line in new).encode()

    latin1 = [as_line(e) for e in event_lines(raw, 990002)]
    latin1_bytes = (
        (latin1[0] + "\n").encode()
        + b'{"artist":"Caf\xe9","page":"NextSong"}\n'
        + (latin1[1] + "\n").encode()
    )
    ctrl = [as_line(e) for e in event_lines(raw, 990003)]
    cr = [as_line(e) for e in event_lines(raw, 990004)]
    long_event = event_lines(raw, 990005, 1)[0]
    long_line = as_line({"padding": "x" * 2_200_000, **long_event})
    song = json.loads(next((raw / "song_data").glob("*/*/*/*.json")).read_text())
    other_song = as_line(dict(song, song_id="SOHOSTILE0000001", title="Other Depth"))
    deeper, deeper_bytes = fresh(990006)
    top, top_bytes = fresh(990007)
    upper, upper_bytes = fresh(990008)
    gz, gz_bytes = fresh(990009)
    gzj, gzj_bytes = fresh(990010)
    underscore, underscore_bytes = fresh(990013)
    _, hidden_bytes = fresh(990014)
    trailing = [as_line(e) for e in event_lines(raw, 990011, 6)]
    truncated, truncated_data, truncated_lines = truncated_gzip(event_lines(raw, 990012, 24))
    # cut before the end of its deflate data: no whole JSON object survives, and the trailer is gone
    truncated_song = gzip.compress(as_line(dict(song, song_id="SOHOSTILE0000003")).encode(), mtime=0)[:-12]
    infinite = [as_line(e) for e in event_lines(raw, 990015)]
    beyond_a_double = infinite[1].replace('"length":', '"length":1e400,"_length":', 1)
    bom_song = as_line(dict(song, song_id="SOHOSTILE0000004", title="Byte Order Mark"))
    blank = [as_line(e) for e in event_lines(raw, 990016, 2)]
    return {
        "latin1_byte_in_a_line": Case(
            "log_data/2018/11/hostile-latin1.json",
            latin1_bytes,
            lines=3,
            quarantined={2: "not readable as text: not UTF-8 text"},
            clean_lines=[latin1[0], latin1[1]],
        ),
        "utf16_file": Case(
            "log_data/2018/11/hostile-utf16.json", text.encode("utf-16"), lines=3, clean_lines=lines
        ),
        "appledouble_file": Case(
            "log_data/2018/11/._2018-11-01-events.json", APPLEDOUBLE, not_read="AppleDouble file"
        ),
        "gzip_under_json_name": Case(
            "log_data/2018/11/hostile-gzip.json", gzip.compress(gzj_bytes, mtime=0), 3, clean_lines=gzj
        ),
        "json_gz_file": Case(
            "log_data/2018/11/hostile.json.gz", gzip.compress(gz_bytes, mtime=0), 3, clean_lines=gz
        ),
        "upper_case_extension": Case("log_data/2018/11/HOSTILE.JSON", upper_bytes, 3, clean_lines=upper),
        "raw_0x01_inside_a_line": Case(
            "log_data/2018/11/hostile-ctrl.json",
            (ctrl[0] + "\n" + ctrl[1].replace('"page"', '\x01"page"', 1) + "\n" + ctrl[2] + "\n").encode(),
            lines=3,
            quarantined={2: "malformed JSON"},
            clean_lines=[ctrl[0], ctrl[2]],
        ),
        # a CR between JSON tokens is whitespace: the line loads, and no line is split in two
        "lone_cr_inside_a_line": Case(
            "log_data/2018/11/hostile-cr.json",
            (cr[0] + "\n" + cr[1].replace(',"page"', ',\r"page"', 1) + "\n" + cr[2]).encode(),
            lines=3,
            clean_lines=cr,
        ),
        # longer than the 65,535 bytes Redshift's text holds: cut, and quarantined on every engine
        "line_over_2_mb": Case(
            "log_data/2018/11/hostile-long.json",
            (text + long_line + "\n").encode(),
            4,
            quarantined={4: "not readable as text: a record of 2,2"},
            clean_lines=lines,
        ),
        "non_utf8_song_file": Case(
            "song_data/Z/Z/Z/TRHOSTILE000001.json",
            as_line(dict(song, song_id="SOHOSTILE0000002"))
            .encode()
            .replace(b'"title":"', b'"title":"\xff', 1),
            song_reason="not readable as text: not UTF-8 text",
        ),
        "log_file_one_folder_deeper": Case(
            "log_data/2018/11/extra/hostile.json", deeper_bytes, 3, clean_lines=deeper
        ),
        "log_file_directly_in_log_data": Case("log_data/hostile.json", top_bytes, 3, clean_lines=top),
        "song_file_at_another_depth": Case(
            "song_data/Z/hostile.json", other_song.encode(), clean_song=other_song
        ),
        # a name starting with `_` is data like any other (Spark's listing hid it before Spark 4.3)
        "underscore_name_log_file": Case(
            "log_data/2018/11/_2018-11-01-resent.json", underscore_bytes, 3, clean_lines=underscore
        ),
        # good lines, but a dot file is not data by the project's rule: listed, never read
        "hidden_log_file": Case(
            "log_data/2018/11/.hostile-hidden.json", hidden_bytes, not_read="hidden file"
        ),
        # listed as not read, and yet ingested as the one row that stands for it: 0 lines accounted
        "empty_log_file": Case("log_data/2018/11/hostile-empty.json", b"", 0, not_read="empty file"),
        # a line is one JSON object: text, or a second object, after its closing brace is malformed
        "text_after_the_closing_brace": Case(
            "log_data/2018/11/hostile-trailing.json",
            "".join(
                line + "\n"
                for line in [
                    trailing[0],
                    trailing[1] + " x",
                    trailing[2] + '{"b":2}',
                    trailing[3] + ' {"b":2}',
                    trailing[4] + " x}",
                    trailing[5],
                ]
            ).encode(),
            lines=6,
            quarantined={line: "malformed JSON" for line in (2, 3, 4, 5)},
            clean_lines=[trailing[0], trailing[5]],
        ),
        # the lines before the damage load; the line cut by it is quarantined, naming the damage
        "truncated_gzip_file": Case(
            "log_data/2018/11/hostile-truncated.json.gz",
            truncated_data,
            lines=truncated_lines,
            quarantined={truncated_lines: "not readable as text: gzip data damaged"},
            clean_lines=truncated,
        ),
        # a song file's one record is the whole file: the damaged file is quarantined, named
        "truncated_gzip_song_file": Case(
            "song_data/Z/Z/Z/TRHOSTILE000003.json.gz",
            truncated_song,
            song_reason="not readable as text: gzip data damaged",
        ),
        # no engine holds a double beyond 1.8e308: the line is quarantined, never loaded as inf
        "number_beyond_a_double": Case(
            "log_data/2018/11/hostile-infinite.json",
            (infinite[0] + "\n" + beyond_a_double + "\n").encode(),
            lines=2,
            quarantined={2: "a number beyond the range of a double: length"},
            clean_lines=[infinite[0]],
        ),
        # a byte-order mark is no part of the JSON: the song loads, as a log line with one does
        "utf8_bom_song_file": Case(
            "song_data/Z/Z/Z/TRHOSTILE000004.json", b"\xef\xbb\xbf" + bom_song.encode(), clean_song=bom_song
        ),
        # spaces and a tab are as blank as nothing
        "line_of_spaces_and_a_tab": Case(
            "log_data/2018/11/hostile-blank.json",
            (blank[0] + "\n \t \n" + blank[1] + "\n").encode(),
            lines=3,
            quarantined={2: "empty line"},
            clean_lines=blank,
        ),
    }


def truncated_gzip(events: list[dict]) -> tuple[list[str], bytes, int]:
    """The events gzipped and cut inside a line: (the whole lines before the cut, bytes, line count)."""
    lines = [as_line(e) for e in events]
    whole = gzip.compress("".join(line + "\n" for line in lines).encode(), mtime=0)
    for cut in range(len(whole) // 2, len(whole)):
        data = whole[:cut]
        readable = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16).decompress(data)
        # cut inside a line, after at least one whole line: what both engines must agree on
        if readable.count(b"\n") >= 1 and not readable.endswith(b"\n"):
            whole_lines = readable.count(b"\n")
            return lines[:whole_lines], data, whole_lines + 1
    raise AssertionError("no cut inside a line")


CASE_NAMES = (
    "latin1_byte_in_a_line",
    "utf16_file",
    "appledouble_file",
    "gzip_under_json_name",
    "json_gz_file",
    "upper_case_extension",
    "raw_0x01_inside_a_line",
    "lone_cr_inside_a_line",
    "line_over_2_mb",
    "non_utf8_song_file",
    "log_file_one_folder_deeper",
    "log_file_directly_in_log_data",
    "song_file_at_another_depth",
    "empty_log_file",
    "underscore_name_log_file",
    "hidden_log_file",
    "text_after_the_closing_brace",
    "truncated_gzip_file",
    "truncated_gzip_song_file",
    "number_beyond_a_double",
    "utf8_bom_song_file",
    "line_of_spaces_and_a_tab",
)


# not one of the cases (a build with it warns, which the DuckDB suite checks on its own)
NOTES_FILE = Case("log_data/notes.txt", b"not data", not_read="not a .json or .json.gz file")


def deliver(raw: Path, case: Case) -> Path:
    """Put the case's bad file in place below raw."""
    bad = raw / case.path
    bad.parent.mkdir(parents=True, exist_ok=True)
    bad.write_bytes(case.data)
    return bad


def write_clean_equivalent(sample: Path, clean: Path, chosen: list[Case]) -> Path:
    """A copy of sample plus what the chosen cases should load, as clean files: the oracle's input."""
    shutil.copytree(sample, clean)
    lines = [line for case in chosen for line in case.clean_lines]
    if lines:
        target = clean / "log_data" / "2018" / "11" / "hostile-clean.json"
        target.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    songs = [case.clean_song for case in chosen if case.clean_song]
    for number, song in enumerate(songs, start=1):
        (clean / "song_data" / "Z" / "Z" / "Z").mkdir(parents=True, exist_ok=True)
        (clean / "song_data" / "Z" / "Z" / "Z" / f"hostile-clean-{number}.json").write_text(
            song, encoding="utf-8"
        )
    return clean


Query = Callable[[str], list[dict[str, Any]]]


@dataclass
class Outcome:
    """What one build of the warehouse holds about the raw files, as plain Python."""

    accounting: dict[str, tuple[int, ...]]  # file -> lines_read, plays, other, duplicates, quarantined
    quarantined: dict[tuple[str, int], str]  # (file, line) -> rejection_reason
    not_read: dict[str, str]  # file -> reason
    songs_read: set[str]
    state: dict[str, list[tuple]]
    marts: dict[str, list[dict[str, Any]]]


def outcome_of(query: Query, marts: str, staging: str) -> Outcome:
    return Outcome(
        accounting={
            r["source_file"]: (
                r["lines_read"],
                r["song_plays"],
                r["other_events"],
                r["duplicates"],
                r["quarantined"],
            )
            for r in query(f"select * from {marts}.log_line_accounting")
        },
        quarantined={
            (r["source_file"], r["line_number"]): r["rejection_reason"]
            for r in query(f"select * from {marts}.quarantined_records")
        },
        not_read={r["source_file"]: r["reason"] for r in query(f"select * from {marts}.raw_files_not_read")},
        songs_read={
            r["source_file"] for r in query(f"select source_file from {staging}.base_sparkify__song_files")
        },
        state=read_warehouse_state(query, marts),
        marts={mart: query(f'select * from {marts}."{mart}"') for mart in MART_KEYS},
    )


def check_case(case: Case, got: Outcome) -> None:
    """The case's file is accounted for, line by line, with the reasons it must have."""
    if case.not_read:
        assert case.not_read in got.not_read.get(case.path, ""), (case.path, got.not_read)
        assert got.accounting.get(case.path) == (None if case.lines is None else (case.lines, 0, 0, 0, 0))
        assert case.path not in got.songs_read
        return
    if case.path.startswith("song_data/"):
        assert case.path in got.songs_read
    else:
        lines_read, *outcomes = got.accounting[case.path]
        assert lines_read == case.lines
        assert sum(outcomes) == lines_read
    expected = {(case.path, line): reason for line, reason in case.quarantined.items()}
    if case.song_reason:
        expected[(case.path, 1)] = case.song_reason
    quarantined = {key: reason for key, reason in got.quarantined.items() if key[0] == case.path}
    assert set(quarantined) == set(expected)
    for key, reason in expected.items():
        assert quarantined[key].startswith(reason), (key, quarantined[key])


def check_every_other_file(raw: Path, every_case: dict[str, Case], got: Outcome) -> None:
    """Every good file read whole, and only the cases' files (and notes.txt) listed as not read."""
    bad = {case.path for case in every_case.values()}
    data_files = [*(raw / "log_data").rglob("*"), *(raw / "song_data").rglob("*")]
    for path in sorted(p for p in data_files if p.is_file()):
        relative = path.relative_to(raw).as_posix()
        if relative in bad or relative == NOTES_FILE.path:
            continue
        if relative.startswith("song_data/"):
            assert relative in got.songs_read, relative
        else:
            lines_read, *outcomes = got.accounting[relative]
            assert lines_read == count_lines(path) == sum(outcomes), relative
    not_read = {case.path for case in every_case.values() if case.not_read} | {NOTES_FILE.path}
    assert set(got.not_read) == not_read
    assert NOTES_FILE.not_read in got.not_read[NOTES_FILE.path]


def huge_integer_case(sample: Path) -> Case:
    """A ts beyond bigint's range: text in the landing, so staging's cast must not stop the build."""
    event = dict(event_lines(sample, 990101, 1)[0], ts=10**25)
    return Case(
        "log_data/2018/11/hostile-huge-integer.json",
        (as_line(event) + "\n").encode(),
        lines=1,
        quarantined={1: "ts is not an integer"},
    )
