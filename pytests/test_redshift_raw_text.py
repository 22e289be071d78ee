"""Redshift's raw-line SQL, run for real where Postgres runs the same functions (issue 14b).

Redshift has no cluster here, but the text expressions its reader and parser use on raw lines
(regexp_count with POSIX classes, octet_length, strpos, chr, rtrim) are Postgres 15's too. The
macros are rendered from the project's macro files with Jinja alone (they call no dbt context) and
run on a Postgres server against lines whose answer is known: how often a key is written (the
duplicate-key rule), the line joined again at its 0x01, and why a line is not its bytes.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import jinja2
import psycopg2
import pytest

from pytests.dbt_runner import PROJECT_ROOT
from pytests.postgres_server import PostgresServer, postgres_server  # noqa: F401 - the fixture

MACRO_FILES = ["macros/ingestion/parse_raw_records.sql", "macros/redshift/raw_text_lines.sql"]


class _Returned(Exception):
    """dbt's return(x), which ends a macro with the value x."""

    def __init__(self, value: Any) -> None:
        self.value = value


def _returned(value: Any) -> Any:
    raise _Returned(value)


class _Macros:
    """The macros of the project's files, called as dbt calls them: `return(x)` gives x."""

    def __init__(self, source: str) -> None:
        environment = jinja2.Environment(extensions=["jinja2.ext.do"])
        self.module = environment.from_string(source, globals={"return": _returned, "sparkify": self}).module

    def __getattr__(self, name: str) -> Any:
        macro = getattr(self.module, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return macro(*args, **kwargs)
            except _Returned as result:
                return result.value

        return call


def render(name: str, *arguments: str) -> str:
    """One macro called with its arguments, rendered from the project's macro files."""
    macros = _Macros("".join((PROJECT_ROOT / path).read_text() for path in MACRO_FILES))
    return str(getattr(macros, name)(*arguments))


def select_one(server: PostgresServer, sql: str, *params: Any) -> Any:
    with psycopg2.connect(server.dsn()) as connection, connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def written_keys(text: str) -> Counter[str]:
    """Every key of the top-level object as written, repeats kept (the oracle)."""
    counted: Counter[str] = Counter()
    json.loads(text, object_pairs_hook=lambda pairs: counted.update(key for key, _ in pairs) or {})
    return counted


KEY_CASES = [
    ('{"page":"NextSong","ts":1}', "page", 1),
    ('{"page":"NextSong","page":"Home","ts":1}', "page", 2),
    ('{ "ts" : 1,\t"ts":2}', "ts", 2),
    # the key's name inside a string value is escaped: never counted
    ('{"song":"a,\\"ts\\":1","ts":1}', "ts", 1),
    ('{"song":"{\\"page\\": 1}","page":"Home"}', "page", 1),
    # a value that is the key's name is no key
    ('{"song":"ts","ts":1}', "ts", 1),
    ('{"firstName":"A","firstname":"B"}', "firstName", 1),
]


@pytest.mark.parametrize(("text", "key", "count"), KEY_CASES)
def test_a_key_written_twice_is_counted_as_json_writes_it(
    postgres_server: PostgresServer,  # noqa: F811 - the fixture
    text: str,
    key: str,
    count: int,
) -> None:
    expression = render("redshift_key_count", "%s", key)
    assert written_keys(text)[key] == count  # the oracle agrees with the case
    assert select_one(postgres_server, f"select {expression}", text) == count


def test_a_key_inside_a_nested_object_counts_too(
    postgres_server: PostgresServer,  # noqa: F811 - the fixture
) -> None:
    """Stated in redshift__parse_raw_records: such a record is quarantined as a duplicate."""
    expression = render("redshift_key_count", "%s", "ts")
    assert select_one(postgres_server, f"select {expression}", '{"song":{"ts":1},"ts":2}') == 2


LIMIT = 65535
LINE_CASES = [
    # (raw_line, beyond_delimiter, text, decoding_error prefix)
    ('{"ts":1}', None, '{"ts":1}', None),
    # a missing second field given as '' adds nothing
    ('{"ts":1}', "", '{"ts":1}', None),
    ('{"ts":1}\r', None, '{"ts":1}', None),
    ('{"ts":1,', '"page":"x"}', '{"ts":1,\x01"page":"x"}', None),
    ("", None, "", None),
    ('{"artist":"Caf\x1a"}', None, '{"artist":"Caf\x1a"}', "not UTF-8 text"),
    ("x" * (LIMIT - 4), None, "x" * (LIMIT - 4), None),
    ("x" * (LIMIT - 3), None, "x" * (LIMIT - 3), "line too long"),
    ("x" * 40000, "y" * 30000, "x" * 40000, "line too long"),
]


@pytest.mark.parametrize(("raw_line", "beyond", "text", "error"), LINE_CASES)
def test_a_raw_line_is_joined_again_and_says_why_it_is_not_its_bytes(
    postgres_server: PostgresServer,  # noqa: F811 - the fixture
    raw_line: str,
    beyond: str | None,
    text: str,
    error: str | None,
) -> None:
    columns = "(select cast(%s as text) as raw_line, cast(%s as text) as beyond_delimiter) as raw"
    joined = render("redshift_raw_line_text", "raw.raw_line", "raw.beyond_delimiter")
    problem = render("redshift_raw_line_decoding_error", "raw.raw_line", "raw.beyond_delimiter")
    assert select_one(postgres_server, f"select {joined} from {columns}", raw_line, beyond) == text
    found = select_one(postgres_server, f"select {problem} from {columns}", raw_line, beyond)
    assert (found or "").startswith(error or "") and (found is None) == (error is None), found
