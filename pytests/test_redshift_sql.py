"""Redshift without a cluster.

dbt-redshift runs for real against the recording stand-in for redshift_connector
(pytests/redshift_recorder.py), over a landing that sparkify-ingest wrote (a local folder the
stand-in serves as s3://): on the COPY path, load_landing, a full build, a second batch loaded and
an incremental build, then forget_raw_file; on the Spectrum path, stage_external_sources plus a
build. Every statement dbt would send must parse as Redshift SQL (sqlglot's redshift dialect), and
the statements that make the warehouse Redshift's are asserted: dist and sort keys, the incremental
DELETE and INSERT (after the reset pre-hook's conditional DELETE), the COPY of each new batch's
parquet files in one transaction with the IAM role, the transaction of forget_raw_file, the sources'
schema on each path, late-binding views.
"""

from __future__ import annotations

import functools
import json
import re
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest
import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel

from pytests.dbt_runner import DbtProject
from pytests.redshift_recorder import RECORDER_ENV, RecordingConnection, RedshiftRecorder, Warehouse, body
from sparkify_tools.ingest.cli import main as sparkify_ingest
from sparkify_tools.ingest.landing_schema import SCHEMAS

pytestmark = pytest.mark.slow  # two builds on each path and four loads through dbt: minutes

S3_RAW = "s3://sparkify-recorder/raw"
S3_LANDING = "s3://sparkify-recorder/landing"
IAM_ROLE = RECORDER_ENV["SPARKIFY_REDSHIFT_IAM_ROLE"]
PASSWORD = RECORDER_ENV["DBT_ENV_SECRET_REDSHIFT_PASSWORD"]
MART_KEYS = {
    "songplays": "songplay_id",
    "users": "user_id",
    "songs": "song_id",
    "artists": "artist_id",
    "time": "start_time",
}
DUCKDB_TO_REDSHIFT = {
    "VARCHAR": "character varying",
    "BIGINT": "bigint",
    "INTEGER": "integer",
    "DOUBLE": "double precision",
    "FLOAT": "double precision",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "timestamp without time zone",
    "TIMESTAMP WITH TIME ZONE": "timestamp with time zone",
}

# Statements sqlglot keeps as opaque commands; their shape is asserted by pattern below and, for
# the Spectrum DDL, by pytests/test_external_ddl_redshift.py.
OPAQUE_STATEMENTS = re.compile(r"create external (schema|table) ", re.IGNORECASE)
# the landing tables, `batches` last: the order load_landing copies a batch in
LANDING_TABLES = [*(table for table in SCHEMAS if table != "batches"), "batches"]


@functools.cache
def parse(sql: str) -> exp.Expression:
    """The statement as sqlglot's redshift dialect reads it (cached: tests look at the same ones)."""
    return sqlglot.parse_one(sql, read="redshift")


def duckdb_columns(database: Path) -> dict[str, list[list[str]]]:
    """Column names and Redshift types of every relation of a DuckDB build of the same project."""
    with duckdb.connect(str(database), read_only=True) as connection:
        rows = connection.sql(
            "select table_name, column_name, data_type from information_schema.columns "
            "order by table_name, ordinal_position"
        ).fetchall()
    columns: dict[str, list[list[str]]] = {}
    for table, column, data_type in rows:
        columns.setdefault(table, []).append([column, DUCKDB_TO_REDSHIFT.get(data_type, "character varying")])
    return columns


def batch_ids(landing: Path) -> list[str]:
    return sorted(path.stem for path in (landing / "batches").glob("*.parquet"))


def land(raw: Path, landing: Path) -> str:
    """One sparkify-ingest batch of `raw` into `landing`; its id."""
    before = batch_ids(landing) if landing.exists() else []
    assert sparkify_ingest(["--raw-data", str(raw), "--landing", str(landing)]) == 0
    (new,) = set(batch_ids(landing)) - set(before)
    return new


def missing_files(landing: Path) -> list[str]:
    """<table>/<batch>.parquet of every table a batch wrote no file for."""
    return [
        f"{table}/{batch}.parquet"
        for batch in batch_ids(landing)
        for table in SCHEMAS
        if not (landing / table / f"{batch}.parquet").exists()
    ]


