"""``sparkify-ingest --spark``: one ingestion batch as a Spark job, so that reading raw files scales
with the cluster as the original PySpark ETL did.

The driver lists raw_data and plans the batch exactly as the in-process ingester does (Ingestion.run:
listing.py, the landing's state, plan_batch). Only the reading is spread: each source's files to
read are dealt out to Spark tasks by size, and each task reads, decodes, splits and judges its files
with Ingestion's own code (raw_lines, judge.judge_records in a DuckDB of its own), writing its records
as one parquet file of its own below the landing, <table>/<batch>-part-NNNNN.parquet (the sources'
`<table>/*.parquet` read it with the others). The driver then writes raw_files and files_not_read
and commits the batch last (ParquetLanding.commit): until the batches row exists, the parts belong
to no batch and every reader ignores them, so a job cut short, or a task retried, changes nothing.

Every node needs this package installed (with duckdb and pyarrow) and must reach raw_data and the
landing: on a cluster both are s3:// prefixes; a local folder works in local mode only.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import duckdb

from sparkify_tools.ingest.ingest_batch import CHUNK_BYTES, BatchSummary, Ingestion, KnownFile
from sparkify_tools.ingest.landing_parquet import ParquetLanding
from sparkify_tools.ingest.listing import ListedFile, is_s3
from sparkify_tools.ingest.s3_access import s3_client

# raw bytes a task is given at least, while there are more files than cores: a task's memory is
# bounded by CHUNK_BYTES whatever its share, so fewer, larger parts only save files
TASK_BYTES = 4 * CHUNK_BYTES

FileToRead = tuple[ListedFile, KnownFile | None]


@dataclass
class TaskResult:
    """What a task tells the driver: the rows it adds to raw_files and files_not_read, and its counts."""

    raw_files: list[dict]
    not_read: list[dict]
    files_ingested: int
    bytes_ingested: int
    records_ingested: int


class PartLanding(ParquetLanding):
    """One task's records: each landing table it writes becomes <table>/<part>.parquet."""

    def __init__(self, location: str, part: str) -> None:
        super().__init__(location, s3_client() if is_s3(location) else None)
        self.part = part

    def publish(self) -> None:
        for table in list(self._writers):
            self._writers.pop(table).close()
            self._publish(self._scratch / f"{table}.parquet", table, f"{self.part}.parquet")


class TaskIngestion(Ingestion):
    """A task's share of the driver's batch: Ingestion's reading and judging, under the driver's
    batch id and time."""

    def __init__(self, raw_data: str, landing: PartLanding, batch: tuple) -> None:
        super().__init__(raw_data, landing, progress=lambda _: None, s3_client_factory=s3_client)
        self.batch_id, self.now = batch
        self.summary = BatchSummary(self.batch_id)

    def land(self, table: str, files: list[FileToRead]) -> TaskResult:
        with duckdb.connect() as con:
            self._land_table(con, table, files)
        self.landing.publish()
        s = self.summary
        return TaskResult(
            self._raw_files, self._not_read, s.files_ingested, s.bytes_ingested, s.records_ingested
        )


def deal(files: list[FileToRead], tasks: int) -> list[list[FileToRead]]:
    """The files in `tasks` shares of about equal bytes (largest first, each to the lightest share)."""
    shares: list[tuple[int, int, list[FileToRead]]] = [(0, number, []) for number in range(tasks)]
    for item in sorted(files, key=lambda item: item[0].size, reverse=True):
        size, number, share = heapq.heappop(shares)
        share.append(item)
        heapq.heappush(shares, (size + item[0].size, number, share))
    return [share for _, _, share in sorted(shares, key=lambda entry: entry[1]) if share]


class SparkIngestion(Ingestion):
    """Ingestion whose files are read by Spark tasks; everything else is the driver's, as in-process."""

    def __init__(
        self,
        raw_data: str,
        landing: ParquetLanding,
        progress: Callable[[str], None] = print,
        s3_client_factory: Callable[[], object] | None = None,
        spark=None,
        mode: str = "same",
    ) -> None:
        super().__init__(raw_data, landing, progress, s3_client_factory, mode)
        if spark is None:
            from pyspark.sql import SparkSession

            spark = SparkSession.builder.appName("sparkify-ingest").getOrCreate()
        self.spark = spark

    def _land_table(self, con, table: str, todo: list[FileToRead]) -> None:
        if not todo:
            return
        context = self.spark.sparkContext
        wanted = max(context.defaultParallelism, math.ceil(sum(item[0].size for item in todo) / TASK_BYTES))
        shares = deal(todo, min(len(todo), wanted))
        self.progress(
            f"sparkify-ingest: {table}: {len(todo)} new or changed files, {len(shares)} Spark tasks"
        )
        # plain values only: the function is shipped to the executors
        raw_data, location, batch = self.raw_data, self.landing.location, (self.batch_id, self.now)

        def land_share(number: int, shares: Iterator[list[FileToRead]]) -> Iterator[TaskResult]:
            for files in shares:
                part = PartLanding(location, f"{batch[0]}-part-{number:05d}")
                try:
                    yield TaskIngestion(raw_data, part, batch).land(table, files)
                finally:
                    part.close()

        results = context.parallelize(shares, len(shares)).mapPartitionsWithIndex(land_share).collect()
        for result in results:
            self._raw_files.extend(result.raw_files)
            self._not_read.extend(result.not_read)
            self.summary.files_ingested += result.files_ingested
            self.summary.bytes_ingested += result.bytes_ingested
            self.summary.records_ingested += result.records_ingested
        self.progress(
            f"sparkify-ingest: {table}: {self.summary.bytes_ingested / 1e6:.1f} MB read so far, "
            f"{self.summary.records_ingested} records"
        )
