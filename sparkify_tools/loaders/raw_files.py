"""Read the raw Sparkify files the way Redshift's COPY reads them, for loaders of other warehouses.

The rules are COPY's, so that a table loaded here holds what `dbt run-operation load_raw_data` puts
into Redshift:
- log files are mapped to columns by the project's JSONPaths file (redshift/jsonpaths/), song files
  by matching each key to the column of the same (lower-case) name, as FORMAT AS JSON 'auto' does;
- each column has the type the source declares (models/staging/sparkify/_sparkify__sources.yml); a
  value that does not convert is a load error for its record, as in SYS_LOAD_ERROR_DETAIL;
- numbers keep the exact text of the file, so nothing is rounded on the way in.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

SOURCES_YML = Path("models/staging/sparkify/_sparkify__sources.yml")
LOG_JSONPATHS = Path("redshift/jsonpaths/log_json_path.json")
# Where each table's files live below raw_data, and how deep (the layout of the real bucket).
TABLE_GLOBS = {"log_data": "log_data/*/*/*.json", "song_data": "song_data/*/*/*/*.json"}
INTEGER_TEXT = re.compile(r"\s*[+-]?\d+\s*")
JSONPATH_KEY = re.compile(r"""\$(?:\['([^']+)'\]|\.([A-Za-z_][A-Za-z0-9_]*))""")
RAW_LINE_LIMIT = 1024  # what SYS_LOAD_ERROR_DETAIL / STL_LOAD_ERRORS keep of a bad record


class RawDataError(Exception):
    """Raw data or project files that cannot be loaded; the message names the culprit."""


class JsonNumber(str):
    """A JSON number kept as the text the file wrote."""


@dataclass(frozen=True)
class Column:
    name: str  # lower-case, as Redshift and PostgreSQL store unquoted identifiers
    data_type: str  # bigint | double precision | varchar (the source's declaration)
    json_key: str  # the key it is read from


@dataclass(frozen=True)
class LoadError:
    file: str
    line_number: int
    column: str
    message: str
    raw_line: str


@dataclass
class FileRows:
    rows: list[tuple[str | None, ...]]
    errors: list[LoadError]


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
    missing = set(TABLE_GLOBS) - tables.keys()
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


def raw_files(raw_data: Path) -> dict[str, list[Path]]:
    """Every raw file below raw_data per table, sorted by path."""
    if not raw_data.is_dir():
        raise RawDataError(
            f"raw data folder {raw_data} does not exist (the loader reads a local folder holding "
            "log_data/ and song_data/; copy an S3 prefix down first with `aws s3 sync`)"
        )
    found = {table: sorted(raw_data.glob(pattern)) for table, pattern in TABLE_GLOBS.items()}
    if not any(found.values()):
        raise RawDataError(
            f"no raw files under {raw_data}: expected "
            f"{TABLE_GLOBS['log_data']} and {TABLE_GLOBS['song_data']}"
        )
    return found


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


_DECODER = json.JSONDecoder(parse_float=JsonNumber, parse_int=JsonNumber, parse_constant=_reject_constant)


def _json_objects(text: str) -> Iterator[tuple[int, str, Any]]:
    """(line number, raw text, parsed value or the ValueError) for each JSON value in text, in order.

    Like COPY's JSON reader, values may follow each other with any whitespace between them; a value
    that does not parse ends the file, since nothing after it can be located reliably.
    """
    position = 0
    length = len(text)
    while True:
        while position < length and text[position] in " \t\r\n":
            position += 1
        if position >= length:
            return
        line = text.count("\n", 0, position) + 1
        try:
            value, end = _DECODER.raw_decode(text, position)
        except ValueError as error:
            line_end = text.find("\n", position)
            yield line, text[position : line_end if line_end >= 0 else length], error
            return
        yield line, text[position:end], value
        position = end


def _log_lines(text: str) -> Iterator[tuple[int, str, Any]]:
    """Log files hold one event per line: a bad line costs only itself, as in COPY with MAXERROR."""
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            yield number, line, _DECODER.decode(line)
        except ValueError as error:
            yield number, line, error


def convert(value: Any, data_type: str) -> str | None:
    """The value as text for the column's type, or ValueError saying why it cannot be stored."""
    if value is None:
        return None
    kind = data_type.lower()
    if kind in ("bigint", "int", "integer"):
        # JSON true/false arrive as bool, never as str: only numbers and numeric strings pass
        if isinstance(value, str) and INTEGER_TEXT.fullmatch(value):
            return value.strip()
        raise ValueError(f"invalid integer {json.dumps(value)}")
    if kind in ("double precision", "double", "float", "real"):
        if isinstance(value, JsonNumber):
            return str.__str__(value)
        if isinstance(value, str):
            try:
                float(value)
            except ValueError:
                pass
            else:
                return value.strip()
        raise ValueError(f"invalid number {json.dumps(value)}")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    text = str.__str__(value) if isinstance(value, JsonNumber) else value
    if "\x00" in text:
        raise ValueError("text holds a NUL character")
    return text


def read_file(path: Path, source_file: str, table: str, columns: list[Column]) -> FileRows:
    """The rows of one raw file in column order with source_file last, and the records rejected."""
    result = FileRows(rows=[], errors=[])
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        result.errors.append(LoadError(source_file, 1, "", f"not UTF-8: {error.reason}", ""))
        return result
    records = _log_lines(text) if table == "log_data" else _json_objects(text)
    for line, raw, value in records:
        raw_excerpt = raw[:RAW_LINE_LIMIT]
        if isinstance(value, ValueError):
            result.errors.append(LoadError(source_file, line, "", f"invalid JSON: {value}", raw_excerpt))
            continue
        if not isinstance(value, dict):
            result.errors.append(LoadError(source_file, line, "", "not a JSON object", raw_excerpt))
            continue
        row: list[str | None] = []
        failed = False
        for column in columns:
            try:
                row.append(convert(value.get(column.json_key), column.data_type))
            except ValueError as error:
                result.errors.append(LoadError(source_file, line, column.name, str(error), raw_excerpt))
                failed = True
                break
        if not failed:
            row.append(source_file)
            result.rows.append(tuple(row))
    return result