def raw_copy(source: Path, target: Path, log_files: int | None = None) -> Path:
    """The song files and the first `log_files` log files of `source` (all: None) in `target`; a
    file already there is left as it is (copied again, it would be a changed file to the ingester)."""
    for path in [*sorted(source.glob("log_data/**/*.json"))[:log_files], *source.glob("song_data/**/*.json")]:
        destination = target / path.relative_to(source)
        if not destination.exists():
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, destination)
    return target


def start_recording(work_dir: Path, landing: Path, columns: dict, path: str) -> RedshiftRecorder:
    """dbt against the recorder, with `landing` served as S3_LANDING and var redshift_raw_path `path`."""
    return RedshiftRecorder(
        work_dir=work_dir,
        raw_data=S3_RAW,
        vars={"redshift_raw_path": path, "landing": S3_LANDING},
        columns=columns,
        s3={S3_LANDING: landing},
    )


def forgotten_file(landing: Path) -> str:
    """The log file the copy_path fixture forgets: the first one, landed by the first batch."""
    (first,) = pq.read_table(landing / "raw_files" / f"{batch_ids(landing)[0]}.parquet").to_pylist()[:1]
    return first["source_file"]


@pytest.fixture(scope="module")
def copy_path(
    built_duckdb: DbtProject, small_raw_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> RedshiftRecorder:
    """COPY path: one batch loaded and a full build, then a batch with one new log file loaded and
    an incremental build, then forget_raw_file of the first log file."""
    work = tmp_path_factory.mktemp("redshift_copy")
    logs = len(list(small_raw_data.glob("log_data/**/*.json")))
    raw, landing = raw_copy(small_raw_data, work / "raw", log_files=logs - 1), work / "landing"
    land(raw, landing)
    recorder = start_recording(work, landing, duckdb_columns(built_duckdb.duckdb_path), "copy")
    recorder.run("run-operation", "load_landing", label="load", check=True)
    recorder.run("build", label="full_build", check=True)
    land(raw_copy(small_raw_data, raw), landing)  # the last day's log file arrives
    recorder.run("run-operation", "load_landing", label="load_more", check=True)
    recorder.run("build", label="incremental_build", check=True)
    path = forgotten_file(landing)
    recorder.run(
        "run-operation", "forget_raw_file", "--args", f"{{path: '{path}'}}", label="forget", check=True
    )
    return recorder


@pytest.fixture(scope="module")
def spectrum_path(
    built_duckdb: DbtProject, small_raw_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> RedshiftRecorder:
    work = tmp_path_factory.mktemp("redshift_spectrum")
    land(small_raw_data, work / "landing")
    recorder = start_recording(work, work / "landing", duckdb_columns(built_duckdb.duckdb_path), "spectrum")
    recorder.run("run-operation", "stage_external_sources", label="stage_external", check=True)
    recorder.run("build", label="spectrum_build", check=True)
    return recorder


COPY_LABELS = ["load", "full_build", "load_more", "incremental_build", "forget"]
SPECTRUM_LABELS = ["stage_external", "spectrum_build"]


def test_every_statement_parses_as_redshift_sql(
    copy_path: RedshiftRecorder, spectrum_path: RedshiftRecorder
) -> None:
    problems = []
    counted = 0
    for recorder, labels in ((copy_path, COPY_LABELS), (spectrum_path, SPECTRUM_LABELS)):
        for label in labels:
            statements = recorder.statements(label)
            assert statements, f"nothing recorded for {label}"
            for sql in statements:
                counted += 1
                try:
                    parsed = sqlglot.parse(sql, read="redshift", error_level=ErrorLevel.RAISE)
                except sqlglot.errors.SqlglotError as error:
                    problems.append(f"{label}: {body(sql)[:160]}\n    {str(error)[:300]}")
                    continue
                for expression in parsed:
                    if isinstance(expression, exp.Command) and not OPAQUE_STATEMENTS.match(body(sql)):
                        problems.append(f"{label}: not understood, only kept as a command: {body(sql)[:160]}")
    assert problems == []
    assert counted > 500  # a full build sends hundreds of statements; far fewer means dbt stopped early


def test_no_statement_ends_a_transaction_that_is_not_open_or_begins_one_twice(
    copy_path: RedshiftRecorder, spectrum_path: RedshiftRecorder
) -> None:
    """Redshift only warns; here it means a macro believed in a transaction that was not there."""
    assert copy_path.state["transaction_warnings"] == []
    assert spectrum_path.state["transaction_warnings"] == []


def table_name(node: exp.Expression) -> str:
    """db.schema.name of a Table, or of the Table inside a Schema (CREATE TABLE with columns)."""
    table = node.this if isinstance(node, exp.Schema) else node
    return ".".join(part.name for part in table.parts)


def created_table(statements: list[str], relation: str) -> exp.Create:
    found = [
        expression
        for expression in (parse(sql) for sql in statements)
        if isinstance(expression, exp.Create)
        and expression.kind == "TABLE"
        and table_name(expression.this) == relation
    ]
    assert len(found) == 1, f"{len(found)} CREATE TABLE for {relation}"
    return found[0]


def distribution(create: exp.Create) -> dict[str, object]:
    properties = create.args.get("properties")
    found: dict[str, object] = {}
    for prop in properties.expressions if properties else []:
        if isinstance(prop, exp.DistStyleProperty):
            found["diststyle"] = prop.this.name.lower()
        elif isinstance(prop, exp.DistKeyProperty):
            found["distkey"] = prop.this.name
        elif isinstance(prop, exp.SortKeyProperty):
            found["sortkey"] = [column.name for column in prop.this]
    return found


def test_marts_have_their_dist_and_sort_keys(copy_path: RedshiftRecorder) -> None:
    statements = copy_path.statements("full_build")
    layouts = {mart: distribution(created_table(statements, f"dev.sparkify.{mart}")) for mart in MART_KEYS}
    assert layouts == {
        "songplays": {"diststyle": "key", "distkey": "user_id", "sortkey": ["start_time"]},
        "users": {"diststyle": "all", "sortkey": ["user_id"]},
        "songs": {"diststyle": "all", "sortkey": ["song_id"]},
        "artists": {"diststyle": "all", "sortkey": ["artist_id"]},
        "time": {"sortkey": ["start_time"]},  # diststyle left to Redshift (AUTO)
    }


LOG_LINES = "dev.sparkify_staging.base_sparkify__log_lines"
SONG_FILES = "dev.sparkify_staging.base_sparkify__song_files"
RAW_FILES_INGESTED = "dev.sparkify.raw_files_ingested"
# the base models each mart is built from: its reset looks at those only
MART_BASE_MODELS = {
    "songplays": {LOG_LINES, SONG_FILES},
    "time": {LOG_LINES, SONG_FILES},
    "users": {LOG_LINES},
    "songs": {SONG_FILES},
    "artists": {SONG_FILES},
}


def is_reset_when_raw_files_replaced(delete: exp.Delete, target: str, bases: set[str]) -> bool:
    """The pre-hook's DELETE: only when a base model holds rows of a replaced file newer than
    the target's watermark (`delete ... where exists (... replaces_earlier_ingestion and
    ingested_at > (select coalesce(max(ingested_at), ...) from <target>))`), or was rebuilt since
    (`or (select min(ingested_at) from <base>) > (watermark)`, one per base model), or was marked
    for a recompute by forget_raw_file or replay_quarantined (`or (watermark) <= '1900-01-01'`)."""
    where = delete.args["where"].this
    terms = list(where.flatten()) if isinstance(where, exp.Or) else [where]
    condition, *rebuilt, marked = terms
    if not isinstance(condition, exp.Exists) or len(rebuilt) != len(bases):
        return False
    if not (isinstance(marked, exp.LTE) and "1900-01-01" in marked.expression.sql()):
        return False
    rebuilt_bases = {table_name(term.this.find(exp.Table)) for term in rebuilt if isinstance(term, exp.GT)}
    if rebuilt_bases != bases or not all(term.this.find(exp.Min) for term in rebuilt):
        return False
    tables = {table_name(t) for t in condition.find_all(exp.Table)}
    flags = {column.name for column in condition.find_all(exp.Column)}
    watermarks = [
        select
        for select in condition.find_all(exp.Select)
        if select.find(exp.Max) and {table_name(t) for t in select.find_all(exp.Table)} == {target}
    ]
    return tables == bases | {target} and "replaces_earlier_ingestion" in flags and bool(watermarks)


def test_incremental_build_deletes_and_inserts_by_unique_key(copy_path: RedshiftRecorder) -> None:
    records = [record for record in copy_path.records("incremental_build") if "sql" in record]
    parsed = [parse(record["sql"]) for record in records]
    for mart, key in MART_KEYS.items():
        target = f"dev.sparkify.{mart}"

        rebuilt = [
            e
            for e in parsed
            if isinstance(e, exp.Create) and e.kind == "TABLE" and table_name(e.this) == target
        ]
        assert rebuilt == [], f"{mart} was rebuilt instead of updated"
        temps = [
            table_name(e.this)
            for e in parsed
            if isinstance(e, exp.Create)
            and e.kind == "TABLE"
            and table_name(e.this).startswith(f"{mart}__dbt_tmp")
        ]
        assert len(temps) == 1, f"{mart}: expected one temporary table of new rows, got {temps}"
        deletes = [
            i for i, e in enumerate(parsed) if isinstance(e, exp.Delete) and table_name(e.this) == target
        ]
        inserts = [
            i for i, e in enumerate(parsed) if isinstance(e, exp.Insert) and table_name(e.this) == target
        ]
        # two DELETEs: the pre-hook's conditional reset, then delete+insert's own, and one INSERT
        assert len(deletes) == 2 and len(inserts) == 1, (mart, len(deletes), len(inserts))
        reset_at, delete_at, insert_at = deletes[0], deletes[1], inserts[0]
        reset = parsed[reset_at]
        assert is_reset_when_raw_files_replaced(reset, target, MART_BASE_MODELS[mart]), body(
            records[reset_at]["sql"]
        )
        assert reset_at < delete_at < insert_at
        delete, insert = parsed[delete_at], parsed[insert_at]
        condition = delete.args["where"].this
        assert isinstance(condition, exp.In) and condition.this.unnest().name == key
        assert {table_name(t) for t in condition.find_all(exp.Table)} == {temps[0]}
        assert {table_name(t) for t in insert.expression.find_all(exp.Table)} == {temps[0]}
        assert key in [column.name for column in insert.this.expressions]

        # the reset, the delete and the insert commit together: one transaction, one connection
        between = records[reset_at : insert_at + 1]
        assert all(record["in_transaction"] for record in between), mart
        assert len({record["connection"] for record in between}) == 1, mart
        assert not [r for r in between if re.match(r"(commit|end|rollback)\b", body(r["sql"]).lower())], mart


def copy_statements(recorder: RedshiftRecorder, label: str) -> list[exp.Copy]:
    copies = [parse(sql) for sql in recorder.statements(label)]
    return [copy for copy in copies if isinstance(copy, exp.Copy)]


def copy_source(copy: exp.Copy) -> str:
    return copy.args["files"][0].name


def batch_copies(recorder: RedshiftRecorder, label: str) -> list[list[dict[str, Any]]]:
    """The records of each transaction of COPYs a run sent (BEGIN to COMMIT)."""
    blocks: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] | None = None
    for record in (r for r in recorder.records(label) if "sql" in r):
        text = body(record["sql"]).lower()
        if text == "begin":
            current = []
        elif re.match(r"(commit|end|rollback)\b", text):
            if current and all(body(r["sql"]).lower().startswith("copy ") for r in current):
                blocks.append(current)
            current = None
        elif current is not None:
            current.append(record)
    return blocks


def test_load_copies_each_batch_as_parquet_in_one_transaction_batches_last(
    copy_path: RedshiftRecorder,
) -> None:
    """Issue 22: COPY reads the ingester's parquet, never raw files; a batch lands whole or not at
    all, its `batches` row last, so a batch cut short is never taken for loaded."""
    landing = Path(copy_path.state["s3"][S3_LANDING])
    first, _ = batch_ids(landing)
    (block,) = batch_copies(copy_path, "load")
    copies = [parse(record["sql"].rstrip().rstrip(";")) for record in block]
    assert [table_name(copy.this) for copy in copies] == [
        f"dev.sparkify_landing.{table}" for table in LANDING_TABLES
    ]
    assert [copy_source(copy) for copy in copies] == [
        f"{S3_LANDING}/{table}/{first}.parquet" for table in LANDING_TABLES
    ]
    for copy in copies:
        assert copy.args["credentials"].args["iam_role"].name == IAM_ROLE
        params = {param.this.name.lower(): param.expression.name.lower() for param in copy.args["params"]}
        assert params == {"format": "parquet"}  # COPY from parquet takes no MAXERROR, no REGION
        assert not copy.this.expressions  # parquet fills the columns by position: no column list
    assert all(record["in_transaction"] for record in block)
    assert len({record["connection"] for record in block}) == 1

    # the tables: the source's columns in the ingester's order, text as Redshift's longest varchar
    for table in LANDING_TABLES:
        create = created_table(copy_path.statements("load"), f"dev.sparkify_landing.{table}")
        columns = [(c.name, c.args["kind"].sql("redshift").lower()) for c in create.this.expressions]
        assert [name for name, _ in columns] == SCHEMAS[table].names, table
        assert {kind for name, kind in columns if str(SCHEMAS[table].field(name).type) == "string"} == {
            "varchar(65535)"
        }, table
        assert create.args.get("exists"), table  # if not exists: loaded rows stay


def test_new_batches_are_those_the_loaded_batches_table_lacks(copy_path: RedshiftRecorder) -> None:
    """The landing's batches/ folder is listed by a COPY into a temporary table (each file one row,
    written last by the ingester); the batch ids already in the loaded `batches` table are skipped."""
    landing = Path(copy_path.state["s3"][S3_LANDING])
    _, second = batch_ids(landing)
    for label in ("load", "load_more"):
        bodies = copy_path.bodies(label)
        listing = [sql for sql in bodies if sql.startswith("copy sparkify_landing_batches ")]
        assert listing == [
            f"copy sparkify_landing_batches from '{S3_LANDING}/batches/' iam_role '{IAM_ROLE}'"
            " format as parquet"
        ]
        assert 'select landing_batch_id from "dev"."sparkify_landing"."batches"' in bodies
    assert re.search(r"\b2 batches in .*, 1 not loaded yet", copy_path.outputs["load_more"])
    (block,) = batch_copies(copy_path, "load_more")
    assert [copy_source(parse(r["sql"].rstrip().rstrip(";"))) for r in block] == [
        f"{S3_LANDING}/{table}/{second}.parquet" for table in LANDING_TABLES
    ]


def test_forget_raw_file_deletes_in_one_transaction_and_commits(copy_path: RedshiftRecorder) -> None:
    """Issue 14a: forget_raw_file used to delete with run_query (outside a transaction: each
    DELETE committed alone) and then failed in adapter.commit(). Now every DELETE and UPDATE runs in one
    transaction (begun by forget_raw_file's statement, or already by dbt's catalog queries before
    it on the same connection), which the COMMIT right after the last one ends."""
    path = forgotten_file(Path(copy_path.state["s3"][S3_LANDING]))
    records = [record for record in copy_path.records("forget") if "sql" in record]
    keywords = [body(record["sql"]).lower().rstrip(";") for record in records]
    changes = [i for i, keyword in enumerate(keywords) if keyword.startswith(("delete from", "update "))]
    assert changes
    first, last = changes[0], changes[-1]
    begun = max(i for i in range(first) if keywords[i] == "begin")
    assert keywords[last + 1] == "commit"
    assert not [k for k in keywords[begun + 1 : last + 1] if re.match(r"(begin|commit|end|rollback)\b", k)]
    assert all(record["in_transaction"] for record in records[begun + 1 : last + 2])
    assert len({record["connection"] for record in records[begun : last + 2]}) == 1

    statements = [body(records[i]["sql"]).rstrip(";") for i in changes]
    targets = [parse(sql).this for sql in statements]
    names = [table_name(t) for t in targets]
    # the file's rows leave the base models and the record of ingested files (by the path below
    # raw_data) ...
    for base in (LOG_LINES, SONG_FILES, RAW_FILES_INGESTED):
        (by_file,) = [sql for sql, name in zip(statements, names, strict=True) if name == base]
        assert by_file.endswith(f"where source_file like '{path}'"), by_file
    # ... every model built from ingestion batches keeps its rows, marked for the next build to
    # recompute (its watermark set to the start of time) ...
    marked = {
        name
        for sql, name in zip(statements, names, strict=True)
        if sql.lower().startswith("update ") and "set ingested_at = cast('1900-01-01'" in sql.lower()
    }
    assert {f"dev.sparkify.{mart}" for mart in MART_KEYS} <= marked
    assert "dev.sparkify_intermediate.int_log_events__deduplicated" in marked
    assert not [sql for sql in statements if sql.lower().startswith("delete") and " where " not in sql]
    # ... and the landing keeps it: the next build takes it from there again (the COPY path once
    # deleted it from its raw tables, so that the next load copied the file again)
    assert not [name for name in names if ".sparkify_landing." in f".{name}"]


def test_the_record_of_ingested_files_is_updated_by_file_never_rebuilt(copy_path: RedshiftRecorder) -> None:
    """raw_files_ingested (full_refresh: false) is created by the first build only; an incremental
    build deletes and inserts the rows of the files it ingested, by file."""
    assert created_table(copy_path.statements("full_build"), RAW_FILES_INGESTED)
    parsed = [parse(sql) for sql in copy_path.statements("incremental_build")]
    touching = [
        e
        for e in parsed
        if isinstance(e, (exp.Create, exp.Delete, exp.Insert)) and table_name(e.this) == RAW_FILES_INGESTED
    ]
    assert not [e for e in touching if isinstance(e, exp.Create)], "the record was rebuilt"
    deletes = [e for e in touching if isinstance(e, exp.Delete)]
    (insert,) = [e for e in touching if isinstance(e, exp.Insert)]
    compared = [{column.name for column in delete.args["where"].find_all(exp.Column)} for delete in deletes]
    # the upsert's delete by file; the pre-hook's of files a raw_data switch replaced reads the landing
    assert {"source_file"} in compared and len(deletes) <= 2
    assert "first_ingested_at" in [column.name for column in insert.this.expressions]


def test_recorder_follows_transactions_as_the_server_would(tmp_path: Path) -> None:
    """What lets the tests above tell one transaction from statements committed one by one."""
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"log": str(tmp_path / "log.jsonl")}))
    warehouse = Warehouse(state)
    connection = RecordingConnection(warehouse)
    connection.autocommit = True  # as dbt-redshift opens it
    connection.cursor().execute("delete from t")  # committed alone
    connection.cursor().execute("begin")
    connection.cursor().execute("delete from t")
    connection.commit()
    connection.commit()  # nothing open: the server warns
    connection.rollback()  # nothing open: the driver sends nothing
    warehouse.close()
    records = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert [(r["sql"], r["in_transaction"], r.get("warning")) for r in records] == [
        ("delete from t", False, None),
        ("begin", False, None),
        ("delete from t", True, None),
        ("commit", True, None),
        ("commit", False, "there is no transaction in progress"),
    ]
    assert json.loads(state.read_text())["transaction_warnings"] == [
        "there is no transaction in progress: commit"
    ]


