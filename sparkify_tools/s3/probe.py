"""Check that a raw-data location can be listed and holds files, with one clear message if not.

A dbt build over a wrong ``raw_data`` would otherwise fail deep inside a model with a long HTTP
error, or (for an empty prefix) succeed with an empty warehouse. The probe runs before any model.
"""

from __future__ import annotations

import re

import duckdb

# S3 error codes DuckDB quotes from the response body, with what they mean for the user.
_S3_CODES = {
    "NoSuchBucket": "the bucket does not exist",
    "InvalidAccessKeyId": "the access key id is not known to the S3 service (check AWS_ACCESS_KEY_ID)",
    "SignatureDoesNotMatch": "the secret key does not match the access key id (check AWS_SECRET_ACCESS_KEY)",
    "ExpiredToken": "the session token has expired (check AWS_SESSION_TOKEN)",
    "InvalidToken": "the session token is not valid (check AWS_SESSION_TOKEN)",
    "AccessDenied": "access denied: these credentials may not list or read this location",
    "PermanentRedirect": "the bucket lives in another region (set AWS_REGION to the bucket's region)",
    "AuthorizationHeaderMalformed": "the request was signed for the wrong region (set AWS_REGION)",
}
_HTTP_STATUS = {
    301: "the bucket lives in another region (set AWS_REGION to the bucket's region)",
    400: "the S3 service rejected the request (check AWS_REGION and SPARKIFY_S3_ENDPOINT)",
    403: "access denied (wrong or missing credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)",
    404: "the bucket does not exist",
}


def describe_read_error(location: str, error: Exception) -> str:
    """One line naming the location and the most likely cause of a failed listing or read."""
    text = str(error)
    if "No credentials are provided" in text:
        return (
            f"cannot read {location}: access denied to anonymous requests "
            "(set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for a private bucket)"
        )
    for code, meaning in _S3_CODES.items():
        if code in text:
            return f"cannot read {location}: {meaning} ({code})"
    status = re.search(r"HTTP (\d{3})", text)
    if status and int(status.group(1)) in _HTTP_STATUS:
        return f"cannot read {location}: {_HTTP_STATUS[int(status.group(1))]} (HTTP {status.group(1)})"
    unreachable = r"Could not establish connection|Could not connect|Connection refused|resolve host"
    if re.search(unreachable, text, re.IGNORECASE):
        return f"cannot read {location}: the S3 endpoint cannot be reached (check SPARKIFY_S3_ENDPOINT)"
    first_line = text.strip().splitlines()[0] if text.strip() else type(error).__name__
    return f"cannot read {location}: {first_line}"


def probe_location(con: duckdb.DuckDBPyConnection, pattern: str) -> str | None:
    """None when the glob pattern matches at least one file, else a message naming the pattern."""
    try:
        row = con.execute("select count(*) from glob(?)", [pattern]).fetchone()
    except duckdb.Error as error:
        return describe_read_error(pattern, error)
    if not row or row[0] == 0:
        return f"no files match {pattern}"
    return None
