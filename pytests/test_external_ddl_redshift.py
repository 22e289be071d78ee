"""The Redshift Spectrum DDL of `dbt run-operation stage_external_sources`, without a cluster.

dbt runs against pytests/redshift_recorder.py (a stand-in for redshift_connector that records
every statement, and whether it ran inside a transaction). The external tables hold each raw line
as text (issue 14b: the base models parse it); row format, file format, table properties and
partitions come from the sources yml read with PyYAML, not from the macro; statements are parsed
with sqlglot's redshift dialect (which does not know TABLE PROPERTIES: they are compared as text).
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
TABLE_PROPERTIES = re.compile(r" table properties \((.*)\)$", re.IGNORECASE)
RAW_TEXT_COLUMNS = {"raw_line": "VARCHAR(65535)", "beyond_delimiter": "VARCHAR(65535)"}


def declared_tables() -> dict[str, dict]:
    (source,) = yaml.safe_load(SOURCES_YML.read_text())["sources"]
    return {table["name"]: table for table in source["tables"]}


def redshift_type(type_text: str) -> str:
    """A type as sqlglot's redshift dialect writes it, so that int and integer compare equal."""
    return exp.DataType.build(type_text, dialect="redshift").sql("redshift")


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


def without_table_properties(sql: str) -> str:
    return TABLE_PROPERTIES.sub("", sql)


def table_properties(sql: str) -> dict[str, str]:
    found = TABLE_PROPERTIES.search(sql)
    assert found, sql
    return dict(re.findall(r"'([^']*)'\s*=\s*'([^']*)'", found.group(1)))


def test_every_statement_parses_as_redshift_sql(first_run: Run) -> None:
    assert first_run.bodies
    for sql in first_run.bodies:
        if one_line(sql).lower().startswith("create external schema"):
            continue  # sqlglot has no CREATE EXTERNAL SCHEMA; checked token by token below
        parsed = parse_redshift(without_table_properties(sql))
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
def test_external_tables_hold_each_line_as_text(first_run: Run, table: str) -> None:
    """Issue 14b: never Spectrum's JSON SerDe, which coerced arrays and objects, kept one of two
    duplicate keys and read a malformed line as a row of nulls."""
    declared = declared_tables()[table]["external"]
    (statement,) = first_run.matching(rf'^create external table "?{SCHEMA}"?\."?{table}"?')
    assert "serde" not in statement.lower()

    create = parse_redshift(without_table_properties(statement))
    assert isinstance(create, exp.Create) and create.find(exp.ExternalProperty) is not None
    columns = {column.name: column.args["kind"].sql("redshift") for column in create.this.expressions}
    assert columns == RAW_TEXT_COLUMNS
    # one field a line, split only at 0x01 (never raw in valid JSON), as the yml declares
    assert one_line(f"row format {declared['row_format']}") in one_line(statement)
    assert "fields terminated by '\\001' lines terminated by '\\n'" in statement
    assert "stored as textfile" in statement
    # no line stops a query: a longer line is cut, bytes that are not UTF-8 become 0x1A
    assert table_properties(statement) == {
        "data_cleansing_enabled": "true",
        "invalid_char_handling": "REPLACE",
        "replacement_char": "\x1a",
        "surplus_char_handling": "TRUNCATE",
    }
    location = create.find(exp.LocationProperty)
    assert location is not None and location.this.name == f"{RAW}/{table}/"
    partitioned = create.find(exp.PartitionedByProperty)
    expected_partitions = {
        partition["name"]: redshift_type(partition["data_type"])
        for partition in declared.get("partitions", [])
    }
    if expected_partitions:
        assert partitioned is not None
        partition_columns = {
            col.name: col.args["kind"].sql("redshift") for col in partitioned.this.expressions
        }
        assert partition_columns == expected_partitions
    else:
        assert partitioned is None


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

    # a table of the earlier shape (JSON SerDe, no raw_line) is made again, the other kept
    upgraded = run_fresh(
        recorder,
        "run-operation",
        "stage_external_sources",
        external_json_tables={SCHEMA: ["log_data"]},
        **existing,
    )
    assert upgraded.ok, upgraded.output[-4000:]
    for kind in ("drop table if exists", "create external table"):
        made = upgraded.matching(rf"^{kind} ")
        assert [re.sub(r'[" ]', "", sql).split("(")[0].split("location")[0] for sql in made] == [
            re.sub(r"\s", "", f"{kind}{SCHEMA}.log_data")
        ], made

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


def test_base_models_parse_each_line_in_sql_with_their_session_settings(
    recorder: RedshiftRecorder,
) -> None:
    """Issue 14b: non-scalar values and duplicate keys are found in the SQL the base model runs,
    with the settings that make JSON_PARSE read mixed-case keys and keep a duplicate-key record."""
    run = run_fresh(recorder, "run", "-s", "base_sparkify__log_lines")
    assert run.ok, run.output[-4000:]
    (lines,) = [sql for sql in run.matching(r"^create table .*base_sparkify__log_lines") if '"$path"' in sql]
    # each line: valid when it parses to an object, the parse guarded by can_json_parse
    assert "case when can_json_parse(raw_text) then json_parse(raw_text) end as parsed" in lines
    assert "json_typeof(parsed) = 'object'" in lines
    # mixed-case keys read by their case-sensitive name; an array or object is named, not coerced
    assert "json_typeof(judged_records.parsed.\"userId\") in ('array', 'object') then ', userId'" in lines
    assert "when 'string' then cast(judged_records.parsed.\"userId\" as varchar(max))" in lines
    assert 'else json_serialize(judged_records.parsed."userId")' in lines
    # a key the project reads written twice, from the raw text
    assert "regexp_count(raw_text, '[{,][[:space:]]*\"page\"[[:space:]]*:') > 1" in lines
    # the raw text, joined at 0x01 and its decoding problems named
    assert "raw.raw_line || chr(1) || raw.beyond_delimiter" in lines
    assert "'line too long: Redshift reads at most 65535 bytes of a line" in lines
    assert "'not UTF-8 text: byte(s) that are not UTF-8, shown as 0x1A'" in lines
    # settings around the model, in its connection, put back after it
    records = [record for record in run.records if "sql" in record]
    bodies = [body(record["sql"]) for record in records]
    create_at = next(i for i, sql in enumerate(bodies) if sql.startswith("create table") and '"$path"' in sql)
    before, after = bodies[:create_at], bodies[create_at:]
    assert "set enable_case_sensitive_identifier to true" in before
    assert "set json_parse_dedup_attributes to on" in before
    assert "set enable_case_sensitive_identifier to default" in after
    assert "set json_parse_dedup_attributes to default" in after
    assert (
        len(
            {record["connection"] for record in records if body(record["sql"]).startswith("set ")}
            | {records[create_at]["connection"]}
        )
        == 1
    )


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