def views_in(statements: list[str], schema: str) -> list[exp.Create]:
    return [
        e
        for e in (parse(sql) for sql in statements)
        if isinstance(e, exp.Create) and e.kind == "VIEW" and e.this.db == schema
    ]


def test_staging_views_are_late_binding(copy_path: RedshiftRecorder, spectrum_path: RedshiftRecorder) -> None:
    for views in (
        views_in(copy_path.statements("full_build"), "sparkify_staging"),
        views_in(spectrum_path.statements("spectrum_build"), "sparkify_staging"),
    ):
        assert {view.this.name.removesuffix("__dbt_tmp") for view in views} >= {
            "stg_sparkify__log_events",
            "stg_sparkify__song_records",
        }
        assert all(view.args.get("no_schema_binding") for view in views), [view.this.name for view in views]


def created(recorder: RedshiftRecorder, label: str, kind: str, schema: str, model: str) -> str:
    """The one CREATE TABLE or VIEW of a model in a run (dbt may create it as <model>__dbt_tmp)."""
    found = [
        sql
        for sql in recorder.bodies(label)
        if re.match(rf'create {kind} "dev"\."{schema}"\."{model}(__dbt_tmp)?"', sql)
    ]
    assert len(found) == 1, (model, len(found))
    return found[0]


