"""Test oracle: the five Sparkify marts computed from a raw_data folder in plain Python.

This is the reference the dbt models are checked against, so it implements the rules on its own,
as directly as possible, with the json module only. Rules (and the choices made where the brief
left room) are documented on each function.

Two choices worth knowing when comparing with SQL:
* Text is repaired BEFORE it is trimmed. The real log has "Ces Gens L\\u00c3\\u0083\\u00c2\\u00a0":
  the double-encoded "à" ends in U+00A0, which both str.strip() and DuckDB's trim() remove; trimming
  first leaves an unrepairable string.
* Trimming strips exactly the characters the warehouse strips (STRAY_WHITESPACE: space, tab, line
  feed, carriage return, U+00A0), not everything str.strip() would.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

EPOCH = datetime(1970, 1, 1)  # naive UTC, like a DuckDB TIMESTAMP
HTML_TAG = re.compile(r"<[^>]+>")
STRAY_WHITESPACE = " \t\n\r\u00a0"


def to_text(value: Any) -> str | None:
    """A JSON value as text: numbers become the text JSON wrote for them (883 -> "883", 4.6 -> "4.6")."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):  # before int: bool is a subclass of int
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    raise TypeError(f"unexpected JSON value {value!r}")


def repair(text: str) -> str:
    """Undo up to two rounds of UTF-8 read as Latin-1; stop at the first that fails or changes nothing."""
    for _ in range(2):
        try:
            fixed = text.encode("latin-1").decode("utf-8")
        except UnicodeError:
            break
        if fixed == text:
            break
        text = fixed
    return text


def clean(value: Any, *, repaired: bool = False) -> str | None:
    """to_text, optionally repair, then trim; "" -> None."""
    text = to_text(value)
    if text is None:
        return None
    if repaired:
        text = repair(text)
    return text.strip(STRAY_WHITESPACE) or None


def clean_location(value: Any) -> str | None:
    text = to_text(value)
    if text is None:
        return None
    return HTML_TAG.sub("", text).strip(STRAY_WHITESPACE) or None


def clean_user_agent(value: Any) -> str | None:
    text = to_text(value)
    if text is None:
        return None
    return text.strip(STRAY_WHITESPACE).strip('"') or None


def start_time_of(ts: int) -> datetime:
    # Integer milliseconds through timedelta: ts / 1000 as a float can land a millisecond off.
    return EPOCH + timedelta(milliseconds=ts)


def songplay_id_of(user_id: str | None, session_id: int, item_in_session: int, ts: int) -> str:
    return hashlib.md5(f"{user_id or ''}|{session_id}|{item_in_session}|{ts}".encode()).hexdigest()


@dataclass(frozen=True)
class Event:
    source_file: str
    line_number: int
    artist: str | None
    auth: str | None
    first_name: str | None
    gender: str | None
    item_in_session: int | None
    last_name: str | None
    length: float | None
    level: str | None
    location: str | None
    method: str | None
    page: str | None
    registration: float | None
    session_id: int | None
    song: str | None
    status: int | None
    ts: int | None
    user_agent: str | None
    user_id: str | None

    def cleaned_fields(self) -> tuple[Any, ...]:
        """The 18 cleaned fields: events equal in all of them are one event."""
        return (
            self.artist, self.auth, self.first_name, self.gender, self.item_in_session, self.last_name,
            self.length, self.level, self.location, self.method, self.page, self.registration,
            self.session_id, self.song, self.status, self.ts, self.user_agent, self.user_id,
        )  # fmt: skip


@dataclass(frozen=True)
class SongFile:
    source_file: str
    song_id: str | None
    title: str | None
    artist_id: str | None
    artist_name: str | None
    artist_location: str | None
    artist_latitude: float | None
    artist_longitude: float | None
    duration: float | None
    year: int | None


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def read_events(raw_dir: Path) -> list[Event]:
    """Every non-blank line of every log_data/**/*.json file, in (relative path, line number) order."""
    events = []
    for path in sorted(raw_dir.glob("log_data/**/*.json"), key=lambda p: _relative(p, raw_dir)):
        source = _relative(path, raw_dir)
        with path.open(encoding="utf-8") as handle:
            for line_number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                raw = json.loads(line)
                events.append(
                    Event(
                        source_file=source,
                        line_number=line_number,
                        artist=clean(raw.get("artist"), repaired=True),
                        auth=clean(raw.get("auth")),
                        first_name=clean(raw.get("firstName")),
                        gender=clean(raw.get("gender")),
                        item_in_session=raw.get("itemInSession"),
                        last_name=clean(raw.get("lastName")),
                        length=raw.get("length"),
                        level=clean(raw.get("level")),
                        location=clean(raw.get("location")),
                        method=clean(raw.get("method")),
                        page=clean(raw.get("page")),
                        registration=raw.get("registration"),
                        session_id=raw.get("sessionId"),
                        song=clean(raw.get("song"), repaired=True),
                        status=raw.get("status"),
                        ts=raw.get("ts"),
                        user_agent=clean_user_agent(raw.get("userAgent")),
                        user_id=clean(raw.get("userId")),
                    )
                )
    return events


