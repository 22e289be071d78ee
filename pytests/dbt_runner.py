"""Run dbt against this project in isolation: its own profile dir, target dir, log dir and database.

Tests (and helpers that run dbt concurrently in one checkout) must not share target/ or logs/, or
partial parsing and manifests clobber each other; every DbtProject gets private ones.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[1]


@dataclass
class DbtResult:
    args: list[str]
    returncode: int
    output: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def failure_report(self, tail_chars: int = 4000) -> str:
        """The output's error lines, then its tail.

        A JVM stack trace fills any tail; the exception's own line (and each "Caused by") is what
        tells a failure apart, so it is kept wherever it stands in the output.
        """
        errors: list[str] = []
        for line in self.output.splitlines():
            if _ERROR_LINE.search(line) and not _STACK_FRAME.match(line) and line not in errors:
                errors.append(line)
        head = "\n".join(line[:500] for line in errors[:40])
        return f"error lines:\n{head}\n--- last {tail_chars} characters:\n{self.output[-tail_chars:]}"


# "Database Error in model x", "java.lang.StackOverflowError", "Caused by: ...Exception: ..."
_ERROR_LINE = re.compile(r"\b(Error|Exception|Caused by)\b|[A-Za-z]+(Error|Exception)\b")
_STACK_FRAME = re.compile(r"^\s*(at |\.\.\. \d+ more)")


@dataclass
class DbtProject:
    """One isolated use of the dbt project: a work dir holding profiles, target, logs and DuckDB file."""

    work_dir: Path
    raw_data: str | Path
    target: str = "duckdb"
    extra_vars: dict = field(default_factory=dict)
    extra_env: dict[str, str] = field(default_factory=dict)
    # what runs dbt, e.g. [python, recorder.py, ...] for a stand-in driver; empty: the dbt executable
    dbt_command: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        profiles = self.work_dir / "profiles"
        profiles.mkdir(exist_ok=True)
        shutil.copy(PROJECT_ROOT / "profiles.example.yml", profiles / "profiles.yml")

    @property
    def project_dir(self) -> Path:
        """The dbt project dbt runs in: this checkout (ProjectCopy: a copy of it)."""
        return PROJECT_ROOT

    @property
    def landing(self) -> Path:
        """Where the ingester lands raw files for this project's warehouse."""
        return self.work_dir / "landing"

    @property
    def duckdb_path(self) -> Path:
        return self.work_dir / "sparkify.duckdb"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "DBT_PROFILES_DIR": str(self.work_dir / "profiles"),
                "DBT_TARGET_PATH": str(self.work_dir / "target"),
                "DBT_LOG_PATH": str(self.work_dir / "logs"),
                "DBT_TARGET": self.target,
                "SPARKIFY_DUCKDB_PATH": str(self.duckdb_path),
                "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            }
        )
        # dbt imports the profile's plugins (sparkify_tools.*): from this checkout, not from wherever
        # the virtualenv's editable install points
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
        env.update(self.extra_env)
        return env

    def vars_arg(self, more: dict | None = None) -> str:
        merged = {
            "raw_data": str(self.raw_data),
            "landing": str(self.landing),
            **self.extra_vars,
            **(more or {}),
        }
        return yaml.safe_dump(merged, default_flow_style=True).strip()

    def ingest(self, *extra: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """`sparkify-ingest` for this project's raw_data, as a user of an engine other than DuckDB
        runs it before `dbt build` (PostgreSQL: into var landing_schema; else parquet in landing)."""
        if self.target == "postgres":
            schema = self.extra_vars.get("landing_schema", "sparkify_landing")
            landing = ["--postgres", "--landing-schema", schema]
        else:
            landing = ["--landing", str(self.landing)]
        command = [sys.executable, "-m", "sparkify_tools.ingest.cli", "--raw-data", str(self.raw_data)]
        completed = subprocess.run(
            [*command, *landing, *extra],
            cwd=self.project_dir,
            env=self.env(),
            capture_output=True,
            text=True,
            check=False,
        )
        if check and completed.returncode != 0:
            raise AssertionError(f"sparkify-ingest failed:\n{completed.stdout}\n{completed.stderr}")
        return completed

    def dbt(self, *args: str, vars: dict | None = None, check: bool = True) -> DbtResult:
        """Run one dbt command in project_dir; raise with dbt's output when it fails."""
        executable = self.dbt_command or [str(Path(sys.executable).with_name("dbt"))]
        command = [*executable, *args, "--vars", self.vars_arg(vars)]
        completed = subprocess.run(
            command,
            cwd=self.project_dir,
            env=self.env(),
            capture_output=True,
            text=True,
            check=False,
        )
        result = DbtResult(command, completed.returncode, completed.stdout + completed.stderr)
        if check and not result.ok:
            raise AssertionError(f"dbt {' '.join(args)} failed:\n{result.failure_report()}")
        return result
