"""Each raw record judged and its keys extracted, in DuckDB's vectorised JSON functions: the one
place a record is judged, for every engine (the landing carries the result).

- is_valid_json: the text is a JSON object as DuckDB's reader (yyjson) takes it;
- the keys' values as json_extract_string gives them (strings unescaped, numbers as written by
  yyjson, arrays and objects as compact JSON), a key written twice giving its first value;
- non_scalar_fields: the keys holding an array or object;
- has_duplicate_keys: a key the project reads appears twice (a key not read is ignored);
- non_finite_fields: the keys holding a number beyond a double's range (1e400), which no engine
  can store as a number: their value is left null, and the warehouse quarantines the record.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pyarrow as pa


def _quoted(key: str) -> str:
    return "'" + key.replace("'", "''") + "'"


def judge_sql(relation: str, keys: list[str]) -> str:
    """The judged records of `relation` (as judge_records takes them), for one batch (parameters)."""
    key_types = "{" + ", ".join(f'"{key}": "VARCHAR"' for key in keys) + "}"
    extracted = ",\n".join(
        f'case when clean_record is not null then clean_record."{key}"'
        f' when is_valid_json then json_extract_string(raw_text, \'$."{key}"\') end as "{key.lower()}"'
        for key in keys
    )
    # a THEN is evaluated only where its WHEN holds: json_type raises on text that is not JSON
    non_scalar = ", ".join(
        f"""case when left("{key.lower()}", 1) in ('[', '{{')
            then case when json_type(raw_text, '$."{key}"') in ('ARRAY', 'OBJECT') then '{key}' end end"""
        for key in keys
    )
    not_finite = {
        key: f"""coalesce(regexp_full_match("{key.lower()}", '-?[0-9]+([.][0-9]+)?([eE][+-]?[0-9]+)?')
            and isinf(try_cast("{key.lower()}" as double)), false)"""
        for key in keys
    }
    non_finite = ", ".join(f"case when {test} then '{key}' end" for key, test in not_finite.items())
    # such a value is no value any engine can hold: non_finite_fields names its key instead
    values = ", ".join(
        f'case when not {test} then "{key.lower()}" end as "{key.lower()}"'
        for key, test in not_finite.items()
    )
    key_list = ", ".join(_quoted(key) for key in keys)
    return f"""
        select
            ?::varchar as landing_batch_id,
            ?::timestamp as landed_at,
            source_file,
            file_size,
            file_modified_at,
            line_number,
            raw_text,
            decoding_error,
            is_valid_json,
            nullif(concat_ws(', ', {non_scalar}), '') as non_scalar_fields,
            coalesce(len(key_names_read) > len(list_distinct(key_names_read)), false) as has_duplicate_keys,
            nullif(concat_ws(', ', {non_finite}), '') as non_finite_fields,
            {values}
        from (
            select
                *,
                {extracted},
                case
                    when clean_record is null and is_valid_json
                        then list_filter(json_keys(raw_text), lambda key_name: key_name in ({key_list}))
                end as key_names_read
            from (
                select
                    *,
                    clean_record is not null
                    or coalesce(
                        case when json_valid(raw_text) then json_type(raw_text) = 'OBJECT' end, false
                    ) as is_valid_json
                from (
                    -- null where the text is not a JSON object with each key exactly once
                    select *, try(json_transform_strict(raw_text, '{key_types}')) as clean_record
                    from {relation}
                ) as read_cleanly
            ) as judged
        ) as extracted
    """


def judge_records(
    con: duckdb.DuckDBPyConnection, records: pa.Table, keys: list[str], batch: tuple[str, dt.datetime]
) -> pa.Table:
    """records: source_file, file_size, file_modified_at, line_number, raw_text, decoding_error;
    the judged records of a batch come back with the columns of the landing tables, in order."""
    con.register("raw_records", records)
    try:
        return con.execute(judge_sql("raw_records", keys), list(batch)).to_arrow_table()
    finally:
        con.unregister("raw_records")
