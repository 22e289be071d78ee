"""Listening sessions, simulated day by day and rendered straight to log lines.

Modelled on the real November 2018 sample: sessions are mostly short with a long tail, the
next song starts floor(length) seconds after the previous one, a session keeps its sessionId
through logouts (the logged-out events carry userId ""), and a level change follows a
Submit Upgrade / Submit Downgrade event.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections import Counter
from dataclasses import dataclass, field
from itertools import accumulate

from . import quirks, vocabulary
from .config import GeneratorConfig
from .play_catalog import WeightedPlays
from .raw_writer import json_text

DAY_MS = 86_400_000

# page -> (method, status), as in every real event.
PAGE_META: dict[str, tuple[str, int]] = {
    "About": ("GET", 200),
    "Downgrade": ("GET", 200),
    "Error": ("GET", 404),
    "Help": ("GET", 200),
    "Home": ("GET", 200),
    "Login": ("PUT", 307),
    "Logout": ("PUT", 307),
    "NextSong": ("PUT", 200),
    "Save Settings": ("PUT", 307),
    "Settings": ("GET", 200),
    "Submit Downgrade": ("PUT", 307),
    "Submit Upgrade": ("PUT", 307),
    "Upgrade": ("GET", 200),
}

# Next page while logged in, tuned so the overall mix lands near the real one
# (NextSong 84.7 %, Home 10 %, Login/Logout 1.1 % each, Downgrade 0.7 %, ...).
_FREE_NEXT = {
    "NextSong": 0.872, "Home": 0.044, "Settings": 0.0075, "Help": 0.0062, "About": 0.0036,
    "Error": 0.0012, "Logout": 0.0135, "Upgrade": 0.01,
}  # fmt: skip
_PAID_NEXT = {
    "NextSong": 0.872, "Home": 0.044, "Settings": 0.0075, "Help": 0.0062, "About": 0.0036,
    "Error": 0.0012, "Logout": 0.0135, "Downgrade": 0.013,
}  # fmt: skip
P_SAVE_SETTINGS = 0.18
P_SUBMIT_UPGRADE = 0.3
P_SUBMIT_DOWNGRADE = 0.035
P_LOGIN_AFTER_LOGOUT = 0.45
P_START_LOGGED_OUT = 0.06
# Session length in events: lognormal, median ~4, mean ~8.5, as in the sample.
SESSION_MU, SESSION_SIGMA, SESSION_CAP = 1.55, 1.2, 400
# Hourly activity (UTC) of the real sample: quiet around 03:00, busiest around 16:00.
HOUR_WEIGHTS = (
    185, 201, 157, 130, 159, 206, 230, 219, 246, 311, 356, 391,
    368, 415, 504, 577, 626, 572, 579, 431, 397, 326, 247, 223,
)  # fmt: skip


def _cumulative(weights: dict[str, float]) -> tuple[list[str], list[float]]:
    pages = list(weights)
    return pages, list(accumulate(weights[p] for p in pages))


_FREE_PAGES, _FREE_CUM = _cumulative(_FREE_NEXT)
_PAID_PAGES, _PAID_CUM = _cumulative(_PAID_NEXT)


@dataclass
class Listener:
    user_id: str
    first_name: str
    last_name: str
    gender: str
    location: str
    registration_ms: int
    user_agent: str
    level: str
    busy_until: int = 0
    _json: dict[str, str] = field(default_factory=dict, repr=False)
    _song_templates: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._json = {
            "firstName": _fixed(self.first_name),
            "gender": _fixed(self.gender),
            "lastName": _fixed(self.last_name),
            "location": _fixed(self.location),
            "registration": _fixed(float(self.registration_ms)),
            "userAgent": _fixed(quirks.quote_user_agent(self.user_agent)),
            "userId": _fixed(self.user_id),
        }

    def template(self, page: str, level: str) -> str:
        """The line for this user/page/level with %-slots left for the per-event values."""
        if page != "NextSong":
            # Not cached: with many users, one cached line per user, page and level costs gigabytes.
            return _logged_in_template(self._json, page, level)
        cached = self._song_templates.get(level)
        if cached is None:
            cached = self._song_templates[level] = _logged_in_template(self._json, page, level)
        return cached


def _fixed(value: str | int | float | None) -> str:
    # Escaped for %-formatting: names and agents may contain "%".
    return json_text(value).replace("%", "%%")


_PAGE_JSON = {
    page: (_fixed(method), _fixed(page), str(status)) for page, (method, status) in PAGE_META.items()
}
_LEVEL_JSON = {level: _fixed(level) for level in ("free", "paid")}


def _logged_in_template(user: dict[str, str], page: str, level: str) -> str:
    method, page_json, status = _PAGE_JSON[page]
    song_slot = page == "NextSong"
    return (
        '{"artist":' + ("%s" if song_slot else "null")
        + ',"auth":"Logged In","firstName":' + user["firstName"]
        + ',"gender":' + user["gender"]
        + ',"itemInSession":%d,"lastName":' + user["lastName"]
        + ',"length":' + ("%s" if song_slot else "null")
        + ',"level":' + _LEVEL_JSON[level]
        + ',"location":' + user["location"]
        + ',"method":' + method
        + ',"page":' + page_json
        + ',"registration":' + user["registration"]
        + ',"sessionId":%d,"song":' + ("%s" if song_slot else "null")
        + ',"status":' + status
        + ',"ts":%d,"userAgent":' + user["userAgent"]
        + ',"userId":' + user["userId"]
        + "}"
    )  # fmt: skip


_LOGGED_OUT_TEMPLATES: dict[tuple[str, str], str] = {}


def logged_out_template(page: str, level: str) -> str:
    key = (page, level)
    cached = _LOGGED_OUT_TEMPLATES.get(key)
    if cached is None:
        method, status = PAGE_META[page]
        cached = (
            '{"artist":null,"auth":"Logged Out","firstName":null,"gender":null,"itemInSession":%d,'
            '"lastName":null,"length":null,"level":' + _fixed(level) + ',"location":null,"method":'
            + _fixed(method) + ',"page":' + _fixed(page) + ',"registration":null,"sessionId":%d,'
            '"song":null,"status":' + str(status) + ',"ts":%d,"userAgent":null,"userId":""}'
        )  # fmt: skip
        _LOGGED_OUT_TEMPLATES[key] = cached
    return cached


def build_listeners(cfg: GeneratorConfig, start_ms: int, rng: random.Random) -> list[Listener]:
    # Real user ids are small integers with gaps (2..101 without 31, 46, 93 in the sample).
    id_pool = rng.sample(range(2, cfg.users + max(2, cfg.users // 12) + 2), cfg.users)
    listeners = []
    for number in sorted(id_pool):
        gender = rng.choice("FFM")  # the sample's events are 70 % female
        first = rng.choice(vocabulary.USER_FIRST_F if gender == "F" else vocabulary.USER_FIRST_M)
        listeners.append(
            Listener(
                user_id=str(number),
                first_name=first,
                last_name=rng.choice(vocabulary.USER_LAST),
                gender=gender,
                location=rng.choice(vocabulary.USER_LOCATIONS),
                registration_ms=start_ms - rng.randrange(12 * 3_600_000, 40 * DAY_MS),
                user_agent=rng.choice(vocabulary.USER_AGENTS),
                level="paid" if rng.random() < 0.45 else "free",
            )
        )
    return listeners


@dataclass
class EventCounts:
    events: int = 0
    next_song: int = 0
    matched_plays: int = 0
    double_encoded_plays: int = 0
    case_variant_plays: int = 0
    jittered_plays: int = 0
    logged_out: int = 0
    sessions: int = 0
    pages: Counter[str] = field(default_factory=Counter)
    level_changes: int = 0


class SessionSimulator:
    """Runs sessions for consecutive days; keeps users' levels and the session counter across days."""

    def __init__(
        self,
        cfg: GeneratorConfig,
        listeners: list[Listener],
        matchable: WeightedPlays,
        unmatched: WeightedPlays,
        rng: random.Random,
    ) -> None:
        self.cfg = cfg
        self.listeners = listeners
        self.matchable = matchable
        self.unmatched = unmatched
        activity = [rng.lognormvariate(0.0, 1.0) for _ in listeners]
        self._user_cum = list(accumulate(activity))
        self._next_session_id = rng.randrange(1, 50)
        self.counts = EventCounts()
        self._seq = 0
        self._planned = 0  # sum of drawn session lengths, to learn how many events a plan yields

    def _pick_listener(self, rng: random.Random, start_ms: int) -> Listener:
        total = self._user_cum[-1]
        listener = self.listeners[0]
        for _ in range(4):  # prefer someone not already listening; overlapping sessions are rare
            index = min(bisect(self._user_cum, rng.random() * total), len(self.listeners) - 1)
            listener = self.listeners[index]
            if listener.busy_until <= start_ms:
                break
        return listener

    def day_sessions(
        self, rng: random.Random, day_start_ms: int, target_events: int
    ) -> list[tuple[int, int, str]]:
        """All events of the sessions starting this day as (ts, seq, line), unsorted."""
        # Sessions end early on logout and run over on forced follow-ups, so plan by the yield
        # observed so far (about 0.9) to land near ``target_events`` per day.
        yield_ratio = self.counts.events / self._planned if self._planned else 0.9
        planned = target_events / max(0.5, yield_ratio)
        lengths = []
        total = 0
        while total < planned:
            length = min(SESSION_CAP, max(1, int(rng.lognormvariate(SESSION_MU, SESSION_SIGMA))))
            lengths.append(length)
            total += length
        self._planned += total
        hours = rng.choices(range(24), weights=HOUR_WEIGHTS, k=len(lengths))
        starts = sorted(day_start_ms + hour * 3_600_000 + rng.randrange(3_600_000) for hour in hours)
        out: list[tuple[int, int, str]] = []
        for length, start in zip(lengths, starts, strict=True):
            self._session(rng, start, length, out)
        return out

    def _play(
        self, rng: random.Random, level_template: str, item: int, session_id: int, ts: int
    ) -> tuple[str, float]:
        counts = self.counts
        q = self.cfg.quirks
        if rng.random() < self.cfg.match_share:
            play = self.matchable.draw(rng)
            counts.matched_plays += 1
            song = play.song
            length_text, length = play.length, play.duration
            if play.song_case_variant is not None and rng.random() < q.case_variant_play:
                song = play.song_case_variant
                counts.case_variant_plays += 1
            if rng.random() < q.length_jitter_play:
                length = round(length + rng.uniform(-0.5, 0.5), 5)
                length_text = json_text(length)
                counts.jittered_plays += 1
        else:
            play = self.unmatched.draw(rng)
            song, length_text, length = play.song, play.length, play.duration
        artist = play.artist
        if play.artist_mangled is not None and rng.random() < q.double_encoded_play:
            artist = play.artist_mangled
            if song is play.song:
                song = play.song_mangled or song
            counts.double_encoded_plays += 1
        return level_template % (artist, item, length_text, session_id, song, ts), length

    def _session(
        self, rng: random.Random, start_ms: int, length: int, out: list[tuple[int, int, str]]
    ) -> None:
        user = self._pick_listener(rng, start_ms)
        session_id = self._next_session_id
        self._next_session_id += 1
        counts = self.counts
        counts.sessions += 1
        pages = counts.pages
        item = 0
        ts = start_ms
        seq = self._seq

        def emit(line: str, page: str) -> None:
            nonlocal item, seq
            out.append((ts, seq, line))
            seq += 1
            item += 1
            pages[page] += 1

        def emit_out(page: str) -> None:
            counts.logged_out += 1
            emit(logged_out_template(page, user.level) % (item, session_id, ts), page)

        def nav_gap() -> int:
            return int(rng.expovariate(1 / 35.0)) * 1000

        if rng.random() < P_START_LOGGED_OUT:
            if rng.random() < 0.6:
                emit_out(rng.choice(("Home", "Home", "Home", "About", "Help")))
                ts += nav_gap()
            emit_out("Login")
            ts += nav_gap()
            page = "Home"
        else:
            page = "Home" if rng.random() < 0.4 else "NextSong"

        last_length = 0.0
        while True:
            if page == "NextSong":
                line, last_length = self._play(
                    rng, user.template("NextSong", user.level), item, session_id, ts
                )
                emit(line, page)
                counts.next_song += 1
            else:
                emit(user.template(page, user.level) % (item, session_id, ts), page)
            follow = None
            if page == "Settings" and rng.random() < P_SAVE_SETTINGS:
                follow = "Save Settings"
            elif page == "Upgrade" and rng.random() < P_SUBMIT_UPGRADE:
                follow = "Submit Upgrade"
            elif page == "Downgrade" and rng.random() < P_SUBMIT_DOWNGRADE:
                follow = "Submit Downgrade"
            elif page in ("Submit Upgrade", "Submit Downgrade", "Save Settings"):
                # The change shows from the very next event: Submit * still carries the old level.
                if page == "Submit Upgrade":
                    user.level = "paid"
                    counts.level_changes += 1
                elif page == "Submit Downgrade":
                    user.level = "free"
                    counts.level_changes += 1
                follow = "Home"
            elif page == "Logout":
                ts += nav_gap()
                emit_out("Home")
                if item >= length or rng.random() >= P_LOGIN_AFTER_LOGOUT:
                    break
                ts += 1000
                emit_out("Login")
                follow = "Home"
            if follow is not None:
                ts += 1000 if follow.startswith(("Submit", "Save")) else nav_gap()
                page = follow
                continue
            if item >= length:
                break
            if user.level == "paid":
                nxt = _PAID_PAGES[min(bisect(_PAID_CUM, rng.random() * _PAID_CUM[-1]), len(_PAID_PAGES) - 1)]
            else:
                nxt = _FREE_PAGES[min(bisect(_FREE_CUM, rng.random() * _FREE_CUM[-1]), len(_FREE_PAGES) - 1)]
            if page == "NextSong":
                # A song runs its whole length unless the listener navigates away (real: Logout 1 s later).
                ts += (
                    int(last_length) * 1000 if nxt == "NextSong" else int(rng.uniform(0, last_length)) * 1000
                )
            elif nxt == "Logout":
                ts += 1000
            else:
                ts += nav_gap()
            page = nxt
        self._seq = seq
        counts.events += item
        user.busy_until = ts
