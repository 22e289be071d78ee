"""Model contracts on the five marts.

Every mart has an enforced contract whose columns keep the marts' names and order, end with
ingested_at, and carry the data type each engine builds (DuckDB, Postgres, Spark, Redshift: checked
in the manifest dbt parses for each target). On DuckDB the contracted marts build fully and
incrementally, and a model change that alters a column's type fails `dbt build` with dbt's contract
error, on a new table and on an incremental run alike, leaving the table as it was. Postgres builds
the contracted marts in test_grants_postgres.py, Redshift's DDL is checked in
test_conventions_redshift.py and Spark's in test_spark_marts.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from pytests.project_copy import MARTS, ProjectCopy, rewrite_closing_select

pytestmark = pytest.mark.slow

TEXT = {"duckdb": "text", "postgres": "text", "redshift": "varchar(max)", "spark": "string"}
DOUBLE = {"duckdb": "double precision", "postgres": "double precision", "redshift": "double precision"}
DOUBLE["spark"] = "double"
# each mart's columns in order, with a logical type; the last is the ingestion-batch time
CONTRACTS = {
    "songplays": [
        ("songplay_id", "text"), ("start_time", "timestamp"), ("user_id", "text"), ("level", "text"),
        ("song_id", "text"), ("artist_id", "text"), ("session_id", "bigint"),
        ("item_in_session", "bigint"), ("location", "text"), ("user_agent", "text"),
        ("song_title", "text"), ("artist_name", "text"), ("song_length", "double"),
        ("year", "integer"), ("month", "integer"), ("ingested_at", "timestamp"),
    ],
    "users": [
        ("user_id", "text"), ("first_name", "text"), ("last_name", "text"), ("gender", "text"),
        ("level", "text"), ("level_since", "timestamp"), ("last_event_at", "timestamp"),
        ("ingested_at", "timestamp"),
    ],
    "songs": [
        ("song_id", "text"), ("title", "text"), ("artist_id", "text"), ("year", "bigint"),
        ("duration", "double"), ("ingested_at", "timestamp"),
    ],
    "artists": [
        ("artist_id", "text"), ("name", "text"), ("location", "text"), ("latitude", "double"),
        ("longitude", "double"), ("ingested_at", "timestamp"),
    ],
    "time": [
        ("start_time", "timestamp"), ("hour", "integer"), ("day", "integer"), ("week", "integer"),
        ("month", "integer"), ("year", "integer"), ("weekday", "integer"), ("ingested_at", "timestamp"),
    ],
}  # fmt: skip
DUCKDB_NAMES = {
    "text": "VARCHAR",
    "double": "DOUBLE",
    "timestamp": "TIMESTAMP",
    "bigint": "BIGINT",
    "integer": "INTEGER",
}
REDSHIFT_ENV = {
    "REDSHIFT_HOST": "parse.invalid",
    "REDSHIFT_USER": "dbt",
    "DBT_ENV_SECRET_REDSHIFT_PASSWORD": "parse-only",
}
CONTRACT_ERROR = "This model has an enforced contract that failed."


def declared(engine: str, logical: str) -> str:
    return {"text": TEXT, "double": DOUBLE}.get(logical, {}).get(engine, logical)


def marts_in_manifest(project: ProjectCopy) -> dict[str, dict]:
    manifest = json.loads((project.target_dir / "manifest.json").read_text())
    return {
        node["name"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["name"] in MARTS
    }


def duckdb_columns(database: Path, table: str) -> list[tuple[str, str]]:
    with duckdb.connect(str(database), read_only=True) as connection:
        return connection.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'main' and table_name = ? order by ordinal_position",
            [table],
        ).fetchall()


@pytest.mark.parametrize("engine", ["duckdb", "postgres", "spark", "redshift"])
def test_parse_is_clean_and_contracts_declare_each_engines_types(
    engine: str, tmp_path: Path, small_raw_data: Path
) -> None:
    project = ProjectCopy(
        work_dir=tmp_path, raw_data=small_raw_data, target=engine, extra_env=REDSHIFT_ENV, stand_in=False
    )
    parsed = project.dbt("parse", "--log-format", "json")
    events = [json.loads(line) for line in parsed.output.splitlines() if line.startswith("{")]
    warnings = [event["info"]["msg"] for event in events if event["info"]["level"] in ("warn", "error")]
    assert warnings == []  # dbt parse warns about nothing, on every engine
    marts = marts_in_manifest(project)
    assert set(marts) == set(MARTS)
    for mart, columns in CONTRACTS.items():
        node = marts[mart]
        assert node["config"]["contract"]["enforced"] is True, mart
        declared_columns = [(name, column["data_type"]) for name, column in node["columns"].items()]
        assert declared_columns == [(name, declared(engine, logical)) for name, logical in columns], mart
        if node["config"]["materialized"] == "incremental":
            # dbt refuses on_schema_change: ignore for a contracted incremental model
            assert node["config"]["on_schema_change"] in ("append_new_columns", "fail", "sync_all_columns")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, small_raw_data: Path) -> ProjectCopy:
    project = ProjectCopy(work_dir=tmp_path_factory.mktemp("contracts"), raw_data=small_raw_data)
    project.dbt("build", "--select", "+marts", "--exclude", "resource_type:test")
    return project


def test_contracted_marts_build_with_declared_columns(built: ProjectCopy) -> None:
    for mart, columns in CONTRACTS.items():
        assert duckdb_columns(built.duckdb_path, mart) == [
            (name, DUCKDB_NAMES[logical]) for name, logical in columns
        ], mart
    # an incremental run checks the contract again (on the new rows) and passes
    again = built.dbt("build", "--select", "marts", "--indirect-selection", "cautious")
    assert "Completed successfully" in again.output


def test_type_change_fails_the_build_with_the_contract_error(built: ProjectCopy) -> None:
    songs_sql = built.project_dir / "models" / "marts" / "songs.sql"
    original = songs_sql.read_text()
    before = duckdb_columns(built.duckdb_path, "songs")
    try:
        # the model now returns year as text: the contract says bigint
        rewrite_closing_select(
            built.project_dir,
            "models/marts/songs.sql",
            lambda closing: f"select * replace (cast(year as varchar) as year)\nfrom ({closing}) as typed",
        )
        for args in (["build", "--select", "songs"], ["build", "--select", "songs", "--full-refresh"]):
            failed = built.dbt(*args, check=False)
            assert not failed.ok
            output = " ".join(failed.output.split())
            assert CONTRACT_ERROR in output, failed.output[-3000:]
            assert "| year | VARCHAR | BIGINT | data type mismatch |" in output, failed.output[-3000:]
    finally:
        songs_sql.write_text(original)
    assert duckdb_columns(built.duckdb_path, "songs") == before