def deduplicate_events(events: list[Event]) -> list[Event]:
    """Keep the first (smallest source file, line number) of events equal in all cleaned fields."""
    kept: dict[tuple[Any, ...], Event] = {}
    for event in sorted(events, key=lambda e: (e.source_file, e.line_number)):
        kept.setdefault(event.cleaned_fields(), event)
    return list(kept.values())


def read_song_files(raw_dir: Path) -> list[SongFile]:
    """One record per song_id: when a song_id is in several files, the smallest relative path wins."""
    records: dict[str, SongFile] = {}
    for path in sorted(raw_dir.glob("song_data/**/*.json"), key=lambda p: _relative(p, raw_dir)):
        raw = json.loads(path.read_text(encoding="utf-8"))
        record = SongFile(
            source_file=_relative(path, raw_dir),
            song_id=clean(raw.get("song_id")),
            title=clean(raw.get("title"), repaired=True),
            artist_id=clean(raw.get("artist_id")),
            artist_name=clean(raw.get("artist_name"), repaired=True),
            artist_location=clean_location(raw.get("artist_location")),
            artist_latitude=raw.get("artist_latitude"),
            artist_longitude=raw.get("artist_longitude"),
            duration=raw.get("duration"),
            year=raw.get("year"),
        )
        if record.song_id is not None:
            records.setdefault(record.song_id, record)
    return sorted(records.values(), key=lambda s: s.song_id or "")


def _match_key(title: str | None, artist: str | None) -> tuple[str, str] | None:
    if title is None or artist is None:
        return None
    return title.lower(), artist.lower()


def match_song(event: Event, candidates_by_key: dict[tuple[str, str], list[SongFile]]) -> SongFile | None:
    """Same lowercased title and artist name; nearest duration to the length, then smallest song_id."""
    key = _match_key(event.song, event.artist)
    candidates = candidates_by_key.get(key, []) if key else []
    if not candidates:
        return None

    def rank(song: SongFile) -> tuple[bool, float, str]:
        if event.length is None or song.duration is None:
            return (True, 0.0, song.song_id or "")  # an unknown distance sorts after every known one
        return (False, abs(song.duration - event.length), song.song_id or "")

    return min(candidates, key=rank)


def songplays_mart(events: list[Event], songs: list[SongFile]) -> list[dict[str, Any]]:
    candidates_by_key: dict[tuple[str, str], list[SongFile]] = defaultdict(list)
    for song in songs:
        key = _match_key(song.title, song.artist_name)
        if key is not None:
            candidates_by_key[key].append(song)
    rows = []
    for event in events:
        if event.page != "NextSong":
            continue
        assert event.ts is not None and event.session_id is not None and event.item_in_session is not None
        song = match_song(event, candidates_by_key)
        rows.append(
            {
                "songplay_id": songplay_id_of(
                    event.user_id, event.session_id, event.item_in_session, event.ts
                ),
                "start_time": start_time_of(event.ts),
                "user_id": event.user_id,
                "level": event.level,
                "song_id": song.song_id if song else None,
                "artist_id": song.artist_id if song else None,
                "session_id": event.session_id,
                "location": event.location,
                "user_agent": event.user_agent,
            }
        )
    return sorted(rows, key=lambda r: r["songplay_id"])


def users_mart(events: list[Event]) -> list[dict[str, Any]]:
    """Attributes from each user's latest event.

    Latest by (ts, session_id, item_in_session, source_file, line_number).
    """
    latest: dict[str, Event] = {}

    def order(e: Event) -> tuple[int, int, int, str, int]:
        return (e.ts or 0, e.session_id or 0, e.item_in_session or 0, e.source_file, e.line_number)

    for event in events:
        if event.user_id is None:
            continue
        current = latest.get(event.user_id)
        if current is None or order(event) > order(current):
            latest[event.user_id] = event
    return [
        {
            "user_id": user_id,
            "first_name": e.first_name,
            "last_name": e.last_name,
            "gender": e.gender,
            "level": e.level,
        }
        for user_id, e in sorted(latest.items())
    ]