def test_base_models_read_copy_tables_or_spectrum_by_var(
    copy_path: RedshiftRecorder, spectrum_path: RedshiftRecorder
) -> None:
    """The sources' schema follows var redshift_raw_path: the COPY tables in landing_schema, or the
    external tables in spectrum_schema; never raw files."""
    for recorder, label, schema in (
        (copy_path, "full_build", "sparkify_landing"),
        (spectrum_path, "spectrum_build", "sparkify_spectrum"),
    ):
        lines = created(recorder, label, "table", "sparkify_staging", "base_sparkify__log_lines")
        files = created(recorder, label, "view", "sparkify_staging", "base_sparkify__landed_files")
        assert f'"dev"."{schema}"."log_lines"' in lines
        assert f'"dev"."{schema}"."raw_files"' in files and f'"dev"."{schema}"."batches"' in files
        (other,) = {"sparkify_landing", "sparkify_spectrum"} - {schema}
        assert not [sql for sql in recorder.bodies(label) if f'"{other}"' in sql]


def test_external_schema_and_parquet_tables_over_the_landing(spectrum_path: RedshiftRecorder) -> None:
    ddl = spectrum_path.bodies("stage_external")
    schemas = [sql for sql in ddl if sql.startswith("create external schema")]
    assert schemas and all(f"iam_role '{IAM_ROLE}'" in sql for sql in schemas)
    for table in LANDING_TABLES:
        made = rf'create external table "sparkify_spectrum"\."{table}" '
        (found,) = [sql for sql in ddl if re.match(made, sql)]
        assert f"stored as parquet location '{S3_LANDING}/{table}/'" in found
        assert "partitioned by" not in found and "row format" not in found
    assert not [sql for sql in ddl if sql.startswith("alter table")]  # no partitions to register


