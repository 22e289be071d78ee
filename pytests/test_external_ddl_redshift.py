"""The Redshift Spectrum DDL of `dbt run-operation stage_external_sources`, without a cluster.

dbt runs against pytests/redshift_recorder.py (a stand-in for redshift_connector that records
every statement, and whether it ran inside a transaction). The external tables read the landing's
parquet (dbt never reads raw bytes), one per landing table over its folder, with the
columns the sources yml declares, which must be the ingester's (sparkify_tools/ingest/
landing_schema.py), in its order; statements are parsed with sqlglot's redshift dialect.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pytest
import sqlglot
import yaml
from sqlglot import exp
from sqlglot.errors import ErrorLevel

from pytests.dbt_runner import PROJECT_ROOT
from pytests.redshift_recorder import RedshiftRecorder, Run, body
from sparkify_tools.ingest.landing_schema import SCHEMAS

pytestmark = pytest.mark.slow  # a dozen dbt runs: minutes

RAW = "s3://sparkify-spectrum-test/raw"
LANDING = "s3://sparkify-spectrum-test/landing"
IAM_ROLE = "arn:aws:iam::123456789012:role/sparkify-spectrum"
SPECTRUM_VARS = {"iam_role": IAM_ROLE, "redshift_raw_path": "spectrum", "landing": LANDING}
SOURCES_YML = PROJECT_ROOT / "models/staging/sparkify/_sparkify__sources.yml"
SCHEMA = "sparkify_spectrum"
# the yml's data_type of each parquet type the ingester writes
DATA_TYPES = {
    pa.string(): "varchar",
    pa.int64(): "bigint",
    pa.bool_(): "boolean",
    pa.timestamp("us"): "timestamp",
}


def declared_tables() -> dict[str, dict]:
    (source,) = yaml.safe_load(SOURCES_YML.read_text())["sources"]
    return {table["name"]: table for table in source["tables"]}


def one_line(sql: str) -> str:
    return " ".join(sql.split())


def parse_redshift(sql: str) -> exp.Expression:
    parsed = sqlglot.parse_one(sql, read="redshift", error_level=ErrorLevel.RAISE)
    assert parsed is not None
    return parsed


@pytest.fixture(scope="module")
def recorder(tmp_path_factory: pytest.TempPathFactory) -> RedshiftRecorder:
    """One project for the module (dbt parses once); each test starts from the warehouse it needs."""
    return RedshiftRecorder(
        work_dir=tmp_path_factory.mktemp("spectrum_ddl"), raw_data=RAW, vars=SPECTRUM_VARS
    )


def run_fresh(recorder: RedshiftRecorder, *args: str, vars: dict | None = None, **catalog: Any) -> Run:
    """One dbt command against an emulated warehouse holding only `catalog`."""
    recorder.reset(**catalog)
    return recorder.run(*args, vars=vars)


@pytest.fixture(scope="module")
def first_run(recorder: RedshiftRecorder) -> Iterator[Run]:
    run = run_fresh(recorder, "run-operation", "stage_external_sources")
    assert run.ok, run.output[-4000:]
    yield run


def test_the_sources_declare_the_ingesters_columns_in_its_order() -> None:
    """The landing tables' DDL comes from the yml; COPY from parquet fills columns by position and
    Spectrum needs the parquet types, so the yml must be the ingester's schema, column for column."""
    declared = declared_tables()
    assert set(declared) == set(SCHEMAS)
    for table, schema in SCHEMAS.items():
        columns = [(column["name"], column["data_type"]) for column in declared[table]["columns"]]
        assert columns == [(field.name, DATA_TYPES[field.type]) for field in schema], table


def test_every_statement_parses_as_redshift_sql(first_run: Run) -> None:
    assert first_run.bodies
    for sql in first_run.bodies:
        if one_line(sql).lower().startswith("create external schema"):
            continue  # sqlglot has no CREATE EXTERNAL SCHEMA; checked token by token below
        parsed = parse_redshift(sql)
        assert not isinstance(parsed, exp.Command), f"sqlglot could not parse: {sql}"


def test_external_schema_comes_from_the_data_catalog_with_the_iam_role(first_run: Run) -> None:
    (statement,) = first_run.matching(r"^create external schema")
    tokens = [token.text.lower() for token in sqlglot.tokenize(statement, read="redshift")]
    assert tokens[:6] == ["create", "external", "schema", "if", "not", "exists"]
    assert tokens[6] == SCHEMA
    text = one_line(statement).lower()
    assert "from data catalog" in text
    assert f"iam_role '{IAM_ROLE}'" in one_line(statement)
    assert "database 'sparkify'" in text and text.endswith("create external database if not exists")


