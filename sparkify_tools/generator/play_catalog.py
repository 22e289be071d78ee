"""What listeners play: catalog songs (matchable) and songs that song_data does not have.

Everything a NextSong line needs is JSON-encoded once here, so the per-event cost stays a
string format rather than a json.dumps call.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections import Counter
from dataclasses import dataclass
from itertools import accumulate

from . import quirks, vocabulary
from .raw_writer import json_text
from .song_catalog import SongCatalog, synthetic_title


@dataclass(frozen=True, slots=True)
class Play:
    artist: str  # JSON text
    song: str  # JSON text
    length: str  # JSON text
    duration: float
    artist_mangled: str | None  # double-encoded JSON text when the artist is non-ASCII
    song_mangled: str | None
    song_case_variant: str | None


def _play(artist: str, title: str, duration: float, case_variant: bool) -> Play:
    mangle = not (artist.isascii() and title.isascii())
    variant = None
    if case_variant and title.isascii() and title.strip():
        variant = json_text(quirks.case_variant(title))
    return Play(
        artist=json_text(artist),
        song=json_text(title),
        length=json_text(duration),
        duration=duration,
        artist_mangled=json_text(quirks.double_encode(artist)) if mangle else None,
        song_mangled=json_text(quirks.double_encode(title)) if mangle else None,
        song_case_variant=variant,
    )


def _match_key(artist: str, title: str) -> tuple[str, str]:
    return title.strip().lower(), artist.strip().lower()


class WeightedPlays:
    """Zipf-like popularity: a few hits, a long tail (real: 5,295 distinct songs in 6,820 plays)."""

    def __init__(
        self, plays: list[Play], exponent: float, rng: random.Random, featured: list[Play] | None = None
    ) -> None:
        self.plays = list(plays)
        rng.shuffle(self.plays)
        if featured:
            # Quirky songs get every third of the top ranks, so even a tiny sample plays each of them.
            featured_ids = {id(p) for p in featured}
            rest = [p for p in self.plays if id(p) not in featured_ids]
            self.plays = []
            for rank, play in enumerate(featured):
                self.plays += [play, *rest[2 * rank : 2 * rank + 2]]
            self.plays += rest[2 * len(featured) :]
        self._cum = list(accumulate(1.0 / (rank + 1) ** exponent for rank in range(len(self.plays))))
        self._total = self._cum[-1] if self._cum else 0.0

    def __len__(self) -> int:
        return len(self.plays)

    def draw(self, rng: random.Random) -> Play:
        return self.plays[min(bisect(self._cum, rng.random() * self._total), len(self.plays) - 1)]


def build_play_pools(
    catalog: SongCatalog, expected_plays: int, rng: random.Random
) -> tuple[WeightedPlays, WeightedPlays]:
    """Return (matchable, unmatched) pools."""
    matchable: list[Play] = []
    featured: list[Play] = []
    title_artist_counts = Counter(_match_key(str(s.artist_name), str(s.title)) for s in catalog.songs)
    taken: set[tuple[str, str]] = set()
    artist_names: list[str] = []
    titles: list[str] = []
    for song in catalog.songs:
        artist, title = str(song.artist_name), str(song.title)
        taken.add(_match_key(artist, title))
        if song.playable:
            play = _play(artist, title, song.duration, case_variant=True)
            matchable.append(play)
            quirky = not (isinstance(song.title, str) and isinstance(song.artist_name, str))
            quirky |= not (artist + title).isascii() or artist != artist.strip() or title != title.strip()
            quirky |= title_artist_counts[_match_key(artist, title)] > 1
            if quirky:
                featured.append(play)
            artist_names.append(artist)
            titles.append(title)

    # Real: 4,452 of 6,820 plays name a catalog artist, 838 a catalog title, 341 match both.
    size = min(120_000, max(500, expected_plays // 3))
    unmatched: list[Play] = []
    while len(unmatched) < size:
        roll = rng.random()
        if roll < 0.35:
            artist, title = rng.choice(artist_names), synthetic_title(rng)
        elif roll < 0.45:
            artist, title = _outside_artist(rng), rng.choice(titles)
        else:
            artist, title = _outside_artist(rng), synthetic_title(rng)
        if rng.random() < 0.04:
            title = rng.choice(vocabulary.NON_ASCII_TITLES)
        key = _match_key(artist, title)
        if key in taken:
            continue
        taken.add(key)
        duration = round(min(2000.0, max(20.0, rng.lognormvariate(5.45, 0.3))), 5)
        unmatched.append(_play(artist, title, duration, case_variant=False))
    return WeightedPlays(matchable, 0.5, rng, featured), WeightedPlays(unmatched, 0.6, rng)


def _outside_artist(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.05:
        return f"{rng.choice(vocabulary.NON_ASCII_ARTISTS)} feat. {rng.choice(vocabulary.PERSON_LAST)}"
    first, last = rng.choice(vocabulary.PERSON_FIRST), rng.choice(vocabulary.PERSON_LAST)
    if roll < 0.5:
        return f"{first} {last}"
    return f"The {rng.choice(vocabulary.ARTIST_WORDS)} {rng.choice(vocabulary.TITLE_WORDS)}s"