def test_engine_macros_emit_sql_redshift_has(copy_path: RedshiftRecorder) -> None:
    """Redshift lacks isodow, to_timestamp(double), convert_to and chr() beyond ASCII; its TRY_CAST
    is not used (see try_cast_number)."""
    log_events = created(copy_path, "full_build", "view", "sparkify_staging", "stg_sparkify__log_events")
    song_records = created(copy_path, "full_build", "view", "sparkify_staging", "stg_sparkify__song_records")
    # the SQL that fills time: with an enforced contract the table is created with its declared
    # columns, then filled by an INSERT
    time = " ".join(
        sql
        for sql in copy_path.bodies("full_build")
        if re.match(r'(create table|insert into) "dev"\."sparkify"\."time"', sql)
    )
    everything = " ".join([log_events, song_records, time]).lower()
    for missing_on_redshift in (
        "try_cast(",
        "isodow",
        "to_timestamp(",
        "convert_to(",
        "convert_from(",
        "chr(160)",
    ):
        assert missing_on_redshift not in everything
    assert "timestamp 'epoch' +" in log_events.lower()
    assert "md5(cast(" in log_events.lower() and "as varchar(max)))" in log_events.lower()
    assert "extract(dow from" in everything
    assert "regexp_replace(" in song_records.lower() and "'g')" not in song_records.lower()


