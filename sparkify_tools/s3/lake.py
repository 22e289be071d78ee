"""Read the parquet data lake the dbt project exports (macros/lake/export_lake.sql).

Each table folder holds ``_current.json`` naming the complete slot to read and its files
(relative to the table folder). Reading through the pointer is what makes a re-export invisible
until it is complete; listing the table folder yourself can mix two versions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import duckdb

POINTER = "_current.json"


@dataclass(frozen=True)
class LakeTable:
    table: str
    slot: str
    version: str
    rows: int
    partition_by: list[str]
    files: list[str]  # full paths or URLs


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def current_version(con: duckdb.DuckDBPyConnection, lake_location: str, table: str) -> LakeTable:
    """The version of ``table`` the pointer names; raises FileNotFoundError before the first export."""
    table_dir = f"{lake_location.rstrip('/')}/{table}"
    pointer = f"{table_dir}/{POINTER}"
    try:
        (text,) = con.execute(f"select content from read_text({_sql_string(pointer)})").fetchone()
    except duckdb.Error as error:
        raise FileNotFoundError(f"no lake pointer at {pointer}: {error}") from error
    data = json.loads(text)
    return LakeTable(
        table=data["table"],
        slot=data["slot"],
        version=data["version"],
        rows=int(data["rows"]),
        partition_by=list(data["partition_by"]),
        files=[f"{table_dir}/{name}" for name in data["files"]],
    )


def read_table(con: duckdb.DuckDBPyConnection, lake_location: str, table: str) -> duckdb.DuckDBPyRelation:
    """The current version of a lake table, partition columns restored from the folder names."""
    version = current_version(con, lake_location, table)
    return con.read_parquet(version.files, hive_partitioning=bool(version.partition_by))
