"""The project on a real PostgreSQL server (issue 4).

Raw data goes in through `sparkify-load-postgres`, dbt builds models and tests in two increments,
and the five marts must then hold exactly DuckDB's rows for the same generated data. Raw files
delivered out of order (issue 12) leave the same warehouse as a full refresh.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg2
import psycopg2.extras
import pytest

from pytests.conftest import generate_raw
from pytests.dbt_runner import PROJECT_ROOT, DbtProject
from pytests.mart_compare import MART_KEYS, diff_marts, diff_states, read_duckdb_marts, read_warehouse_state
from pytests.out_of_order import Delivery, out_of_order_steps
from pytests.postgres_server import PostgresServer, postgres_server  # noqa: F401 - the fixture
from pytests.raw_delivery import empty_file_accounting, log_files
from sparkify_tools.loaders.postgres import file_version

# a real server, and many builds
pytestmark = pytest.mark.slow

# sparkify-load-postgres as the module it runs, from PROJECT_ROOT: the console script would import
# whichever checkout the virtualenv was installed from, not the one under test
LOADER = [sys.executable, "-m", "sparkify_tools.loaders.postgres_cli"]
# Enough days for every out-of-order step (the oldest is then 14 days older than the newest two);
# fewer events than the DuckDB test's month, since each step builds twice on Postgres.
OUT_OF_ORDER_SAMPLE = {"days": 16, "events_per_day": 60, "songs": 100, "users": 20, "seed": 5}


def run_loader(server: PostgresServer, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*LOADER, *args],
        cwd=PROJECT_ROOT,
        env={**os.environ, **server.env()},
        capture_output=True,
        text=True,
        check=False,
    )


def query(server: PostgresServer, sql: str) -> list[dict[str, Any]]:
    with (
        psycopg2.connect(server.dsn()) as connection,
        connection.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cursor,
    ):
        cursor.execute(sql)
        rows = [dict(row) for row in cursor.fetchall()]
    connection.close()
    return rows


def execute(server: PostgresServer, sql: str) -> None:
    with psycopg2.connect(server.dsn()) as connection, connection.cursor() as cursor:
        cursor.execute(sql)
    connection.close()


def read_postgres_marts(server: PostgresServer, schema: str) -> dict[str, list[dict[str, Any]]]:
    return {mart: query(server, f'select * from {schema}."{mart}"') for mart in MART_KEYS}


def copy_raw(source: Path, target: Path, log_files: list[Path]) -> None:
    if not (target / "song_data").exists():
        shutil.copytree(source / "song_data", target / "song_data")
    for path in log_files:
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, destination)


@pytest.fixture(scope="module")
def postgres_build(
    postgres_server: PostgresServer,  # noqa: F811 - the imported fixture
    small_raw_data: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> DbtProject:
    """The small sample built on PostgreSQL in two increments: the first days of logs, then the rest."""
    raw = tmp_path_factory.mktemp("postgres_raw") / "sparkify"
    project = DbtProject(
        work_dir=tmp_path_factory.mktemp("postgres_build"),
        raw_data=raw,
        target="postgres",
        extra_env=postgres_server.env(),
    )
    log_files = sorted(small_raw_data.glob("log_data/*/*/*.json"))
    assert len(log_files) >= 2, "the sample needs two days of logs to build incrementally"
    half = len(log_files) // 2
    for batch in (log_files[:half], log_files[half:]):
        copy_raw(small_raw_data, raw, batch)
        loaded = run_loader(postgres_server, "--raw-data", str(raw))
        assert loaded.returncode == 0, loaded.stderr
        project.dbt("build")
    return project


def test_marts_equal_duckdb(
    postgres_build: DbtProject,
    built_duckdb: DbtProject,
    postgres_server: PostgresServer,  # noqa: F811
) -> None:
    on_postgres = read_postgres_marts(postgres_server, "sparkify")
    on_duckdb = read_duckdb_marts(built_duckdb.duckdb_path)
    assert diff_marts(on_postgres, on_duckdb) == []
    # the comparison proves little unless the data exercised the engine-specific macros
    assert all(on_postgres[mart] for mart in MART_KEYS)
    assert any(row["song_id"] for row in on_postgres["songplays"])
    doubly_encoded = query(
        postgres_server, "select count(*) as n from sparkify_raw.log_data where artist ~ 'Ã'"
    )
    assert doubly_encoded[0]["n"] > 0
    assert any(
        row["artist_name"] and not row["artist_name"].isascii() and "Ã" not in row["artist_name"]
        for row in on_postgres["songplays"]
    )


def test_loading_again_loads_nothing(
    postgres_build: DbtProject,
    postgres_server: PostgresServer,  # noqa: F811
) -> None:
    count = (
        "select (select count(*) from sparkify_raw.log_data)"
        " + (select count(*) from sparkify_raw.song_data) as n"
    )
    before = query(postgres_server, count)
    again = run_loader(postgres_server, "--raw-data", str(postgres_build.raw_data))
    assert again.returncode == 0, again.stderr
    assert "log_data: 0 files loaded" in again.stdout and "song_data: 0 files loaded" in again.stdout
    assert query(postgres_server, count) == before
    reloaded = run_loader(postgres_server, "--raw-data", str(postgres_build.raw_data), "--reload")
    assert reloaded.returncode == 0, reloaded.stderr
    assert "0 already loaded" in reloaded.stdout and "log_data: 0 files loaded" not in reloaded.stdout
    assert query(postgres_server, count) == before


# Text that must come back unchanged (not mojibake, or not safely decodable) and text that must be
# repaired; the expectation is computed in Python, the engine has to agree.
REPAIR_CASES = [
    "Bj\u00c3\u0083\u00c2\u00b6rk",  # doubly encoded Björk
    "Bj\u00c3\u00b6rk",  # encoded once
    "Björk",  # already right: ö alone is no UTF-8 sequence
    "日本の歌",  # beyond Latin-1: convert_to(LATIN1) would raise
    "Ã",  # a lead byte with nothing after it
    "\u00c0\u0080",  # overlong encoding of NUL
    "\u00ed\u00a0\u0080",  # an encoded UTF-16 surrogate
    "\u00f4\u0090\u0080\u0080",  # above U+10FFFF
    "Ã¶ and 日本",  # mojibake next to text beyond Latin-1
    "plain ascii",
    "",
]


def python_repair(text: str, rounds: int = 2) -> str:
    for _ in range(rounds):
        if text.isascii():
            break
        try:
            text = text.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            break
    return text


def test_latin1_repair_never_raises_and_matches_python(postgres_build: DbtProject) -> None:
    values = ", ".join("('" + case.replace("'", "''") + "')" for case in REPAIR_CASES)
    sql = f"select x, {{{{ repair_double_utf8('x') }}}} as repaired from (values {values}, (null)) as v(x)"
    result = postgres_build.dbt(
        "show", "--inline", sql, "--output", "json", "--limit", "-1", "--log-format", "json"
    )
    previews = [
        json.loads(event["data"]["preview"])
        for event in map(json.loads, filter(lambda line: line.startswith("{"), result.output.splitlines()))
        if event.get("info", {}).get("name") == "ShowNode"
    ]
    assert len(previews) == 1
    repaired = {row["x"]: row["repaired"] for row in previews[0]}
    assert repaired.pop(None) is None
    assert repaired == {case: python_repair(case) for case in REPAIR_CASES}
    assert repaired["Bj\u00c3\u0083\u00c2\u00b6rk"] == "Björk"


def write_bad_raw(root: Path) -> Path:
    day = root / "log_data" / "2018" / "11"
    day.mkdir(parents=True)
    good = (
        '{"artist":null,"auth":"Logged In","firstName":"A","gender":"F","itemInSession":0,"lastName":"B",'
        '"length":null,"level":"free","location":"X","method":"GET","page":"Home","registration":1.0,'
        '"sessionId":1,"song":null,"status":200,"ts":1541105830796,"userAgent":"ua","userId":"7"}'
    )
    (day / "2018-11-01-events.json").write_text(
        "\n".join([good, '{"page": "Home", "ts": ', good.replace("1541105830796", '"soon"')])
    )
    song = root / "song_data" / "A" / "A" / "A"
    song.mkdir(parents=True)
    (song / "TRAAAAA.json").write_text('{"num_songs": 1, "artist_id": "AR1", "song_id": "SO1", "year": 0}')
    return day / "2018-11-01-events.json"


def test_loader_loads_every_line_for_the_warehouse_to_judge(
    postgres_server: PostgresServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Nothing is rejected on the way in: a line that is not JSON, or a value of the wrong type, is
    loaded with its record columns, and the build quarantines it (test_hostile_input_postgres)."""
    bad_file = write_bad_raw(tmp_path / "raw")
    (bad_file.parent / "._2018-11-01-events.json").write_bytes(b"\x00\x05\x16\x07")
    loaded = run_loader(postgres_server, "--raw-data", str(tmp_path / "raw"), "--schema", "raw_bad")
    assert loaded.returncode == 0, loaded.stderr
    assert "1 rows not text or not a JSON object" in loaded.stdout
    rows = query(
        postgres_server,
        "select line_number, is_valid_json, raw_text, ts, page from raw_bad.log_data order by line_number",
    )
    assert [(r["line_number"], r["is_valid_json"], r["ts"]) for r in rows] == [
        (1, True, "1541105830796"),
        (2, False, None),
        (3, True, "soon"),
    ]
    assert rows[1]["raw_text"] == '{"page": "Home", "ts": '
    assert query(postgres_server, "select count(*) as n from raw_bad.song_data") == [{"n": 1}]
    assert query(postgres_server, "select source_file, reason from raw_bad.files_not_read") == [
        {
            "source_file": f"{tmp_path / 'raw'}/log_data/2018/11/._2018-11-01-events.json",
            "reason": "AppleDouble file (macOS ._ metadata companion of another file), not data",
        }
    ]


