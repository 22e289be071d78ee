"""judge_record gives, for the same text, what DuckDB's JSON functions give in parse_raw_records.

Loaders of other engines (sparkify-load-postgres) compute the raw record columns in Python; these
tests ask DuckDB itself for the expected values, so a DuckDB upgrade that changes them shows here.
"""

from __future__ import annotations

import random
import struct

import duckdb
import pytest

from sparkify_tools.ingest.json_fields import judge_record

# Each text is the record; key "a" is extracted.
RECORDS = [
    '{"a":"\\ud800"}',  # a lone surrogate: not JSON to yyjson
    '{"a":"\\ud83d\\ude00"}',
    '{"a":NaN}',
    '{"a":-Infinity}',
    '{"a":inf}',
    '{"a":+inf}',
    '{"a":1,}',
    '{"a":[1,2,],}',
    '{"a":1 , }',
    "{,}",
    '{"a":1,,}',
    "[1,]",
    '{"a":{"b":1,},"c":2}',
    '{"a":"nan,}"}',
    '{"a":1}//c',
    ' {"a":1} ',
    '\ufeff{"a":1}',
    '{"a":"x\x01y"}',
    '{"a":"x\ty"}',
    '{\x01"a":1}',
    '{"a":1}{"b":2}',
    "[1]",
    "1",
    "",
    "   ",
    '{"a":1,"a":2}',
    '{"b":1,"b":2,"a":3}',
    '{"a":{"a":1,"a":2}}',
    '{"a":"b", "A": 2}',
    '{"a":01}',
    '{"a":.5}',
    "{'a':1}",
    '{"a":1}\r',
    '{"a":1}\x0b',
    '{"a":"\\/"}',
    '{"a":"x\\u00e9\\n"}',
    '{"a":{"k":"\\u00e9","n":1.50}}',
    '{"a":[1, 2.50,{"b": 1e3}]}',
    '{"a":true}',
    '{"a":null}',
]
NUMBERS = [
    "1e20", "1e21", "1e-7", "1e-6", "1.5e300", "1e400", "-1e400", "2.5e-320", "5e-324", "0.0", "-0.0",
    "-0", "1.50", "1E+3", "123e-2", "18446744073709551615", "18446744073709551616",
    "-9223372036854775808", "-9223372036854775809", "12345678901234567.0", "1.540919166796E12",
    "-000", "9" * 5000,
]  # fmt: skip


def duckdb_columns(connection: duckdb.DuckDBPyConnection, text: str) -> tuple:
    """(is_valid_json, a's text, has_duplicate_keys, non-scalar) as parse_raw_records computes them."""
    valid, value, duplicate, nested = connection.execute(
        """
        select
            coalesce(json_valid($1) and json_type($1) = 'OBJECT', false),
            case when json_valid($1) and json_type($1) = 'OBJECT' then json_extract_string($1, '$."a"') end,
            case when json_valid($1) and json_type($1) = 'OBJECT'
                then len(list_filter(json_keys($1), lambda key_name: key_name = 'a')) > 1 else false end,
            case when json_valid($1) and json_type($1) = 'OBJECT'
                then json_type($1, '$."a"') in ('ARRAY', 'OBJECT') else false end
        """,
        [text],
    ).fetchone()
    return valid, value, duplicate, "a" if nested else None


def python_columns(text: str) -> tuple:
    judged = judge_record(text, ["a"])
    return judged.is_valid_json, judged.values["a"], judged.has_duplicate_keys, judged.non_scalar_fields


@pytest.fixture(scope="module")
def connection() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


@pytest.mark.parametrize("text", RECORDS + [f'{{"a":{number}}}' for number in NUMBERS])
def test_record_as_duckdb_reads_it(connection: duckdb.DuckDBPyConnection, text: str) -> None:
    assert python_columns(text) == duckdb_columns(connection, text)


def test_random_numbers_print_as_duckdb_prints_them(connection: duckdb.DuckDBPyConnection) -> None:
    generator = random.Random(14)
    numbers = []
    for _ in range(500):
        bits = struct.unpack("d", struct.pack("Q", generator.getrandbits(64)))[0]
        if bits == bits and abs(bits) != float("inf"):
            numbers.append(repr(bits))
        numbers.append(str(generator.randint(-(10**20), 10**20)))
        numbers.append(
            f"{generator.random() * 10 ** generator.randint(-12, 25):.{generator.randint(1, 17)}g}"
        )
    texts = [f'{{"a":{number}}}' for number in numbers]
    expected = connection.execute(
        "select json_extract_string(t, '$.a') from unnest($1) with ordinality as u(t, n) order by n", [texts]
    ).fetchall()
    assert [judge_record(text, ["a"]).values["a"] for text in texts] == [row[0] for row in expected]
