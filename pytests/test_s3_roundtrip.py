"""The S3 round trip on a real S3 API (moto on loopback, request signatures checked).

Generated raw data is uploaded to a bucket; `dbt build` reads it from s3:// and writes the parquet
lake back to S3; the tests read the lake back and compare it with the warehouse, compare the
warehouse with a build from the same files on local disk, and look for the credentials in every
file dbt wrote.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pytests.dbt_runner import DbtProject
from pytests.mart_compare import MART_KEYS, diff_marts, normalise, read_duckdb_marts
from pytests.s3_server import MotoServer, start_moto_server
from sparkify_tools.s3.lake import current_version, read_table

# needs the local S3 server: not in the fast tier (pytest -m "not slow")
pytestmark = pytest.mark.slow

RAW_BUCKET = "sparkify-raw"
LAKE_BUCKET = "sparkify-lake"
RAW_URL = f"s3://{RAW_BUCKET}/udacity"
LAKE_URL = f"s3://{LAKE_BUCKET}/lake"
# How the data-lake generation partitioned each table.
PARTITIONS = {
    "songplays": ["year", "month"],
    "users": [],
    "songs": ["year", "artist_id"],
    "artists": [],
    "time": ["year", "month"],
}


@dataclass
class S3Build:
    server: MotoServer
    project: DbtProject
    outputs: list[str] = field(default_factory=list)

    def dbt(self, *args: str) -> str:
        output = self.project.dbt(*args).output
        self.outputs.append(output)
        return output


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    server = start_moto_server(tmp_path_factory.mktemp("moto_roundtrip"), auth=True)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def s3_build(s3: MotoServer, small_raw_data: Path, tmp_path_factory: pytest.TempPathFactory) -> S3Build:
    s3.upload_tree(small_raw_data, RAW_BUCKET, "udacity")
    s3.create_bucket(LAKE_BUCKET)
    project = DbtProject(
        work_dir=tmp_path_factory.mktemp("s3_build"),
        raw_data=RAW_URL,
        extra_vars={"lake_location": LAKE_URL},
        extra_env=s3.dbt_env(),
    )
    build = S3Build(s3, project)
    build.dbt("build")
    return build


def warehouse_rows(project: DbtProject, table: str) -> tuple[list[str], list[tuple]]:
    with duckdb.connect(str(project.duckdb_path), read_only=True) as con:
        relation = con.sql(f'select * from main."{table}"')
        return relation.columns, relation.fetchall()


def expected_lake_rows(project: DbtProject, table: str) -> list[dict[str, Any]]:
    """The warehouse table as the lake should hold it: songplays gain the play's year and month."""
    columns, rows = warehouse_rows(project, table)
    records = [dict(zip(columns, row, strict=True)) for row in rows]
    if table == "songplays" and "year" not in columns:
        for record in records:
            start: dt.datetime = record["start_time"]
            record["year"], record["month"] = start.year, start.month
    return records


def as_multiset(records: list[dict[str, Any]], columns: list[str]) -> Counter:
    return Counter(tuple(normalise(record[column]) for column in columns) for record in records)


def test_marts_built_from_s3_equal_a_build_from_local_files(
    s3_build: S3Build, built_duckdb: DbtProject
) -> None:
    from_s3 = read_duckdb_marts(s3_build.project.duckdb_path)
    assert all(from_s3[mart] for mart in MART_KEYS), "a mart built from S3 is empty"
    assert diff_marts(from_s3, read_duckdb_marts(built_duckdb.duckdb_path)) == []
    with duckdb.connect(str(s3_build.project.duckdb_path), read_only=True) as con:
        files = con.sql("select distinct source_file from main_staging.base_sparkify__log_lines").fetchall()
    assert files and all(name.startswith("log_data/") for (name,) in files)


