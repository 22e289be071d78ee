"""Redshift without a cluster (issue 4).

dbt-redshift runs for real with a recording stand-in for redshift_connector
(pytests/redshift_recorder_issue4.py): the COPY load, a full build, a second load and an incremental
build on the COPY path, and stage_external_sources plus a build on the Spectrum path. Every statement
dbt would send must parse as Redshift SQL (sqlglot's redshift dialect), and the statements that make
the warehouse Redshift's are asserted: dist and sort keys, the incremental DELETE and INSERT, the
COPY with its JSONPaths file and IAM role, the external schema and tables, late-binding views.
"""

from __future__ import annotations

import functools
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel

from pytests.dbt_runner import PROJECT_ROOT, DbtProject, DbtResult
from pytests.redshift_recorder_issue4 import read_log, recorder_command

S3_RAW = "s3://sparkify-recorder/raw"
IAM_ROLE = "arn:aws:iam::123456789012:role/sparkify-redshift"
PASSWORD = "recorder-only-secret"
REDSHIFT_ENV = {
    "REDSHIFT_HOST": "recorder.invalid",
    "REDSHIFT_USER": "dbt",
    "DBT_ENV_SECRET_REDSHIFT_PASSWORD": PASSWORD,
    "SPARKIFY_REDSHIFT_IAM_ROLE": IAM_ROLE,
}
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


def body(sql: str) -> str:
    """The statement without dbt's query comment, whitespace collapsed."""
    return " ".join(re.sub(r"^\s*/\*.*?\*/", "", sql, flags=re.DOTALL).split())


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


@dataclass
class Recording:
    project: DbtProject
    state: Path
    log: Path

    def run(self, label: str, *args: str, vars: dict | None = None, check: bool = True) -> DbtResult:
        state = json.loads(self.state.read_text())
        state["label"] = label
        self.state.write_text(json.dumps(state))
        return self.project.dbt(*args, "--threads", "1", vars=vars, check=check)

    def statements(self, label: str) -> list[str]:
        return [record["sql"] for record in read_log(self.log, label) if "sql" in record]

    def bodies(self, label: str) -> list[str]:
        return [body(sql) for sql in self.statements(label)]


def start_recording(
    work_dir: Path, s3_folder: Path, columns: dict, path: str, load_errors: dict | None = None
) -> Recording:
    state = work_dir / "recorder_state.json"
    log = work_dir / "statements.jsonl"
    state.write_text(
        json.dumps(
            {
                "log": str(log),
                "database": "dev",
                "columns": columns,
                "s3": {S3_RAW: str(s3_folder)},
                "load_errors": load_errors or {},
            }
        )
    )
    project = DbtProject(
        work_dir=work_dir,
        raw_data=S3_RAW,
        target="redshift",
        extra_env=REDSHIFT_ENV,
        extra_vars={"redshift_raw_path": path},
        dbt_command=recorder_command(state),
    )
    return Recording(project, state, log)


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


