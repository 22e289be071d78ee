"""Redshift without a cluster (issues 4 and 14).

dbt-redshift runs for real against the recording stand-in for redshift_connector
(pytests/redshift_recorder.py): the COPY load, a full build, a second load and an incremental
build on the COPY path, then forget_raw_file and a load that copies the forgotten file again; and
stage_external_sources plus a build on the Spectrum path. Every statement dbt would send must parse
as Redshift SQL (sqlglot's redshift dialect), and the statements that make the warehouse Redshift's
are asserted: dist and sort keys, the incremental DELETE and INSERT (after the reset pre-hook's
conditional DELETE), the COPY of text lines with its IAM role, the ledger of loaded files, the
transaction of forget_raw_file, the external schema and tables, late-binding views.
"""

from __future__ import annotations

import functools
import gzip
import json
import re
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel

from pytests.dbt_runner import DbtProject
from pytests.hostile_cases import APPLEDOUBLE
from pytests.redshift_recorder import RECORDER_ENV, RecordingConnection, RedshiftRecorder, Warehouse, body

pytestmark = pytest.mark.slow  # four builds and six loads through dbt: minutes

S3_RAW = "s3://sparkify-recorder/raw"
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
# the Spectrum DDL, by the issue-3 tests (pytests/test_external_ddl*.py).
OPAQUE_STATEMENTS = re.compile(r"create external (schema|table) ", re.IGNORECASE)
SONG_FILES = 12  # enough for per-file COPYs to show; the build itself reads no data


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


def start_recording(
    work_dir: Path, s3_folder: Path, columns: dict, path: str, load_errors: dict | None = None
) -> RedshiftRecorder:
    return RedshiftRecorder(
        work_dir=work_dir,
        raw_data=S3_RAW,
        vars={"redshift_raw_path": path},
        columns=columns,
        s3={S3_RAW: s3_folder},
        load_errors=load_errors or {},
    )


def fake_bucket(
    source: Path, target: Path, log_files: int | None = None, song_files: int = SONG_FILES
) -> Path:
    logs = sorted(source.glob("log_data/*/*/*.json"))[:log_files]
    songs = sorted(source.glob("song_data/*/*/*/*.json"))[:song_files]
    for path in [*logs, *songs]:
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, destination)
    return target


def s3_urls(folder: Path, table: str) -> list[str]:
    return sorted(f"{S3_RAW}/{p.relative_to(folder).as_posix()}" for p in folder.glob(f"{table}/**/*.json"))


def forgotten_file(bucket: Path) -> str:
    """The log file the copy_path fixture forgets: the first one, loaded by the first load."""
    return s3_urls(bucket, "log_data")[0]


def below_raw_data(url: str) -> str:
    return url[len(S3_RAW) + 1 :]


