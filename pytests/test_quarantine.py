"""Bad input is quarantined with file, line, raw text and reason; every input line is accounted for."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pytests.conftest import generate_raw
from pytests.dbt_runner import DbtProject
from pytests.mart_compare import query_duckdb
from pytests.raw_delivery import count_lines, log_files

pytestmark = pytest.mark.dbt


def good_event(template: dict, **changes: object) -> dict:
    event = dict(template)
    event.update(changes)
    return event


def as_line(event: dict) -> str:
    return json.dumps(event, separators=(",", ":"))


@pytest.fixture(scope="module")
def faulty_raw(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[tuple[str, int], str]]:
    """Generated good data plus one file of each kind of bad input; returns the expected quarantine."""
    raw = generate_raw(tmp_path_factory.mktemp("faulty") / "raw", days=3, events_per_day=200)
    day_files = log_files(raw)
    template = json.loads(day_files[0].read_text().splitlines()[0])
    template.update(page="Home", song=None, artist=None, length=None)
    folder = day_files[0].parent
    expected: dict[tuple[str, int], str] = {}

    def write(name: str, lines: list[str], bad: dict[int, str], *, trailing_newline: bool = True) -> None:
        path = folder / name
        path.write_text("\n".join(lines) + ("\n" if trailing_newline else ""))
        for line_number, reason in bad.items():
            expected[(path.relative_to(raw).as_posix(), line_number)] = reason

    good = [as_line(good_event(template, itemInSession=i, ts=template["ts"] + i)) for i in range(6)]

    # malformed JSON and a blank line in the middle of good lines
    write(
        "2018-11-20-events.json",
        [*good[:2], '{"artist": null, "auth": "Logged In", "firstN', "", *good[2:]],
        {3: "malformed JSON: not a JSON object", 4: "empty line"},
    )
    # a file cut off in the middle of its last line
    truncated = [*good, as_line(good_event(template, itemInSession=99))[:57]]
    write(
        "2018-11-21-events.json", truncated, {7: "malformed JSON: not a JSON object"}, trailing_newline=False
    )
    # values of the wrong type
    write(
        "2018-11-22-events.json",
        [
            as_line(good_event(template, ts="yesterday", itemInSession=10)),
            as_line(good_event(template, sessionId="abc", itemInSession=11)),
            as_line(good_event(template, page="NextSong", song="Song", artist="Band", length="long")),
            as_line(good_event(template, status="OK", itemInSession=12)),
            good[0],
        ],
        {
            1: "ts is not an integer",
            2: "sessionId is not an integer",
            3: "length is not a number",
            4: "status is not an integer",
        },
    )
    # required fields missing, and a song play without its song
    no_ts = good_event(template, itemInSession=20)
    del no_ts["ts"]
    no_page = good_event(template, itemInSession=21)
    del no_page["page"]
    write(
        "2018-11-23-events.json",
        [as_line(no_ts), as_line(no_page), as_line(good_event(template, page="NextSong", itemInSession=22))],
        {
            1: "missing required field ts",
            2: "missing required field page",
            3: "song play without song or artist",
        },
    )
    # a page the app is not known to have, a time before launch and one in the future
    future_ms = int((datetime.now(UTC) + timedelta(days=30)).timestamp() * 1000)
    write(
        "2018-11-24-events.json",
        [
            as_line(good_event(template, page="Teleport", itemInSession=30)),
            as_line(good_event(template, ts=1000, itemInSession=31)),
            as_line(good_event(template, ts=future_ms, itemInSession=32)),
        ],
        {
            1: "unknown page value (not in seed page_categories)",
            2: "ts before the service launched (2018-01-01)",
            3: "ts in the future",
        },
    )
    # a schema change is not bad input: an unknown new field, and an optional field missing
    with_new_field = good_event(template, itemInSession=40, newField={"nested": True})
    without_location = good_event(template, itemInSession=41)
    del without_location["location"]
    write("2018-11-25-events.json", [as_line(with_new_field), as_line(without_location)], {})

    # a song file that is not JSON
    broken_song = raw / "song_data" / "Z" / "Z" / "Z" / "TRZZZZZ128F0000000.json"
    broken_song.parent.mkdir(parents=True)
    broken_song.write_text('{"num_songs": 1, "artist_id": "ARZZZ')
    expected[(broken_song.relative_to(raw).as_posix(), 1)] = "malformed JSON: not a JSON object"
    return raw, expected


@pytest.fixture(scope="module")
def faulty_build(tmp_path_factory: pytest.TempPathFactory, faulty_raw: tuple[Path, dict]) -> DbtProject:
    raw, _ = faulty_raw
    project = DbtProject(work_dir=tmp_path_factory.mktemp("faulty_build"), raw_data=raw)
    project.dbt("build")
    return project


def test_each_bad_record_is_quarantined_with_its_reason(
    faulty_build: DbtProject, faulty_raw: tuple[Path, dict]
) -> None:
    raw, expected = faulty_raw
    rows = query_duckdb(
        faulty_build.duckdb_path,
        "select source_file, line_number, raw_text, rejection_reason from main.quarantined_records",
    )
    quarantined = {(file, line): reason for file, line, _, reason in rows}
    assert quarantined == expected
    for file, line, raw_text, _ in rows:
        original = (raw / file).read_text().split("\n")[line - 1]
        assert (raw_text or "") == original


def test_every_input_line_is_accounted_for(faulty_build: DbtProject, faulty_raw: tuple[Path, dict]) -> None:
    raw, _ = faulty_raw
    accounting = query_duckdb(
        faulty_build.duckdb_path,
        "select source_file, lines_read, song_plays, other_events, duplicates, quarantined "
        "from main.log_line_accounting",
    )
    by_file = {row[0]: row[1:] for row in accounting}
    assert len(by_file) == len(accounting), "one row per file"
    input_lines = {path.relative_to(raw).as_posix(): count_lines(path) for path in log_files(raw)}
    assert {file: row[0] for file, row in by_file.items()} == input_lines
    unaccounted = sum(lines - sum(outcomes) for lines, *outcomes in by_file.values())
    assert unaccounted == 0
    songplays = query_duckdb(faulty_build.duckdb_path, "select count(*) from main.songplays")[0][0]
    assert songplays == sum(row[1] for row in by_file.values())


def test_schema_change_in_input_still_loads(faulty_build: DbtProject) -> None:
    loaded = query_duckdb(
        faulty_build.duckdb_path,
        "select item_in_session, location is null from main_intermediate.int_log_events__deduplicated "
        "where source_file like '%2018-11-25-events.json' order by 1",
    )
    assert loaded == [(40, False), (41, True)]
