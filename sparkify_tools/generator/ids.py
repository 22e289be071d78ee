"""Identifiers shaped like the Million Song Dataset ones in the real catalog.

Real ids are a two-letter kind, five random characters, a five-character block drawn from a
small set (e.g. "1187B" for artists, "12A8C" for songs, "128F4" for tracks) and six hex digits.
"""

from __future__ import annotations

import random
import string

_LETTERS = string.ascii_uppercase
_ALNUM = string.ascii_uppercase + string.digits
_HEX = "0123456789ABCDEF"

# Middle blocks with their approximate real frequencies.
_ARTIST_BLOCKS = (("1187B", 51), ("1187F", 41), ("11F4C", 2), ("11C8A", 2), ("11E28", 1), ("12086", 1))
_SONG_BLOCKS = (("12AB0", 29), ("12A8C", 27), ("12A6D", 16), ("12A58", 8), ("12A67", 4), ("12AF7", 3))
_TRACK_BLOCKS = (("128F4", 32), ("128F9", 30), ("12903", 19), ("128F1", 13), ("128E0", 4), ("128EF", 2))


class IdFactory:
    """Draws unique ids from one RNG, so a seed always yields the same ids in the same order."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._used: set[str] = set()

    def _draw(self, kind: str, head_chars: str, blocks: tuple[tuple[str, int], ...]) -> str:
        rng = self._rng
        names = [b for b, _ in blocks]
        weights = [w for _, w in blocks]
        while True:
            head = "".join(rng.choice(head_chars) for _ in range(5))
            block = rng.choices(names, weights)[0]
            tail = "".join(rng.choice(_HEX) for _ in range(6))
            candidate = f"{kind}{head}{block}{tail}"
            if candidate not in self._used:
                self._used.add(candidate)
                return candidate

    def artist_id(self) -> str:
        return self._draw("AR", _ALNUM, _ARTIST_BLOCKS)

    def song_id(self) -> str:
        return self._draw("SO", _LETTERS, _SONG_BLOCKS)

    def track_id(self) -> str:
        return self._draw("TR", _LETTERS, _TRACK_BLOCKS)


def track_relative_path(track_id: str) -> str:
    """song_data/A/B/C/TRABC...json: the folders are characters 3-5 of the track id."""
    return f"song_data/{track_id[2]}/{track_id[3]}/{track_id[4]}/{track_id}.json"
