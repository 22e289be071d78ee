"""Grants on a real PostgreSQL server, and the marts' contracts on Postgres.

A role `analyst` exists; the project is built twice (full, then incremental) with
`--vars '{analyst_role: analyst}'`. Connected as that role, every mart and analysts' model can be
read; staging cannot: not its schema (no usage), and not its relations even once a DBA grants the
schema. A build without the var changes no grant.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg2
import psycopg2.errors
import pytest

from pytests.postgres_server import PostgresServer, postgres_server  # noqa: F401 - the fixture
from pytests.project_copy import MARTS, ProjectCopy
from pytests.test_contracts import CONTRACTS
from pytests.test_postgres_build import query

pytestmark = pytest.mark.slow

ROLE = "analyst"
POSTGRES_TYPES = {
    "text": "text",
    "double": "double precision",
    "timestamp": "timestamp without time zone",
    "bigint": "bigint",
    "integer": "integer",
}
ANALYSTS_MODELS = ["weekly_top_songs", "listener_locations", "subscription_changes", "level_changes"]


def as_superuser(server: PostgresServer, sql: str) -> None:
    connection = psycopg2.connect(server.dsn())
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
    finally:
        connection.close()


def read_as_analyst(server: PostgresServer, relation: str) -> int:
    connection = psycopg2.connect(
        host=server.host, port=server.port, user=ROLE, dbname=server.database, password=""
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"select count(*) from {relation}")
            return cursor.fetchone()[0]
    finally:
        connection.close()


@pytest.fixture(scope="module")
def granted(
    postgres_server: PostgresServer,  # noqa: F811 - the imported fixture
    small_raw_data: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ProjectCopy]:
    as_superuser(postgres_server, f"create role {ROLE} login")
    project = ProjectCopy(
        work_dir=tmp_path_factory.mktemp("grants_postgres"),
        raw_data=small_raw_data,
        target="postgres",
        extra_env={**postgres_server.env(), "SPARKIFY_PG_SCHEMA": "granted"},
        # a landing of its own: other modules land other raw data on the same server
        extra_vars={"analyst_role": ROLE, "landing_schema": "granted_landing"},
    )
    project.ingest()
    project.dbt("build")
    project.dbt("build")  # incremental: grants compared with what is there, nothing revoked
    yield project


def test_analyst_reads_marts_and_analysts_models(
    granted: ProjectCopy,
    postgres_server: PostgresServer,  # noqa: F811
) -> None:
    for mart in MARTS:
        assert read_as_analyst(postgres_server, f'granted."{mart}"') > 0, mart
    for model in ANALYSTS_MODELS:
        read_as_analyst(postgres_server, f"granted_analytics.{model}")


def test_analyst_cannot_read_staging(
    granted: ProjectCopy,
    postgres_server: PostgresServer,  # noqa: F811
) -> None:
    staging = "granted_staging.stg_sparkify__log_events"
    with pytest.raises(psycopg2.errors.InsufficientPrivilege, match="permission denied for schema"):
        read_as_analyst(postgres_server, staging)
    # even with usage on the schema (granted by hand), the relations themselves are not granted
    as_superuser(postgres_server, f"grant usage on schema granted_staging to {ROLE}")
    try:
        for relation in (staging, "granted_staging.base_sparkify__log_lines"):
            with pytest.raises(psycopg2.errors.InsufficientPrivilege, match="permission denied for"):
                read_as_analyst(postgres_server, relation)
    finally:
        as_superuser(postgres_server, f"revoke usage on schema granted_staging from {ROLE}")


def test_grants_are_dbts_and_only_on_granted_models(
    granted: ProjectCopy,
    postgres_server: PostgresServer,  # noqa: F811
) -> None:
    rows = query(
        postgres_server,
        "select table_schema, table_name from information_schema.role_table_grants "
        f"where grantee = '{ROLE}' and privilege_type = 'SELECT' order by 1, 2",
    )
    granted_relations = {(row["table_schema"], row["table_name"]) for row in rows}
    assert {("granted", mart) for mart in MARTS} <= granted_relations
    assert {("granted_analytics", model) for model in ANALYSTS_MODELS} <= granted_relations
    assert not any(schema == "granted_staging" for schema, _ in granted_relations)
    # a build without the var configures no grants ({}), so dbt neither grants nor revokes
    granted.dbt("build", "--select", "songs", "--indirect-selection", "cautious", vars={"analyst_role": ""})
    assert read_as_analyst(postgres_server, 'granted."songs"') > 0


def test_contracts_hold_on_postgres(
    granted: ProjectCopy,
    postgres_server: PostgresServer,  # noqa: F811
) -> None:
    for mart, columns in CONTRACTS.items():
        rows = query(
            postgres_server,
            "select column_name, data_type from information_schema.columns "
            f"where table_schema = 'granted' and table_name = '{mart}' order by ordinal_position",
        )
        assert [(row["column_name"], row["data_type"]) for row in rows] == [
            (name, POSTGRES_TYPES[logical]) for name, logical in columns
        ], mart
