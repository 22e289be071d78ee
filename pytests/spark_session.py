"""dbt on Spark for tests: dbt-spark's session method in one worker process, one JVM for every command.

Each `dbt` process would start its own JVM and open the Derby metastore again (tens of seconds
each), so the worker runs dbt in-process (dbtRunner) and keeps pyspark's session between commands.
It is a separate process so that the test process never holds a SparkSession of its own: another
module's pyspark session would otherwise be picked up by dbt-spark's getOrCreate().

Spark reads the landing, never raw files: before each build a test lands raw_data as a batch
(ingest_and_stage: the ingester in the test process, as `sparkify-ingest` runs before `dbt build`)
and stages the landing's parquet tables.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from pytests.dbt_runner import PROJECT_ROOT, DbtProject, DbtResult
from sparkify_tools.ingest.ingest_batch import BatchSummary, Ingestion
from sparkify_tools.ingest.landing_parquet import ParquetLanding

# Generous: a full build on a loaded 2-core CI machine; only a hung JVM ever gets near it.
COMMAND_TIMEOUT_SECONDS = 1800


def java_missing_reason() -> str | None:
    """Why Spark cannot start here, or None (scripts/ensure/java.sh installs Java 17)."""
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "no Java runtime (run scripts/ensure/java.sh: Debian's openjdk-17-jre-headless)"
    return None


def _serve(connection: Connection, env: dict[str, str]) -> None:
    """Worker loop: run dbt commands and SQL queries sent by the test process until told to stop."""
    os.environ.clear()
    os.environ.update(env)
    # pyspark hands timestamps back in the process's local time zone: make that UTC, like the session
    os.environ["TZ"] = "UTC"
    time.tzset()
    os.chdir(PROJECT_ROOT)

    from dbt.cli.main import dbtRunner

    lines: list[str] = []

    def keep_info(event: Any) -> None:
        if event.info.level in ("info", "warn", "error"):
            lines.append(event.info.msg)

    runner = dbtRunner(callbacks=[keep_info])
    while True:
        kind, payload = connection.recv()
        if kind == "stop":
            break
        try:
            if kind == "dbt":
                lines.clear()
                arguments, overrides = payload
                # env_var() in the profile is read per invocation: overrides (another target schema)
                # apply to this command only, in the same JVM
                saved = {name: os.environ.get(name) for name in overrides}
                os.environ.update(overrides)
                try:
                    result = runner.invoke(arguments)
                finally:
                    for name, value in saved.items():
                        if value is None:
                            os.environ.pop(name, None)
                        else:
                            os.environ[name] = value
                if result.exception is not None:
                    lines.append(f"{type(result.exception).__name__}: {result.exception}")
                connection.send(("ok", (result.success, "\n".join(lines))))
            elif kind == "sql":
                from pyspark.sql import SparkSession

                rows = SparkSession.builder.getOrCreate().sql(payload).collect()
                connection.send(("ok", [row.asDict() for row in rows]))
            else:
                connection.send(("error", f"unknown command {kind!r}"))
        except Exception as error:  # the test process shows it; the worker keeps serving
            connection.send(("error", f"{type(error).__name__}: {error}"))
    try:
        from pyspark import SparkContext
        from pyspark.sql import SparkSession

        gateway = SparkContext._gateway
        active = SparkSession.getActiveSession()
        if active is not None:
            active.stop()
        if gateway is not None:
            # the JVM ends when its stdin closes; waiting reaps it, or it outlives us as a zombie
            gateway.shutdown()
            gateway.proc.stdin.close()
            gateway.proc.wait(timeout=60)
    finally:
        connection.close()


@dataclass
class SparkDbtProject(DbtProject):
    """A DbtProject on the `spark` target whose warehouse, metastore and JVM belong to this work dir.

    Use as a context manager (or call close()): the worker process and its JVM end with it.
    """

    target: str = "spark"
    _worker: Any = field(default=None, init=False, repr=False)
    _connection: Connection | None = field(default=None, init=False, repr=False)

    @property
    def warehouse_dir(self) -> Path:
        return self.work_dir / "spark-warehouse"

    def env(self) -> dict[str, str]:
        env = super().env()
        env.update(
            {
                "SPARKIFY_SPARK_WAREHOUSE": str(self.warehouse_dir),
                "SPARKIFY_SPARK_METASTORE": str(self.work_dir / "spark-metastore"),
                # small data: few shuffle partitions, both cores
                "SPARKIFY_SPARK_SHUFFLE_PARTITIONS": "2",
                "SPARKIFY_SPARK_MASTER": "local[2]",
                "SPARKIFY_SPARK_DRIVER_MEMORY": "1g",
                # a JVM that lives for minutes: the quick JIT tier and one GC thread halve its CPU time
                "SPARKIFY_SPARK_JAVA_OPTIONS": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
            }
        )
        env.update(self.extra_env)
        return env

    def _request(self, kind: str, payload: Any) -> Any:
        if self._worker is None:
            context = multiprocessing.get_context("spawn")
            self._connection, worker_end = context.Pipe()
            self._worker = context.Process(target=_serve, args=(worker_end, self.env()), daemon=True)
            self._worker.start()
            worker_end.close()
        assert self._connection is not None
        self._connection.send((kind, payload))
        if not self._connection.poll(COMMAND_TIMEOUT_SECONDS):
            self.close()
            raise TimeoutError(f"Spark worker gave no answer to {kind} {payload!r} in time")
        status, answer = self._connection.recv()
        if status != "ok":
            raise RuntimeError(f"Spark worker failed on {kind} {payload!r}: {answer}")
        return answer

    def dbt(
        self,
        *args: str,
        vars: dict | None = None,
        check: bool = True,
        env: dict[str, str] | None = None,
        project_dir: Path | None = None,
    ) -> DbtResult:
        """Run one dbt command in the worker; raise with dbt's output when it fails.

        env: variables for this command only (e.g. SPARKIFY_SPARK_SCHEMA), in the same session.
        project_dir: another dbt project (a test's changed copy; give it its own DBT_TARGET_PATH).
        """
        project = project_dir or self.project_dir
        command = [*args, "--vars", self.vars_arg(vars), "--project-dir", str(project)]
        success, output = self._request("dbt", (command, env or {}))
        result = DbtResult(["dbt", *command], 0 if success else 1, output)
        if check and not result.ok:
            raise AssertionError(f"dbt {' '.join(args)} on Spark failed:\n{result.failure_report()}")
        return result

    def ingest_and_stage(self, vars: dict | None = None) -> BatchSummary:
        """What every Spark build needs first: raw_data landed as one batch (in this process, the
        ingester `sparkify-ingest` runs), then `stage_external_sources` over the landing.

        vars: another raw_data, landing or landing_schema, as for dbt().
        """
        where = {"raw_data": str(self.raw_data), "landing": str(self.landing), **(vars or {})}
        landing = ParquetLanding(where["landing"])
        try:
            summary = Ingestion(where["raw_data"], landing, progress=lambda _: None).run()
        finally:
            landing.close()
        self.dbt("run-operation", "stage_external_sources", vars=vars)
        return summary

    def sql(self, query: str) -> list[dict[str, Any]]:
        """Rows of a Spark SQL query, as dicts; timestamps come back as naive UTC datetimes."""
        return self._request("sql", query)

    def close(self) -> None:
        if self._worker is None:
            return
        try:
            if self._connection is not None and self._worker.is_alive():
                self._connection.send(("stop", None))
            self._worker.join(timeout=120)
        finally:
            if self._worker.is_alive():
                self._worker.kill()
                self._worker.join(timeout=30)
            if self._connection is not None:
                self._connection.close()
            self._worker = None
            self._connection = None

    def __enter__(self) -> SparkDbtProject:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
