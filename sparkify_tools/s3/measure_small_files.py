"""Measure reading many one-object song files from S3: the real song set is 14,896 objects.

Starts a local S3 server (moto, from the dev extra) on 127.0.0.1, uploads a song_data/ folder,
then times DuckDB listing and reading it at several thread counts, and one `dbt run` of the song
staging model reading it. A measurement, not a test: the figures depend on the machine and on
moto, which serves every request from one Python process. Run from the repository root:

    python -m sparkify_tools.s3.measure_small_files --songs /tmp/sparkify-full --threads 1 2 8
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path


def _duckdb_read(server, pattern: str, threads: int) -> tuple[float, float, int]:
    """(seconds to list, seconds to list and read, files read) with DuckDB at this thread count."""
    con = server.duckdb_connection()
    con.execute(f"set threads = {threads}")
    started = time.monotonic()
    con.execute("select count(*) from glob(?)", [pattern]).fetchone()
    listed = time.monotonic() - started
    started = time.monotonic()
    (files,) = con.execute("select count(*) from read_text(?)", [pattern]).fetchone()
    return listed, time.monotonic() - started, files


def main() -> None:
    from pytests.dbt_runner import DbtProject
    from pytests.s3_server import start_moto_server
    from sparkify_tools.generator import GeneratorConfig, generate

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--songs", type=Path, required=True, help="folder holding song_data/")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2, 8])
    parser.add_argument("--no-dbt", action="store_true", help="skip the dbt run")
    args = parser.parse_args()
    if not (args.songs / "song_data").is_dir():
        parser.error(f"{args.songs} has no song_data/ folder")

    work = Path(tempfile.mkdtemp(prefix="sparkify-s3-measure-"))
    server = start_moto_server(work / "moto", auth=True)
    try:
        started = time.monotonic()
        count = server.upload_tree(args.songs / "song_data", "measure", "raw/song_data")
        print(f"uploaded {count} song files in {time.monotonic() - started:.0f} s", flush=True)
        pattern = "s3://measure/raw/song_data/*/*/*/*.json"
        for threads in args.threads:
            listed, read, files = _duckdb_read(server, pattern, threads)
            print(
                f"DuckDB threads={threads}: list {listed:.1f} s, list+read {read:.1f} s "
                f"({files} files, {files / read:.0f} files/s)",
                flush=True,
            )
        if not args.no_dbt:
            # the pre-flight check wants log files too: one generated day
            logs = work / "logs"
            generate(GeneratorConfig(out=logs, songs=10, days=1, events_per_day=50))
            server.upload_tree(logs / "log_data", "measure", "raw/log_data")
            project = DbtProject(
                work_dir=work / "dbt", raw_data="s3://measure/raw", extra_env=server.dbt_env()
            )
            started = time.monotonic()
            project.dbt("run", "-s", "base_sparkify__song_files")
            print(
                f"dbt run -s base_sparkify__song_files (threads={os.cpu_count()} cores default): "
                f"{time.monotonic() - started:.0f} s including dbt start-up and parsing",
                flush=True,
            )
    finally:
        server.stop()
    print(f"load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
