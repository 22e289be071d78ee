"""Entry point of the generator: catalog, then one log file per day, streamed."""

from __future__ import annotations

import random
import shutil
import sys
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .config import GeneratorConfig
from .listener_events import DAY_MS, SessionSimulator, build_listeners
from .play_catalog import build_play_pools
from .quirks import cleaned_equal_variant
from .raw_writer import log_json_path_text, log_relative_path, song_file_text, write_lines, write_text
from .song_catalog import build_catalog

OWN_OUTPUTS = ("song_data", "log_data", "log_json_path.json")


@dataclass
class GenerationSummary:
    out: str
    seed: int
    song_files: int = 0
    distinct_song_ids: int = 0
    artists: int = 0
    users: int = 0
    log_files: int = 0
    sessions: int = 0
    events_written: int = 0
    duplicate_events: int = 0
    events_dropped_after_period: int = 0
    next_song_plays: int = 0
    matched_plays: int = 0
    match_share_actual: float = 0.0
    double_encoded_plays: int = 0
    case_variant_plays: int = 0
    length_jittered_plays: int = 0
    level_changes: int = 0
    logged_out_events: int = 0
    pages: dict[str, int] = field(default_factory=dict)
    catalog_quirks: dict[str, int] = field(default_factory=dict)
    seconds_songs: float = 0.0
    seconds_logs: float = 0.0
    bytes_written: int = 0

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _progress(cfg: GeneratorConfig, message: str) -> None:
    if cfg.progress:
        print(message, file=sys.stderr, flush=True)


def prepare_out_dir(out: Path, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise FileExistsError(f"{out} exists and is not a directory")
    if out.is_dir() and any(out.iterdir()):
        if not force:
            raise FileExistsError(f"{out} is not empty; pass --force to replace its generated data")
        # Only what we generate is removed: a mistyped --out must not cost unrelated files.
        for name in OWN_OUTPUTS:
            target = out / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
    out.mkdir(parents=True, exist_ok=True)


def _seeded(seed: int, purpose: str) -> random.Random:
    # String seeds are hashed with SHA-512 by random.seed, so they do not depend on PYTHONHASHSEED.
    return random.Random(f"sparkify:{seed}:{purpose}")


def generate(cfg: GeneratorConfig) -> GenerationSummary:
    cfg.validate()
    out = Path(cfg.out)
    prepare_out_dir(out, cfg.force)
    summary = GenerationSummary(out=str(out), seed=cfg.seed, users=cfg.users)

    began = time.perf_counter()
    catalog = build_catalog(cfg, _seeded(cfg.seed, "catalog"))
    for number, song in enumerate(catalog.songs, start=1):
        summary.bytes_written += write_text(out / song.relative_path, song_file_text(song, cfg.song_format))
        if number % 10_000 == 0:
            _progress(
                cfg, f"songs: {number:,}/{len(catalog.songs):,} files ({time.perf_counter() - began:.1f} s)"
            )
    summary.song_files = len(catalog.songs)
    summary.distinct_song_ids = len({s.song_id for s in catalog.songs})
    summary.artists = len({s.artist_id for s in catalog.songs})
    summary.catalog_quirks = dict(sorted(catalog.quirk_counts.items()))
    summary.seconds_songs = round(time.perf_counter() - began, 3)
    _progress(cfg, f"songs: {summary.song_files:,} files in {summary.seconds_songs:.1f} s")

    began = time.perf_counter()
    summary.bytes_written += write_text(out / "log_json_path.json", log_json_path_text())
    start = datetime(cfg.start_date.year, cfg.start_date.month, cfg.start_date.day, tzinfo=UTC)
    start_ms = int(start.timestamp()) * 1000
    period_end_ms = start_ms + cfg.days * DAY_MS
    expected_plays = int(cfg.events_per_day * cfg.days * 0.85 * (1 - cfg.match_share))
    matchable, unmatched = build_play_pools(catalog, expected_plays, _seeded(cfg.seed, "plays"))
    simulator = SessionSimulator(
        cfg,
        build_listeners(cfg, start_ms, _seeded(cfg.seed, "users")),
        matchable,
        unmatched,
        _seeded(cfg.seed, "activity"),
    )
    carry: list[tuple[int, int, str]] = []
    # One background writer: day N is written while day N+1 is simulated (at most two days in memory).
    with ThreadPoolExecutor(max_workers=1) as writer:
        pending: Future[int] | None = None
        for day_index in range(cfg.days):
            day_rng = _seeded(cfg.seed, f"day:{day_index}")
            day_start = start_ms + day_index * DAY_MS
            day_end = day_start + DAY_MS
            events = [e for e in carry if e[0] < day_end]
            carry = [e for e in carry if e[0] >= day_end]
            for event in simulator.day_sessions(day_rng, day_start, cfg.events_per_day):
                if event[0] < day_end:
                    events.append(event)
                elif event[0] < period_end_ms:
                    carry.append(event)  # sessions running past midnight continue in the next day's file
                else:
                    summary.events_dropped_after_period += 1
            events.sort()
            event_count = len(events)
            lines = _with_duplicates([line for _, _, line in events], cfg.quirks.duplicate_event, day_rng)
            del events
            summary.duplicate_events += len(lines) - event_count
            summary.events_written += len(lines)
            day_iso = (start + timedelta(days=day_index)).date().isoformat()
            if pending is not None:
                summary.bytes_written += pending.result()
            pending = writer.submit(write_lines, out / log_relative_path(day_iso), lines)
            written_today = len(lines)
            del lines
            summary.log_files += 1
            _progress(
                cfg,
                f"logs: day {day_index + 1}/{cfg.days} {day_iso}: {written_today:,} events "
                f"({time.perf_counter() - began:.1f} s)",
            )
        if pending is not None:
            summary.bytes_written += pending.result()
    summary.events_dropped_after_period += len(carry)

    counts = simulator.counts
    summary.sessions = counts.sessions
    summary.next_song_plays = counts.next_song
    summary.matched_plays = counts.matched_plays
    summary.match_share_actual = (
        round(counts.matched_plays / counts.next_song, 4) if counts.next_song else 0.0
    )
    summary.double_encoded_plays = counts.double_encoded_plays
    summary.case_variant_plays = counts.case_variant_plays
    summary.length_jittered_plays = counts.jittered_plays
    summary.level_changes = counts.level_changes
    summary.logged_out_events = counts.logged_out
    summary.pages = dict(sorted(counts.pages.items()))
    summary.seconds_logs = round(time.perf_counter() - began, 3)
    return summary


def _with_duplicates(lines: list[str], share: float, rng: random.Random) -> list[str]:
    """Re-deliver a share of events right after themselves; a third differ only before cleaning."""
    if share <= 0:
        return lines
    result: list[str] = []
    append = result.append
    draw = rng.random
    for line in lines:
        append(line)
        if draw() < share:
            append(cleaned_equal_variant(line) if draw() < 0.33 else line)
    return result
