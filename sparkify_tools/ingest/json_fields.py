"""One raw record's JSON judged and its keys extracted in Python, exactly as DuckDB's SQL does it.

On DuckDB the warehouse parses each raw line in SQL (json_valid, json_type, json_keys,
json_extract_string: macros/ingestion/parse_raw_records.sql). Loaders of other engines call
``judge_record`` instead, so that the same bytes give the same columns everywhere:
- a record is valid when it is a JSON object as DuckDB's reader (yyjson) takes it: trailing commas
  and NaN/Infinity literals are accepted, lone UTF-16 surrogates are not;
- each key's value is the text json_extract_string gives: strings unescaped, numbers as DuckDB
  prints them (1.50 -> 1.5, 1e3 -> 1000.0, integers beyond 64 bits and non-finite floats as written),
  arrays and objects as compact JSON, null as None; a key written twice gives its first value;
- non_scalar_fields names the keys holding an array or object, has_duplicate_keys says whether one
  of the keys read appears twice at the top level (strict typing quarantines both; a key not read
  is ignored, as its value is used nowhere).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

# yyjson reads a 64-bit integer exactly; beyond that DuckDB keeps the number's text as written
INTEGER_RANGE = range(-(2**63), 2**64)
# what the fallback parse rewrites, outside strings: a comma before a closing bracket (dropped) and
# the non-finite literals yyjson accepts in any letter case (kept as written)
LENIENT_TOKEN = re.compile(
    r'"(?:[^"\\]|\\.)*"|,(?=[ \t\r\n]*[}\]])|-?(?:infinity|inf|nan)(?![A-Za-z0-9_])',
    re.IGNORECASE | re.DOTALL,
)
SURROGATE = re.compile("[\ud800-\udfff]")


class JsonNumber(str):
    """A JSON number as DuckDB's json_extract_string prints it."""


@dataclass(frozen=True)
class JudgedRecord:
    is_valid_json: bool
    non_scalar_fields: str | None
    has_duplicate_keys: bool
    values: dict[str, str | None]  # key -> text as json_extract_string gives it (None: absent/null)


class DuplicateAwareObject(dict[str, Any]):
    """A JSON object keeping the first value of a repeated key, which keys were repeated, and every
    pair as written (DuckDB prints a nested object with its repeated keys)."""

    duplicated_keys: frozenset[str] = frozenset()
    pairs: list[tuple[str, Any]]


def _object(pairs: list[tuple[str, Any]]) -> DuplicateAwareObject:
    result = DuplicateAwareObject()
    result.pairs = pairs
    duplicated = set()
    for key, value in pairs:
        if key in result:
            duplicated.add(key)
        else:
            result[key] = value
    result.duplicated_keys = frozenset(duplicated)
    return result


def duckdb_float_text(text: str) -> str:
    """A JSON float as yyjson writes it: shortest round-trip digits, fixed notation (with '.0' when
    integral) from 1e-6 up to 1e21, else 'd.ddde[-]n'; a value beyond double's range as written."""
    value = float(text)
    if value in (float("inf"), float("-inf")):
        return text
    sign = "-" if str(value).startswith("-") else ""
    # repr gives the shortest round-trip digits, as yyjson's writer does; only the notation differs
    digit_string, point_exponent = _shortest_digits(repr(abs(value)))
    length = len(digit_string)
    # point_exponent: the value is 0.<digits> x 10**point_exponent, as in ECMAScript's Number::toString
    if length <= point_exponent <= 21:
        return f"{sign}{digit_string}{'0' * (point_exponent - length)}.0"
    if 0 < point_exponent <= 21:
        return f"{sign}{digit_string[:point_exponent]}.{digit_string[point_exponent:]}"
    if -6 < point_exponent <= 0:
        return f"{sign}0.{'0' * -point_exponent}{digit_string}"
    fraction = f".{digit_string[1:]}" if length > 1 else ""
    return f"{sign}{digit_string[0]}{fraction}e{point_exponent - 1}"


