"""``sparkify-generate``: write synthetic Sparkify raw data shaped like the real files."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from sparkify_tools.generator import GeneratorConfig, generate
from sparkify_tools.generator.config import SONG_FORMATS, QuirkRates


def _share(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} is not within [0, 1]")
    return value


def build_parser() -> argparse.ArgumentParser:
    defaults = GeneratorConfig(out=Path("."))
    quirk_defaults = QuirkRates()
    parser = argparse.ArgumentParser(
        prog="sparkify-generate",
        description="Write song_data/ and log_data/ in the layout and JSON shapes of the real Sparkify data.",
    )
    parser.add_argument("--out", type=Path, default=Path("data/raw"), help="output folder [%(default)s]")
    parser.add_argument("--force", action="store_true", help="replace generated data in a non-empty --out")
    parser.add_argument("--seed", type=int, default=defaults.seed, help="same seed and flags, same bytes")
    parser.add_argument("--songs", type=int, default=defaults.songs, help="song files [%(default)s]")
    parser.add_argument("--artists", type=int, default=None, help="artists [songs / 1.56]")
    parser.add_argument("--users", type=int, default=defaults.users, help="listeners [%(default)s]")
    parser.add_argument("--days", type=int, default=defaults.days, help="days of logs [%(default)s]")
    parser.add_argument(
        "--start-date", type=date.fromisoformat, default=defaults.start_date, help="first day [%(default)s]"
    )
    parser.add_argument(
        "--events-per-day", type=int, default=defaults.events_per_day, help="about this many [%(default)s]"
    )
    parser.add_argument(
        "--match-share",
        type=_share,
        default=defaults.match_share,
        help="share of NextSong plays whose song is in song_data [%(default)s]",
    )
    parser.add_argument(
        "--double-encoded-share",
        type=_share,
        default=quirk_defaults.double_encoded_play,
        help="share of non-ASCII plays written double-encoded [%(default)s]",
    )
    parser.add_argument(
        "--duplicate-share",
        type=_share,
        default=quirk_defaults.duplicate_event,
        help="share of events delivered twice [%(default)s]",
    )
    parser.add_argument(
        "--song-format",
        choices=SONG_FORMATS,
        default=defaults.song_format,
        help="sample: the sample's key order and ', ' separators; full: the full set's sorted compact keys",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    quirks = QuirkRates(double_encoded_play=args.double_encoded_share, duplicate_event=args.duplicate_share)
    cfg = GeneratorConfig(
        out=args.out,
        seed=args.seed,
        songs=args.songs,
        artists=args.artists,
        users=args.users,
        days=args.days,
        start_date=args.start_date,
        events_per_day=args.events_per_day,
        match_share=args.match_share,
        song_format=args.song_format,
        force=args.force,
        progress=not args.quiet,
        quirks=quirks,
    )
    try:
        summary = generate(cfg)
    except (FileExistsError, ValueError) as exc:
        print(f"sparkify-generate: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(summary.to_dict(), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
