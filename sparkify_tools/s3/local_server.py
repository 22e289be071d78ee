"""A real S3 API on loopback, for the tests and the benchmark: moto's server (the dev extra) as a
subprocess on a free 127.0.0.1 port.

``start_moto_server(auth=True)`` enforces AWS request signing: it creates an IAM user allowed
``s3:*`` and hands out that user's key, so a wrong key id or secret really fails with 403.
``auth=False`` accepts unsigned requests, the way a public bucket does.
Nothing here talks to any address but 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import duckdb
from botocore.config import Config

from sparkify_tools.s3.httpfs import load_httpfs

REGION = "us-east-1"
# Requests moto serves before it starts checking signatures: the three IAM calls below.
_UNSIGNED_SETUP_REQUESTS = 3
_STARTUP_WAIT_SECONDS = 60


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_listening(port: int, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + _STARTUP_WAIT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"moto_server exited early:\n{log_path.read_text(errors='replace')[-3000:]}")
        # A bare TCP connect: an HTTP probe would use up one of moto's unsigned requests.
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"moto_server did not listen on 127.0.0.1:{port} within {_STARTUP_WAIT_SECONDS}s")


@dataclass
class MotoServer:
    port: int
    process: subprocess.Popen
    log_path: Path
    access_key_id: str = "anonymous"
    secret_access_key: str = "anonymous"
    buckets: set[str] = field(default_factory=set)

    @property
    def endpoint(self) -> str:
        """host:port, the form DuckDB's ENDPOINT takes."""
        return f"127.0.0.1:{self.port}"

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.endpoint}"

    def client(self, service: str = "s3", max_connections: int = 10):
        return boto3.client(
            service,
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key=self.secret_access_key,
            config=Config(max_pool_connections=max_connections),
        )

    def create_bucket(self, bucket: str) -> str:
        if bucket not in self.buckets:
            self.client().create_bucket(Bucket=bucket)
            self.buckets.add(bucket)
        return bucket

    def make_public(self, bucket: str) -> None:
        """Let anyone list and read the bucket, as the udacity-dend bucket does."""
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": ["s3:GetObject", "s3:ListBucket"],
                    "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                }
            ],
        }
        self.client().put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))

    def upload_tree(self, local_dir: Path, bucket: str, prefix: str = "", workers: int = 16) -> int:
        """Upload every file under local_dir to s3://bucket/prefix/<relative path>; returns the count."""
        self.create_bucket(bucket)
        files = sorted(path for path in local_dir.rglob("*") if path.is_file())
        client = self.client(max_connections=workers)
        base = prefix.strip("/")

        def upload(path: Path) -> None:
            key = "/".join(part for part in (base, path.relative_to(local_dir).as_posix()) if part)
            client.upload_file(str(path), bucket, key)

        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(upload, files))
        return len(files)

    def list_keys(self, bucket: str, prefix: str = "") -> list[str]:
        paginator = self.client().get_paginator("list_objects_v2")
        return [
            item["Key"]
            for page in paginator.paginate(Bucket=bucket, Prefix=prefix)
            for item in page.get("Contents", [])
        ]

    def dbt_env(self, *, key_id: str | None = None, secret: str | None = None) -> dict[str, str]:
        """Environment variables the profile reads to reach this server (anonymous: key_id='')."""
        return {
            "AWS_ACCESS_KEY_ID": self.access_key_id if key_id is None else key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key if secret is None else secret,
            "AWS_SESSION_TOKEN": "",
            "AWS_REGION": REGION,
            "SPARKIFY_S3_ENDPOINT": self.endpoint,
            "SPARKIFY_S3_URL_STYLE": "path",
            "SPARKIFY_S3_USE_SSL": "false",
        }

    def duckdb_connection(self) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB that reads and writes this server's buckets with the test key."""
        con = duckdb.connect()
        load_httpfs(con)
        con.execute(
            "create secret moto (type s3, key_id ?, secret ?, region ?, endpoint ?, url_style 'path', "
            "use_ssl false)",
            [self.access_key_id, self.secret_access_key, REGION, self.endpoint],
        )
        return con

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _create_s3_user(server: MotoServer) -> None:
    iam = server.client("iam")
    iam.create_user(UserName="sparkify-tests")
    iam.put_user_policy(
        UserName="sparkify-tests",
        PolicyName="s3-all",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
        ),
    )
    key = iam.create_access_key(UserName="sparkify-tests")["AccessKey"]
    server.access_key_id = key["AccessKeyId"]
    server.secret_access_key = key["SecretAccessKey"]


def start_moto_server(log_dir: Path, *, auth: bool) -> MotoServer:
    log_dir.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    log_path = log_dir / f"moto-{port}.log"
    env = dict(os.environ)
    env.pop("INITIAL_NO_AUTH_ACTION_COUNT", None)
    if auth:
        env["INITIAL_NO_AUTH_ACTION_COUNT"] = str(_UNSIGNED_SETUP_REQUESTS)
    moto_server = Path(sys.executable).with_name("moto_server")
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(moto_server), "-H", "127.0.0.1", "-p", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
    server = MotoServer(port=port, process=process, log_path=log_path)
    try:
        _wait_until_listening(port, process, log_path)
        if auth:
            _create_s3_user(server)
    except BaseException:
        server.stop()
        raise
    return server
