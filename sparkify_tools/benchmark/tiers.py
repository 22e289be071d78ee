"""The data tiers the benchmark runs on, and how each one's raw folder is made ready.

Real tiers take a path (the sample as it is; the full song set unpacked from its archive beside
the sample's logs); generated tiers run the generator once and are cached under a folder named by
their parameters, so a second benchmark run skips generation. Also here: the incremental
delivery, a folder that holds every log file but the last (by name) and then gets the last.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import tarfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

LOG_FILES = "log_data/*/*/*.json"
SONG_FILES = "song_data/*/*/*/*.json"
_COMPLETE = ".complete"
_STATS = ".raw_stats.json"


class TierError(RuntimeError):
    """A tier's raw data cannot be found or prepared; the message names what is wrong."""


@dataclass(frozen=True)
class Tier:
    name: str
    description: str
    # 'sample': a folder used as it is; 'full': the full song archive + the sample's logs;
    # 'generated': sparkify-generate with ``generator`` as GeneratorConfig fields
    kind: str
    generator: dict[str, object] = field(default_factory=dict)


# users: about one listener per 500 events a month, near the real sample's 96 per 8,056.
TIERS: dict[str, Tier] = {
    tier.name: tier
    for tier in (
        Tier(
            "tiny",
            "generated, 3 days x 300 events, 200 songs (smoke test)",
            "generated",
            {"seed": 11, "days": 3, "events_per_day": 300, "songs": 200, "users": 30},
        ),
        Tier("sample", "real Udacity sample: 71 songs, 30 days, 8,056 events", "sample"),
        Tier("full", "real full song set (14,896 files) + the sample's 30 days of logs", "full"),
        Tier(
            "1m",
            "generated, 30 days, ~1M events, 20k songs",
            "generated",
            {"seed": 1, "days": 30, "events_per_day": 33_334, "songs": 20_000, "users": 2_000},
        ),
        Tier(
            "10m",
            "generated, 30 days, ~10M events, 100k songs",
            "generated",
            {"seed": 1, "days": 30, "events_per_day": 333_334, "songs": 100_000, "users": 20_000},
        ),
    )
}


@dataclass
class RawStats:
    """What a raw folder holds: the size figures the benchmark divides by."""

    log_files: int
    song_files: int
    log_lines: int
    bytes: int

    @property
    def records(self) -> int:
        """Input records: log lines plus song files (one object each)."""
        return self.log_lines + self.song_files

    def to_dict(self) -> dict[str, int]:
        return {**asdict(self), "records": self.records}


@dataclass
class PreparedTier:
    tier: Tier
    raw_dir: Path
    stats: RawStats
    prepare_seconds: float


def _progress(message: str) -> None:
    print(f"[benchmark] {message}", file=sys.stderr, flush=True)


def _count_lines(path: Path) -> int:
    """Non-empty lines: a last line without a newline counts, blank lines do not."""
    lines = 0
    with path.open("rb") as handle:
        tail = b"\n"
        while chunk := handle.read(1 << 24):
            lines += chunk.count(b"\n") - chunk.count(b"\n\n")
            tail = chunk[-1:]
        if tail != b"\n":
            lines += 1
    return lines


def raw_stats(raw_dir: Path) -> RawStats:
    """Count files, lines and bytes of a raw folder (cached beside generated data)."""
    cached = raw_dir / _STATS
    if cached.is_file():
        return RawStats(**{k: v for k, v in json.loads(cached.read_text()).items() if k != "records"})
    log_files = sorted(raw_dir.glob(LOG_FILES))
    song_files = list(raw_dir.glob(SONG_FILES))
    return RawStats(
        log_files=len(log_files),
        song_files=len(song_files),
        log_lines=sum(_count_lines(path) for path in log_files),
        bytes=sum(path.stat().st_size for path in (*log_files, *song_files)),
    )


def check_raw_dir(raw_dir: Path) -> None:
    for part in ("song_data", "log_data"):
        if not (raw_dir / part).is_dir():
            raise TierError(f"{raw_dir} holds no {part}/ folder: not a Sparkify raw-data folder")
    if not any(raw_dir.glob(LOG_FILES)):
        raise TierError(f"{raw_dir}/log_data holds no files matching {LOG_FILES}")


