"""The Redshift Spectrum DDL of `dbt run-operation stage_external_sources`, without a cluster.

dbt runs against pytests/redshift_recorder.py (a stand-in for redshift_connector that records
every statement, and whether it ran inside a transaction). Expected columns, types, SerDe and
partitions come from the sources yml read with PyYAML, not from the macro; statements are parsed
with sqlglot's redshift dialect (its one gap, ROW FORMAT SERDE, is parsed with the hive dialect,
which knows it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlglot
import yaml
from sqlglot import exp
from sqlglot.errors import ErrorLevel

from pytests.dbt_runner import PROJECT_ROOT
from pytests.redshift_recorder import RedshiftRecorder, Run, body

pytestmark = pytest.mark.slow  # a dozen dbt runs: minutes

RAW = "s3://sparkify-spectrum-test/raw"
IAM_ROLE = "arn:aws:iam::123456789012:role/sparkify-spectrum"
YEARS = [2018, 2019]
SPECTRUM_VARS = {"iam_role": IAM_ROLE, "log_partition_years": YEARS, "redshift_raw_path": "spectrum"}
SOURCES_YML = PROJECT_ROOT / "models/staging/sparkify/_sparkify__sources.yml"
SCHEMA = "sparkify_spectrum"
ROW_FORMAT = re.compile(r"row format serde '[^']*' with serdeproperties \([^)]*\)", re.IGNORECASE)


def declared_tables() -> dict[str, dict]:
    (source,) = yaml.safe_load(SOURCES_YML.read_text())["sources"]
    return {table["name"]: table for table in source["tables"]}


def redshift_type(type_text: str) -> str:
    """A type as sqlglot's redshift dialect writes it, so that int and integer compare equal."""
    return exp.DataType.build(type_text, dialect="redshift").sql("redshift")


def spectrum_type(declared: str) -> str:
    """Text columns are varchar(max) on Spectrum (plain varchar is varchar(256)); others as declared."""
    return redshift_type("varchar(max)" if declared.lower() in {"varchar", "text", "string"} else declared)


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


def test_every_statement_parses_as_redshift_sql(first_run: Run) -> None:
    assert first_run.bodies
    for sql in first_run.bodies:
        if one_line(sql).lower().startswith("create external schema"):
            continue  # sqlglot has no CREATE EXTERNAL SCHEMA; checked token by token below
        text = ROW_FORMAT.sub("", sql) if sql.lower().startswith("create external table") else sql
        parsed = parse_redshift(text)
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


@pytest.mark.parametrize("table", ["song_data", "log_data"])
def test_external_table_columns_serde_location_and_partitions(first_run: Run, table: str) -> None:
    declared = declared_tables()[table]
    (statement,) = first_run.matching(rf'^create external table "?{SCHEMA}"?\."?{table}"?')

    # SerDe, as the yml declares it (hive dialect: redshift's does not parse ROW FORMAT)
    serde = parse_redshift_or_hive(statement).find(exp.RowFormatSerdeProperty)
    assert serde is not None
    assert serde.this.name == "org.openx.data.jsonserde.JsonSerDe"
    serde_properties = {
        prop.this.name: prop.args["value"].name for prop in serde.args["serde_properties"].expressions
    }
    assert serde_properties == {"ignore.malformed.json": "true"}
    assert one_line(declared["external"]["row_format"]) in one_line(statement)

    create = parse_redshift(ROW_FORMAT.sub("", statement))
    assert isinstance(create, exp.Create) and create.find(exp.ExternalProperty) is not None
    columns = {column.name: column.args["kind"].sql("redshift") for column in create.this.expressions}
    assert columns == {
        column["name"].lower(): spectrum_type(column["data_type"]) for column in declared["columns"]
    }
    location = create.find(exp.LocationProperty)
    assert location is not None and location.this.name == f"{RAW}/{table}/"
    partitioned = create.find(exp.PartitionedByProperty)
    expected_partitions = {
        partition["name"]: redshift_type(partition["data_type"])
        for partition in declared["external"].get("partitions", [])
    }
    if expected_partitions:
        assert partitioned is not None
        partition_columns = {
            col.name: col.args["kind"].sql("redshift") for col in partitioned.this.expressions
        }
        assert partition_columns == expected_partitions
    else:
        assert partitioned is None


def parse_redshift_or_hive(statement: str) -> exp.Expression:
    """sqlglot's hive dialect knows ROW FORMAT SERDE ... WITH SERDEPROPERTIES; redshift's does not."""
    return sqlglot.parse_one(statement, read="hive", error_level=ErrorLevel.RAISE)


