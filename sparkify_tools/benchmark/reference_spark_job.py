"""The reference the warehouse is compared with: the data-lake generation's PySpark ETL job.

It does what a typical Udacity data-lake solution (``etl.py``) did: read song_data and log_data
JSON with Spark's schema-inferring reader, build the five star-schema tables and write them as
parquet, songs partitioned by year/artist_id, time and songplays by year/month. It is kept
deliberately plain (no cleaning, quarantine or incremental loads, exact-match song lookup), but
uses Spark's built-in functions rather than Python UDFs and a local-sized shuffle, so that it is a
fair, not a strawman, reference.

    python -m sparkify_tools.benchmark.reference_spark_job RAW_DIR OUT_DIR

Environment: SPARKIFY_REF_SPARK_MASTER [local[*]], SPARKIFY_REF_DRIVER_MEMORY [4g],
SPARKIFY_REF_SHUFFLE_PARTITIONS [8].
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

TABLES = ("songs", "artists", "users", "time", "songplays")


def build_session(app_name: str = "sparkify-reference-etl"):
    # Imported here: pyspark is an optional extra, and --help must work without it.
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.appName(app_name)
        .master(os.environ.get("SPARKIFY_REF_SPARK_MASTER", "local[*]"))
        .config("spark.driver.memory", os.environ.get("SPARKIFY_REF_DRIVER_MEMORY", "4g"))
        # 200 (Spark's default) would write ~25x more tiny files on one machine
        .config("spark.sql.shuffle.partitions", os.environ.get("SPARKIFY_REF_SHUFFLE_PARTITIONS", "8"))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.sources.partitionOverwriteMode", "static")
        .getOrCreate()
    )


def process_song_data(spark, song_df, out_dir: str) -> dict[str, int]:
    """songs and artists from the song files, as the data-lake job built them."""
    from pyspark.sql import functions as F

    songs = song_df.select("song_id", "title", "artist_id", "year", "duration").dropDuplicates(["song_id"])
    songs.write.mode("overwrite").partitionBy("year", "artist_id").parquet(f"{out_dir}/songs")

    artists = song_df.select(
        "artist_id",
        F.col("artist_name").alias("name"),
        F.col("artist_location").alias("location"),
        F.col("artist_latitude").alias("latitude"),
        F.col("artist_longitude").alias("longitude"),
    ).dropDuplicates(["artist_id"])
    artists.write.mode("overwrite").parquet(f"{out_dir}/artists")
    return {"songs": spark.read.parquet(f"{out_dir}/songs").count()}


def process_log_data(spark, song_df, raw_dir: str, out_dir: str) -> dict[str, int]:
    """users, time and songplays from the log files, songs matched on title, artist and length."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    log_df = spark.read.json(f"{raw_dir}/log_data/*/*/*.json")
    plays = log_df.filter(F.col("page") == "NextSong").withColumn(
        "start_time", F.timestamp_millis(F.col("ts").cast("long"))
    )

    latest_first = Window.partitionBy("userId").orderBy(F.col("ts").desc())
    users = (
        plays.filter(F.col("userId") != "")
        .withColumn("recency", F.row_number().over(latest_first))
        .filter(F.col("recency") == 1)
        .select(
            F.col("userId").alias("user_id"),
            F.col("firstName").alias("first_name"),
            F.col("lastName").alias("last_name"),
            "gender",
            "level",
        )
    )
    users.write.mode("overwrite").parquet(f"{out_dir}/users")

    time_table = (
        plays.select("start_time")
        .dropDuplicates()
        .select(
            "start_time",
            F.hour("start_time").alias("hour"),
            F.dayofmonth("start_time").alias("day"),
            F.weekofyear("start_time").alias("week"),
            F.month("start_time").alias("month"),
            F.year("start_time").alias("year"),
            F.dayofweek("start_time").alias("weekday"),
        )
    )
    time_table.write.mode("overwrite").partitionBy("year", "month").parquet(f"{out_dir}/time")

    song_keys = song_df.select("song_id", "title", "artist_id", "artist_name", "duration")
    songplays = plays.join(
        song_keys,
        (plays.song == song_keys.title)
        & (plays.artist == song_keys.artist_name)
        & (plays.length == song_keys.duration),
        "left",
    ).select(
        F.monotonically_increasing_id().alias("songplay_id"),
        "start_time",
        F.col("userId").alias("user_id"),
        "level",
        "song_id",
        "artist_id",
        F.col("sessionId").alias("session_id"),
        "location",
        F.col("userAgent").alias("user_agent"),
        F.year("start_time").alias("year"),
        F.month("start_time").alias("month"),
    )
    songplays.write.mode("overwrite").partitionBy("year", "month").parquet(f"{out_dir}/songplays")
    return {"songplays": spark.read.parquet(f"{out_dir}/songplays").count()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sparkify_tools.benchmark.reference_spark_job",
        description="The data-lake generation's PySpark ETL job: raw JSON to five parquet tables.",
    )
    parser.add_argument("raw_dir", type=Path, help="folder holding song_data/ and log_data/")
    parser.add_argument("out_dir", type=Path, help="folder the five parquet tables are written to")
    args = parser.parse_args(argv)
    for part in ("song_data", "log_data"):
        if not (args.raw_dir / part).is_dir():
            print(f"reference_spark_job: {args.raw_dir / part} is not a folder", file=sys.stderr)
            return 2
    try:
        import pyspark  # noqa: F401
    except ImportError:
        print("reference_spark_job: pyspark is missing; install the bench extra", file=sys.stderr)
        return 2

    began = time.perf_counter()
    spark = build_session()
    spark.sparkContext.setLogLevel("ERROR")
    raw = str(args.raw_dir.resolve())
    out = str(args.out_dir.resolve())
    try:
        # schema inferred once; each table below still reads the files again, as the original job did
        song_df = spark.read.json(f"{raw}/song_data/*/*/*/*.json")
        counts = {
            **process_song_data(spark, song_df, out),
            **process_log_data(spark, song_df, raw, out),
        }
    finally:
        spark.stop()
    # one machine-readable line for the benchmark: what was written, how long the job itself took
    print(json.dumps({"rows": counts, "seconds": round(time.perf_counter() - began, 3)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
