"""The landing as parquet files below a folder or an s3:// prefix: <landing>/<table>/<batch>.parquet.

Every engine reads these files as its dbt sources (DuckDB in place, Spark as parquet tables,
Redshift through Spectrum). A batch's files are written whole and the batches file last: a batch
cut short leaves no batches row, so the sources and the next ingestion ignore what it wrote.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from sparkify_tools.ingest.landing_schema import SCHEMAS
from sparkify_tools.ingest.listing import is_s3, split_s3_url

STATE_SQL = """
    select source_table, source_file, status, file_size, modified_ns, change_signal, content_hash
    from (
        select
            raw_files.*,
            row_number() over (
                partition by source_table, source_file order by raw_files.landing_batch_id desc
            ) as recency
        from read_parquet({raw_files}, union_by_name = true) as raw_files
        where landing_batch_id in (select landing_batch_id from read_parquet({batches}))
    ) as versions
    where recency = 1
"""


def _path_list(paths: list[str]) -> str:
    return "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in paths) + "]"


class ParquetLanding:
    def __init__(self, location: str, s3_client=None) -> None:
        self.location = location.rstrip("/")
        self._s3 = s3_client
        self._scratch = Path(tempfile.mkdtemp(prefix="sparkify-landing-"))
        self._writers: dict[str, pq.ParquetWriter] = {}

    def describe(self) -> str:
        return self.location

    # -- what is there ---------------------------------------------------------------------------

    def _files(self, table: str) -> list[str]:
        """The committed-or-not parquet files of one table, as local paths (S3: downloaded)."""
        if not is_s3(self.location):
            folder = Path(self.location) / table
            return sorted(str(p) for p in folder.glob("*.parquet")) if folder.is_dir() else []
        bucket, prefix = split_s3_url(f"{self.location}/{table}")
        local = self._scratch / "state" / table
        local.mkdir(parents=True, exist_ok=True)
        found = []
        for page in self._s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=f"{prefix}/"):
            for item in page.get("Contents", []):
                if item["Key"].endswith(".parquet"):
                    target = local / item["Key"].rsplit("/", 1)[-1]
                    self._s3.download_file(bucket, item["Key"], str(target))
                    found.append(str(target))
        return sorted(found)

    def read_state(self) -> list[tuple]:
        """The latest word on every file ingested before: (source_table, source_file, status,
        file_size, modified_ns, change_signal, content_hash)."""
        raw_files, batches = self._files("raw_files"), self._files("batches")
        if not raw_files or not batches:
            return []
        with duckdb.connect() as con:
            sql = STATE_SQL.format(raw_files=_path_list(raw_files), batches=_path_list(batches))
            return con.execute(sql).fetchall()

    def latest_raw_data(self) -> str | None:
        """The raw_data the latest committed batch listed: the folder the warehouse holds."""
        batches = self._files("batches")
        if not batches:
            return None
        with duckdb.connect() as con:
            latest = f"from read_parquet({_path_list(batches)}) order by landing_batch_id desc limit 1"
            row = con.execute(f"select raw_data {latest}").fetchone()
        return row[0] if row else None

    # -- one batch -------------------------------------------------------------------------------

    def write(self, table: str, rows: pa.Table) -> None:
        schema = SCHEMAS[table]
        if table not in self._writers:
            self._writers[table] = pq.ParquetWriter(self._scratch / f"{table}.parquet", schema)
        self._writers[table].write_table(rows.select(schema.names).cast(schema))

    def commit(self, batch_id: str, batch_row: pa.Table) -> None:
        self.write("batches", batch_row)
        # every table gets a file in every batch, empty when it has no rows: Redshift's COPY of a
        # batch reads one file per table, and every source always has a file to read
        for table in [*(t for t in SCHEMAS if t != "batches"), "batches"]:
            if table not in self._writers:
                self.write(table, SCHEMAS[table].empty_table())
            self._writers.pop(table).close()
            self._publish(self._scratch / f"{table}.parquet", table, f"{batch_id}.parquet")

    def _publish(self, written: Path, table: str, name: str) -> None:
        if is_s3(self.location):
            bucket, prefix = split_s3_url(f"{self.location}/{table}")
            self._s3.upload_file(str(written), bucket, f"{prefix}/{name}")
            written.unlink()
            return
        folder = Path(self.location) / table
        folder.mkdir(parents=True, exist_ok=True)
        # written beside its place, then renamed: a reader sees the whole file or none
        partial = folder / f".{name}.partial"
        shutil.move(written, partial)
        os.replace(partial, folder / name)

    def close(self) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers.clear()
        shutil.rmtree(self._scratch, ignore_errors=True)