@pytest.mark.parametrize("table", list(PARTITIONS))
def test_lake_on_s3_holds_the_warehouse_table(s3_build: S3Build, table: str) -> None:
    con = s3_build.server.duckdb_connection()
    version = current_version(con, LAKE_URL, table)
    lake = read_table(con, LAKE_URL, table)
    lake_records = [dict(zip(lake.columns, row, strict=True)) for row in lake.fetchall()]
    expected = expected_lake_rows(s3_build.project, table)

    assert version.partition_by == PARTITIONS[table]
    assert version.rows == len(expected) > 0
    assert set(lake.columns) == set(expected[0])
    assert as_multiset(lake_records, sorted(expected[0])) == as_multiset(expected, sorted(expected[0]))
    if table == "songplays":
        # partitioned by the play's own year and month
        assert all(
            (record["year"], record["month"]) == (record["start_time"].year, record["start_time"].month)
            for record in lake_records
        )
    # partitioned as the data-lake generation did: one folder level per partition column
    for path in version.files:
        relative = path.removeprefix(f"{LAKE_URL}/{table}/{version.slot}/")
        folders = [part.split("=")[0] for part in relative.split("/")[:-1]]
        assert folders == PARTITIONS[table], path


def pointers(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    return {table: current_version(con, LAKE_URL, table) for table in PARTITIONS}


def test_re_export_writes_the_other_slot_then_moves_the_pointer(s3_build: S3Build) -> None:
    con = s3_build.server.duckdb_connection()
    before = pointers(con)

    s3_build.dbt("run", "-s", "songs", "users")

    after = pointers(con)
    for table in ("songs", "users"):
        assert after[table].slot != before[table].slot
        assert after[table].version != before[table].version
        assert all(f"/{table}/{after[table].slot}/" in path for path in after[table].files)
        # the previous version stays whole for readers still on it, until the next-but-one export
        old_keys = set(s3_build.server.list_keys(LAKE_BUCKET, f"lake/{table}/{before[table].slot}/"))
        assert {path.removeprefix(f"s3://{LAKE_BUCKET}/") for path in before[table].files} <= old_keys
        lake = read_table(con, LAKE_URL, table)
        columns = sorted(lake.columns)
        lake_records = [dict(zip(lake.columns, row, strict=True)) for row in lake.fetchall()]
        expected = expected_lake_rows(s3_build.project, table)
        assert as_multiset(lake_records, columns) == as_multiset(expected, columns)
    for table in ("songplays", "artists", "time"):
        assert after[table] == before[table], f"{table} was not built by this run but was exported"


def test_stage_external_sources_on_duckdb_creates_nothing_and_says_so(s3_build: S3Build) -> None:
    output = s3_build.dbt("run-operation", "stage_external_sources")
    for table in ("log_lines", "song_files", "raw_files", "files_not_read", "batches"):
        assert f"nothing to create on duckdb for sparkify_landing.{table}" in output


def test_no_credential_reaches_a_file_a_log_or_the_docs(s3_build: S3Build) -> None:
    s3_build.dbt("docs", "generate")
    s3_build.dbt("debug")
    secrets = [s3_build.server.secret_access_key, s3_build.server.access_key_id]
    assert all(len(secret) >= 16 for secret in secrets)
    files = [path for path in s3_build.project.work_dir.rglob("*") if path.is_file()]
    assert any(path.name == "catalog.json" for path in files) and any(path.suffix == ".log" for path in files)
    for path in files:
        content = path.read_bytes()
        for secret in secrets:
            assert secret.encode() not in content, f"a credential was written to {path}"
    for output in s3_build.outputs:
        for secret in secrets:
            assert secret not in output, "a credential was printed by dbt"


def test_anonymous_access_reads_a_public_bucket(
    small_raw_data: Path, built_duckdb: DbtProject, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    public = start_moto_server(tmp_path_factory.mktemp("moto_public"), auth=False)
    try:
        public.upload_tree(small_raw_data, "public-sparkify", "")
        public.make_public("public-sparkify")
        project = DbtProject(
            work_dir=tmp_path / "dbt",
            raw_data="s3://public-sparkify",
            extra_env=public.dbt_env(key_id="", secret=""),
        )
        project.dbt("run", "-s", "+int_song_records__validated")
    finally:
        public.stop()
    query = (
        "select source_file, song_id, title, rejection_reason "
        "from main_intermediate.int_song_records__validated"
    )
    with duckdb.connect(str(project.duckdb_path), read_only=True) as con:
        anonymous = con.sql(query).fetchall()
    with duckdb.connect(str(built_duckdb.duckdb_path), read_only=True) as con:
        local = con.sql(query).fetchall()
    root = str(small_raw_data)
    assert anonymous and sorted(
        (name.removeprefix("s3://public-sparkify"), *rest) for name, *rest in anonymous
    ) == sorted((name.removeprefix(root), *rest) for name, *rest in local)