def _shortest_digits(python_repr: str) -> tuple[str, int]:
    """(significant digits, exponent n with value = 0.digits x 10**n) of a non-negative float's repr."""
    mantissa, _, exponent = python_repr.partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).lstrip("0")
    if not digits:
        return "0", 1
    # position of the decimal point relative to the first significant digit
    leading_zeros = len(whole + fraction) - len((whole + fraction).lstrip("0"))
    point = len(whole) - leading_zeros + (int(exponent) if exponent else 0)
    return digits.rstrip("0") or "0", point


def duckdb_integer_text(text: str) -> str:
    # longer than any 64-bit integer: as written (and int() refuses over 4,300 digits)
    if len(text) > 21:
        return text
    number = int(text)
    return str(number) if number in INTEGER_RANGE else text


def _number(text: str) -> JsonNumber:
    if any(c in text for c in ".eE"):
        return JsonNumber(duckdb_float_text(text))
    return JsonNumber(duckdb_integer_text(text))


def as_duckdb_text(value: Any) -> str | None:
    """The text json_extract_string gives for a parsed value."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return _compact(value)
    return str.__str__(value)


def _compact(value: Any) -> str:
    if isinstance(value, dict):
        pairs = getattr(value, "pairs", value.items())
        return "{" + ",".join(f"{json.dumps(k, ensure_ascii=False)}:{_compact(v)}" for k, v in pairs) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_compact(v) for v in value) + "]"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, JsonNumber):
        return str.__str__(value)
    return json.dumps(value, ensure_ascii=False)


def _decode(text: str, constants: list[str] | None = None) -> Any:
    written = iter(constants or [])
    return json.loads(
        text,
        object_pairs_hook=_object,
        parse_float=_number,
        parse_int=_number,
        # NaN/Infinity: json_extract_string gives them as written (the fallback records how)
        parse_constant=lambda name: JsonNumber(next(written, name)),
    )


def _lenient_decode(text: str) -> Any:
    """Parse what yyjson accepts and Python's json does not: trailing commas, NaN/Inf in any case."""
    constants: list[str] = []

    def rewrite(match: re.Match[str]) -> str:
        token = match.group(0)
        if token.startswith('"'):
            return token
        if token == ",":
            # a comma after a value only: '{,}' and '[1,,]' stay invalid, as in yyjson
            before = text[: match.start()].rstrip(" \t\r\n")[-1:]
            return "" if before not in ("{", "[", ",", ":") else token
        constants.append(token)
        return "NaN"

    return _decode(LENIENT_TOKEN.sub(rewrite, text), constants)


def _has_surrogate(value: Any) -> bool:
    if isinstance(value, str) and not isinstance(value, JsonNumber):
        return bool(SURROGATE.search(value))
    if isinstance(value, dict):
        return any(_has_surrogate(k) or _has_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_surrogate(v) for v in value)
    return False


def parse_json(text: str | None) -> Any:
    """The parsed value of text as DuckDB reads it, or ValueError when DuckDB's json_valid is false."""
    if text is None:
        return ValueError("no text")
    try:
        value = _decode(text)
    except ValueError as strict_error:
        try:
            value = _lenient_decode(text)
        except ValueError:
            return strict_error
    # \ud800 alone is no character: yyjson refuses it, Python's json would let it through
    return ValueError("lone UTF-16 surrogate") if _has_surrogate(value) else value


def judge_record(text: str | None, keys: list[str]) -> JudgedRecord:
    """The parse columns of one raw record for the given keys (matched case-sensitively)."""
    value = parse_json(text)
    if not isinstance(value, dict):
        return JudgedRecord(False, None, False, dict.fromkeys(keys))
    nested = [key for key in keys if isinstance(value.get(key), dict | list)]
    return JudgedRecord(
        is_valid_json=True,
        non_scalar_fields=", ".join(nested) or None,
        # as on DuckDB: only a key the project reads counts, as only its value is used
        has_duplicate_keys=bool(getattr(value, "duplicated_keys", frozenset()) & set(keys)),
        values={key: as_duckdb_text(value.get(key)) for key in keys},
    )
