"""pytest fixtures for a real S3 API on loopback (sparkify_tools/s3/local_server.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sparkify_tools.s3.local_server import REGION, MotoServer, start_moto_server

__all__ = ["REGION", "MotoServer", "public_s3_server", "s3_server", "start_moto_server"]


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    """S3 that checks signatures; its IAM user's key is in ``access_key_id``/``secret_access_key``."""
    server = start_moto_server(tmp_path_factory.mktemp("moto_auth"), auth=True)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def public_s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    """S3 that serves unsigned requests, standing in for a public bucket such as udacity-dend."""
    server = start_moto_server(tmp_path_factory.mktemp("moto_public"), auth=False)
    yield server
    server.stop()
