"""One isolated place to run dbt in: its own profiles, target, logs and DuckDB file.

Other people and tools run dbt in the same checkout at the same time; sharing target/ or the
database would make them clobber each other's manifests and tables, and the timings meaningless.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from sparkify_tools.marts import MART_NAMES

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# The models without their tests. Plain `dbt run` cannot build an empty warehouse: models read the
# seeds, which only build/seed create; build without tests runs seeds and models in dependency order.
RUN_WITHOUT_TESTS = ("build", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test")


def dbt_executable() -> str:
    beside_python = Path(sys.executable).with_name("dbt")
    if beside_python.is_file():
        return str(beside_python)
    found = shutil.which("dbt")
    if found is None:
        raise FileNotFoundError("no dbt executable beside this Python or on PATH; run scripts/bootstrap.sh")
    return found


@dataclass
class DbtWorkspace:
    work_dir: Path
    raw_data: str
    project_dir: Path = PROJECT_ROOT
    # DuckDB's own threads (profile setting, env SPARKIFY_DUCKDB_THREADS); None: the profile's
    duckdb_threads: int | None = None
    # dbt's threads (models run side by side); None: the profile's
    dbt_threads: int | None = None
    partial_parse: bool = True
    # profile output: duckdb, or spark (dbt-spark's session method: the project on Spark)
    target: str = "duckdb"
    extra_env: dict[str, str] = field(default_factory=dict)
    # DuckDB settings added to this workspace's copy of the duckdb profile, e.g. memory_limit:
    # how a profile change is tried out before it is proposed for profiles.example.yml
    duckdb_settings: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        profiles = self.work_dir / "profiles"
        profiles.mkdir(exist_ok=True)
        if not self.duckdb_settings:
            shutil.copy(self.project_dir / "profiles.example.yml", profiles / "profiles.yml")
            return
        profile = yaml.safe_load((self.project_dir / "profiles.example.yml").read_text())
        output = profile["sparkify"]["outputs"]["duckdb"]
        output.setdefault("settings", {}).update(self.duckdb_settings)
        (profiles / "profiles.yml").write_text(yaml.safe_dump(profile, sort_keys=False))

    @property
    def duckdb_path(self) -> Path:
        return self.work_dir / "sparkify.duckdb"

    @property
    def landing(self) -> Path:
        """This workspace's landing: sparkify-ingest's parquet batches (docs/ingestion.md)."""
        return self.work_dir / "landing"

    @property
    def target_dir(self) -> Path:
        return self.work_dir / "target"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "DBT_PROFILES_DIR": str(self.work_dir / "profiles"),
                "DBT_TARGET_PATH": str(self.target_dir),
                "DBT_LOG_PATH": str(self.work_dir / "logs"),
                "DBT_TARGET": self.target,
                "SPARKIFY_DUCKDB_PATH": str(self.duckdb_path),
                "SPARKIFY_SPARK_WAREHOUSE": str(self.work_dir / "spark-warehouse"),
                "SPARKIFY_SPARK_METASTORE": str(self.work_dir / "spark-metastore"),
                "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            }
        )
        if self.duckdb_threads:
            env["SPARKIFY_DUCKDB_THREADS"] = str(self.duckdb_threads)
        # sparkify-ingest --spark runs the ingester on Spark's Python workers, which start
        # PYSPARK_PYTHON (pyspark's default: python3 on PATH, without this environment's packages)
        env.setdefault("PYSPARK_PYTHON", sys.executable)
        env.update(self.extra_env)
        return env

    def command(self, *args: str) -> list[str]:
        vars_ = {"raw_data": self.raw_data, "landing": str(self.landing)}
        vars_text = yaml.safe_dump(vars_, default_flow_style=True).strip()
        command = [dbt_executable(), *args, "--vars", vars_text]
        if self.dbt_threads:
            command += ["--threads", str(self.dbt_threads)]
        if not self.partial_parse:
            command.append("--no-partial-parse")
        return command

    def ingest_command(self, *extra: str) -> list[str]:
        """sparkify-ingest of raw_data into this workspace's landing (what DuckDB's build runs itself)."""
        ingest = [sys.executable, "-m", "sparkify_tools.ingest.cli", "--raw-data", self.raw_data]
        return [*ingest, "--landing", str(self.landing), *extra]

    def reset_database(self) -> None:
        """Forget every table and the landing: the next build starts from nothing, as a first does."""
        shutil.rmtree(self.landing, ignore_errors=True)
        for path in (self.duckdb_path, self.duckdb_path.with_name(self.duckdb_path.name + ".wal")):
            path.unlink(missing_ok=True)
        for folder in ("spark-warehouse", "spark-metastore", "spark-metastore.log"):
            shutil.rmtree(self.work_dir / folder, ignore_errors=True)

    def run_results(self) -> dict:
        path = self.target_dir / "run_results.json"
        return json.loads(path.read_text()) if path.is_file() else {}

    def mart_rows(self) -> dict[str, int]:
        """Rows in each mart of the last build (read-only: dbt has exited by then)."""
        import duckdb

        with duckdb.connect(str(self.duckdb_path), read_only=True) as connection:
            return {
                name: connection.execute(f'select count(*) from main."{name}"').fetchone()[0]
                for name in MART_NAMES
            }


def node_timings(run_results: dict) -> dict[str, float]:
    """Execution seconds per node name (model, test, seed, ...) from a run_results.json."""
    timings: dict[str, float] = {}
    for result in run_results.get("results", []):
        unique_id = result.get("unique_id", "")
        name = unique_id.split(".", 2)[-1] if unique_id.count(".") >= 2 else unique_id
        kind = unique_id.split(".", 1)[0]
        timings[f"{kind}:{name}"] = float(result.get("execution_time") or 0.0)
    return timings