@pytest.fixture(scope="module")
def copy_path(
    built_duckdb: DbtProject, small_raw_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> Recording:
    """COPY path: load, full build, load again with one new log file, incremental build."""
    work = tmp_path_factory.mktemp("redshift_copy")
    all_logs = sorted(small_raw_data.glob("log_data/*/*/*.json"))
    bucket = fake_bucket(small_raw_data, work / "bucket", log_files=len(all_logs) - 1)
    recording = start_recording(work, bucket, duckdb_columns(built_duckdb.duckdb_path), "copy")
    recording.run("load", "run-operation", "load_raw_data")
    recording.run("full_build", "build")
    fake_bucket(small_raw_data, bucket, song_files=0)  # the last day's log file arrives
    recording.run("load_more", "run-operation", "load_raw_data")
    recording.run("incremental_build", "build")
    return recording


@pytest.fixture(scope="module")
def spectrum_path(
    built_duckdb: DbtProject, small_raw_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> Recording:
    work = tmp_path_factory.mktemp("redshift_spectrum")
    bucket = fake_bucket(small_raw_data, work / "bucket")
    recording = start_recording(work, bucket, duckdb_columns(built_duckdb.duckdb_path), "spectrum")
    recording.run("stage_external", "run-operation", "stage_external_sources")
    recording.run("spectrum_build", "build")
    return recording


COPY_LABELS = ["load", "full_build", "load_more", "incremental_build"]
SPECTRUM_LABELS = ["stage_external", "spectrum_build"]


def test_every_statement_parses_as_redshift_sql(copy_path: Recording, spectrum_path: Recording) -> None:
    problems = []
    counted = 0
    for recording, labels in ((copy_path, COPY_LABELS), (spectrum_path, SPECTRUM_LABELS)):
        for label in labels:
            statements = recording.statements(label)
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


def test_marts_have_their_dist_and_sort_keys(copy_path: Recording) -> None:
    statements = copy_path.statements("full_build")
    layouts = {mart: distribution(created_table(statements, f"dev.sparkify.{mart}")) for mart in MART_KEYS}
    assert layouts == {
        "songplays": {"diststyle": "key", "distkey": "user_id", "sortkey": ["start_time"]},
        "users": {"diststyle": "all", "sortkey": ["user_id"]},
        "songs": {"diststyle": "all", "sortkey": ["song_id"]},
        "artists": {"diststyle": "all", "sortkey": ["artist_id"]},
        "time": {"sortkey": ["start_time"]},  # diststyle left to Redshift (AUTO)
    }


def test_incremental_build_deletes_and_inserts_by_unique_key(copy_path: Recording) -> None:
    parsed = [parse(sql) for sql in copy_path.statements("incremental_build")]
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
        assert len(deletes) == 1 and len(inserts) == 1, mart
        delete, insert = parsed[deletes[0]], parsed[inserts[0]]
        assert deletes[0] < inserts[0]
        condition = delete.args["where"].this
        assert isinstance(condition, exp.In) and condition.this.unnest().name == key
        assert {table_name(t) for t in condition.find_all(exp.Table)} == {temps[0]}
        assert {table_name(t) for t in insert.expression.find_all(exp.Table)} == {temps[0]}
        assert key in [column.name for column in insert.this.expressions]


def copy_statements(recording: Recording, label: str) -> list[exp.Copy]:
    copies = [parse(sql) for sql in recording.statements(label)]
    return [copy for copy in copies if isinstance(copy, exp.Copy)]


def copy_source(copy: exp.Copy) -> str:
    return copy.args["files"][0].name


def copy_params(copy: exp.Copy) -> dict[str, str]:
    return {param.this.name.lower(): param.expression.name for param in copy.args.get("params", [])}


def test_copy_loads_each_new_file_with_jsonpaths_and_iam_role(copy_path: Recording) -> None:
    bucket = Path(json.loads(copy_path.state.read_text())["s3"][S3_RAW])
    copies = copy_statements(copy_path, "load")
    jsonpaths = json.loads((PROJECT_ROOT / "redshift" / "jsonpaths" / "log_json_path.json").read_text())
    jsonpath_columns = [
        re.fullmatch(r"\$\['(\w+)'\]", path).group(1).lower() for path in jsonpaths["jsonpaths"]
    ]

    for copy in copies:
        assert copy.args["credentials"].args["iam_role"].name == IAM_ROLE
        params = copy_params(copy)
        assert params["maxerror"] == "100000"
        columns = [column.name for column in copy.this.expressions]
        if "/log_data/" in copy_source(copy):
            assert params["format as json"] == f"{S3_RAW}/log_json_path.json"
            assert columns == jsonpath_columns
        else:
            assert params["format as json"] == "auto"
            assert "song_id" in columns and "source_file" not in columns

    # one COPY lists each prefix, then one COPY per file, each file once
    sources = [copy_source(copy) for copy in copies]
    assert sources.count(f"{S3_RAW}/log_data/") == 1 and sources.count(f"{S3_RAW}/song_data/") == 1
    per_file = sorted(s for s in sources if s.endswith(".json"))
    assert per_file == sorted(s3_urls(bucket, "log_data")[:-1] + s3_urls(bucket, "song_data"))

    # each file's rows move on with the file's URL as source_file
    inserted = [
        re.search(r"'(s3://[^']+)' from", sql).group(1)
        for sql in copy_path.bodies("load")
        if re.match(r'insert into "sparkify_raw"\."(log_data|song_data)" \(.*source_file\)', sql)
    ]
    assert sorted(inserted) == per_file


def test_copy_load_again_reads_only_new_files(copy_path: Recording) -> None:
    bucket = Path(json.loads(copy_path.state.read_text())["s3"][S3_RAW])
    new_file = s3_urls(bucket, "log_data")[-1]
    sources = [copy_source(copy) for copy in copy_statements(copy_path, "load_more")]
    # the listing COPY of each prefix, then only the file that was not loaded yet
    assert sorted(sources) == sorted([f"{S3_RAW}/log_data/", f"{S3_RAW}/song_data/", new_file])
    inserted = [sql for sql in copy_path.bodies("load_more") if sql.startswith('insert into "sparkify_raw"')]
    assert len(inserted) == 1 and f"'{new_file}'" in inserted[0]


def test_load_errors_are_printed_and_respect_max_errors(
    built_duckdb: DbtProject, small_raw_data: Path, tmp_path: Path
) -> None:
    bucket = fake_bucket(small_raw_data, tmp_path / "bucket", log_files=2, song_files=1)
    first, bad = s3_urls(bucket, "log_data")
    message = "Invalid digit, Value 's', Pos 0, Type: Long"
    recording = start_recording(
        tmp_path,
        bucket,
        duckdb_columns(built_duckdb.duckdb_path),
        "copy",
        load_errors={bad: [[3, "ts", message]]},
    )
    refused = recording.run("refused", "run-operation", "load_raw_data", check=False)
    assert not refused.ok
    assert f"{bad}:3: ts: {message}" in refused.output
    assert f"{bad} has 1 rejected records (max_errors 0" in refused.output
    inserted = [
        sql for sql in recording.bodies("refused") if sql.startswith('insert into "sparkify_raw"."log_data"')
    ]
    assert len(inserted) == 1 and f"'{first}'" in inserted[0]  # the good file before it did land

    tolerated = recording.run("tolerated", "run-operation", "load_raw_data", "--args", "{max_errors: 1}")
    assert tolerated.ok
    bodies = recording.bodies("tolerated")
    assert any(
        sql.startswith('insert into "sparkify_raw"."log_data"') and f"'{bad}'" in sql for sql in bodies
    )
    assert any(
        sql.startswith('insert into "sparkify_raw".load_errors') and f"'{bad}'" in sql for sql in bodies
    )


def staging_views(statements: list[str]) -> list[exp.Create]:
    return [
        e
        for e in (parse(sql) for sql in statements)
        if isinstance(e, exp.Create) and e.kind == "VIEW" and e.this.db == "sparkify_staging"
    ]


def test_staging_views_are_late_binding(copy_path: Recording, spectrum_path: Recording) -> None:
    for views in (
        staging_views(copy_path.statements("full_build")),
        staging_views(spectrum_path.statements("spectrum_build")),
    ):
        assert views
        assert all(view.args.get("no_schema_binding") for view in views), [view.this.name for view in views]


def staging_ctas(recording: Recording, label: str, model: str) -> str:
    found = [
        sql
        for sql in recording.bodies(label)
        if sql.startswith(f'create table "dev"."sparkify_staging"."{model}"')
    ]
    assert len(found) == 1
    return found[0]


def test_staging_reads_copy_tables_or_spectrum_by_var(copy_path: Recording, spectrum_path: Recording) -> None:
    copied = staging_ctas(copy_path, "full_build", "stg_sparkify__log_records")
    assert '"dev"."sparkify_raw"."log_data"' in copied and "cast(source_file as" in copied
    spectrum = staging_ctas(spectrum_path, "spectrum_build", "stg_sparkify__log_records")
    assert '"dev"."sparkify_spectrum"."log_data"' in spectrum and 'cast("$path" as' in spectrum
    assert "sparkify_raw" not in spectrum


def test_external_schema_and_tables_use_the_json_serde(spectrum_path: Recording) -> None:
    ddl = spectrum_path.bodies("stage_external")
    schemas = [sql for sql in ddl if sql.startswith("create external schema")]
    assert schemas and all(f"iam_role '{IAM_ROLE}'" in sql for sql in schemas)
    for table in ("log_data", "song_data"):
        created = [
            sql for sql in ddl if re.match(rf"create external table \S*sparkify_spectrum\S*\.\S*{table}", sql)
        ]
        assert len(created) == 1, table
        assert "row format serde 'org.openx.data.jsonserde.JsonSerDe'" in created[0]
        assert f"location '{S3_RAW}/{table}/'" in created[0]


def test_engine_macros_emit_sql_redshift_has(copy_path: Recording) -> None:
    """Redshift lacks try_cast, isodow, to_timestamp(double), convert_to and chr() beyond ASCII."""
    log_records = staging_ctas(copy_path, "full_build", "stg_sparkify__log_records")
    song_records = staging_ctas(copy_path, "full_build", "stg_sparkify__song_records")
    # the SQL that fills time: its CREATE TABLE AS, or (enforced contract: the table is created with
    # its declared columns) the INSERT that follows
    time = " ".join(
        sql
        for sql in copy_path.bodies("full_build")
        if re.match(r'(create table|insert into) "dev"\."sparkify"\."time"', sql)
    )
    everything = " ".join([log_records, song_records, time]).lower()
    for missing_on_redshift in (
        "try_cast(",
        "isodow",
        "to_timestamp(",
        "convert_to(",
        "convert_from(",
        "chr(160)",
    ):
        assert missing_on_redshift not in everything
    assert "timestamp 'epoch' +" in log_records.lower()
    assert "md5(cast(" in log_records.lower() and "as varchar(max)))" in log_records.lower()
    assert "extract(dow from" in everything
    assert "regexp_replace(" in song_records.lower() and "'g')" not in song_records.lower()


def connect_arguments(work_dir: Path, target: str, env: dict[str, str]) -> dict:
    work_dir.mkdir(parents=True)
    state = work_dir / "state.json"
    log = work_dir / "statements.jsonl"
    state.write_text(json.dumps({"log": str(log), "label": target}))
    project = DbtProject(
        work_dir=work_dir,
        raw_data=S3_RAW,
        target=target,
        extra_env={**REDSHIFT_ENV, **env},
        dbt_command=recorder_command(state),
    )
    project.dbt("debug")
    connects = [record["connect"] for record in read_log(log) if "connect" in record]
    assert connects
    return connects[0]


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
    project = DbtProject(work_dir=tmp_path, raw_data=S3_RAW, target="redshift", extra_env=REDSHIFT_ENV)
    project.dbt("parse")
    nodes = json.loads((tmp_path / "target" / "manifest.json").read_text())["nodes"]
    config = {node["name"]: node["config"] for node in nodes.values() if node["resource_type"] == "model"}
    assert (config["songplays"]["dist"], config["songplays"]["sort"]) == ("user_id", "start_time")
    assert {config[mart]["dist"] for mart in ("users", "songs", "artists")} == {"all"}
    assert config["stg_sparkify__events"]["bind"] is False
    assert {config[mart]["incremental_strategy"] for mart in MART_KEYS} == {"delete+insert"}
