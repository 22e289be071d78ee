"""dbt-duckdb plugin: `dbt build` on DuckDB ingests new raw files first, as one landing batch.

Enable it in the duckdb output of profiles.yml::

    plugins:
      - module: sparkify_tools.ingest.duckdb_plugin
        alias: sparkify_ingest

It registers sparkify_ingest(raw_data, landing, mode), which the on-run-start hook ingest_raw_data calls
on `dbt run` and `dbt build`: the same ingester `sparkify-ingest` runs for every other engine.
"""

from __future__ import annotations

import sys

import duckdb
from dbt.adapters.duckdb.plugins import BasePlugin

from sparkify_tools.ingest.ingest_batch import Ingestion
from sparkify_tools.ingest.landing_parquet import ParquetLanding
from sparkify_tools.ingest.listing import RawDataError
from sparkify_tools.ingest.s3_access import s3_client

INGEST_FUNCTION = "sparkify_ingest"


def ingest(raw_data: str, landing: str, mode: str) -> str:
    """Ingest one batch (mode: same, add or replace, as Ingestion takes it); the summary line, or an
    error naming raw_data and what to do."""
    needs_s3 = raw_data.startswith("s3://") or landing.startswith("s3://")
    store = ParquetLanding(landing, s3_client() if needs_s3 else None)
    try:
        summary = Ingestion(raw_data, store, _progress, s3_client, mode).run()
    except RawDataError as error:
        raise ValueError(f"sparkify-ingest: {error} (var raw_data = '{raw_data}')") from None
    finally:
        store.close()
    return summary.describe()


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Plugin(BasePlugin):
    def configure_connection(self, conn: duckdb.DuckDBPyConnection) -> None:
        conn.create_function(
            INGEST_FUNCTION,
            ingest,
            [duckdb.sqltype("VARCHAR")] * 3,
            duckdb.sqltype("VARCHAR"),
            side_effects=True,
        )