def connect_arguments(work_dir: Path, target: str, env: dict[str, str]) -> dict[str, Any]:
    recorder = RedshiftRecorder(work_dir=work_dir, raw_data=S3_RAW, target=target, env=env)
    run = recorder.run("debug", label=target, check=True)
    assert run.connects
    return run.connects[0]


def test_profiles_connect_with_password_or_iam_cluster_or_serverless(tmp_path: Path) -> None:
    password = connect_arguments(tmp_path / "password", "redshift", {})
    assert password["host"] == "recorder.invalid" and password["port"] == 5439 and password["user"] == "dbt"
    assert password["database"] == "dev" and password["ssl"] is True
    assert "iam" not in password

    cluster = connect_arguments(
        tmp_path / "iam_cluster",
        "redshift_iam",
        {"REDSHIFT_CLUSTER_ID": "sparkify", "AWS_PROFILE": "analytics"},
    )
    assert cluster["iam"] is True and cluster["cluster_identifier"] == "sparkify"
    assert cluster["db_user"] == "dbt" and cluster["is_serverless"] is False
    assert cluster["profile"] == "analytics"

    host = "sparkify.123456789012.us-west-2.redshift-serverless.amazonaws.com"
    serverless = connect_arguments(
        tmp_path / "iam_serverless", "redshift_iam", {"REDSHIFT_HOST": host, "AWS_PROFILE": ""}
    )
    assert serverless["iam"] is True and serverless["is_serverless"] is True
    assert serverless["cluster_identifier"] is None
    assert serverless["profile"] is None  # no AWS_PROFILE: boto3's default credential chain

    # the password never reaches a file: not the recording, not dbt's logs or target/
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert PASSWORD not in path.read_text(errors="replace"), path


