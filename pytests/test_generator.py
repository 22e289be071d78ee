"""The generator writes data shaped like the real Sparkify files, with the real quirks, deterministically.

The real data is not needed: its shape was snapshotted into fixtures/real_sample_shape.json by
``raw_shape`` below. When ../shared/sparkify-sample exists, one extra test re-derives the snapshot
from it (and must run in CI).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from pytests.oracle import expected_marts
from sparkify_tools.generate_cli import main as cli_main
from sparkify_tools.generator import GeneratorConfig, generate

REPO = Path(__file__).resolve().parents[1]
SHAPE_FIXTURE = Path(__file__).parent / "fixtures" / "real_sample_shape.json"
REAL_SAMPLE = REPO.parent / "shared" / "sparkify-sample"
SONG_PATH = re.compile(r"song_data/([A-Z])/([A-Z])/([A-Z])/(TR[A-Z]{5}[0-9A-F]{5}[0-9A-F]{6})\.json")
LOG_PATH = re.compile(r"log_data/(\d{4})/(\d{2})/(\d{4}-\d{2}-\d{2})-events\.json")
ID_PATTERNS = {
    "artist_id": re.compile(r"AR[A-Z0-9]{5}[0-9A-F]{5}[0-9A-F]{6}"),
    "song_id": re.compile(r"SO[A-Z]{5}[0-9A-F]{5}[0-9A-F]{6}"),
}


# --- shape snapshot --------------------------------------------------------------------------


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    return type(value).__name__


def _pairs(text: str) -> list[tuple[str, Any]]:
    return json.loads(text, object_pairs_hook=list)


def _song_style(text: str, record: dict[str, Any]) -> str:
    if json.dumps(record) == text:
        return "python_json_dumps_default"  # the sample: ", " and ": " separators, num_songs first
    if json.dumps(record, sort_keys=True, separators=(",", ":")).replace("/", "\\/") == text:
        return "sorted_compact_escaped_slash"  # the full song_data.tar.gz
    return "other"


def song_shape(song_files: list[tuple[str, bytes]]) -> dict[str, Any]:
    key_orders: set[tuple[str, ...]] = set()
    types: dict[str, set[str]] = defaultdict(set)
    styles: set[str] = set()
    trailing_newline = False
    ascii_only = True
    paths_ok = True
    for relative, data in song_files:
        trailing_newline |= data.endswith(b"\n")
        text = data.decode("utf-8")
        ascii_only &= text.isascii()
        pairs = _pairs(text)
        key_orders.add(tuple(k for k, _ in pairs))
        for key, value in pairs:
            types[key].add(json_type(value))
        styles.add(_song_style(text, dict(pairs)))
        match = SONG_PATH.fullmatch(relative)
        paths_ok &= bool(match) and match is not None and "".join(match.group(1, 2, 3)) == match.group(4)[2:5]
    return {
        "files": len(song_files),
        "key_orders": sorted(list(k) for k in key_orders),
        "value_types": {k: sorted(v) for k, v in sorted(types.items())},
        "styles": sorted(styles),
        "trailing_newline": trailing_newline,
        "ascii_only": ascii_only,
        "path_is_letters_3_to_5_of_track_id": paths_ok,
    }


def log_shape(raw_dir: Path) -> dict[str, Any]:
    key_orders: set[tuple[str, ...]] = set()
    types: dict[str, set[str]] = defaultdict(set)
    page_meta: set[tuple[str, str, int]] = set()
    auth: set[str] = set()
    logged_out_pages: set[str] = set()
    trailing_newline = False
    ascii_only = True
    canonical = True
    quoted_iff_comma = True
    events = 0
    for path in sorted(raw_dir.glob("log_data/**/*.json")):
        data = path.read_bytes()
        trailing_newline |= data.endswith(b"\n")
        text = data.decode("utf-8")
        ascii_only &= text.isascii()
        for line in text.split("\n"):
            events += 1
            pairs = _pairs(line)
            record = dict(pairs)
            key_orders.add(tuple(k for k, _ in pairs))
            for key, value in pairs:
                types[key].add(json_type(value))
            canonical &= json.dumps(record, separators=(",", ":")).replace("/", "\\/") == line
            page_meta.add((record["page"], record["method"], record["status"]))
            auth.add(record["auth"])
            if record["auth"] == "Logged Out":
                logged_out_pages.add(record["page"])
            agent = record["userAgent"]
            if agent is not None:
                quoted_iff_comma &= (agent.startswith('"') and agent.endswith('"')) == ("," in agent)
    return {
        "events": events,
        "key_orders": sorted(list(k) for k in key_orders),
        "value_types": {k: sorted(v) for k, v in sorted(types.items())},
        "pages": sorted({p for p, _, _ in page_meta}),
        "methods": sorted({m for _, m, _ in page_meta}),
        "statuses": sorted({s for _, _, s in page_meta}),
        "page_method_status": sorted([list(t) for t in page_meta]),
        "auth": sorted(auth),
        "logged_out_pages": sorted(logged_out_pages),
        "trailing_newline": trailing_newline,
        "ascii_only": ascii_only,
        "compact_with_escaped_slash": canonical,
        "user_agent_quoted_iff_comma": quoted_iff_comma,
    }


def read_song_files(raw_dir: Path) -> list[tuple[str, bytes]]:
    return [
        (p.relative_to(raw_dir).as_posix(), p.read_bytes())
        for p in sorted(raw_dir.glob("song_data/**/*.json"))
    ]


def read_events(raw_dir: Path) -> list[tuple[str, dict[str, Any]]]:
    return [
        (path.relative_to(raw_dir).as_posix(), json.loads(line))
        for path in sorted(raw_dir.glob("log_data/**/*.json"))
        for line in path.read_text(encoding="ascii").split("\n")
    ]


@pytest.fixture(scope="session")
def real_shape() -> dict[str, Any]:
    return json.loads(SHAPE_FIXTURE.read_text(encoding="utf-8"))


# --- generated samples -----------------------------------------------------------------------

# Big enough for rare pages (Submit Downgrade) and level changes, small enough to take a second.
SAMPLE_ARGS: dict[str, Any] = {"seed": 7, "songs": 300, "users": 60, "days": 8, "events_per_day": 1200}


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    out = tmp_path_factory.mktemp("generated") / "raw_data"
    summary = generate(GeneratorConfig(out=out, **SAMPLE_ARGS))
    return out, summary


@pytest.fixture(scope="session")
def sample_events(sample: tuple[Path, Any]) -> list[tuple[str, dict[str, Any]]]:
    return read_events(sample[0])


@pytest.fixture(scope="session")
def sample_songs(sample: tuple[Path, Any]) -> list[dict[str, Any]]:
    return [json.loads(data) for _, data in read_song_files(sample[0])]


def tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


# --- shape -----------------------------------------------------------------------------------


def test_log_lines_have_the_real_keys_types_and_encoding(sample: tuple[Path, Any], real_shape: dict) -> None:
    real = real_shape["log"]
    got = log_shape(sample[0])
    assert got["key_orders"] == real["key_orders"]
    for key, kinds in got["value_types"].items():
        assert set(kinds) <= set(real["value_types"][key]), key
    assert got["value_types"].keys() == real["value_types"].keys()
    for flag in (
        "trailing_newline",
        "ascii_only",
        "compact_with_escaped_slash",
        "user_agent_quoted_iff_comma",
    ):
        assert got[flag] == real[flag], flag


def test_log_pages_methods_and_statuses_are_the_real_ones(sample: tuple[Path, Any], real_shape: dict) -> None:
    real = real_shape["log"]
    got = log_shape(sample[0])
    for key in ("pages", "methods", "statuses", "page_method_status", "auth"):
        assert got[key] == real[key], key
    assert set(got["logged_out_pages"]) <= set(real["logged_out_pages"])


def test_song_files_have_the_sample_keys_types_and_separators(
    sample: tuple[Path, Any], real_shape: dict
) -> None:
    got = song_shape(read_song_files(sample[0]))
    real_sample, real_full = real_shape["song_data_sample"], real_shape["song_data_full"]
    assert got["key_orders"] == real_sample["key_orders"]
    assert got["styles"] == real_sample["styles"]
    for key, kinds in got["value_types"].items():
        assert set(kinds) <= set(real_sample["value_types"][key]) | set(real_full["value_types"][key]), key
    for flag in ("trailing_newline", "ascii_only", "path_is_letters_3_to_5_of_track_id"):
        assert got[flag] == real_sample[flag], flag


def test_full_song_format_matches_the_full_set(tmp_path: Path, real_shape: dict) -> None:
    out = tmp_path / "raw"
    generate(GeneratorConfig(out=out, songs=60, days=1, events_per_day=10, song_format="full"))
    got = song_shape(read_song_files(out))
    real = real_shape["song_data_full"]
    for key in (
        "key_orders",
        "styles",
        "trailing_newline",
        "ascii_only",
        "path_is_letters_3_to_5_of_track_id",
    ):
        assert got[key] == real[key], key


def test_ids_look_like_the_real_ones(sample_songs: list[dict[str, Any]]) -> None:
    for song in sample_songs:
        for key, pattern in ID_PATTERNS.items():
            assert pattern.fullmatch(song[key]), song[key]


def test_layout(sample: tuple[Path, Any], real_shape: dict) -> None:
    out, summary = sample
    logs = sorted(p.relative_to(out).as_posix() for p in out.glob("log_data/**/*"))
    files = [p for p in logs if p.endswith(".json")]
    assert files == [f"log_data/2018/11/2018-11-{day:02d}-events.json" for day in range(1, 9)]
    assert set(logs) - set(files) == {"log_data/2018", "log_data/2018/11"}
    songs = read_song_files(out)
    assert len(songs) == summary.song_files == SAMPLE_ARGS["songs"]
    assert all(SONG_PATH.fullmatch(relative) for relative, _ in songs)
    assert (out / "log_json_path.json").read_text() == real_shape["log_json_path"]
    assert sorted(p.name for p in out.iterdir()) == ["log_data", "log_json_path.json", "song_data"]


def test_each_event_is_in_the_file_of_its_utc_day(sample_events: list[tuple[str, dict[str, Any]]]) -> None:
    for source, event in sample_events:
        day = datetime.fromtimestamp(event["ts"] // 1000, UTC).date().isoformat()
        assert LOG_PATH.fullmatch(source).group(3) == day  # type: ignore[union-attr]


# --- determinism and the output folder -------------------------------------------------------


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    args = {"songs": 80, "days": 2, "events_per_day": 150}
    digests = []
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        generate(GeneratorConfig(out=tmp_path / name, seed=seed, **args))
        digests.append(tree_digest(tmp_path / name))
    assert digests[0] == digests[1]
    assert digests[0] != digests[2]
    # Another interpreter with another hash seed: nothing may depend on set or dict-of-str ordering.
    code = (
        "import sys; from pathlib import Path; from sparkify_tools.generate_cli import main; "
        "sys.exit(main(['--out', sys.argv[1], '--seed', '3', '--songs', '80', '--days', '2', "
        "'--events-per-day', '150', '--quiet']))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "d")], check=True, env=env, cwd=REPO, capture_output=True
    )
    assert tree_digest(tmp_path / "d") == digests[0]


def test_refuses_a_non_empty_out_dir_unless_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "raw"
    argv = ["--out", str(out), "--songs", "20", "--days", "1", "--events-per-day", "20", "--quiet"]
    assert cli_main(argv) == 0
    assert json.loads(capsys.readouterr().out)["song_files"] == 20
    (out / "keep.txt").write_text("not generated")
    before = tree_digest(out)
    assert cli_main(argv) == 2
    assert "not empty" in capsys.readouterr().err
    assert tree_digest(out) == before
    assert cli_main([*argv, "--force", "--seed", "9"]) == 0
    assert (out / "keep.txt").read_text() == "not generated"
    assert len(list(out.glob("song_data/**/*.json"))) == 20  # the old files are gone, not mixed in


def test_events_per_day_is_roughly_honoured(sample: tuple[Path, Any]) -> None:
    summary = sample[1]
    planned = SAMPLE_ARGS["days"] * SAMPLE_ARGS["events_per_day"]
    assert 0.85 * planned <= summary.events_written <= 1.15 * planned


# --- quirks ----------------------------------------------------------------------------------


def test_log_quirks(sample_events: list[tuple[str, dict[str, Any]]]) -> None:
    events = [e for _, e in sample_events]
    logged_out = [e for e in events if e["auth"] == "Logged Out"]
    assert logged_out
    for e in logged_out:
        assert e["userId"] == ""
        assert e["firstName"] is e["lastName"] is e["gender"] is e["location"] is None
        assert e["registration"] is e["userAgent"] is None
    logged_in = [e for e in events if e["auth"] == "Logged In"]
    assert all(e["userId"].isdigit() for e in logged_in)
    assert all(isinstance(e["registration"], float) for e in logged_in)
    agents = {e["userAgent"] for e in logged_in}
    assert any(a.startswith('"') and a.endswith('"') for a in agents)
    assert any(not a.startswith('"') for a in agents)
    for e in events:
        has_song = e["page"] == "NextSong"
        assert (e["artist"] is not None) == has_song == (e["song"] is not None) == (e["length"] is not None)
    assert len({e["ts"] % 1000 for e in events}) > 1  # millisecond precision is exercised


def test_double_encoded_and_proper_non_ascii_plays(sample_events: list[tuple[str, dict[str, Any]]]) -> None:
    plays = [e for _, e in sample_events if e["page"] == "NextSong"]
    mangled = [e for e in plays if "\u00c3\u0083" in e["artist"] + e["song"] or "\u00c3\u0082" in e["artist"]]
    proper = [e for e in plays if not (e["artist"] + e["song"]).isascii() and e not in mangled]
    assert mangled and proper
    artists = {e["artist"] for e in mangled}
    assert any(a.encode("latin-1").decode("utf-8").encode("latin-1").decode("utf-8") != a for a in artists)
    # The real "Ces Gens L\u00c3\u0083\u00c2\u00a0": its double-encoded form ends in U+00A0.
    assert any(e["song"].endswith("\u00a0") for e in mangled)


def test_song_quirks(sample_songs: list[dict[str, Any]]) -> None:
    songs = sample_songs
    assert any(s["year"] == 0 for s in songs)
    assert any(s["artist_location"] == "" for s in songs)
    assert any(s["artist_location"] is None for s in songs)
    assert any(s["artist_latitude"] is None and s["artist_longitude"] is None for s in songs)
    for key in ("artist_name", "title", "artist_location"):
        assert any(isinstance(s[key], int | float) for s in songs), key
    assert any(isinstance(s["title"], float) for s in songs)  # the real catalog has the title 4.6
    for key in ("title", "artist_name"):
        assert any(isinstance(s[key], str) and s[key] != s[key].strip() for s in songs), key
        assert any(isinstance(s[key], str) and not s[key].isascii() for s in songs), key
    assert any(isinstance(s["title"], str) and s["title"].endswith("\u00a0") for s in songs)
    assert any(
        isinstance(s["artist_location"], str) and s["artist_location"].startswith("<a href=") for s in songs
    )
    assert any("\u0019" in str(s["title"]) or "\u0019" in str(s["artist_name"]) for s in songs)


def test_catalog_variations_across_songs(sample_songs: list[dict[str, Any]]) -> None:
    by_artist: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_title_artist: dict[tuple[str, str], set[float]] = defaultdict(set)
    by_song_id: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for s in sample_songs:
        by_artist[s["artist_id"]].append(s)
        by_title_artist[(str(s["title"]).strip().lower(), str(s["artist_name"]).strip().lower())].add(
            s["duration"]
        )
        by_song_id[s["song_id"]].append(s)
    assert any(len({str(s["artist_name"]) for s in v}) > 1 for v in by_artist.values())
    assert any(len({str(s["artist_location"]) for s in v}) > 1 for v in by_artist.values())
    assert any(len(durations) > 1 for durations in by_title_artist.values())
    assert any(len(v) > 1 for v in by_song_id.values())


def test_duplicate_events_exist(sample_events: list[tuple[str, dict[str, Any]]]) -> None:
    lines = Counter(json.dumps(e, sort_keys=True) for _, e in sample_events)
    assert any(count > 1 for count in lines.values())
    keys = Counter((e["userId"], e["sessionId"], e["itemInSession"], e["ts"]) for _, e in sample_events)
    assert sum(count - 1 for count in keys.values()) > sum(count - 1 for count in lines.values())


def test_match_share_is_roughly_honoured(tmp_path: Path) -> None:
    for share in (0.0, 0.3, 0.8, 1.0):
        out = tmp_path / f"share-{share}"
        generate(GeneratorConfig(out=out, seed=11, songs=150, days=2, events_per_day=1500, match_share=share))
        plays = expected_marts(out)["songplays"]
        matched = sum(row["song_id"] is not None for row in plays) / len(plays)
        assert abs(matched - share) < 0.04, (share, matched)


def test_users_change_level_right_after_a_submit_event(
    sample_events: list[tuple[str, dict[str, Any]]],
) -> None:
    by_user: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for _, e in sample_events:
        if e["userId"]:
            by_user[e["userId"]].append(e)
    changes = Counter()
    for events in by_user.values():
        events.sort(key=lambda e: (e["ts"], e["sessionId"], e["itemInSession"]))
        for before, after in pairwise(events):
            if before["level"] != after["level"]:
                assert (
                    before["page"] == {"free": "Submit Upgrade", "paid": "Submit Downgrade"}[before["level"]]
                )
                changes[before["page"]] += 1
    assert changes["Submit Upgrade"] and changes["Submit Downgrade"]


def test_sessions_count_items_up_with_time(sample_events: list[tuple[str, dict[str, Any]]]) -> None:
    sessions: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for _, e in sample_events:
        sessions[e["sessionId"]].append(e)
    spans_logged_out = 0
    for events in sessions.values():
        unique = {(e["itemInSession"], e["ts"], e["userId"]): e for e in events}  # duplicates collapse
        ordered = sorted(unique.values(), key=lambda e: e["itemInSession"])
        assert [e["itemInSession"] for e in ordered] == list(range(len(ordered)))
        assert all(a["ts"] <= b["ts"] for a, b in pairwise(ordered))
        assert len({e["userId"] for e in ordered} - {""}) == 1
        spans_logged_out += "" in {e["userId"] for e in ordered}
    assert spans_logged_out  # logged-out events share the session of the user who logs in/out


def test_page_mix_is_close_to_the_real_one(
    sample_events: list[tuple[str, dict[str, Any]]], real_shape: dict
) -> None:
    real = real_shape["log"]["page_counts"]
    real_total = sum(real.values())
    got = Counter(e["page"] for _, e in sample_events)
    total = sum(got.values())
    for page, count in real.items():
        tolerance = 0.04 if page in ("NextSong", "Home") else 0.006
        assert abs(got[page] / total - count / real_total) < tolerance, page


def test_oracle_sees_unique_songplays(sample: tuple[Path, Any]) -> None:
    marts = expected_marts(sample[0])
    ids = [row["songplay_id"] for row in marts["songplays"]]
    assert len(ids) == len(set(ids))
    assert marts["users"] and marts["artists"] and marts["time"]
    assert len(marts["songs"]) == SAMPLE_ARGS["songs"] - sample[1].catalog_quirks["duplicate_song_id_file"]


# --- the real data, when it is there ---------------------------------------------------------


def test_snapshot_matches_the_real_sample(real_shape: dict) -> None:
    if not REAL_SAMPLE.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{REAL_SAMPLE} is missing in CI")
        pytest.skip(f"{REAL_SAMPLE} not present (a clone without ../shared)")
    log = log_shape(REAL_SAMPLE)
    page_counts = Counter(e["page"] for _, e in read_events(REAL_SAMPLE))
    assert {**log, "page_counts": dict(sorted(page_counts.items()))} == real_shape["log"]
    assert song_shape(read_song_files(REAL_SAMPLE)) == real_shape["song_data_sample"]
    assert (REAL_SAMPLE / "log_json_path.json").read_text() == real_shape["log_json_path"]
