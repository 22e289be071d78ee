"""Read the five marts out of a warehouse and compare them with expectations, row for row."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from sparkify_tools.marts import MART_KEYS

# Columns that say when a row was processed, not what it holds: they differ between an incremental
# build and a full refresh by design, so comparisons leave them out.
BOOKKEEPING_COLUMNS = frozenset({"ingested_at"})


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


def without_bookkeeping(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in row.items() if k not in BOOKKEEPING_COLUMNS} for row in rows]


def read_duckdb_marts(database: Path, schema: str = "main") -> dict[str, list[dict[str, Any]]]:
    with duckdb.connect(str(database), read_only=True) as connection:
        marts = {}
        for mart in MART_KEYS:
            relation = connection.sql(f'select * from {schema}."{mart}"')
            names = relation.columns
            marts[mart] = without_bookkeeping(
                [dict(zip(names, row, strict=True)) for row in relation.fetchall()]
            )
        return marts


Query = Callable[[str], list[dict[str, Any]]]

# What an incremental build must leave equal to a full refresh, besides the marts: the listeners'
# level history (every interval; its id is a hash whose text may differ between engines, so the
# columns it is made of stand for it) and the ops models.
STATE_QUERIES = {
    "level_history": "select user_id, level, valid_from, valid_to, is_current "
    "from {marts}.users_level_history",
    "log_line_accounting": "select * from {marts}.log_line_accounting",
    "quarantined_records": "select source_table, source_file, line_number, raw_text, rejection_reason "
    "from {marts}.quarantined_records",
    # which files are recorded; not their size and time: Spark's record is append-only and keeps
    # those of a file's first ingestion, which a full refresh over the changed file never saw
    "raw_files_ingested": "select source_table, source_file from {marts}.raw_files_ingested",
    "raw_files_gone": "select source_table, source_file, reason from {marts}.raw_files_gone",
}


def read_warehouse_state(query: Query, marts: str) -> dict[str, list[tuple]]:
    """Marts, the level history and ops models as sorted tuples, bookkeeping left out."""
    state: dict[str, list[tuple]] = {}
    statements = {mart: f'select * from {marts}."{mart}"' for mart in MART_KEYS}
    statements |= {name: sql.format(marts=marts) for name, sql in STATE_QUERIES.items()}
    for name, sql in statements.items():
        rows = without_bookkeeping(query(sql))
        state[name] = sorted((tuple(normalise(v) for v in row.values()) for row in rows), key=repr)
    return state


def duckdb_query(database: Path) -> Query:
    def run(sql: str) -> list[dict[str, Any]]:
        with duckdb.connect(str(database), read_only=True) as connection:
            relation = connection.sql(sql)
            return [dict(zip(relation.columns, row, strict=True)) for row in relation.fetchall()]

    return run


def diff_states(actual: dict[str, list[tuple]], expected: dict[str, list[tuple]]) -> list[str]:
    """Which parts of two warehouse states differ, with the first differing rows of each."""
    problems = []
    for name, want in expected.items():
        got = actual[name]
        if got != want:
            extra = [row for row in got if row not in want][:2]
            missing = [row for row in want if row not in got][:2]
            problems.append(f"{name}: {len(got)} rows vs {len(want)}; extra {extra}; missing {missing}")
    return problems


def query_duckdb(database: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as connection:
        return connection.sql(sql).fetchall()
