"""Raw file bytes to lines of text: gzip bytes (under any name), UTF-16 with a byte-order mark, a
UTF-8 byte-order mark, bytes that are not UTF-8. Nothing here raises on bad input: a line that
cannot be decoded keeps its bytes, escaped as \\xNN, and says why, so the warehouse quarantines it
and loads every other line of the file.

Lines are split on \\n only, as `wc -l` and the line count the warehouse reconciles against see them:
a lone CR or a 0x01 stays inside its line (and is the JSON parser's problem, or not).
"""

from __future__ import annotations

import codecs
import gzip
import zlib

GZIP_MAGIC = b"\x1f\x8b"
UTF8_BOM = codecs.BOM_UTF8
# UTF-16 is recognised by its byte-order mark only: without one, UTF-16 text is indistinguishable
# from other binary data, and guessing would load garbage as events.
UTF16_BOMS = {codecs.BOM_UTF16_LE: "utf-16-le", codecs.BOM_UTF16_BE: "utf-16-be"}

# The longest text every engine stores (Redshift's VARCHAR(65535), counted in bytes).
MAX_TEXT_BYTES = 65_535

# One raw line: line number from 1, its text (None only when nothing of it could be read), and
# why it could not be decoded as it is (None for a clean line).
RawLine = tuple[int, str | None, str | None]
# The row of a log file without any line (line 0, no text): the warehouse replaces a file's
# earlier rows with the rows it reads, so a file emptied since it was read must still give one.
EMPTY_FILE_ROW: RawLine = (0, None, None)


def gunzip(data: bytes) -> tuple[bytes, str | None]:
    """The decompressed bytes and, for damaged gzip data, what was wrong (what came out is kept)."""
    try:
        return gzip.decompress(data), None
    except (OSError, EOFError, zlib.error) as error:
        # a truncated or corrupt stream: keep the text that decompressed, so its lines still load
        inflater = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)
        try:
            partial = inflater.decompress(data)
        except zlib.error:
            partial = b""
        return partial, f"gzip data damaged ({error}); the text after {len(partial)} bytes is lost"


def escape_undecodable(data: bytes, encoding: str = "utf-8") -> tuple[str, str | None]:
    """The text of ``data``; bytes that do not decode are kept as \\xNN, and the problem named."""
    try:
        return data.decode(encoding), None
    except UnicodeDecodeError as error:
        text = data.decode(encoding, errors="backslashreplace")
        bad = data[error.start : error.end].hex(" ").upper()
        name = "UTF-8" if encoding == "utf-8" else encoding.upper()
        return text, f"not {name} text: byte(s) 0x{bad} at byte {error.start + 1}, shown as \\xNN"


def split_units(data: bytes, newline: bytes) -> list[bytes]:
    """Split on ``newline`` at multiples of its width only (a UTF-16 code unit, not any byte pair)."""
    width = len(newline)
    parts = []
    start = 0
    search = 0
    while True:
        found = data.find(newline, search)
        while found != -1 and (found - start) % width:
            found = data.find(newline, found + 1)
        if found == -1:
            parts.append(data[start:])
            return parts
        parts.append(data[start:found])
        start = search = found + width


def lines_of(parts: list[bytes]) -> list[bytes]:
    """Drop the empty piece after a final newline: 'a\\n' is one line, '' none, 'a\\n\\n' two."""
    if parts and parts[-1] == b"":
        parts = parts[:-1]
    return parts


def unwrap(data: bytes) -> tuple[bytes, str, str | None]:
    """Gunzip gzip bytes and take off a byte-order mark: (bytes, their encoding, gzip problem)."""
    gzip_problem = None
    if data.startswith(GZIP_MAGIC):
        data, gzip_problem = gunzip(data)
    for bom, utf16 in UTF16_BOMS.items():
        if data.startswith(bom):
            return data[len(bom) :], utf16, gzip_problem
    return data.removeprefix(UTF8_BOM), "utf-8", gzip_problem


def split_raw_file(data: bytes) -> list[RawLine]:
    """Every line of one raw file as (line number, text, decoding problem); never raises."""
    data, encoding, gzip_problem = unwrap(data)
    if encoding == "utf-8" and gzip_problem is None:
        try:
            # the common case, decoded and split in C: only a file with a bad byte goes line by line
            texts = data.decode("utf-8").split("\n")
            if texts[-1] == "":
                texts.pop()
            return [(number, text.removesuffix("\r"), None) for number, text in enumerate(texts, start=1)]
        except UnicodeDecodeError:
            pass
    if encoding == "utf-8":
        pieces = lines_of(data.split(b"\n"))
    else:
        pieces = lines_of(split_units(data, "\n".encode(encoding)))
    result: list[RawLine] = []
    for number, piece in enumerate(pieces, start=1):
        # each line decoded on its own, so one bad byte sets aside its line and no other
        text, problem = escape_undecodable(piece, encoding)
        # a CR before the newline ends a Windows line; read_csv drops it too, so both paths agree
        result.append((number, text.removesuffix("\r"), problem))
    if gzip_problem is not None:
        if result:
            number, text, problem = result[-1]
            result[-1] = (number, text, "; ".join(p for p in (problem, gzip_problem) if p))
        else:
            result.append((1, None, gzip_problem))
    return result


def split_raw_log_file(data: bytes) -> list[RawLine]:
    """The rows a log file gives the warehouse: its lines, or EMPTY_FILE_ROW when it has none
    (no bytes, a byte-order mark alone, gzip of nothing)."""
    return split_raw_file(data) or [EMPTY_FILE_ROW]


def decode_raw_file(data: bytes) -> tuple[str, str | None]:
    """A whole file (one song record) as text and its decoding problem, never raising."""
    data, encoding, gzip_problem = unwrap(data)
    text, problem = escape_undecodable(data, encoding)
    return text, "; ".join(p for p in (problem, gzip_problem) if p) or None


def within_text_limit(text: str | None, problem: str | None) -> tuple[str | None, str | None]:
    """A record's text cut at MAX_TEXT_BYTES (on a character boundary), saying so: a longer text
    would fail Redshift's COPY and Spectrum, so no engine lands it whole and every one quarantines it."""
    # fewer characters than a quarter of the limit cannot be over it: most lines are never encoded
    if text is None or len(text) <= MAX_TEXT_BYTES // 4:
        return text, problem
    data = text.encode("utf-8")
    if len(data) <= MAX_TEXT_BYTES:
        return text, problem
    too_long = (
        f"a record of {len(data):,} bytes, over the {MAX_TEXT_BYTES:,} every engine can hold: cut there"
    )
    return data[:MAX_TEXT_BYTES].decode("utf-8", errors="ignore"), "; ".join(
        p for p in (problem, too_long) if p
    )
