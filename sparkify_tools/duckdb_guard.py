"""dbt-duckdb plugin: turn "the warehouse file is held by another process" into one clear error.

DuckDB lets one process at a time open a database file for writing. Without this check a second
`dbt build` dies with a nested traceback (dbt-duckdb retries the connection while handling the first
failure); with it, dbt stops before touching anything and says which file is held and by whom.
"""

from __future__ import annotations

from typing import Any

import duckdb
from dbt.adapters.duckdb.plugins import BasePlugin
from dbt_common.exceptions import DbtRuntimeError

IN_MEMORY = {"", ":memory:"}


def ensure_database_is_free(path: str) -> None:
    """Raise DbtRuntimeError when another process holds `path`; do nothing otherwise."""
    if path in IN_MEMORY or path.startswith(("md:", "motherduck:")):
        return
    try:
        duckdb.connect(path).close()
    except duckdb.IOException as error:
        if "lock" not in str(error).lower():
            raise
        raise DbtRuntimeError(
            f"The DuckDB warehouse {path} is in use by another process (most likely another dbt "
            f"build), and DuckDB allows one writer at a time. Nothing was changed. Wait for that "
            f"process to finish, or point SPARKIFY_DUCKDB_PATH at another file. DuckDB said: {error}"
        ) from None


class Plugin(BasePlugin):
    def update_connection_config(self, creds: Any, config: dict[str, Any]) -> None:
        ensure_database_is_free(creds.path)