def test_log_events_keep_ts_as_bigint_and_user_id_as_text(first_run: Run) -> None:
    (statement,) = first_run.matching(rf'^create external table "?{SCHEMA}"?\."?log_data"?')
    columns = {c.name: c.args["kind"] for c in parse_redshift(ROW_FORMAT.sub("", statement)).this.expressions}
    assert columns["ts"].is_type(exp.DataType.Type.BIGINT)
    assert columns["userid"].is_type(exp.DataType.Type.VARCHAR)


def test_log_partitions_are_added_for_every_year_and_month(first_run: Run) -> None:
    added = {}
    for statement in first_run.matching(r"^alter table .* add if not exists partition"):
        alter = parse_redshift(statement)
        assert isinstance(alter, exp.Alter) and alter.this.name == "log_data" and alter.this.db == SCHEMA
        (action,) = alter.args["actions"]
        assert isinstance(action, exp.AddPartition) and action.args.get("exists")
        values = {eq.this.name: eq.expression.name for eq in action.this.expressions}
        added[(int(values["year"]), int(values["month"]))] = action.args["location"].this.name
    assert added == {
        (year, month): f"{RAW}/log_data/{year}/{month:02d}/" for year in YEARS for month in range(1, 13)
    }


def test_external_ddl_runs_outside_any_transaction(first_run: Run) -> None:
    external_ddl = [
        record
        for record in first_run.records
        if "sql" in record
        and re.match(r"(create external|drop table|alter table)", body(record["sql"]).lower())
    ]
    assert external_ddl
    for record in external_ddl:
        assert not record["in_transaction"], f"external DDL inside a transaction block: {record['sql'][:80]}"


def test_second_run_keeps_existing_tables_and_only_adds_missing_partitions(
    recorder: RedshiftRecorder,
) -> None:
    existing = {"external_schemas": [SCHEMA], "external_tables": {SCHEMA: ["song_data", "log_data"]}}
    again = run_fresh(recorder, "run-operation", "stage_external_sources", **existing)
    assert again.ok, again.output[-4000:]
    assert not again.matching(r"^(drop table|create external table)")
    assert again.matching(r"^create external schema if not exists")
    assert len(again.matching(r"^alter table .* add if not exists partition")) == len(YEARS) * 12

    refreshed = run_fresh(
        recorder,
        "run-operation",
        "stage_external_sources",
        vars={"ext_full_refresh": True},
        **existing,
    )
    assert refreshed.ok, refreshed.output[-4000:]
    assert len(refreshed.matching(r"^drop table if exists")) == 2
    assert len(refreshed.matching(r"^create external table")) == 2


def test_base_model_reads_path_from_spectrum_and_staging_views_are_late_binding(
    recorder: RedshiftRecorder,
) -> None:
    run = run_fresh(recorder, "run", "-s", "base_sparkify__log_lines", "stg_sparkify__log_events")
    assert run.ok, run.output[-4000:]
    (lines,) = [sql for sql in run.matching(r"^create table .*base_sparkify__log_lines") if '"$path"' in sql]
    assert re.search(rf'from "\w+"\."{SCHEMA}"\."log_data"', lines)
    (view,) = run.matching(r"^create view .*stg_sparkify__log_events")
    assert one_line(view).lower().rstrip(";").endswith("with no schema binding")


def test_a_missing_iam_role_is_reported_before_any_ddl(recorder: RedshiftRecorder) -> None:
    run = run_fresh(recorder, "run-operation", "stage_external_sources", vars={"iam_role": ""})
    assert not run.ok and "needs the IAM role" in run.output
    assert not run.matching(r"^(create|drop|alter)")


def test_copy_mode_creates_no_external_table(recorder: RedshiftRecorder) -> None:
    run = run_fresh(recorder, "run-operation", "stage_external_sources", vars={"redshift_raw_path": "copy"})
    assert run.ok and "COPY-loaded" in run.output
    assert not run.matching(r"^(create|drop|alter)")


def test_local_raw_data_is_refused_for_spectrum(tmp_path: Path) -> None:
    local = RedshiftRecorder(work_dir=tmp_path / "dbt", raw_data="data/raw", vars=SPECTRUM_VARS)
    run = local.run("run-operation", "stage_external_sources")
    assert not run.ok and "Spectrum reads only from S3" in run.output
    assert not run.matching(r"^(create|drop|alter)")