def test_dbt_parse_with_the_redshift_target(tmp_path: Path) -> None:
    project = DbtProject(work_dir=tmp_path, raw_data=S3_RAW, target="redshift", extra_env=RECORDER_ENV)
    project.dbt("parse")
    nodes = json.loads((tmp_path / "target" / "manifest.json").read_text())["nodes"]
    config = {node["name"]: node["config"] for node in nodes.values() if node["resource_type"] == "model"}
    assert (config["songplays"]["dist"], config["songplays"]["sort"]) == ("user_id", "start_time")
    assert {config[mart]["dist"] for mart in ("users", "songs", "artists")} == {"all"}
    assert config["stg_sparkify__log_events"]["bind"] is False
    assert {config[mart]["incremental_strategy"] for mart in MART_KEYS} == {"delete+insert"}
    assert {
        config[base]["unique_key"] for base in ("base_sparkify__log_lines", "base_sparkify__song_files")
    } == {"source_file"}


def test_a_batch_missing_a_file_fails_lands_none_of_its_rows_and_loads_on_the_next_run(
    built_duckdb: DbtProject, small_raw_data: Path, tmp_path: Path
) -> None:
    """COPY of a key that is not there fails: the batch's transaction is rolled back (its rows, and
    its `batches` row never sent), the batches before it stay loaded, and once the file is there
    the next load_landing loads that batch alone."""
    raw, landing = raw_copy(small_raw_data, tmp_path / "raw", log_files=1), tmp_path / "landing"
    first = land(raw, landing)
    second = land(raw_copy(small_raw_data, raw, log_files=2), landing)
    missing = landing / "song_files" / f"{second}.parquet"
    kept = missing.rename(tmp_path / missing.name)
    recorder = start_recording(tmp_path / "dbt", landing, duckdb_columns(built_duckdb.duckdb_path), "copy")

    refused = recorder.run("run-operation", "load_landing", label="refused")
    assert not refused.ok
    assert (
        f"The specified S3 prefix '{S3_LANDING}/song_files/{second}.parquet' does not exist" in refused.output
    )
    texts = [body(sql).rstrip(";") for sql in recorder.statements("refused")]
    failed = texts.index(
        f'copy "dev"."sparkify_landing"."song_files" from \'{S3_LANDING}/song_files/{second}.parquet\''
        f" iam_role '{IAM_ROLE}' format as parquet"
    )
    assert texts[failed + 1].lower() == "rollback"
    assert not [text for text in texts[failed:] if text.lower().startswith("commit")]
    assert not [text for text in texts if f"/batches/{second}.parquet" in text]  # never marked loaded
    assert recorder.state["table_files"]["sparkify_landing.batches"] == [
        f"{S3_LANDING}/batches/{first}.parquet"
    ]

    kept.rename(missing)
    resumed = recorder.run("run-operation", "load_landing", label="resumed", check=True)
    assert "2 batches in" in resumed.output and "1 not loaded yet" in resumed.output
    (block,) = batch_copies(recorder, "resumed")
    assert [copy_source(parse(r["sql"].rstrip().rstrip(";"))) for r in block] == [
        f"{S3_LANDING}/{table}/{second}.parquet" for table in LANDING_TABLES
    ]


