"""``sparkify-ingest``: land new and changed raw files as one batch, before `dbt build`.

DuckDB's `dbt build` runs the same ingester by itself (the on-run-start hook); every other engine
runs this first:
    sparkify-ingest --raw-data data/raw --landing data/landing        # parquet: Spark, Redshift
    sparkify-ingest --raw-data data/raw --postgres                    # PostgreSQL (PG* variables)
    sparkify-ingest --spark --raw-data s3://… --landing s3://…        # read by Spark tasks (a cluster)
A --raw-data other than the folder the landing holds stops, unless --add or --replace says which.
"""

from __future__ import annotations

import argparse
import sys

from sparkify_tools.ingest.ingest_batch import Ingestion
from sparkify_tools.ingest.listing import RawDataError
from sparkify_tools.ingest.s3_access import s3_client


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sparkify-ingest",
        description=(
            "List --raw-data (a folder or s3:// prefix holding song_data/ and log_data/), read the files "
            "that are new or changed since the landing last saw them, and land their records as one "
            "batch: parquet below --landing, or tables in a PostgreSQL schema with --postgres."
        ),
    )
    parser.add_argument("--raw-data", default="data/raw", help="folder or s3:// prefix [%(default)s]")
    parser.add_argument(
        "--landing",
        default="data/landing",
        help="folder or s3:// prefix of the parquet landing [%(default)s]",
    )
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="land into PostgreSQL instead (connection from PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE)",
    )
    parser.add_argument(
        "--landing-schema", default="sparkify_landing", help="PostgreSQL schema (dbt var landing_schema)"
    )
    parser.add_argument(
        "--spark",
        action="store_true",
        help="read the files in Spark tasks (sparkify_tools/ingest/spark_job.py; parquet landing only); "
        "Spark's master and settings as pyspark takes them (spark-submit, PYSPARK_SUBMIT_ARGS)",
    )
    switch = parser.add_mutually_exclusive_group()
    switch.add_argument(
        "--add",
        action="store_const",
        const="add",
        dest="mode",
        help="--raw-data is not the folder the landing holds: add its files (same paths replace)",
    )
    switch.add_argument(
        "--replace",
        action="store_const",
        const="replace",
        dest="mode",
        help="--raw-data is not the folder the landing holds: replace that folder's files with its files "
        "(then dbt build --full-refresh)",
    )
    parser.set_defaults(mode="same")
    return parser


def open_landing(args: argparse.Namespace):
    if args.postgres:
        import psycopg2

        from sparkify_tools.ingest.landing_postgres import PostgresLanding

        try:
            return PostgresLanding(psycopg2.connect(""), args.landing_schema)
        except psycopg2.OperationalError as error:
            raise RawDataError(f"cannot connect to PostgreSQL ({str(error).strip()})") from error
    from sparkify_tools.ingest.landing_parquet import ParquetLanding

    return ParquetLanding(args.landing, s3_client() if args.landing.startswith("s3://") else None)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.spark and args.postgres:
        parser.error("--spark lands parquet below --landing, not into PostgreSQL")
    try:
        landing = open_landing(args)
        try:
            ingestion_class = Ingestion
            if args.spark:
                from sparkify_tools.ingest.spark_job import SparkIngestion

                ingestion_class = SparkIngestion
            summary = ingestion_class(
                args.raw_data, landing, lambda m: print(m, flush=True), s3_client, mode=args.mode
            ).run()
        finally:
            landing.close()
    except RawDataError as error:
        print(f"sparkify-ingest: {error}", file=sys.stderr)
        return 2
    print(f"sparkify-ingest: {summary.describe()} -> {landing.describe()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