def test_loader_bad_input_is_named_without_a_traceback(
    postgres_server: PostgresServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    missing = run_loader(postgres_server, "--raw-data", str(tmp_path / "nowhere"))
    assert missing.returncode == 2
    assert str(tmp_path / "nowhere") in missing.stderr

    (tmp_path / "empty").mkdir()
    empty = run_loader(postgres_server, "--raw-data", str(tmp_path / "empty"))
    assert empty.returncode == 2
    assert f"no raw files under {tmp_path / 'empty'}" in empty.stderr

    write_bad_raw(tmp_path / "raw")
    unreachable = subprocess.run(
        [*LOADER, "--raw-data", str(tmp_path / "raw")],
        cwd=PROJECT_ROOT,
        env={**os.environ, **postgres_server.env(), "PGPORT": "1", "PGCONNECT_TIMEOUT": "5"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert unreachable.returncode == 2
    assert "cannot connect to PostgreSQL" in unreachable.stderr
    for result in (missing, empty, unreachable):
        assert "Traceback" not in result.stderr


def drop_schemas(server: PostgresServer, schema: str) -> None:
    """The target schema and the ones dbt derives from it (<schema>_staging, _intermediate, ...)."""
    derived = query(
        server,
        f"select nspname from pg_namespace where nspname = '{schema}' or nspname like '{schema}\\_%'",
    )
    for row in derived:
        execute(server, f'drop schema "{row["nspname"]}" cascade')


def test_loader_reloads_changed_files_and_prunes_deleted_ones(
    postgres_server: PostgresServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    bad_file = write_bad_raw(tmp_path / "raw")
    schema = "raw_changed"
    arguments = ("--raw-data", str(tmp_path / "raw"), "--schema", schema)
    first = run_loader(postgres_server, *arguments)
    assert first.returncode == 0, first.stderr
    # the same name, other content: one line instead of three
    bad_file.write_text(bad_file.read_text().splitlines()[0].replace('"userId":"7"', '"userId":"8"'))
    again = run_loader(postgres_server, *arguments)
    assert again.returncode == 0, again.stderr
    assert (
        "log_data: 1 files loaded (1 rows, 1 of them changed since loaded), 0 already loaded" in again.stdout
    )
    assert "song_data: 0 files loaded" in again.stdout
    rows = query(postgres_server, f"select userid, file_size from {schema}.log_data")
    assert rows == [{"userid": "8", "file_size": bad_file.stat().st_size}]
    unchanged = run_loader(postgres_server, *arguments)
    assert "log_data: 0 files loaded" in unchanged.stdout, unchanged.stdout
    # a file gone from raw_data stays loaded unless --prune is given
    bad_file.unlink()
    kept = run_loader(postgres_server, *arguments)
    assert kept.returncode == 0, kept.stderr
    assert query(postgres_server, f"select count(*) as n from {schema}.log_data") == [{"n": 1}]
    pruned = run_loader(postgres_server, *arguments, "--prune")
    assert pruned.returncode == 0, pruned.stderr
    assert (
        "log_data: 0 files loaded" in pruned.stdout
        and "1 files gone from --raw-data removed" in pruned.stdout
    )
    assert query(postgres_server, f"select count(*) as n from {schema}.log_data") == [{"n": 0}]
    assert query(postgres_server, f"select count(*) as n from {schema}.song_data") == [{"n": 1}]


def test_out_of_order_delivery_equals_full_refresh(
    postgres_server: PostgresServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The DuckDB test's steps (test_ingestion_batches), with the loader before every build."""
    raw = generate_raw(tmp_path / "generated", **OUT_OF_ORDER_SAMPLE)
    landing = tmp_path / "landing"
    raw_schema, schema, full_schema = "ooo_raw", "ooo", "ooo_full"
    for name in (raw_schema, schema, full_schema):
        drop_schemas(postgres_server, name)
    pg_env = postgres_server.env()

    def project(work_dir: Path, target_schema: str) -> DbtProject:
        return DbtProject(
            work_dir=work_dir,
            raw_data=landing,
            target="postgres",
            extra_vars={"raw_schema": raw_schema},
            extra_env={**pg_env, "SPARKIFY_PG_SCHEMA": target_schema},
        )

    incremental = project(tmp_path / "incremental", schema)
    full = project(tmp_path / "full", full_schema)

    def state_of(target_schema: str) -> dict[str, list[tuple]]:
        return read_warehouse_state(
            lambda sql: query(postgres_server, sql),
            marts=target_schema,
        )

    def forget(path: str) -> None:
        incremental.dbt("run-operation", "forget_raw_file", "--args", json.dumps({"path": path}))

    steps = 0
    delivery = Delivery(raw, landing, forget)
    for step in out_of_order_steps(delivery):
        # --prune: a file deleted from the landing folder leaves the raw table too
        loaded = run_loader(postgres_server, "--raw-data", str(landing), "--schema", raw_schema, "--prune")
        assert loaded.returncode == 0, loaded.stderr
        incremental.dbt("build")
        # a full refresh from nothing, as the DuckDB test's fresh database
        drop_schemas(postgres_server, full_schema)
        full.dbt("build", "--full-refresh")
        problems = diff_states(state_of(schema), state_of(full_schema))
        assert problems == [], f"after {step}: {problems}"
        steps += 1
        if "changed in place" in step:
            replaced = query(
                postgres_server,
                f"select count(*) as n from {schema}_staging.base_sparkify__log_lines "
                "where replaces_earlier_ingestion",
            )
            assert replaced[0]["n"] > 0, "the loader reloaded the changed file, the base model must see it"
    assert steps == 7
    gone = log_files(raw)[delivery.deleted_day].relative_to(raw).as_posix()
    deleted = query(
        postgres_server,
        f"select count(*) as n from {schema}_staging.base_sparkify__log_lines where source_file = '{gone}'",
    )
    assert deleted == [{"n": 0}], "the forgotten and deleted day must be gone"
    assert all(state_of(schema)[mart] for mart in MART_KEYS)


def test_a_file_deleted_and_pruned_before_a_full_refresh_is_reported(
    postgres_server: PostgresServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Issue 14c on Postgres: the loader's --prune takes a deleted file out of the raw tables, the full
    refresh out of the base models; raw_files_ingested remembers it and raw_files_gone warns."""
    raw = generate_raw(tmp_path / "raw", days=3, events_per_day=60, songs=40, users=10, seed=3)
    raw_schema, schema = "gone_raw", "gone"
    for name in (raw_schema, schema):
        drop_schemas(postgres_server, name)
    project = DbtProject(
        work_dir=tmp_path / "work",
        raw_data=raw,
        target="postgres",
        extra_vars={"raw_schema": raw_schema},
        extra_env={**postgres_server.env(), "SPARKIFY_PG_SCHEMA": schema},
    )
    loader_args = ("--raw-data", str(raw), "--schema", raw_schema, "--prune")
    assert run_loader(postgres_server, *loader_args).returncode == 0
    project.dbt("build")
    deleted = log_files(raw)[1]
    below_raw_data = deleted.relative_to(raw).as_posix()
    deleted.unlink()
    assert run_loader(postgres_server, *loader_args).returncode == 0

    result = project.dbt("build", "--full-refresh")

    assert "WARN 1 is_empty_raw_files_gone_" in result.output
    gone = f"select source_table, source_file, reason from {schema}.raw_files_gone"
    assert query(postgres_server, gone) == [
        {
            "source_table": "log_data",
            "source_file": below_raw_data,
            "reason": "gone from raw_data since it was ingested",
        }
    ]
    project.dbt("run-operation", "forget_raw_file", "--args", json.dumps({"path": below_raw_data}))
    assert query(postgres_server, gone) == []


def test_a_day_rewritten_as_empty_withdraws_its_rows(
    postgres_server: PostgresServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Issue 14e on Postgres: the loader loads a log file rewritten as empty as the one row that
    stands for it (line 0), and the plain build withdraws the file's plays as on DuckDB: 0 lines in
    the accounting, listed as not read (a warning), equal to a full refresh of the same files."""
    raw = generate_raw(tmp_path / "raw", days=3, events_per_day=60, songs=40, users=10, seed=3)
    raw_schema, schema, full_schema = "emptied_raw", "emptied", "emptied_full"
    for name in (raw_schema, schema, full_schema):
        drop_schemas(postgres_server, name)

    def project(work_dir: Path, target_schema: str) -> DbtProject:
        return DbtProject(
            work_dir=work_dir,
            raw_data=raw,
            target="postgres",
            extra_vars={"raw_schema": raw_schema},
            extra_env={**postgres_server.env(), "SPARKIFY_PG_SCHEMA": target_schema},
        )

    def state_of(target_schema: str) -> dict[str, list[tuple]]:
        return read_warehouse_state(
            lambda sql: query(postgres_server, sql),
            marts=target_schema,
        )

    incremental = project(tmp_path / "incremental", schema)
    loader_args = ("--raw-data", str(raw), "--schema", raw_schema, "--prune")
    assert run_loader(postgres_server, *loader_args).returncode == 0
    incremental.dbt("build")
    emptied_path = log_files(raw)[1]
    emptied = emptied_path.relative_to(raw).as_posix()
    accounting = f"select * from {schema}.log_line_accounting where source_file = '{emptied}'"
    plays = f"select count(*) as n from {schema}.songplays"
    plays_before = query(postgres_server, plays)[0]["n"]
    plays_of_emptied = query(postgres_server, accounting)[0]["song_plays"]
    assert plays_of_emptied > 0

    emptied_path.write_bytes(b"")
    loaded = run_loader(postgres_server, *loader_args)
    assert loaded.returncode == 0, loaded.stderr
    assert "log_data: 1 files loaded (1 rows, 1 of them changed since loaded)" in loaded.stdout
    result = incremental.dbt("build")

    assert query(postgres_server, plays)[0]["n"] == plays_before - plays_of_emptied
    assert query(postgres_server, accounting) == [empty_file_accounting(emptied)]
    quarantined = f"select * from {schema}.quarantined_records where source_file = '{emptied}'"
    assert query(postgres_server, quarantined) == []
    assert query(postgres_server, f"select source_file, reason from {schema}.raw_files_not_read") == [
        {"source_file": emptied, "reason": "empty file: no lines"}
    ]
    assert query(postgres_server, f"select * from {schema}.raw_files_gone") == []
    assert "WARN 1 is_empty_raw_files_not_read_" in result.output
    project(tmp_path / "full", full_schema).dbt("build", "--full-refresh")
    assert diff_states(state_of(schema), state_of(full_schema)) == []


def test_loader_converts_tables_of_earlier_loaders(
    postgres_server: PostgresServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Typed key columns, no record columns: the keys become text and each file is loaded again."""
    bad_file = write_bad_raw(tmp_path / "raw")
    name = f"{tmp_path / 'raw'}/log_data/2018/11/{bad_file.name}"
    # the file unchanged since: only the missing line numbers make the loader load it again
    size, modified_at = file_version(bad_file)
    drop_schemas(postgres_server, "raw_old")
    execute(
        postgres_server,
        "create schema raw_old;"
        " create table raw_old.log_data (source_file text not null, ts bigint, page varchar,"
        " file_size bigint, file_modified_at timestamp);"
        f" insert into raw_old.log_data values ('{name}', 1541105830796, 'Home', {size}, '{modified_at}')",
    )
    loaded = run_loader(postgres_server, "--raw-data", str(tmp_path / "raw"), "--schema", "raw_old")
    assert loaded.returncode == 0, loaded.stderr
    assert "log_data: 1 files loaded (3 rows, 1 of them changed since loaded)" in loaded.stdout
    types = query(
        postgres_server,
        "select column_name, data_type from information_schema.columns"
        " where table_schema = 'raw_old' and table_name = 'log_data'"
        " and column_name in ('ts', 'line_number')",
    )
    assert {row["column_name"]: row["data_type"] for row in types} == {"ts": "text", "line_number": "bigint"}
    rows = query(postgres_server, "select line_number, ts from raw_old.log_data order by line_number")
    assert rows == [
        {"line_number": 1, "ts": "1541105830796"},
        {"line_number": 2, "ts": None},
        {"line_number": 3, "ts": "soon"},
    ]
