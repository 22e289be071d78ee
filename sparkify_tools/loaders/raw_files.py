"""Which raw files a loader reads, and which keys become which columns, as the warehouse sees them.

- The files: every file below log_data/ and song_data/ at any depth, named *.json or *.json.gz in
  any letter case, as DuckDB's reader takes them; every other file is listed with the reason
  (``not_read_reason``, the rule of macros/ingestion/raw_file_not_read_reason.sql), so that
  raw_files_not_read says the same on every engine.
- The columns: the raw keys the dbt source declares (models/staging/sparkify/_sparkify__sources.yml),
  log keys in the order of the project's JSONPaths file (redshift/jsonpaths/), named in lower case.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

SOURCES_YML = Path("models/staging/sparkify/_sparkify__sources.yml")
LOG_JSONPATHS = Path("redshift/jsonpaths/log_json_path.json")
# The folder of each raw table below raw_data, and what one record is: a line, or a whole file.
TABLE_UNITS = {"log_data": "line", "song_data": "file"}
READ_NAME = re.compile(r"\.json(\.gz)?$", re.IGNORECASE)
JSONPATH_KEY = re.compile(r"""\$(?:\['([^']+)'\]|\.([A-Za-z_][A-Za-z0-9_]*))""")


class RawDataError(Exception):
    """Raw data or project files that cannot be loaded; the message names the culprit."""


@dataclass(frozen=True)
class Column:
    name: str  # lower-case, as Redshift and PostgreSQL store unquoted identifiers
    data_type: str  # bigint | double precision | varchar (the source's declaration)
    json_key: str  # the key it is read from


@dataclass(frozen=True)
class FileNotRead:
    table: str
    path: Path
    size: int
    reason: str


@dataclass
class RawListing:
    """The files below raw_data: to read, per table, sorted by path; and the ones not read."""

    files: dict[str, list[Path]] = field(default_factory=dict)
    not_read: list[FileNotRead] = field(default_factory=list)


def source_columns(project_dir: Path) -> dict[str, list[tuple[str, str]]]:
    """(name, data_type) of each raw table's columns, as the dbt source declares them."""
    path = project_dir / SOURCES_YML
    if not path.is_file():
        raise RawDataError(f"{path} not found: run from the dbt project root or pass --project-dir")
    document = yaml.safe_load(path.read_text())
    tables: dict[str, list[tuple[str, str]]] = {}
    for source in document.get("sources", []):
        if source.get("name") != "sparkify":
            continue
        for table in source.get("tables", []):
            tables[table["name"]] = [
                (c["name"], c.get("data_type", "varchar")) for c in table.get("columns", [])
            ]
    missing = set(TABLE_UNITS) - tables.keys()
    if missing:
        raise RawDataError(f"{path} declares no column list for source table(s) {sorted(missing)}")
    return tables


def jsonpaths_keys(project_dir: Path) -> list[str]:
    """The JSON key behind each position of the JSONPaths file COPY uses for the logs."""
    path = project_dir / LOG_JSONPATHS
    try:
        paths = json.loads(path.read_text())["jsonpaths"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise RawDataError(f"{path}: not a JSONPaths file ({error})") from error
    keys = []
    for expression in paths:
        match = JSONPATH_KEY.fullmatch(expression)
        if not match:
            raise RawDataError(f"{path}: unsupported JSONPath {expression!r} (use $['key'] or $.key)")
        keys.append(match.group(1) or match.group(2))
    return keys


def table_columns(project_dir: Path) -> dict[str, list[Column]]:
    """The columns of each raw table in load order, each with the JSON key it is read from."""
    declared = source_columns(project_dir)
    log_types = {name.lower(): data_type for name, data_type in declared["log_data"]}
    log_keys = jsonpaths_keys(project_dir)
    unknown = [key for key in log_keys if key.lower() not in log_types]
    if unknown:
        raise RawDataError(f"{LOG_JSONPATHS} maps keys the log_data source does not declare: {unknown}")
    return {
        "log_data": [Column(key.lower(), log_types[key.lower()], key) for key in log_keys],
        "song_data": [
            Column(name.lower(), data_type, name.lower()) for name, data_type in declared["song_data"]
        ],
    }


def name_not_read_reason(name: str) -> str | None:
    """Why the project does not open a file, by its name, or None when it reads it.

    The same rule, in the same order and words, as macros/ingestion/raw_file_not_read_reason.sql,
    which DuckDB applies to the files it lists: change both together.
    """
    if name.startswith("._"):
        return "AppleDouble file (macOS ._ metadata companion of another file), not data"
    if name.startswith("."):
        return "hidden file (name starts with a dot)"
    if not READ_NAME.search(name):
        return "not a .json or .json.gz file"
    return None


def not_read_reason(name: str, size: int, unit: str) -> str | None:
    """Why the project reads nothing of a file (by its name and size), or None when it does.

    An empty log file is listed with a reason and still loaded, as the one row that stands for it
    (raw_lines.EMPTY_FILE_ROW), so that it replaces what the file held before.
    """
    reason = name_not_read_reason(name)
    if reason is None and unit == "line" and size == 0:
        return "empty file: no lines"
    return reason


def raw_files(raw_data: Path) -> RawListing:
    """Every file below each table's folder at any depth, read or listed as not read with why."""
    if not raw_data.is_dir():
        raise RawDataError(
            f"raw data folder {raw_data} does not exist (the loader reads a local folder holding "
            "log_data/ and song_data/; copy an S3 prefix down first with `aws s3 sync`)"
        )
    listing = RawListing()
    for table, unit in TABLE_UNITS.items():
        found = sorted(path for path in (raw_data / table).rglob("*") if path.is_file())
        listing.files[table] = []
        for path in found:
            size = path.stat().st_size
            if name_not_read_reason(path.name) is None:
                listing.files[table].append(path)
            reason = not_read_reason(path.name, size, unit)
            if reason is not None:
                listing.not_read.append(FileNotRead(table, path, size, reason))
    if not any(listing.files.values()):
        raise RawDataError(
            f"no raw files under {raw_data}: expected *.json or *.json.gz files below "
            f"{' and '.join(f'{table}/' for table in TABLE_UNITS)}"
        )
    return listing
