{#
    The raw keys of each record as text (lower-cased names, the same on every engine), beside
    raw_text, is_valid_json and decoding_error (why the text is not the file's bytes as they are,
    null on engines whose loaders read only clean files). Typing happens later, in staging, so that a value of the wrong type
    becomes a quarantine reason instead of a failed load.

    `records` is the relation read_new_raw_files gave: on DuckDB, Spark and Redshift one raw text per
    record, parsed here in SQL; on Postgres the loader computed the record columns already.
#}
{% macro parse_raw_records(records, keys) %}
    {{ return(adapter.dispatch('parse_raw_records', 'sparkify')(records, keys)) }}
{% endmacro %}

{#
    Postgres (and other engines reading loaded tables): the record columns come from the reader,
    sparkify-load-postgres computes them as DuckDB does (default__read_new_raw_files supplies COPY's
    implied values for a table without them).
#}
{% macro default__parse_raw_records(records, keys) %}
    select
        source_path,
        cast(line_number as {{ dbt.type_bigint() }}) as line_number,
        cast(raw_text as {{ dbt.type_string() }}) as raw_text,
        is_valid_json,
        cast(decoding_error as {{ dbt.type_string() }}) as decoding_error,
        file_size,
        file_modified_at,
        cast(non_scalar_fields as {{ dbt.type_string() }}) as non_scalar_fields,
        has_duplicate_keys,
        {%- for key in keys %}
        cast({{ key }} as {{ dbt.type_string() }}) as {{ key | lower }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ records }}
{% endmacro %}

{#
    Redshift: one raw text per record (redshift__read_new_raw_files), parsed here in SQL as on
    Spark. can_json_parse guards json_parse (which raises on text that is not JSON); the record is
    valid when it parses to an object. Each key's value is read from that SUPER value by name,
    after the table alias as the documentation's examples write it (case-sensitive: the pre-hook
    raw_json_session_setting turns enable_case_sensitive_identifier on): a string as its text, a
    number, boolean, array or object as its JSON text, JSON null as null. non_scalar_fields comes
    from json_typeof.

    Duplicate keys: JSON_PARSE refuses an object with a key written twice unless
    json_parse_dedup_attributes is on, and then keeps the last value without saying so. The
    pre-hook turns it on, so that such a record is still a valid object here, and a key the project
    reads counts as written twice when its quoted name followed by a colon appears twice after `{`
    or `,` in the raw text (in a string value the quote would be escaped, so never preceded by
    those). A key of the same name inside a nested object counts too (the record is quarantined as a
    duplicate instead of as not a single value); a key spelled with \u escapes is not counted.
#}
{% macro redshift__parse_raw_records(records, keys) %}
    select
        source_path,
        line_number,
        raw_text,
        is_valid_json,
        decoding_error,
        file_size,
        file_modified_at,
        case when is_valid_json then nullif(ltrim(
            {%- for key in keys %}
            case when json_typeof(judged_records.parsed."{{ key }}") in ('array', 'object') then ', {{ key }}' else '' end
            {{- " ||" if not loop.last }}
            {%- endfor %},
            ', '
        ), '') end as non_scalar_fields,
        coalesce(is_valid_json and (
            {%- for key in keys %}
            {{ sparkify.redshift_key_count('raw_text', key) }} > 1{{ " or" if not loop.last }}
            {%- endfor %}
        ), false) as has_duplicate_keys,
        {%- for key in keys %}
        case when is_valid_json then
            case json_typeof(judged_records.parsed."{{ key }}")
                when 'string' then cast(judged_records.parsed."{{ key }}" as varchar(max))
                when 'null' then null
                else json_serialize(judged_records.parsed."{{ key }}")
            end
        end as {{ key | lower }}{{ "," if not loop.last }}
        {%- endfor %}
    from (
        select
            *,
            coalesce(json_typeof(parsed) = 'object', false) as is_valid_json
        from (
            select
                *,
                case when can_json_parse(raw_text) then json_parse(raw_text) end as parsed
            from {{ records }}
        ) as parsed_records
    ) as judged_records
{% endmacro %}

{#
    How often a key is written as an object key in a JSON text: its quoted name and a colon after
    `{` or `,` (JSON whitespace between), which no string value holds unescaped. POSIX regex, the
    same on Redshift and Postgres (where pytests/test_redshift_raw_text.py runs it).
#}
{% macro redshift_key_count(text, key) -%}
    regexp_count({{ text }}, '[{,][[:space:]]*"{{ key }}"[[:space:]]*:')
{%- endmacro %}

{#
    Spark: one raw text per record (spark__read_new_raw_files), parsed here in SQL as DuckDB does, in
    two streaming passes per record: json_object_keys (null unless the text is a JSON object; every
    key as written, so a key written twice shows) and one json_tuple for every key's value (an array
    or object as its JSON text). The stricter variant parser (try_parse_json) runs only where those
    are lenient or cannot tell: on a record with a raw control character (Jackson takes one inside
    a string, DuckDB does not) and on a value whose text starts like an array or object (a string
    "[x]" is a string). Parsing every record into a variant measured about twice as slow.

    Both streaming parsers (and try_parse_json) stop at the end of the first object and ignore what
    follows it ({"a":1} x, {"a":1}{"b":2}); DuckDB refuses such a line. Valid flat JSON holds a `}`
    before its last one only inside a string or a nested value, so only a line whose single `}` is
    not its last character (the cheap test) is parsed again, wrapped twice: as [line] (a second
    value, or text, after the object makes the array fail or hold two elements; a `]` closes it
    early) and as {"k":line} (a `}` closes that early, anything else but a comma fails it).

    Jackson, under json_tuple, reads no string value over 20,000,000 characters (its
    StreamReadConstraints) under a key asked for (a value under another key is skipped unread,
    whatever its length): json_tuple then gives no field at all, while json_object_keys still lists
    the keys. Such a line is named in decoding_error, so it is quarantined for what it is rather
    than as an event without its fields (DuckDB loads it).
#}
{% macro spark__parse_raw_records(records, keys) %}
    select
        source_path,
        line_number,
        raw_text,
        is_valid_json,
        case
            when decoding_error is not null then decoding_error
            when
                length(raw_text) > 20000000 and is_valid_json and size(key_names_read) > 0
                and coalesce({% for key in keys %}field_{{ loop.index }}{{ ", " if not loop.last }}{% endfor %}) is null
                then 'a value over 20,000,000 characters, too long for the JSON functions of Spark'
        end as decoding_error,
        file_size,
        file_modified_at,
        case when is_valid_json then nullif(concat_ws(', '
            {%- for key in keys %},
            case
                when left(field_{{ loop.index }}, 1) in ('[', '{')
                    and schema_of_variant(variant_get(try_parse_json(raw_text), '$.{{ key }}')) rlike '^(ARRAY|OBJECT)'
                    then '{{ key }}'
            end
            {%- endfor %}
        ), '') end as non_scalar_fields,
        has_duplicate_keys,
        {%- for key in keys %}
        case when is_valid_json then field_{{ loop.index }} end as {{ key | lower }}{{ "," if not loop.last }}
        {%- endfor %}
    from (
        select
            *,
            -- as on DuckDB, only a key the project reads counts: only its value is used
            coalesce(size(key_names_read) > size(array_distinct(key_names_read)), false) as has_duplicate_keys,
            key_names is not null
            -- a raw control character is JSON only between tokens; the variant parser knows where
            -- (it refuses a key written twice, so such a record stays an object with duplicate keys)
            and (
                not raw_text rlike '[\\x00-\\x1f]'
                or try_parse_json(raw_text) is not null
                or size(key_names) > size(array_distinct(key_names))
            )
            -- nothing after the object: its one `}` ends the line, or both wrappings parse
            and (
                raw_text rlike '^[^}]*\\}\\s*$'
                or (
                    json_array_length(concat('[', raw_text, ']')) = 1
                    and json_object_keys(concat('{"k":', raw_text, '}')) is not null
                )
            ) as is_valid_json
        from (
            select
                *,
                filter(
                    key_names,
                    key_name -> key_name in ({% for key in keys %}'{{ key }}'{{ ", " if not loop.last }}{% endfor %})
                ) as key_names_read
            from (
                select *, json_object_keys(raw_text) as key_names from {{ records }}
            ) as listed_keys
        ) as keyed_records
    ) as judged_records
    lateral view outer json_tuple(
        raw_text, {% for key in keys %}'{{ key }}'{{ ", " if not loop.last }}{% endfor %}
    ) fields as {% for key in keys %}field_{{ loop.index }}{{ ", " if not loop.last }}{% endfor %}
{% endmacro %}

{#
    DuckDB: one JSON text per record. Most records are clean, a JSON object holding each key the
    warehouse reads exactly once, and json_transform_strict reads those in one vectorised pass.
    Only the others (not JSON, not an object, a key missing or written twice) take the slow path:
    validity, type, each key extracted, the key names listed. A key the warehouse does not read is
    ignored, even when written twice: its value is used nowhere.
#}
{% macro duckdb__parse_raw_records(records, keys) %}
    {%- set key_types -%}
        { {%- for key in keys %}"{{ key }}": "VARCHAR"{{ ", " if not loop.last }}{% endfor -%} }
    {%- endset %}
    select
        source_path,
        line_number,
        raw_text,
        is_valid_json,
        decoding_error,
        file_size,
        file_modified_at,
        nullif(concat_ws(', '
            {%- for key in keys %},
            -- nested: DuckDB evaluates both sides of an `and`, and a THEN only where its WHEN holds
            case
                when left({{ key | lower }}, 1) in ('[', '{')
                    then case when json_type(raw_text, '$."{{ key }}"') in ('ARRAY', 'OBJECT') then '{{ key }}' end
            end
            {%- endfor %}
        ), '') as non_scalar_fields,
        -- strict typing: a key written twice (which value counts would be the parser's whim) is
        -- quarantined; json_transform_strict refuses such a record, json_keys tells which it was
        coalesce(len(key_names_read) > len(list_distinct(key_names_read)), false) as has_duplicate_keys,
        {%- for key in keys %}
        {{ key | lower }}{{ "," if not loop.last }}
        {%- endfor %}
    from (
        select
            source_path,
            line_number,
            raw_text,
            decoding_error,
            file_size,
            file_modified_at,
            is_valid_json,
            {%- for key in keys %}
            case
                when clean_record is not null then clean_record."{{ key }}"
                when is_valid_json then json_extract_string(raw_text, '$."{{ key }}"')
            end as {{ key | lower }},
            {%- endfor %}
            case
                when clean_record is null and is_valid_json
                    then list_filter(
                        json_keys(raw_text),
                        lambda key_name: key_name in ({% for key in keys %}'{{ key }}'{{ ", " if not loop.last }}{% endfor %})
                    )
            end as key_names_read
        from (
            -- decided a level below its uses: json_type raises on text that is not JSON, and a
            -- THEN is evaluated only where its WHEN holds
            select
                *,
                clean_record is not null
                or coalesce(
                    case when json_valid(raw_text) then json_type(raw_text) = 'OBJECT' end,
                    false
                ) as is_valid_json
            from (
                select
                    *,
                    -- null (try) where the text is not a JSON object with each key exactly once
                    try(json_transform_strict(raw_text, '{{ key_types }}')) as clean_record
                from {{ records }}
            ) as read_cleanly
        ) as judged
    ) as extracted
{% endmacro %}