def test_the_ingester_writes_a_file_for_every_table_of_every_batch(
    small_raw_data: Path, tmp_path: Path
) -> None:
    raw, landing = raw_copy(small_raw_data, tmp_path / "raw", log_files=1), tmp_path / "landing"
    for log_files in (1, 2):  # the second batch: one new log file, no song file, nothing not read
        raw_copy(small_raw_data, raw, log_files=log_files)
        assert sparkify_ingest(["--raw-data", str(raw), "--landing", str(landing)]) == 0
    assert missing_files(landing) == []


REDSHIFT_MAX_VARCHAR_BYTES = 65535


def test_no_landed_text_is_longer_than_redshift_takes(small_raw_data: Path, tmp_path: Path) -> None:
    raw = raw_copy(small_raw_data, tmp_path / "raw", log_files=1)
    (log_file,) = raw.glob("log_data/**/*.json")
    long_line = json.dumps({"page": "NextSong", "song": "é" * REDSHIFT_MAX_VARCHAR_BYTES}, ensure_ascii=False)
    log_file.write_text(log_file.read_text(encoding="utf-8") + long_line + "\n", encoding="utf-8")
    landing = tmp_path / "landing"
    assert sparkify_ingest(["--raw-data", str(raw), "--landing", str(landing)]) == 0
    longest = {
        path.parent.name: max(
            (
                len(value.encode())
                for column in table.columns
                for value in column.to_pylist()
                if isinstance(value, str)
            ),
            default=0,
        )
        for path in landing.glob("*/*.parquet")
        if (table := pq.read_table(path))
    }
    assert max(longest.values()) <= REDSHIFT_MAX_VARCHAR_BYTES, longest