def songs_mart(songs: list[SongFile]) -> list[dict[str, Any]]:
    return [
        {
            "song_id": s.song_id,
            "title": s.title,
            "artist_id": s.artist_id,
            "year": s.year or None,  # 0 means unknown
            "duration": s.duration,
        }
        for s in songs
    ]


def artists_mart(songs: list[SongFile]) -> list[dict[str, Any]]:
    """Per artist, every attribute from ONE song record: the most complete, ties to the smallest song_id."""
    by_artist: dict[str, list[SongFile]] = defaultdict(list)
    for song in songs:
        if song.artist_id is not None:
            by_artist[song.artist_id].append(song)

    def rank(s: SongFile) -> tuple[int, str]:
        filled = [s.artist_name, s.artist_location, s.artist_latitude, s.artist_longitude]
        return (-sum(v is not None for v in filled), s.song_id or "")

    rows = []
    for artist_id, records in sorted(by_artist.items()):
        best = min(records, key=rank)
        rows.append(
            {
                "artist_id": artist_id,
                "name": best.artist_name,
                "location": best.artist_location,
                "latitude": best.artist_latitude,
                "longitude": best.artist_longitude,
            }
        )
    return rows


def time_mart(songplays: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for start in sorted({row["start_time"] for row in songplays}):
        iso = start.isocalendar()
        rows.append(
            {
                "start_time": start,
                "hour": start.hour,
                "day": start.day,
                "week": iso.week,
                "month": start.month,
                "year": start.year,
                "weekday": iso.weekday,
            }
        )
    return rows


def expected_marts(raw_dir: Path) -> dict[str, list[dict[str, Any]]]:
    """The five marts for ``raw_dir`` (holding song_data/ and log_data/), each sorted by its key."""
    raw_dir = Path(raw_dir)
    events = deduplicate_events(read_events(raw_dir))
    songs = read_song_files(raw_dir)
    songplays = songplays_mart(events, songs)
    return {
        "songplays": songplays,
        "users": users_mart(events),
        "songs": songs_mart(songs),
        "artists": artists_mart(songs),
        "time": time_mart(songplays),
    }


def level_intervals(events: list[Event]) -> list[dict[str, Any]]:
    """Each listener's level history (users_level_history), sorted by listener and start.

    A listener's events in ts order; a new interval starts at their first event and at every event
    whose level differs from the level before it; it ends where the next one starts (valid_to None
    for the current interval). Events without a user id, a level or a ts take no part. Events of one
    listener at one ts are one instant at the level of the last of them by (session_id,
    item_in_session); SQL breaks a remaining tie by event_key, which this oracle does not compute, so
    it raises when such a tie would decide the level.
    """
    instants: dict[str, dict[int, list[Event]]] = defaultdict(lambda: defaultdict(list))
    for event in events:
        if event.user_id is None or event.level is None or event.ts is None:
            continue
        instants[event.user_id][event.ts].append(event)
    rows = []
    for user_id, by_ts in sorted(instants.items()):
        starts: list[tuple[int, str]] = []
        for ts in sorted(by_ts):
            at_instant = sorted(by_ts[ts], key=lambda e: (e.session_id or 0, e.item_in_session or 0))
            last = at_instant[-1]
            last_position = (last.session_id, last.item_in_session)
            tied_levels = {e.level for e in at_instant if (e.session_id, e.item_in_session) == last_position}
            if len(tied_levels) > 1:
                raise ValueError(f"listener {user_id} at ts {ts}: the event_key tie-break decides the level")
            if not starts or starts[-1][1] != last.level:
                starts.append((ts, last.level))
        for (ts, level), following in zip(starts, [*starts[1:], None], strict=True):
            rows.append(
                {
                    "user_id": user_id,
                    "level": level,
                    "valid_from": start_time_of(ts),
                    "valid_to": start_time_of(following[0]) if following else None,
                    "is_current": following is None,
                }
            )
    return rows


def level_changes(intervals: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """level_changes: every interval whose level differs from the listener's previous interval."""
    changes = []
    previous: dict[str, Any] | None = None
    for interval in sorted(intervals, key=lambda row: (row["user_id"], row["valid_from"])):
        if previous and previous["user_id"] == interval["user_id"] and previous["level"] != interval["level"]:
            changes.append(
                {
                    "user_id": interval["user_id"],
                    "changed_at": interval["valid_from"],
                    "level_before": previous["level"],
                    "level_after": interval["level"],
                    "change_type": "upgrade" if interval["level"] == "paid" else "downgrade",
                }
            )
        previous = interval
    return changes
