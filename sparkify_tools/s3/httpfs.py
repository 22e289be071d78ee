"""Install and load DuckDB's httpfs extension from the ``duckdb-extension-httpfs`` wheel.

DuckDB would otherwise download the extension from extensions.duckdb.org the first time an
``s3://`` path or an S3 secret is used; builds must work offline, so the wheel's copy is installed
into DuckDB's extension directory before the warehouse connection opens.
"""

from __future__ import annotations

import duckdb
from duckdb_extensions import import_extension

EXTENSION = "httpfs"


def _scratch_connection(extension_directory: str | None) -> duckdb.DuckDBPyConnection:
    config = {"extension_directory": extension_directory} if extension_directory else {}
    return duckdb.connect(":memory:", config=config)


def ensure_httpfs_installed(extension_directory: str | None = None) -> None:
    """Install httpfs from the wheel unless this DuckDB version already has it installed."""
    with _scratch_connection(extension_directory) as con:
        row = con.execute(
            "select installed from duckdb_extensions() where extension_name = ?", [EXTENSION]
        ).fetchone()
        if row and row[0]:
            return
        import_extension(EXTENSION, con=con)


def load_httpfs(con: duckdb.DuckDBPyConnection) -> None:
    """Load httpfs on a connection, installing it from the wheel first if needed."""
    row = con.execute(
        "select installed, loaded from duckdb_extensions() where extension_name = ?", [EXTENSION]
    ).fetchone()
    if row and row[1]:
        return
    if not (row and row[0]):
        import_extension(EXTENSION, con=con)
    con.execute(f"load {EXTENSION}")
