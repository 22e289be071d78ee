"""Parameters of one generator run."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

SONG_FORMATS = ("sample", "full")


@dataclass(frozen=True)
class QuirkRates:
    """How often each real-data quirk is injected.

    Rates are shares of songs, artists or events; the ``min_*`` floors make sure that even the
    small default sample contains every quirk at least once, so tests can rely on them.
    """

    song_year_zero: float = 0.32  # real catalog: 32 %
    artist_no_coordinates: float = 0.65  # real: 65 % of songs lack lat/long
    artist_location_empty: float = 0.40  # real: 45 % ""
    artist_location_null: float = 0.002  # real: 1 song in 14,896; floored to one
    numeric_artist_name: float = 0.003
    numeric_title: float = 0.003
    numeric_location: float = 0.003
    padded_title: float = 0.01  # leading/trailing spaces, sometimes U+00A0
    padded_artist_name: float = 0.01
    padded_location: float = 0.004
    non_ascii_artist: float = 0.05
    non_ascii_title: float = 0.04
    control_char_text: float = 0.003
    html_location: float = 0.002
    artist_name_variant: float = 0.12  # of multi-song artists: "X featuring Y" on some songs
    artist_location_variant: float = 0.05  # of multi-song artists: another place / blank on some songs
    same_title_other_version: float = 0.01  # extra song: same title+artist, other duration
    duplicate_song_id_file: float = 0.002  # not in the real data: a song_id written to two files
    double_encoded_play: float = 0.75  # share of non-ASCII plays written double-encoded (real: all)
    case_variant_play: float = 0.02  # matched plays whose title case differs from the catalog
    length_jitter_play: float = 0.03  # matched plays whose length is not exactly the duration
    duplicate_event: float = 0.003  # events written twice (some differ only before cleaning)
    min_each: int = 1
    min_same_title_versions: int = 2


@dataclass(frozen=True)
class GeneratorConfig:
    out: Path
    seed: int = 42
    songs: int = 200
    artists: int | None = None  # None: songs / 1.56, the real catalog's ratio
    users: int = 100
    days: int = 5
    start_date: date = date(2018, 11, 1)
    events_per_day: int = 300
    match_share: float = 0.3
    song_format: str = "sample"
    force: bool = False
    progress: bool = False
    quirks: QuirkRates = field(default_factory=QuirkRates)

    @property
    def artist_count(self) -> int:
        if self.artists is not None:
            return self.artists
        return max(1, round(self.songs / 1.56))

    def validate(self) -> None:
        problems = []
        if self.songs < 1:
            problems.append("songs must be >= 1")
        if not 1 <= self.artist_count <= self.songs:
            problems.append("artists must be between 1 and songs")
        if self.users < 1:
            problems.append("users must be >= 1")
        if self.days < 1:
            problems.append("days must be >= 1")
        if self.events_per_day < 0:
            problems.append("events_per_day must be >= 0")
        if not 0.0 <= self.match_share <= 1.0:
            problems.append("match_share must be within [0, 1]")
        if self.song_format not in SONG_FORMATS:
            problems.append(f"song_format must be one of {SONG_FORMATS}")
        if problems:
            raise ValueError("; ".join(problems))
