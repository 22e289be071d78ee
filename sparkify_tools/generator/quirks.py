"""Text mangling found in the real Sparkify data, reproduced on purpose."""

from __future__ import annotations

import random

HTML_LOCATION_TEMPLATE = (
    '<a href="http://{host}" onmousedown=\'UntrustedLink.bootstrap($(this), "{token}", event)\' '
    'target="_blank" rel="nofollow">http://{host}</a>'
)


def double_encode(text: str) -> str:
    r"""UTF-8 bytes re-read as Latin-1, twice: the real log has "Bj\u00c3\u0083\u00c2\u00b6rk" for Björk."""
    for _ in range(2):
        text = text.encode("utf-8").decode("latin-1")
    return text


def html_location(rng: random.Random, artist_name: str) -> str:
    """An artist_location holding a pasted link, like the real Billy Idol record."""
    host = "".join(ch for ch in artist_name.lower() if ch.isascii() and ch.isalnum()) or "artist"
    token = f"{rng.getrandbits(128):032x}"
    return HTML_LOCATION_TEMPLATE.format(host=f"{host}.net", token=token)


def pad(rng: random.Random, text: str) -> str:
    """Stray whitespace as in the real catalog: mostly trailing spaces, sometimes U+00A0 or leading."""
    roll = rng.random()
    if roll < 0.5:
        return text + " "
    if roll < 0.7:
        return " " + text
    if roll < 0.85:
        return " " + text + " "
    return text + "\u00a0"


def numeric_value(rng: random.Random, allow_float: bool = False) -> int | float:
    """A number where a string belongs (real: artist_name 883, title 4.6, artist_location 27).

    Only titles were floats in the real catalog, so floats are opt-in.
    """
    if allow_float and rng.random() < 0.3:
        return rng.choice((4.6, 2.5, 1.5, 9.9))
    return rng.choice((883, 311, 702, 1001, 2562, 35007, 1999, 1888, 66, 5, 27, 108, 99, 780, 4, 2002))


def case_variant(text: str) -> str:
    """The same title in another case; only ASCII, where every lower() implementation agrees."""
    upper = text.upper()
    return upper if upper != text else text.lower()


def quote_user_agent(agent: str) -> str:
    """The real log wraps a user agent in literal double quotes only when it contains a comma."""
    return f'"{agent}"' if "," in agent else agent


def cleaned_equal_variant(line: str) -> str:
    """A duplicate event that differs from ``line`` only in what cleaning erases: a space after the location.

    (The userAgent quoting is left alone: the real log quotes exactly the agents containing a comma.)
    """
    marker = '"location":"'
    start = line.find(marker)
    end = line.find('","method"', start) if start >= 0 else -1
    return line[:end] + " " + line[end:] if end > 0 else line
