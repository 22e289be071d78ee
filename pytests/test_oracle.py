"""The oracle's rules, each checked on a few hand-written raw files."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from pytests import oracle

DOUBLE_BJORK = "Bj\u00c3\u0083\u00c2\u00b6rk"  # Björk as the real log has it
DOUBLE_CES_GENS_LA = "Ces Gens L\u00c3\u0083\u00c2\u00a0"  # real; ends in U+00A0


def ms(text: str) -> int:
    """Epoch milliseconds of an ISO UTC timestamp with milliseconds."""
    moment = datetime.fromisoformat(text).replace(tzinfo=UTC)
    return int(moment.timestamp()) * 1000 + moment.microsecond // 1000


def song(
    song_id: str, title: Any, artist_name: Any = "Artist", duration: float = 200.0, **extra: Any
) -> dict:
    record = {
        "num_songs": 1,
        "artist_id": "ARAAAAA1187B000001",
        "artist_latitude": None,
        "artist_longitude": None,
        "artist_location": "",
        "artist_name": artist_name,
        "song_id": song_id,
        "title": title,
        "duration": duration,
        "year": 2001,
    }
    record.update(extra)
    return record


def event(ts: int, page: str = "NextSong", **extra: Any) -> dict:
    playing = page == "NextSong"
    record = {
        "artist": "Artist" if playing else None,
        "auth": "Logged In",
        "firstName": "Walter",
        "gender": "M",
        "itemInSession": 0,
        "lastName": "Frye",
        "length": 200.0 if playing else None,
        "level": "free",
        "location": "San Francisco-Oakland-Hayward, CA",
        "method": "PUT" if playing else "GET",
        "page": page,
        "registration": 1540919166796.0,
        "sessionId": 38,
        "song": "Title" if playing else None,
        "status": 200,
        "ts": ts,
        "userAgent": '"Mozilla/5.0 (Macintosh, like Gecko)"',
        "userId": "39",
    }
    record.update(extra)
    return record


def write_raw(root: Path, songs: list[dict], logs: dict[str, list[dict | str]]) -> Path:
    for number, record in enumerate(songs):
        track = f"TRAAA{number:02d}128F4000000"
        path = root / "song_data" / "A" / "A" / "A" / f"{track}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(record))
    for day, lines in logs.items():
        path = root / "log_data" / day[:4] / day[5:7] / f"{day}-events.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        text = [line if isinstance(line, str) else json.dumps(line, separators=(",", ":")) for line in lines]
        path.write_text("\n".join(text))
    return root


def marts(root: Path, songs: list[dict], logs: dict[str, list[dict | str]]) -> dict[str, list[dict]]:
    return oracle.expected_marts(write_raw(root, songs, logs))


TS = ms("2018-11-05T10:00:00.796")
DAY = "2018-11-05"


# --- matching --------------------------------------------------------------------------------


def test_nearest_duration_wins(tmp_path: Path) -> None:
    songs = [song("SOB", "Title", duration=200.0), song("SOA", "Title", duration=250.0)]
    logs = {DAY: [event(TS, length=240.0), event(TS + 1000, itemInSession=1, length=205.0)]}
    rows = sorted(marts(tmp_path, songs, logs)["songplays"], key=lambda r: r["start_time"])
    assert [r["song_id"] for r in rows] == ["SOA", "SOB"]
    assert all(r["artist_id"] == "ARAAAAA1187B000001" for r in rows)


def test_duration_tie_goes_to_the_smallest_song_id(tmp_path: Path) -> None:
    songs = [song("SOB", "Title", duration=230.0), song("SOA", "Title", duration=250.0)]
    logs = {DAY: [event(TS, length=240.0), event(TS + 1, itemInSession=1, length=None)]}
    assert [r["song_id"] for r in marts(tmp_path, songs, logs)["songplays"]] == ["SOA", "SOA"]


def test_match_needs_title_and_artist_case_insensitively(tmp_path: Path) -> None:
    songs = [song("SOA", "Soul Deep", "The Box Tops")]
    logs = {
        DAY: [
            event(TS, song="SOUL DEEP", artist="the box tops"),
            event(TS + 1, itemInSession=1, song="Soul Deep", artist="Other"),
            event(TS + 2, itemInSession=2, song="Other", artist="The Box Tops"),
        ]
    }
    rows = sorted(marts(tmp_path, songs, logs)["songplays"], key=lambda r: r["start_time"])
    assert [(r["song_id"], r["artist_id"]) for r in rows] == [
        ("SOA", "ARAAAAA1187B000001"),
        (None, None),
        (None, None),
    ]


def test_repair_undoes_double_encoding() -> None:
    assert oracle.repair(DOUBLE_BJORK) == "Björk"
    assert oracle.repair("Bj\u00c3\u00b6rk") == "Björk"  # one round is enough here
    assert oracle.repair("Björk") == "Björk"  # proper text is left alone
    assert oracle.repair("Łódź") == "Łódź"  # not Latin-1 at all
    assert oracle.repair(DOUBLE_CES_GENS_LA) == "Ces Gens Là"


def test_repaired_and_trimmed_plays_match(tmp_path: Path) -> None:
    songs = [
        song("SOA", "Jóga", "Björk"),
        song("SOB", "Ces Gens Là", "Jacques Brel "),
        song("SOC", " Heavy Soul\u00a0", "Artist"),
        song("SOD", 4.6, 883),
    ]
    logs = {
        DAY: [
            event(TS, artist=DOUBLE_BJORK, song="J\u00c3\u0083\u00c2\u00b3ga"),
            event(TS + 1, itemInSession=1, artist="Jacques Brel ", song=DOUBLE_CES_GENS_LA),
            event(TS + 2, itemInSession=2, song="Heavy Soul "),
            event(TS + 3, itemInSession=3, artist="883", song="4.6"),
        ]
    }
    result = marts(tmp_path, songs, logs)
    rows = sorted(result["songplays"], key=lambda r: r["start_time"])
    assert [r["song_id"] for r in rows] == ["SOA", "SOB", "SOC", "SOD"]
    titles = {s["song_id"]: s["title"] for s in result["songs"]}
    assert titles == {"SOA": "Jóga", "SOB": "Ces Gens Là", "SOC": "Heavy Soul", "SOD": "4.6"}


# --- cleaning --------------------------------------------------------------------------------


def test_text_cleaning() -> None:
    assert oracle.clean(883) == "883"
    assert oracle.clean(4.6) == "4.6"
    assert oracle.clean("  x ") == "x"
    assert oracle.clean("   ") is None
    assert oracle.clean(None) is None
    assert oracle.clean_user_agent('"Mozilla/5.0 (X11, like Gecko)"') == "Mozilla/5.0 (X11, like Gecko)"
    assert (
        oracle.clean_user_agent("Mozilla/5.0 (Windows NT 5.1; rv:31.0)")
        == "Mozilla/5.0 (Windows NT 5.1; rv:31.0)"
    )
    assert oracle.clean_user_agent('""') is None
    html = '<a href="http://billyidol.net" onmousedown=\'x("y")\' target="_blank">http://billyidol.net</a>'
    assert oracle.clean_location(html) == "http://billyidol.net"
    assert oracle.clean_location(" <b></b> ") is None
    assert oracle.clean_location(27) == "27"


def test_songplay_columns_and_id(tmp_path: Path) -> None:
    logs = {
        DAY: [event(TS, itemInSession=3, sessionId=5, userId=" 7 ", location=" Lubbock, TX ", level="paid")]
    }
    [row] = marts(tmp_path, [], logs)["songplays"]
    assert row == {
        "songplay_id": hashlib.md5(f"7|5|3|{TS}".encode()).hexdigest(),
        "start_time": datetime(2018, 11, 5, 10, 0, 0, 796000),
        "user_id": "7",
        "level": "paid",
        "song_id": None,
        "artist_id": None,
        "session_id": 5,
        "location": "Lubbock, TX",
        "user_agent": "Mozilla/5.0 (Macintosh, like Gecko)",
    }
    assert oracle.songplay_id_of(None, 5, 3, TS) == hashlib.md5(f"|5|3|{TS}".encode()).hexdigest()


def test_start_time_keeps_milliseconds_exactly() -> None:
    # 1541106106.797 is not exact in binary; ts / 1000 through a float can lose the millisecond.
    for ts in (1541106106797, 1543622399999, 0, 1541106106001):
        start = oracle.start_time_of(ts)
        assert (start - oracle.EPOCH).total_seconds() * 1000 == pytest.approx(ts, abs=0.01)
        assert start.microsecond == (ts % 1000) * 1000


# --- events ----------------------------------------------------------------------------------


def test_exact_duplicates_count_once(tmp_path: Path) -> None:
    first = event(TS)
    same_after_cleaning = event(
        TS, userAgent="Mozilla/5.0 (Macintosh, like Gecko)", location=" San Francisco-Oakland-Hayward, CA"
    )
    other = event(TS + 1000, itemInSession=1)
    line = json.dumps(first, separators=(",", ":"))
    root = write_raw(tmp_path, [], {DAY: [first, line, same_after_cleaning, other], "2018-11-06": [line]})
    assert len(oracle.expected_marts(root)["songplays"]) == 2
    kept = oracle.deduplicate_events(oracle.read_events(root))
    assert sorted((e.source_file, e.line_number) for e in kept) == [
        ("log_data/2018/11/2018-11-05-events.json", 1),
        ("log_data/2018/11/2018-11-05-events.json", 4),
    ]


def test_latest_event_gives_the_user_attributes(tmp_path: Path) -> None:
    logs = {
        "2018-11-05": [
            event(TS, page="Submit Upgrade", level="free", itemInSession=0),
            event(TS + 1000, page="Home", level="paid", itemInSession=1, lastName="Frye-Smith"),
            event(TS + 5000, page="Home", level="paid", userId="8", firstName="Kaylee", gender="F"),
        ],
        "2018-11-06": [
            # Same ts: the larger item_in_session is the later event.
            event(
                TS + 86_400_000, page="Home", level="free", sessionId=40, itemInSession=4, firstName="Wally"
            ),
            event(TS + 86_400_000, page="Home", level="paid", sessionId=40, itemInSession=3),
            # Logged out: no user.
            event(TS + 90_000_000, page="Home", auth="Logged Out", userId="", firstName=None, lastName=None),
        ],
    }
    users = marts(tmp_path, [], logs)["users"]
    assert users == [
        {"user_id": "39", "first_name": "Wally", "last_name": "Frye", "gender": "M", "level": "free"},
        {"user_id": "8", "first_name": "Kaylee", "last_name": "Frye", "gender": "F", "level": "paid"},
    ]


# --- songs and artists -----------------------------------------------------------------------


def test_songs_year_zero_is_null_and_first_file_wins(tmp_path: Path) -> None:
    songs = [song("SOA", "Old", year=0), song("SOB", "New", year=2007), song("SOB", "New (copy)", year=1999)]
    rows = marts(tmp_path, songs, {})["songs"]
    assert rows == [
        {
            "song_id": "SOA",
            "title": "Old",
            "artist_id": "ARAAAAA1187B000001",
            "year": None,
            "duration": 200.0,
        },
        {
            "song_id": "SOB",
            "title": "New",
            "artist_id": "ARAAAAA1187B000001",
            "year": 2007,
            "duration": 200.0,
        },
    ]


def test_artist_attributes_come_from_the_most_complete_record(tmp_path: Path) -> None:
    songs = [
        song("SOA", "a", "Snoop Dogg", artist_location=""),
        song(
            "SOC",
            "c",
            "Snoop Dogg featuring Kid Cudi",
            artist_location="<b>Long Beach, CA</b>",
            artist_latitude=33.76672,
            artist_longitude=-118.1924,
        ),
        song("SOB", "b", "Snoop Dogg", artist_location="Los Angeles", artist_latitude=34.05),
        # Another artist: two equally complete records, the smaller song_id wins.
        song("SOE", "e", "Adam Ant", artist_id="AR2", artist_location="London"),
        song("SOD", "d", "Adam Ant ", artist_id="AR2", artist_location="London, England"),
    ]
    rows = marts(tmp_path, songs, {})["artists"]
    assert rows == [
        {
            "artist_id": "AR2",
            "name": "Adam Ant",
            "location": "London, England",
            "latitude": None,
            "longitude": None,
        },
        {
            "artist_id": "ARAAAAA1187B000001",
            "name": "Snoop Dogg featuring Kid Cudi",
            "location": "Long Beach, CA",
            "latitude": 33.76672,
            "longitude": -118.1924,
        },
    ]


# --- time ------------------------------------------------------------------------------------


def test_time_uses_iso_week_and_weekday_across_year_ends(tmp_path: Path) -> None:
    stamps = {
        "2018-12-31T23:59:59.999": {
            "year": 2018,
            "month": 12,
            "day": 31,
            "hour": 23,
            "week": 1,
            "weekday": 1,
        },
        "2021-01-01T00:00:00.001": {"year": 2021, "month": 1, "day": 1, "hour": 0, "week": 53, "weekday": 5},
        "2018-11-04T12:00:00.000": {
            "year": 2018,
            "month": 11,
            "day": 4,
            "hour": 12,
            "week": 44,
            "weekday": 7,
        },
    }
    logs = {text[:10]: [event(ms(text)), event(ms(text), itemInSession=1)] for text in stamps}
    rows = marts(tmp_path, [], logs)["time"]
    assert len(rows) == 3  # two plays at the same instant are one time row
    for row in rows:
        expected = stamps[row["start_time"].isoformat(timespec="milliseconds")]
        assert {k: row[k] for k in expected} == expected