def _cache_key(parameters: dict[str, object]) -> str:
    text = json.dumps(parameters, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _generate(tier: Tier, cache_dir: Path) -> Path:
    from sparkify_tools.generator import GeneratorConfig, generate

    target = cache_dir / f"generated-{tier.name}-{_cache_key(tier.generator)}"
    if (target / _COMPLETE).is_file():
        return target
    building = target.with_name(target.name + ".partial")
    shutil.rmtree(building, ignore_errors=True)
    _progress(f"generating tier {tier.name} into {target} (once; cached for later runs)")
    summary = generate(GeneratorConfig(out=building, progress=True, **tier.generator))  # type: ignore[arg-type]
    stats = raw_stats(building)
    (building / _STATS).write_text(json.dumps(stats.to_dict()))
    (building / _COMPLETE).write_text(json.dumps(summary.to_dict(), indent=2))
    shutil.rmtree(target, ignore_errors=True)
    # renamed only when complete: an interrupted generation is never mistaken for a cached tier
    building.rename(target)
    return target


def _unpack_full(archive: Path, sample_dir: Path, cache_dir: Path) -> Path:
    if not archive.is_file():
        raise TierError(f"full song archive {archive} not found (pass --full-archive PATH)")
    check_raw_dir(sample_dir)
    stat = archive.stat()
    target = cache_dir / f"real-full-{_cache_key({'archive': str(archive.resolve()), 'size': stat.st_size})}"
    if (target / _COMPLETE).is_file():
        return target
    building = target.with_name(target.name + ".partial")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    _progress(f"unpacking {archive} into {target} (once; cached for later runs)")
    with tarfile.open(archive) as tar:
        tar.extractall(building, filter="data")
    if not (building / "song_data").is_dir():
        raise TierError(f"{archive} holds no song_data/ folder at its top level")
    # the full song set comes with the same logs as the sample
    shutil.copytree(sample_dir / "log_data", building / "log_data")
    (building / _STATS).write_text(json.dumps(raw_stats(building).to_dict()))
    (building / _COMPLETE).write_text("unpacked\n")
    shutil.rmtree(target, ignore_errors=True)
    building.rename(target)
    return target


def prepare_tier(tier: Tier, *, cache_dir: Path, sample_dir: Path, full_archive: Path) -> PreparedTier:
    """Make the tier's raw folder ready (generate / unpack when not cached) and count what it holds."""
    began = time.perf_counter()
    cache_dir.mkdir(parents=True, exist_ok=True)
    if tier.kind == "sample":
        if not sample_dir.is_dir():
            raise TierError(f"sample folder {sample_dir} not found (pass --sample-dir PATH)")
        raw_dir = sample_dir
    elif tier.kind == "full":
        raw_dir = _unpack_full(full_archive, sample_dir, cache_dir)
    elif tier.kind == "generated":
        raw_dir = _generate(tier, cache_dir)
    else:
        raise TierError(f"tier {tier.name}: unknown kind {tier.kind!r}")
    raw_dir = raw_dir.resolve()
    check_raw_dir(raw_dir)
    return PreparedTier(tier, raw_dir, raw_stats(raw_dir), round(time.perf_counter() - began, 3))


@dataclass
class Delivery:
    """A raw folder filled in two steps for the incremental figure: all log files but the last, then it."""

    root: Path
    source: Path
    held_back: Path

    @property
    def held_back_lines(self) -> int:
        return _count_lines(self.source / self.held_back)

    def deliver_held_back(self) -> None:
        link = self.root / self.held_back
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(self.source / self.held_back)


def stage_delivery(source: Path, root: Path) -> Delivery:
    """``root`` as ``source`` with its last log file (by name: the newest day) held back.

    Links, not copies: the song files are one linked folder, each delivered log file one link.
    """
    log_files = sorted(path.relative_to(source) for path in source.glob(LOG_FILES))
    if len(log_files) < 2:
        raise TierError(
            f"{source} holds {len(log_files)} log file(s); the incremental figure needs 2 or more"
        )
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    (root / "song_data").symlink_to(source / "song_data", target_is_directory=True)
    for relative in log_files[:-1]:
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).symlink_to(source / relative)
    return Delivery(root=root, source=source, held_back=log_files[-1])
