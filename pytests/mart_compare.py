"""Read the five marts out of a warehouse and compare them with expectations, row for row."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

MART_KEYS = {
    "songplays": "songplay_id",
    "users": "user_id",
    "songs": "song_id",
    "artists": "artist_id",
    "time": "start_time",
}


def normalise(value: Any) -> Any:
    """One representation per value across drivers: naive UTC datetimes, floats, plain ints."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def rows_by_key(rows: Iterable[dict[str, Any]], key: str, columns: list[str]) -> dict[Any, dict[str, Any]]:
    keyed: dict[Any, dict[str, Any]] = {}
    for row in rows:
        picked = {column: normalise(row[column]) for column in columns}
        assert picked[key] not in keyed, f"duplicate {key} {picked[key]!r}"
        keyed[picked[key]] = picked
    return keyed


def diff_marts(
    actual: dict[str, list[dict[str, Any]]],
    expected: dict[str, list[dict[str, Any]]],
    columns: dict[str, list[str]] | None = None,
) -> list[str]:
    """Differences between two sets of marts (only the columns `expected` has, or those given)."""
    problems: list[str] = []
    for mart, key in MART_KEYS.items():
        wanted_columns = (columns or {}).get(mart) or list(expected[mart][0].keys()) if expected[mart] else []
        if not wanted_columns:
            if actual[mart]:
                problems.append(f"{mart}: expected no rows, got {len(actual[mart])}")
            continue
        got = rows_by_key(actual[mart], key, wanted_columns)
        want = rows_by_key(expected[mart], key, wanted_columns)
        missing = want.keys() - got.keys()
        extra = got.keys() - want.keys()
        if missing:
            problems.append(f"{mart}: {len(missing)} expected rows missing, e.g. {want[sorted(missing)[0]]}")
        if extra:
            problems.append(f"{mart}: {len(extra)} unexpected rows, e.g. {got[sorted(extra)[0]]}")
        differing = [k for k in want.keys() & got.keys() if want[k] != got[k]]
        if differing:
            first = sorted(differing)[0]
            problems.append(
                f"{mart}: {len(differing)} rows differ, e.g.\n"
                f"  expected {want[first]}\n  actual   {got[first]}"
            )
    return problems


def read_duckdb_marts(database: Path, schema: str = "main") -> dict[str, list[dict[str, Any]]]:
    with duckdb.connect(str(database), read_only=True) as connection:
        marts = {}
        for mart in MART_KEYS:
            relation = connection.sql(f'select * from {schema}."{mart}"')
            names = relation.columns
            marts[mart] = [dict(zip(names, row, strict=True)) for row in relation.fetchall()]
        return marts


def query_duckdb(database: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as connection:
        return connection.sql(sql).fetchall()