@pytest.fixture(scope="module")
def copy_path(
    built_duckdb: DbtProject, small_raw_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> RedshiftRecorder:
    """COPY path: load, full build, load again with one new log file, incremental build, then
    forget the first log file and load again."""
    work = tmp_path_factory.mktemp("redshift_copy")
    all_logs = sorted(small_raw_data.glob("log_data/*/*/*.json"))
    bucket = fake_bucket(small_raw_data, work / "bucket", log_files=len(all_logs) - 1)
    recorder = start_recording(work, bucket, duckdb_columns(built_duckdb.duckdb_path), "copy")
    recorder.run("run-operation", "load_raw_data", label="load", check=True)
    recorder.run("build", label="full_build", check=True)
    fake_bucket(small_raw_data, bucket, song_files=0)  # the last day's log file arrives
    recorder.run("run-operation", "load_raw_data", label="load_more", check=True)
    recorder.run("build", label="incremental_build", check=True)
    path = below_raw_data(forgotten_file(bucket))
    recorder.run(
        "run-operation", "forget_raw_file", "--args", f"{{path: '{path}'}}", label="forget", check=True
    )
    recorder.run("run-operation", "load_raw_data", label="load_after_forget", check=True)
    return recorder


@pytest.fixture(scope="module")
def spectrum_path(
    built_duckdb: DbtProject, small_raw_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> RedshiftRecorder:
    work = tmp_path_factory.mktemp("redshift_spectrum")
    bucket = fake_bucket(small_raw_data, work / "bucket")
    recorder = start_recording(work, bucket, duckdb_columns(built_duckdb.duckdb_path), "spectrum")
    recorder.run("run-operation", "stage_external_sources", label="stage_external", check=True)
    recorder.run("build", label="spectrum_build", check=True)
    return recorder


COPY_LABELS = ["load", "full_build", "load_more", "incremental_build", "forget", "load_after_forget"]
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
    (`or (select min(ingested_at) from <base>) > (watermark)`, one per base model)."""
    where = delete.args["where"].this
    terms = list(where.flatten()) if isinstance(where, exp.Or) else [where]
    condition, *rebuilt = terms
    if not isinstance(condition, exp.Exists) or len(rebuilt) != len(bases):
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


def copy_params(copy: exp.Copy) -> dict[str, str]:
    """Valued COPY parameters (sqlglot pairs each with the next token: the flags come last)."""
    return {
        param.this.name.lower(): param.expression.name
        for param in copy.args.get("params", [])
        if param.expression is not None
    }


def inserted_files(recorder: RedshiftRecorder, label: str, table: str) -> list[str]:
    """The file URLs a run inserted into a raw table, the ledger (loaded_files) or load_errors."""
    own_tables = ("loaded_files", "load_errors")  # the macro's own names, written unquoted
    relation = re.escape(f'"sparkify_raw".{table}' if table in own_tables else f'"sparkify_raw"."{table}"')
    return [
        re.search(r"'(s3://[^']+)'", sql).group(1)
        for sql in recorder.bodies(label)
        if re.match(rf"insert into {relation} \(", sql) and "'s3://" in sql
    ]


def test_copy_loads_each_new_file_as_text_lines_with_iam_role(copy_path: RedshiftRecorder) -> None:
    """Issue 14b: COPY no longer parses the JSON (FORMAT AS JSON coerced arrays and objects, kept
    one of two duplicate keys and rejected a malformed line): every line is loaded as text, split
    only at 0x01, cut at 65535 bytes, bytes that are not UTF-8 replaced, and parsed by the base
    models."""
    bucket = Path(copy_path.state["s3"][S3_RAW])
    copies = copy_statements(copy_path, "load")

    for copy in copies:
        assert copy.args["credentials"].args["iam_role"].name == IAM_ROLE
        params = copy_params(copy)
        assert params["maxerror"] == "100000"
        assert params["delimiter"] == "\x01" and params["acceptinvchars"] == "\x1a"
        assert [column.name for column in copy.this.expressions] == ["raw_line", "beyond_delimiter"]
        text = body(copy.sql("redshift")).lower()
        assert "format as json" not in text and "jsonpaths" not in text
    for sql in copy_path.bodies("load"):
        if sql.lower().startswith("copy "):
            assert sql.endswith("fillrecord emptyasnull truncatecolumns"), sql
            assert "acceptinvchars as '\x1a'" in sql and "delimiter '\\001'" in sql, sql
    created_raw = [
        sql
        for sql in copy_path.bodies("load")
        if sql.startswith('create table if not exists "sparkify_raw"."')
    ]
    assert len(created_raw) == 2
    for sql in created_raw:
        assert '"raw_line" varchar(65535), "beyond_delimiter" varchar(65535), source_file' in sql, sql

    # one COPY lists each prefix, then one COPY per file, each file once
    sources = [copy_source(copy) for copy in copies]
    assert sources.count(f"{S3_RAW}/log_data/") == 1 and sources.count(f"{S3_RAW}/song_data/") == 1
    per_file = sorted(s for s in sources if s.endswith(".json"))
    assert per_file == sorted(s3_urls(bucket, "log_data")[:-1] + s3_urls(bucket, "song_data"))

    # each file's rows move on with the file's URL as source_file, and the file enters the ledger
    raw = inserted_files(copy_path, "load", "log_data") + inserted_files(copy_path, "load", "song_data")
    assert sorted(raw) == per_file
    assert sorted(inserted_files(copy_path, "load", "loaded_files")) == per_file


def test_copy_load_again_reads_only_new_files(copy_path: RedshiftRecorder) -> None:
    bucket = Path(copy_path.state["s3"][S3_RAW])
    new_file = s3_urls(bucket, "log_data")[-1]
    sources = [copy_source(copy) for copy in copy_statements(copy_path, "load_more")]
    # the listing COPY of each prefix, then only the file that was not loaded yet
    assert sorted(sources) == sorted([f"{S3_RAW}/log_data/", f"{S3_RAW}/song_data/", new_file])
    inserted = [
        sql for sql in copy_path.bodies("load_more") if sql.startswith('insert into "sparkify_raw"."')
    ]
    assert len(inserted) == 1 and f"'{new_file}'" in inserted[0]
    # what counts as loaded is the ledger
    assert any(
        sql == "select file_name from \"sparkify_raw\".loaded_files where table_name = 'log_data'"
        for sql in copy_path.bodies("load_more")
    )


def test_forget_raw_file_deletes_in_one_transaction_and_commits(copy_path: RedshiftRecorder) -> None:
    """Issue 14a: forget_raw_file used to delete with run_query (outside a transaction: each
    DELETE committed alone) and then failed in adapter.commit(). Now every DELETE runs in one
    transaction (begun by forget_raw_file's statement, or already by dbt's catalog queries before
    it on the same connection), which the COMMIT right after the last one ends."""
    bucket = Path(copy_path.state["s3"][S3_RAW])
    path = below_raw_data(forgotten_file(bucket))
    records = [record for record in copy_path.records("forget") if "sql" in record]
    keywords = [body(record["sql"]).lower().rstrip(";") for record in records]
    deletes = [i for i, keyword in enumerate(keywords) if keyword.startswith("delete from")]
    assert deletes
    first, last = deletes[0], deletes[-1]
    begun = max(i for i in range(first) if keywords[i] == "begin")
    assert keywords[last + 1] == "commit"
    assert not [k for k in keywords[begun + 1 : last + 1] if re.match(r"(begin|commit|end|rollback)\b", k)]
    assert all(record["in_transaction"] for record in records[begun + 1 : last + 2])
    assert len({record["connection"] for record in records[begun : last + 2]}) == 1

    statements = [body(records[i]["sql"]).rstrip(";") for i in deletes]
    targets = [parse(sql).this for sql in statements]
    names = [table_name(t) for t in targets]
    # the file's rows leave the base models and the record of ingested files (by the path below
    # raw_data) ...
    for base in (LOG_LINES, SONG_FILES, RAW_FILES_INGESTED):
        (by_file,) = [sql for sql, name in zip(statements, names, strict=True) if name == base]
        assert by_file.endswith(f"where source_file like '{path}'"), by_file
    # ... every model built from ingestion batches is emptied ...
    emptied = {name for sql, name in zip(statements, names, strict=True) if " where " not in sql}
    assert {f"dev.sparkify.{mart}" for mart in MART_KEYS} <= emptied
    assert "dev.sparkify_intermediate.int_log_events__deduplicated" in emptied
    # ... and, on the COPY path, the file leaves the COPY tables and the ledger, by the same path
    for table in ("log_data", "song_data"):
        raw = [
            sql for sql, name in zip(statements, names, strict=True) if name.endswith(f"sparkify_raw.{table}")
        ]
        ledger = [
            sql
            for sql, name in zip(statements, names, strict=True)
            if name.endswith("sparkify_raw.loaded_files") and f"table_name = '{table}'" in sql
        ]
        below = f"regexp_replace(%s, '^(.*/)?{table}/', '{table}/') like '{path}'"
        assert len(raw) == 1 and raw[0].endswith(below % "source_file"), raw
        assert len(ledger) == 1 and ledger[0].endswith(below % "file_name"), ledger


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
    (delete,) = [e for e in touching if isinstance(e, exp.Delete)]
    (insert,) = [e for e in touching if isinstance(e, exp.Insert)]
    compared = {column.name for column in delete.args["where"].find_all(exp.Column)}
    assert compared == {"source_file"}
    assert "first_ingested_at" in [column.name for column in insert.this.expressions]


def test_a_forgotten_file_is_copied_again(copy_path: RedshiftRecorder) -> None:
    """Issue 14b: load_raw_data skipped a forgotten file, its rows being still in the COPY table."""
    bucket = Path(copy_path.state["s3"][S3_RAW])
    forgotten = forgotten_file(bucket)
    per_file = [copy_source(c) for c in copy_statements(copy_path, "load_after_forget")]
    assert sorted(per_file) == sorted([f"{S3_RAW}/log_data/", f"{S3_RAW}/song_data/", forgotten])
    assert inserted_files(copy_path, "load_after_forget", "log_data") == [forgotten]
    assert inserted_files(copy_path, "load_after_forget", "loaded_files") == [forgotten]


def test_a_file_that_loads_no_rows_is_not_copied_again(
    built_duckdb: DbtProject, small_raw_data: Path, tmp_path: Path
) -> None:
    """Issue 14c: a file whose every record was rejected (and tolerated) left no row to say it had
    been loaded, so every run copied it again and kept its errors again."""
    bucket = fake_bucket(small_raw_data, tmp_path / "bucket", log_files=2, song_files=1)
    good, rejected = s3_urls(bucket, "log_data")
    lines = [line for line in (bucket / below_raw_data(rejected)).read_text().splitlines() if line.strip()]
    errors = [[number, "ts", "Invalid digit"] for number in range(1, len(lines) + 1)]
    recorder = start_recording(
        tmp_path, bucket, duckdb_columns(built_duckdb.duckdb_path), "copy", load_errors={rejected: errors}
    )
    args = ("run-operation", "load_raw_data", "--args", f"{{max_errors: {len(errors)}}}")
    recorder.run(*args, label="first", check=True)
    ledger = [
        sql for sql in recorder.bodies("first") if sql.startswith('insert into "sparkify_raw".loaded_files (')
    ]
    (entry,) = [sql for sql in ledger if f"'{rejected}'" in sql]
    assert re.search(rf"'{re.escape(rejected)}', \d+, 0, {len(errors)} \)$", entry), entry
    assert (
        len(
            [
                sql
                for sql in recorder.bodies("first")
                if sql.startswith('insert into "sparkify_raw".load_errors')
            ]
        )
        == 1
    )

    again = recorder.run(*args, label="again", check=True)
    per_file = [copy_source(c) for c in copy_statements(recorder, "again")]
    assert sorted(per_file) == [f"{S3_RAW}/log_data/", f"{S3_RAW}/song_data/"], per_file  # listings only
    assert not [sql for sql in recorder.bodies("again") if sql.startswith("insert into") and "'s3://" in sql]
    assert "log_data: 2 files under" in again.output and "0 not loaded yet" in again.output
    assert good in inserted_files(recorder, "first", "log_data")


def test_copy_reads_files_by_the_name_rule_and_lists_the_others(
    built_duckdb: DbtProject, small_raw_data: Path, tmp_path: Path
) -> None:
    """Issue 14: the same file set as every engine on the COPY path. COPY of a prefix reads every key
    below it; load_raw_data copies only the names the project reads (a `_` name too, a .json.gz with
    GZIP) and records the others with their reasons for raw_files_not_read, which now shows them."""
    bucket = fake_bucket(small_raw_data, tmp_path / "bucket", log_files=1, song_files=1)
    (good,) = s3_urls(bucket, "log_data")
    lines = (bucket / below_raw_data(good)).read_bytes()
    day = Path(below_raw_data(good)).parent
    extra = {
        day / "_resent.json": lines,
        day / "resent.json.gz": gzip.compress(lines),
        day / "._resent.json": APPLEDOUBLE,
        day / ".resent.json": lines,
        Path("log_data/notes.txt"): b"not data",
    }
    for path, data in extra.items():
        (bucket / path).write_bytes(data)
    url = {path.name: f"{S3_RAW}/{path.as_posix()}" for path in extra}
    recorder = start_recording(tmp_path, bucket, duckdb_columns(built_duckdb.duckdb_path), "copy")
    load = recorder.run("run-operation", "load_raw_data", label="load", check=True)

    copies = {copy_source(copy): copy for copy in copy_statements(recorder, "load")}
    per_file = sorted(set(copies) - {f"{S3_RAW}/log_data/", f"{S3_RAW}/song_data/"})
    assert per_file == sorted(
        [good, url["_resent.json"], url["resent.json.gz"], *s3_urls(bucket, "song_data")]
    )
    gzipped = {
        source: re.search(r"\bgzip$", body) is not None
        for body in recorder.bodies("load")
        if body.startswith("copy ") and (source := re.search(r"from '([^']+)'", body).group(1)) in per_file
    }
    assert gzipped == {file: file == url["resent.json.gz"] for file in per_file}
    assert "log_data: 6 files under" in load.output and "3 not read by their names" in load.output

    (recorded,) = [
        sql for sql in recorder.bodies("load") if sql.startswith('insert into "sparkify_raw".files_not_read')
    ]
    for name, reason in {
        "._resent.json": "AppleDouble file",
        ".resent.json": "hidden file (name starts with a dot)",
        "notes.txt": "not a .json or .json.gz file",
    }.items():
        assert re.search(rf"'log_data', '{re.escape(url[name])}', \d+, '{re.escape(reason)}", recorded), name
    assert f"'{url['_resent.json']}'" not in recorded  # read, so not listed

    recorder.run("build", "--select", "raw_files_not_read", label="listing", check=True)
    (view,) = [
        sql
        for sql in recorder.bodies("listing")
        if sql.startswith('create view "dev"."sparkify"."raw_files_not_read')
    ]
    assert view.count('from "dev"."sparkify_raw"."files_not_read"') == 2, view  # log_data and song_data


def test_files_loaded_before_the_ledger_are_entered_in_it(copy_path: RedshiftRecorder) -> None:
    """A COPY table filled before the ledger existed: its files are entered once, not copied again."""
    (backfill,) = [
        sql
        for sql in copy_path.bodies("load")
        if sql.startswith('insert into "sparkify_raw".loaded_files') and "'log_data', raw.source_file" in sql
    ]
    assert 'from "sparkify_raw"."log_data" as raw where not exists' in backfill
    assert backfill.endswith("group by raw.source_file")


def test_load_errors_are_printed_and_respect_max_errors(
    built_duckdb: DbtProject, small_raw_data: Path, tmp_path: Path
) -> None:
    bucket = fake_bucket(small_raw_data, tmp_path / "bucket", log_files=2, song_files=1)
    first, bad = s3_urls(bucket, "log_data")
    message = "Invalid digit, Value 's', Pos 0, Type: Long"
    recorder = start_recording(
        tmp_path,
        bucket,
        duckdb_columns(built_duckdb.duckdb_path),
        "copy",
        load_errors={bad: [[3, "ts", message]]},
    )
    refused = recorder.run("run-operation", "load_raw_data", label="refused")
    assert not refused.ok
    assert f"{bad}:3: ts: {message}" in refused.output
    assert f"{bad} has 1 rejected records (max_errors 0" in refused.output
    assert inserted_files(recorder, "refused", "log_data") == [first]  # the good file before it did land
    assert inserted_files(recorder, "refused", "loaded_files") == [first]

    tolerated = recorder.run(
        "run-operation", "load_raw_data", "--args", "{max_errors: 1}", label="tolerated", check=True
    )
    assert tolerated.ok
    assert inserted_files(recorder, "tolerated", "log_data") == [bad]
    # the refused file stopped the run before song_data: its file loads now too
    assert inserted_files(recorder, "tolerated", "loaded_files") == [bad, *s3_urls(bucket, "song_data")]
    assert inserted_files(recorder, "tolerated", "load_errors") == [bad]


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
    copied = created(copy_path, "full_build", "table", "sparkify_staging", "base_sparkify__log_lines")
    assert '"dev"."sparkify_raw"."log_data"' in copied and "raw.source_file" in copied
    assert "raw.raw_line || chr(1) || raw.beyond_delimiter" in copied
    assert '"$path"' not in copied and "sparkify_spectrum" not in copied
    spectrum = created(
        spectrum_path, "spectrum_build", "table", "sparkify_staging", "base_sparkify__log_lines"
    )
    assert '"dev"."sparkify_spectrum"."log_data"' in spectrum
    assert 'raw."$path"' in spectrum and 'raw."$size"' in spectrum
    assert "sparkify_raw" not in spectrum


def test_external_schema_and_tables_hold_text_lines(spectrum_path: RedshiftRecorder) -> None:
    ddl = spectrum_path.bodies("stage_external")
    schemas = [sql for sql in ddl if sql.startswith("create external schema")]
    assert schemas and all(f"iam_role '{IAM_ROLE}'" in sql for sql in schemas)
    for table in ("log_data", "song_data"):
        found = [
            sql for sql in ddl if re.match(rf"create external table \S*sparkify_spectrum\S*\.\S*{table}", sql)
        ]
        assert len(found) == 1, table
        assert "row format delimited fields terminated by '\\001'" in found[0]
        assert "stored as textfile" in found[0] and "serde" not in found[0].lower()
        assert f"location '{S3_RAW}/{table}/'" in found[0]


def test_both_raw_paths_parse_lines_strictly_in_the_base_models(
    copy_path: RedshiftRecorder, spectrum_path: RedshiftRecorder
) -> None:
    """Issue 14b: arrays and objects, duplicate keys and malformed lines are found on Redshift too,
    and staging turns them into the quarantine reasons of the other engines."""
    for recorder, label in ((copy_path, "full_build"), (spectrum_path, "spectrum_build")):
        for model, key in (("base_sparkify__log_lines", "userId"), ("base_sparkify__song_files", "song_id")):
            sql = created(recorder, label, "table", "sparkify_staging", model)
            assert "case when can_json_parse(raw_text) then json_parse(raw_text) end as parsed" in sql
            navigated = f'judged_records.parsed."{key}"'
            assert f"json_typeof({navigated}) in ('array', 'object') then ', {key}'" in sql
            assert f"regexp_count(raw_text, '[{{,][[:space:]]*\"{key}\"[[:space:]]*:') > 1" in sql
            assert "cast(null as bigint) as line_number" in sql or model.endswith("song_files")
    validated = created(copy_path, "full_build", "view", "sparkify_intermediate", "int_log_events__validated")
    for reason in (
        "'not readable as text: ' || decoding_error",
        "'malformed JSON: not a JSON object'",
        "'a JSON key appears twice'",
        "'not a single value (array or object): ' || non_scalar_fields",
    ):
        assert reason in validated


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
