"""A raw_data location that cannot be read, or holds no files, stops the run with one message
(the ingester's, from the on-run-start hook).

Each case runs `dbt run` against a real S3 API (moto on loopback, signatures checked) and expects:
a non-zero exit, the location named in the message, no Python traceback, and no model built.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from pytests.dbt_runner import DbtProject
from pytests.s3_server import MotoServer, start_moto_server
from sparkify_tools.s3.probe import describe_read_error

# needs the local S3 server: not in the fast tier (pytest -m "not slow")
pytestmark = pytest.mark.slow

BUCKET = "sparkify-bad-input"


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory, small_raw_data: Path) -> Iterator[MotoServer]:
    server = start_moto_server(tmp_path_factory.mktemp("moto_bad_input"), auth=True)
    server.upload_tree(small_raw_data, BUCKET, "complete")
    # an "empty" prefix: objects exist below it, but no raw file where the sources look
    client = server.client()
    client.put_object(Bucket=BUCKET, Key="empty/README.txt", Body=b"raw data goes here")
    client.put_object(Bucket=BUCKET, Key="empty/log_data/notes.txt", Body=b"nothing yet")
    yield server
    server.stop()


def built_tables(project: DbtProject) -> list[str]:
    if not project.duckdb_path.exists():
        return []
    with duckdb.connect(str(project.duckdb_path), read_only=True) as con:
        return [row[0] for row in con.execute("select table_name from information_schema.tables").fetchall()]


CASES = {
    # case: (raw_data, env overrides, words the message must contain)
    "missing bucket": (
        "s3://no-such-sparkify-bucket/raw",
        {},
        ["s3://no-such-sparkify-bucket/raw/", "bucket does not exist"],
    ),
    "missing prefix": (f"s3://{BUCKET}/nothing-here", {}, [f"s3://{BUCKET}/nothing-here:", "no raw files"]),
    "empty prefix": (f"s3://{BUCKET}/empty", {}, [f"s3://{BUCKET}/empty:", "no raw files under"]),
    "unknown key id": (f"s3://{BUCKET}/complete", {"key_id": "AKIAWRONGWRONGWRONG0"}, ["AWS_ACCESS_KEY_ID"]),
    "wrong secret": (f"s3://{BUCKET}/complete", {"secret": "not-the-secret"}, ["AWS_SECRET_ACCESS_KEY"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_raw_location_fails_with_one_clear_message(case: str, s3: MotoServer, tmp_path: Path) -> None:
    raw_data, credentials, expected_words = CASES[case]
    project = DbtProject(work_dir=tmp_path / "dbt", raw_data=raw_data, extra_env=s3.dbt_env(**credentials))

    result = project.dbt("run", check=False)

    assert not result.ok, f"{case}: dbt run succeeded:\n{result.output[-3000:]}"
    failures = [line for line in result.output.splitlines() if "sparkify-ingest: " in line]
    assert failures, f"{case}: no pre-flight message:\n{result.output[-3000:]}"
    message = failures[0]
    for word in expected_words:
        assert word in message, f"{case}: {word!r} not in {message!r}"
    assert "Traceback" not in result.output
    # the check runs before any model: nothing was built, nothing reported as success
    assert not [name for name in built_tables(project) if name.startswith(("stg_", "songplays", "users"))]
    assert "Completed successfully" not in result.output


# What DuckDB's httpfs says for failures the S3 test server cannot produce (it ignores regions and
# answers unsigned requests to a private bucket with a server error), and what the user reads.
DUCKDB_ERRORS = {
    "HTTP Error: HTTP GET error reading 's3://b/p' in region 'us-east-1' (HTTP 403 Forbidden)\n\n"
    "AccessDenied: Access Denied\n\nAuthentication Failure - this is usually caused by invalid or missing "
    "credentials.\n* No credentials are provided.": "anonymous requests",
    "HTTP Error: HTTP GET error reading 's3://b/p' in region 'us-east-1' (HTTP 301 Moved Permanently)\n\n"
    "PermanentRedirect: The bucket you are attempting to access must be addressed using the specified "
    "endpoint.": "AWS_REGION",
    "HTTP Error: HTTP GET error reading 's3://b/p' in region 'us-east-1' (HTTP 400 Bad Request)\n\n"
    "ExpiredToken: The provided token has expired.": "AWS_SESSION_TOKEN",
    "IO Error: Could not establish connection error for HTTP GET to 'https://b.s3.example.invalid/'": (
        "SPARKIFY_S3_ENDPOINT"
    ),
}


@pytest.mark.parametrize("duckdb_error", list(DUCKDB_ERRORS))
def test_other_s3_failures_name_the_setting_to_check(duckdb_error: str) -> None:
    message = describe_read_error("s3://b/p/log_data/*/*/*.json", RuntimeError(duckdb_error))
    assert message.startswith("cannot read s3://b/p/log_data/*/*/*.json: ")
    assert DUCKDB_ERRORS[duckdb_error] in message
    assert "\n" not in message
