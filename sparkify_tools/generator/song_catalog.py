"""The synthetic song catalog: one record per song_data file, quirks included."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, replace

from . import quirks, vocabulary
from .config import GeneratorConfig
from .ids import IdFactory, track_relative_path

RawText = str | int | float  # the real catalog has numbers where strings belong


@dataclass(frozen=True)
class ArtistProfile:
    artist_id: str
    name: RawText
    location: RawText | None
    latitude: float | None
    longitude: float | None


@dataclass(frozen=True)
class SongRecord:
    """Exactly what one song file holds, plus the track id that names the file."""

    track_id: str
    song_id: str
    artist_id: str
    artist_name: RawText
    artist_location: RawText | None
    artist_latitude: float | None
    artist_longitude: float | None
    title: RawText
    duration: float
    year: int
    # False for the second file of a duplicated song_id, so plays are not drawn twice for it.
    playable: bool = True

    @property
    def relative_path(self) -> str:
        return track_relative_path(self.track_id)


@dataclass
class SongCatalog:
    songs: list[SongRecord]
    quirk_counts: Counter[str]


def _pick(rng: random.Random, pool: list[int], rate: float, floor: int) -> list[int]:
    """Remove and return ``max(floor, rate * len)`` random indices from ``pool`` (keeps quirks disjoint)."""
    if not pool:
        return []
    wanted = min(len(pool), max(floor, round(rate * len(pool))))
    chosen = rng.sample(pool, wanted)
    chosen_set = set(chosen)
    pool[:] = [i for i in pool if i not in chosen_set]
    return chosen


def _rounded(rng: random.Random, value: float) -> float:
    # Real durations and coordinates mostly carry 5 decimals, some 4 or 3.
    roll = rng.random()
    digits = 5 if roll < 0.88 else 4 if roll < 0.98 else 3
    return round(value, digits)


def _synthetic_artist_name(rng: random.Random) -> str:
    words = vocabulary.ARTIST_WORDS
    roll = rng.random()
    if roll < 0.3:
        return f"The {rng.choice(words)} {rng.choice(words)}"
    if roll < 0.55:
        return f"{rng.choice(vocabulary.PERSON_FIRST)} {rng.choice(vocabulary.PERSON_LAST)}"
    if roll < 0.75:
        return f"{rng.choice(words)} {rng.choice(words)}"
    if roll < 0.85:
        first, last = rng.choice(vocabulary.PERSON_FIRST), rng.choice(vocabulary.PERSON_LAST)
        return f"{first} {last} & The {rng.choice(words)}"
    return f"{rng.choice(words)}{rng.choice(words).lower()}"


def synthetic_title(rng: random.Random) -> str:
    words = vocabulary.TITLE_WORDS
    count = rng.choice((1, 2, 2, 2, 3, 3, 4))
    title = " ".join(rng.choice(words) for _ in range(count))
    if rng.random() < 0.1:
        title += rng.choice(vocabulary.TITLE_SUFFIXES)
    return title


def _coordinates(rng: random.Random) -> tuple[float, float]:
    return _rounded(rng, rng.uniform(-40.0, 62.0)), _rounded(rng, rng.uniform(-124.0, 150.0))


def _build_artists(
    cfg: GeneratorConfig, rng: random.Random, ids: IdFactory, counts: Counter[str]
) -> list[ArtistProfile]:
    q = cfg.quirks
    n = cfg.artist_count
    artist_ids = [ids.artist_id() for _ in range(n)]

    name_pool = list(range(n))
    numeric = set(_pick(rng, name_pool, q.numeric_artist_name, q.min_each))
    non_ascii = _pick(rng, name_pool, q.non_ascii_artist, q.min_each)
    control = set(_pick(rng, name_pool, q.control_char_text, q.min_each))
    non_ascii_names: dict[int, str] = {}
    for k, index in enumerate(non_ascii):
        base = vocabulary.NON_ASCII_ARTISTS[k % len(vocabulary.NON_ASCII_ARTISTS)]
        # Past the end of the list, derive new names rather than repeat one for unrelated artists.
        rounds = k // len(vocabulary.NON_ASCII_ARTISTS)
        non_ascii_names[index] = (
            base if rounds == 0 else f"{base} & The {rng.choice(vocabulary.ARTIST_WORDS)}"
        )
    text_pool = [i for i in range(n) if i not in numeric]
    padded = set(_pick(rng, text_pool, q.padded_artist_name, q.min_each))

    loc_pool = list(range(n))
    loc_null = set(_pick(rng, loc_pool, q.artist_location_null, q.min_each))
    loc_numeric = set(_pick(rng, loc_pool, q.numeric_location, q.min_each))
    loc_html = set(_pick(rng, loc_pool, q.html_location, q.min_each))
    loc_empty = set(_pick(rng, loc_pool, q.artist_location_empty, 0))
    loc_padded = set(_pick(rng, loc_pool, q.padded_location, q.min_each))

    seen_names: set[str] = set()
    artists = []
    for i, artist_id in enumerate(artist_ids):
        name: RawText
        if i in numeric:
            name = quirks.numeric_value(rng)
            counts["numeric_artist_name"] += 1
        elif i in non_ascii_names:
            name = non_ascii_names[i]
        elif i in control:
            name = rng.choice(vocabulary.CONTROL_CHAR_ARTISTS)
        else:
            # Unique where we can: accidental namesakes would blur which songs a play can match.
            name = _synthetic_artist_name(rng)
            for _ in range(5):
                if name not in seen_names:
                    break
                name = _synthetic_artist_name(rng)
        if isinstance(name, str):
            seen_names.add(name)
            if i in padded:
                name = quirks.pad(rng, name)

        location: RawText | None
        if i in loc_null:
            location = None
        elif i in loc_numeric:
            location = quirks.numeric_value(rng)
        elif i in loc_html:
            location = quirks.html_location(rng, str(name))
        elif i in loc_empty:
            location = ""
        else:
            location = rng.choice(vocabulary.ARTIST_LOCATIONS)
            if i in loc_padded:
                location = quirks.pad(rng, location)
        lat: float | None = None
        lon: float | None = None
        if rng.random() >= q.artist_no_coordinates:
            lat, lon = _coordinates(rng)
        artists.append(ArtistProfile(artist_id, name, location, lat, lon))
    return artists


def _title_for(rng: random.Random, kind: str, ordinal: int) -> RawText:
    if kind == "numeric":
        # The first numeric title is a float, like the real 4.6.
        return 4.6 if ordinal == 0 else quirks.numeric_value(rng, allow_float=True)
    if kind == "non_ascii":
        # The first one is always the title whose double-encoded form ends in U+00A0.
        titles = vocabulary.NON_ASCII_TITLES
        return "Ces Gens Là" if ordinal == 0 else titles[rng.randrange(len(titles))]
    if kind == "control":
        return rng.choice(vocabulary.CONTROL_CHAR_TITLES)
    return synthetic_title(rng)


def _duration(rng: random.Random) -> float:
    return _rounded(rng, min(2709.0, max(6.4, rng.lognormvariate(5.42, 0.38))))


def _year(rng: random.Random, zero_share: float) -> int:
    if rng.random() < zero_share:
        return 0
    return int(rng.triangular(1950, 2011, 2006))


def build_catalog(cfg: GeneratorConfig, rng: random.Random) -> SongCatalog:
    q = cfg.quirks
    counts: Counter[str] = Counter()
    ids = IdFactory(rng)
    artists = _build_artists(cfg, rng, ids, counts)

    extra_budget = cfg.songs - len(artists)
    versions = min(
        max(0, extra_budget), max(q.min_same_title_versions, round(q.same_title_other_version * cfg.songs))
    )
    extra_budget -= versions
    dup_files = min(max(0, extra_budget), max(q.min_each, round(q.duplicate_song_id_file * cfg.songs)))
    base_count = cfg.songs - versions - dup_files

    # Every artist gets one song; the rest go to a few prolific artists, as in the real catalog
    # where 65 % of artists have a single song and a handful have nine.
    owners = list(range(len(artists)))
    rng.shuffle(owners)
    weights = [1.0 / (rank + 1) ** 0.8 for rank in range(len(artists))]
    owners += rng.choices(range(len(artists)), weights, k=base_count - len(artists))

    pool = list(range(base_count))
    title_kind: dict[int, str] = {}
    for kind, rate in (
        ("numeric", q.numeric_title),
        ("non_ascii", q.non_ascii_title),
        ("control", q.control_char_text),
    ):
        for index in _pick(rng, pool, rate, q.min_each):
            title_kind[index] = kind
    text_titles = [i for i in range(base_count) if title_kind.get(i) != "numeric"]
    padded_titles = _pick(rng, text_titles, q.padded_title, q.min_each)
    nbsp_title = padded_titles[0] if padded_titles else -1
    padded_titles_set = set(padded_titles)

    songs_by_artist: dict[int, list[int]] = {}
    for song_index, owner in enumerate(owners):
        songs_by_artist.setdefault(owner, []).append(song_index)
    multi = [a for a in range(len(artists)) if len(songs_by_artist.get(a, [])) > 1]
    multi_for_names = [a for a in multi if isinstance(artists[a].name, str)]
    name_variant = set(_pick(rng, multi_for_names, q.artist_name_variant, q.min_each))
    location_variant = set(_pick(rng, list(multi), q.artist_location_variant, q.min_each))

    kind_ordinal: Counter[str] = Counter()
    songs: list[SongRecord] = []
    for song_index, owner in enumerate(owners):
        artist = artists[owner]
        kind = title_kind.get(song_index, "plain")
        title = _title_for(rng, kind, kind_ordinal[kind])
        kind_ordinal[kind] += 1
        if song_index in padded_titles_set and isinstance(title, str):
            title = title + "\u00a0" if song_index == nbsp_title else quirks.pad(rng, title)
        name, location, lat, lon = artist.name, artist.location, artist.latitude, artist.longitude
        # Not on an artist's first song, so its other records still carry the plain values.
        later_song = songs_by_artist[owner][0] != song_index
        if later_song and owner in name_variant and rng.random() < 0.6:
            guest = _synthetic_artist_name(rng)
            joiner = rng.choice((" featuring ", " feat. ", " / ", "_ "))
            name = f"{str(name).strip()}{joiner}{guest}"
            counts["artist_name_variant_song"] += 1
        if later_song and owner in location_variant and rng.random() < 0.6:
            if rng.random() < 0.5:
                location, lat, lon = "", None, None
            else:
                location = rng.choice(vocabulary.ARTIST_LOCATIONS)
                lat, lon = _coordinates(rng)
            counts["artist_location_variant_song"] += 1
        songs.append(
            SongRecord(
                track_id=ids.track_id(),
                song_id=ids.song_id(),
                artist_id=artist.artist_id,
                artist_name=name,
                artist_location=location,
                artist_latitude=lat,
                artist_longitude=lon,
                title=title,
                duration=_duration(rng),
                year=_year(rng, q.song_year_zero),
            )
        )

    with_text_title = [s for s in songs if isinstance(s.title, str)]
    for original in rng.sample(with_text_title, min(versions, len(with_text_title))):
        # Another cut of the same song: nearest-duration matching must tell them apart.
        shift = rng.uniform(3.0, 60.0) * rng.choice((-1, 1))
        duration = _rounded(rng, max(6.4, original.duration + shift))
        songs.append(replace(original, track_id=ids.track_id(), song_id=ids.song_id(), duration=duration))
        counts["same_title_other_version"] += 1

    for original in rng.sample(songs[:base_count], min(dup_files, base_count)):
        # Same song_id in a second file with other year/location: the smallest path must win.
        songs.append(
            replace(
                original,
                track_id=ids.track_id(),
                year=0 if original.year else 1999,
                artist_location="",
                artist_latitude=None,
                artist_longitude=None,
                playable=False,
            )
        )
        counts["duplicate_song_id_file"] += 1

    for song in songs:
        _count_song_quirks(song, counts)
    return SongCatalog(songs=songs, quirk_counts=counts)


def _count_song_quirks(song: SongRecord, counts: Counter[str]) -> None:
    title, name, location = song.title, song.artist_name, song.artist_location
    counts["year_zero"] += song.year == 0
    counts["null_coordinates"] += song.artist_latitude is None
    counts["empty_location"] += location == ""
    counts["null_location"] += location is None
    counts["numeric_title"] += not isinstance(title, str)
    counts["numeric_location"] += isinstance(location, int | float)
    counts["numeric_artist_name_song"] += not isinstance(name, str)
    counts["html_location"] += isinstance(location, str) and location.startswith("<a ")
    counts["padded_title"] += isinstance(title, str) and title != title.strip()
    counts["padded_artist_name"] += isinstance(name, str) and name != name.strip()
    counts["non_ascii_title"] += isinstance(title, str) and not title.isascii()
    counts["non_ascii_artist_name"] += isinstance(name, str) and not name.isascii()
