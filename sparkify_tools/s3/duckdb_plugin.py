"""dbt-duckdb plugin: httpfs from the wheel (offline) and a location probe for pre-flight checks.

Enable it in the duckdb output of profiles.yml::

    plugins:
      - module: sparkify_tools.s3.duckdb_plugin
        alias: sparkify_s3

Credentials stay in the profile's ``secrets:`` (read with env_var()); this plugin never sees them
except to recreate the same secrets on its private probe connection, and logs nothing.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import duckdb
from dbt.adapters.duckdb.credentials import DuckDBCredentials
from dbt.adapters.duckdb.plugins import BasePlugin

from sparkify_tools.s3.httpfs import ensure_httpfs_installed, load_httpfs
from sparkify_tools.s3.probe import probe_location

PROBE_FUNCTION = "sparkify_probe_location"
MAKE_DIRS_FUNCTION = "sparkify_make_dirs"


def make_local_dirs(path: str) -> str:
    """mkdir -p for a local folder (COPY creates only the last level); URLs need no folders."""
    if "://" not in path:
        Path(path).mkdir(parents=True, exist_ok=True)
    return path


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        threads = str(plugin_config.get("threads") or "").strip()
        if threads and not (threads.isdigit() and int(threads) > 0):
            raise ValueError(f"sparkify_s3 plugin: threads must be a positive integer, got {threads!r}")
        self._threads = int(threads) if threads else None
        self._extension_directory: str | None = None
        self._probe_con: duckdb.DuckDBPyConnection | None = None
        self._probe_lock = threading.Lock()

    def update_connection_config(self, creds: DuckDBCredentials, config: dict[str, Any]) -> None:
        # Runs before duckdb.connect(); the profile's S3 secrets are created right after connecting,
        # and creating one autoloads httpfs, so it must already be installed by then.
        self._extension_directory = config.get("extension_directory")
        ensure_httpfs_installed(self._extension_directory)

    def configure_connection(self, conn: duckdb.DuckDBPyConnection) -> None:
        load_httpfs(conn)
        if self._threads:
            conn.execute(f"set threads = {self._threads}")
        conn.create_function(
            PROBE_FUNCTION,
            self._probe,
            [duckdb.sqltype("VARCHAR")],
            duckdb.sqltype("VARCHAR"),
            null_handling="special",
            side_effects=True,
        )
        conn.create_function(
            MAKE_DIRS_FUNCTION,
            make_local_dirs,
            [duckdb.sqltype("VARCHAR")],
            duckdb.sqltype("VARCHAR"),
            side_effects=True,
        )

    def _probe(self, pattern: str | None) -> str | None:
        if pattern is None:
            return "no location given"
        # The probe runs on its own in-memory database: a UDF must not query the connection
        # that is executing it, and an HTTP error there would abort dbt's open transaction.
        with self._probe_lock:
            return probe_location(self._probe_connection(), pattern)

    def _probe_connection(self) -> duckdb.DuckDBPyConnection:
        if self._probe_con is None:
            config = {"extension_directory": self._extension_directory} if self._extension_directory else {}
            con = duckdb.connect(":memory:", config=config)
            load_httpfs(con)
            creds = self.creds
            if creds is not None:
                for key, value in (creds.settings or {}).items():
                    if key.startswith(("s3_", "http", "enable_http", "ca_cert")):
                        escaped = str(value).replace("'", "''")
                        con.execute(f"set {key} = '{escaped}'")
                for statement in creds.secrets_sql():
                    con.execute(statement)
            self._probe_con = con
        return self._probe_con
