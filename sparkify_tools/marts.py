"""The five marts analysts query and their keys: the one list the tools and the tests use."""

from __future__ import annotations

MART_KEYS: dict[str, str] = {
    "songplays": "songplay_id",
    "users": "user_id",
    "songs": "song_id",
    "artists": "artist_id",
    "time": "start_time",
}
MART_NAMES: tuple[str, ...] = tuple(MART_KEYS)
