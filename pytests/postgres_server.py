"""A throwaway PostgreSQL server for the tests: own data directory, free loopback port, stopped after.

initdb and postgres refuse to run as root, so under root the server runs as the `postgres` system
user (created by the Debian package that scripts/ensure/postgres.sh installs) in a data directory
that user owns. Authentication is `trust`, and only on 127.0.0.1 and a private Unix socket.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SUPERUSER = "postgres"
DATABASE = "sparkify"


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    user: str
    database: str
    base_dir: Path

    def env(self) -> dict[str, str]:
        """libpq's variables: the dbt postgres target and sparkify-ingest --postgres both read them."""
        return {
            "PGHOST": self.host,
            "PGPORT": str(self.port),
            "PGUSER": self.user,
            "PGDATABASE": self.database,
            "PGPASSWORD": "",
        }

    def dsn(self) -> str:
        return f"host={self.host} port={self.port} user={self.user} dbname={self.database}"


class PostgresUnavailable(Exception):
    """PostgreSQL cannot be started here; the message says what is missing."""


def find_bin_dir() -> Path:
    """The directory of initdb/pg_ctl: on PATH, else the newest /usr/lib/postgresql/<major>/bin."""
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(os.path.realpath(on_path)).parent
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[-3]), reverse=True
    )
    if candidates:
        return Path(candidates[0]).parent
    raise PostgresUnavailable(
        "PostgreSQL server binaries (initdb, pg_ctl) not found; run scripts/ensure/postgres.sh "
        "or install the Debian package 'postgresql'"
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    try:
        pwd.getpwnam(SUPERUSER)
    except KeyError as error:
        raise PostgresUnavailable(
            f"running as root and there is no '{SUPERUSER}' user to run the server"
        ) from error
    return ["runuser", "-u", SUPERUSER, "--", *command]


def _run(command: list[str], what: str) -> None:
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise PostgresUnavailable(
            f"{what} failed ({completed.returncode}):\n{completed.stdout}{completed.stderr}"
        )


def start_server() -> PostgresServer:
    """initdb a fresh cluster in a new temp dir, start it on a free port, create the database."""
    bin_dir = find_bin_dir()
    # not below pytest's tmp dirs: those are root-only (0700), and the server user must reach it
    base_dir = Path(tempfile.mkdtemp(prefix="sparkify-postgres-"))
    if os.geteuid() == 0:
        entry = pwd.getpwnam(SUPERUSER)
        os.chown(base_dir, entry.pw_uid, entry.pw_gid)
    try:
        return _start_in(bin_dir, base_dir)
    except BaseException:
        subprocess.run(
            _as_server_user(
                [str(bin_dir / "pg_ctl"), "-D", str(base_dir / "data"), "-m", "immediate", "stop"]
            ),
            capture_output=True,
            check=False,
        )
        shutil.rmtree(base_dir, ignore_errors=True)
        raise


def _start_in(bin_dir: Path, base_dir: Path) -> PostgresServer:
    data_dir = base_dir / "data"
    port = free_port()
    _run(
        _as_server_user([
            str(bin_dir / "initdb"), "-D", str(data_dir), "-U", SUPERUSER, "--auth=trust",
            "--encoding=UTF8", "--locale=C.UTF-8",
        ]),
        "initdb",
    )  # fmt: skip
    # the test data is thrown away afterwards: durability settings off make the build faster
    options = (
        f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={base_dir} "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    )
    _run(
        _as_server_user([
            str(bin_dir / "pg_ctl"), "-D", str(data_dir), "-l", str(base_dir / "server.log"),
            "-o", options, "-w", "-t", "60", "start",
        ]),
        "pg_ctl start",
    )  # fmt: skip
    server = PostgresServer("127.0.0.1", port, SUPERUSER, DATABASE, base_dir)
    _run(
        [str(bin_dir / "createdb"), "-h", server.host, "-p", str(port), "-U", SUPERUSER, DATABASE],
        "createdb",
    )
    return server


def stop_server(server: PostgresServer) -> None:
    bin_dir = find_bin_dir()
    subprocess.run(
        _as_server_user(
            [str(bin_dir / "pg_ctl"), "-D", str(server.base_dir / "data"), "-m", "fast", "-w", "stop"]
        ),
        capture_output=True,
        check=False,
    )
    shutil.rmtree(server.base_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A running server for the whole session; skipped where PostgreSQL cannot run, failed under CI."""
    try:
        server = start_server()
    except PostgresUnavailable as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required under CI=true: {error}")
        pytest.skip(str(error))
    try:
        yield server
    finally:
        stop_server(server)
