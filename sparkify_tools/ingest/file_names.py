"""Which raw files the project reads, by name: the one rule every engine's landing follows."""

from __future__ import annotations

import re

READ_NAME = re.compile(r"\.json(\.gz)?$", re.IGNORECASE)
# The folder of each raw source below raw_data, and what one record of it is: a line, or a file.
SOURCE_UNITS = {"log_data": "line", "song_data": "file"}


def shown_name(raw: bytes) -> tuple[str, bool]:
    """A file name as text, and whether it was UTF-8: bytes that are not are shown as \\xNN, so the
    name can be listed (and never opened under a name that is not its own)."""
    try:
        return raw.decode("utf-8"), True
    except UnicodeDecodeError:
        return raw.decode("utf-8", errors="backslashreplace"), False


def name_not_read_reason(name: str, name_is_utf8: bool = True) -> str | None:
    """Why the project does not open a file, by its name alone, or None when it reads it."""
    if not name_is_utf8:
        return "file name is not UTF-8 (shown with \\xNN): rename the file"
    if name.startswith("._"):
        return "AppleDouble file (macOS ._ metadata companion of another file), not data"
    if name.startswith("."):
        return "hidden file (name starts with a dot)"
    if not READ_NAME.search(name):
        return "not a .json or .json.gz file"
    return None


def not_read_reason(name: str, size: int, unit: str, name_is_utf8: bool = True) -> str | None:
    """Why the project reads nothing of a file, or None when it does. An empty log file is listed
    and still ingested, as the one row that stands for it, so that it replaces what it held."""
    reason = name_not_read_reason(name, name_is_utf8)
    if reason is None and unit == "line" and size == 0:
        return "empty file: no lines"
    return reason
