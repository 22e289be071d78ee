"""Contracts and grants on Redshift, without a cluster.

dbt-redshift builds the project through the recording stand-in for redshift_connector
(pytests/redshift_recorder.py), with `--vars '{analyst_role: analyst}'`. The recorded SQL
must create each mart with its contract's columns and types (and keep its dist and sort keys), and
grant select on the marts and analysts' models, and usage on their schemas, to the role analyst —
nothing on staging.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp

from pytests.dbt_runner import DbtProject
from pytests.project_copy import MARTS
from pytests.redshift_recorder import RedshiftRecorder
from pytests.test_contracts import CONTRACTS
from pytests.test_redshift_sql import created_table, distribution, duckdb_columns, land, start_recording

pytestmark = pytest.mark.slow

REDSHIFT_TYPES = {
    "text": "varchar(max)",
    "double": "double precision",
    "timestamp": "timestamp",
    "bigint": "bigint",
    "integer": "integer",
}
ANALYSTS_MODELS = ["weekly_top_songs", "listener_locations", "subscription_changes", "level_changes"]


@pytest.fixture(scope="module")
def recording(
    built_duckdb: DbtProject, small_raw_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> RedshiftRecorder:
    work = tmp_path_factory.mktemp("conventions_redshift")
    land(small_raw_data, work / "landing")
    recorder = start_recording(work, work / "landing", duckdb_columns(built_duckdb.duckdb_path), "copy")
    recorder.run("run-operation", "load_landing", label="load", check=True)
    recorder.run("build", label="full_build", vars={"analyst_role": "analyst"}, check=True)
    return recorder


def column_types(create: exp.Create) -> list[tuple[str, str]]:
    return [
        (column.name, column.args["kind"].sql("redshift").lower())
        for column in create.this.expressions
        if isinstance(column, exp.ColumnDef)
    ]


def test_marts_are_created_with_their_contract_columns(recording: RedshiftRecorder) -> None:
    statements = recording.statements("full_build")
    for mart, columns in CONTRACTS.items():
        create = created_table(statements, f"dev.sparkify.{mart}")
        assert column_types(create) == [(name, REDSHIFT_TYPES[logical]) for name, logical in columns], mart
        # the contract's CREATE TABLE keeps the Redshift layout
        assert "sortkey" in distribution(create), mart
        inserts = [
            sql
            for sql in recording.bodies("full_build")
            if sql.startswith(f'insert into "dev"."sparkify"."{mart}"')
        ]
        assert len(inserts) == 1, mart
    # dbt checked each contract: the empty query of the declared types was sent
    checks = [
        sql for sql in recording.bodies("full_build") if "cast(null as varchar(max)) as songplay_id" in sql
    ]
    assert checks


def test_select_granted_on_marts_and_analysts_models_only(recording: RedshiftRecorder) -> None:
    grants = [sql for sql in recording.bodies("full_build") if sql.lower().startswith("grant ")]
    selects = {
        match.group(1, 2)
        for sql in grants
        if (
            match := re.fullmatch(
                r'grant select on "dev"\."(\w+)"\."(\w+)" to role analyst\s*;?', sql, re.IGNORECASE
            )
        )
    }
    assert {("sparkify", mart) for mart in MARTS} <= selects
    assert {("sparkify_analytics", model) for model in ANALYSTS_MODELS} <= selects
    assert not any(schema.endswith("_staging") for schema, _ in selects)
    usage = {
        match.group(1)
        for sql in grants
        for match in re.finditer(r'grant usage on schema "(\w+)" to role analyst', sql, re.IGNORECASE)
    }
    assert usage == {"sparkify", "sparkify_analytics"}
    for sql in grants:
        sqlglot.parse_one(sql.rstrip(";"), read="redshift")  # well-formed
