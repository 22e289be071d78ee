{#
    Turn a raw source relation into one row per input record with every key as text, plus
    source_file, line_number (where the engine can see it), raw_text (the record as read, where the
    engine can see it) and is_valid_json.
    Typing happens afterwards in staging, so that a value of the wrong type becomes a quarantine
    reason instead of a failed load.

    DuckDB reads the files in place: log_data arrives as one text line per row (filename, raw_line,
    ordinality), song_data as one whole file per row (filename, content, ordinality). Keys come out lower-cased, unquoted,
    so that staging reads the same names on every engine. Warehouse engines hold the raw JSON
    already split into columns by their loader (COPY, Spectrum's SerDe, Spark's JSON reader).
#}
{% macro parse_raw_records(source_relation, keys, text_column) %}
    {{ return(adapter.dispatch('parse_raw_records', 'sparkify')(source_relation, keys, text_column)) }}
{% endmacro %}

{% macro default__parse_raw_records(source_relation, keys, text_column) %}
    select
        source_file,
        cast(null as {{ dbt.type_bigint() }}) as line_number,
        cast(null as {{ dbt.type_string() }}) as raw_text,
        true as is_valid_json,
        {%- for key in keys %}
        cast({{ key }} as {{ dbt.type_string() }}) as {{ key | lower }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ source_relation }}
{% endmacro %}

{% macro duckdb__parse_raw_records(source_relation, keys, text_column) %}
    select
        source_file,
        line_number,
        raw_text,
        is_valid_json,
        {%- for key in keys %}
        fields[{{ loop.index }}] as {{ key | lower }}{{ "," if not loop.last }}
        {%- endfor %}
    from (
        select
            filename as source_file,
            ordinality - min(ordinality) over (partition by filename) + 1 as line_number,
            {{ text_column }} as raw_text,
            coalesce(
                case when json_valid({{ text_column }}) then json_type({{ text_column }}) = 'OBJECT' end,
                false
            ) as is_valid_json,
            case
                when json_valid({{ text_column }}) and json_type({{ text_column }}) = 'OBJECT'
                    then json_extract_string(
                        {{ text_column }},
                        [{% for key in keys %}'$."{{ key }}"'{{ ", " if not loop.last }}{% endfor %}]
                    )
            end as fields
        from {{ source_relation }}
    ) as extracted
{% endmacro %}