@pytest.mark.parametrize("table", list(SCHEMAS))
def test_external_tables_read_each_landing_folder_as_parquet(first_run: Run, table: str) -> None:
    """Issue 22: Spectrum reads the ingester's parquet, never raw files: no text lines, no SerDe,
    no partitions (a new batch is a new file in the folder, read by the next query)."""
    (statement,) = first_run.matching(rf'^create external table "{SCHEMA}"\."{table}" ')
    create = parse_redshift(statement)
    assert isinstance(create, exp.Create) and create.find(exp.ExternalProperty) is not None
    columns = [(column.name, column.args["kind"].sql("redshift")) for column in create.this.expressions]
    assert columns == [
        (field.name, "VARCHAR(65535)" if field.type == pa.string() else DATA_TYPES[field.type].upper())
        for field in SCHEMAS[table]
    ]
    assert create.find(exp.FileFormatProperty).this.name.lower() == "parquet"
    location = create.find(exp.LocationProperty)
    assert location is not None and location.this.name == f"{LANDING}/{table}/"
    assert (
        create.find(exp.PartitionedByProperty) is None and create.find(exp.RowFormatDelimitedProperty) is None
    )
    # a string longer than the column fails the query; Spectrum's default would null it quietly
    properties = dict(re.findall(r"'([^']*)'\s*=\s*'([^']*)'", statement.split(" table properties ")[1]))
    assert properties == {"data_cleansing_enabled": "true", "surplus_char_handling": "FAIL"}


def test_external_ddl_runs_outside_any_transaction(first_run: Run) -> None:
    external_ddl = [
        record
        for record in first_run.records
        if "sql" in record and re.match(r"(create external|drop table)", body(record["sql"]).lower())
    ]
    assert len(external_ddl) == 1 + 2 * len(SCHEMAS)
    for record in external_ddl:
        assert not record["in_transaction"], f"external DDL inside a transaction block: {record['sql'][:80]}"


def test_every_run_makes_each_table_again_and_registers_nothing(recorder: RedshiftRecorder) -> None:
    """A table made by an earlier run (or an earlier version: the text tables over raw files) is
    dropped and made again, so its columns and location are the sources' now; the files stay."""
    existing = {"external_schemas": [SCHEMA], "external_tables": {SCHEMA: list(SCHEMAS)}}
    again = run_fresh(recorder, "run-operation", "stage_external_sources", **existing)
    assert again.ok, again.output[-4000:]
    statements = again.matching(r"^(drop table|create external table|alter table)")
    assert [
        re.match(r"(drop table if exists|create external table) (\S+)", sql).groups() for sql in statements
    ] == [
        (kind, f'"{SCHEMA}"."{table}"')
        for table in SCHEMAS
        for kind in ("drop table if exists", "create external table")
    ]


def test_base_model_reads_the_external_tables_and_staging_views_are_late_binding(
    recorder: RedshiftRecorder,
) -> None:
    run = run_fresh(recorder, "run", "-s", "base_sparkify__log_lines", "stg_sparkify__log_events")
    assert run.ok, run.output[-4000:]
    (lines,) = run.matching(r"^create table .*base_sparkify__log_lines")
    assert re.search(rf'from "\w+"\."{SCHEMA}"\."log_lines"', lines)
    assert '"$path"' not in lines  # the file of each row is the ingester's source_file
    (view,) = run.matching(r"^create view .*stg_sparkify__log_events")
    assert one_line(view).lower().rstrip(";").endswith("with no schema binding")


def test_a_missing_iam_role_is_reported_before_any_ddl(recorder: RedshiftRecorder) -> None:
    run = run_fresh(recorder, "run-operation", "stage_external_sources", vars={"iam_role": ""})
    assert not run.ok and "Redshift reads the landing from S3 with an IAM role" in run.output
    assert not run.matching(r"^(create|drop|alter)")


def test_copy_mode_creates_no_external_table(recorder: RedshiftRecorder) -> None:
    run = run_fresh(recorder, "run-operation", "stage_external_sources", vars={"redshift_raw_path": "copy"})
    assert run.ok and "COPY-loaded (load_landing)" in run.output
    assert not run.matching(r"^(create|drop|alter)")


def test_a_local_landing_is_refused(recorder: RedshiftRecorder) -> None:
    """Spectrum and COPY read S3 only; the landing of a laptop build is a folder."""
    for operation, vars in (
        ("stage_external_sources", {"landing": "data/landing"}),
        ("load_landing", {"landing": "data/landing", "redshift_raw_path": "copy"}),
    ):
        run = run_fresh(recorder, "run-operation", operation, vars=vars)
        assert not run.ok and "Redshift reads the landing only from S3" in run.output, operation
        assert not run.matching(r"^(create|drop|alter|copy)"), operation


def test_load_landing_is_refused_on_the_spectrum_path(recorder: RedshiftRecorder) -> None:
    """The sources then read the external tables: tables COPY filled would never be read."""
    run = run_fresh(recorder, "run-operation", "load_landing")
    assert not run.ok and "redshift_raw_path is 'spectrum'" in run.output
    assert not run.matching(r"^(create|drop|alter|copy)")
