{#
    Spark: the raw source is a `using json` table (see spark__stage_external_sources) whose columns
    are the raw keys as strings plus `_corrupt_record`, the text of a line or file that is not a JSON
    object. Keys come out lower-cased, like every engine's. The file comes from input_file_name(),
    a full URI (file:/…, s3://…). Spark does not expose line numbers of JSON records, so line_number is
    null, and raw_text is kept only for records that are not JSON objects.
#}
{% macro spark__parse_raw_records(source_relation, keys, text_column) %}
    select
        input_file_name() as source_file,
        cast(null as bigint) as line_number,
        _corrupt_record as raw_text,
        _corrupt_record is null as is_valid_json,
        {%- for key in keys %}
        case when _corrupt_record is null then `{{ key }}` end as {{ key | lower }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ source_relation }}
{% endmacro %}
