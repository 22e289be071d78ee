{#
    The event time of a raw log record as the source relation holds it, for source freshness.
    DuckDB's log source is raw text lines; elsewhere ts is a column.
#}
{% macro raw_log_event_time() %}
    {{ return(adapter.dispatch('raw_log_event_time', 'sparkify')()) }}
{% endmacro %}

{% macro default__raw_log_event_time() %}
    {{ sparkify.epoch_ms_to_timestamp('ts') }}
{% endmacro %}

{% macro duckdb__raw_log_event_time() %}
    {# malformed lines have no time; they must not stop the freshness check #}
    {{ sparkify.epoch_ms_to_timestamp(
        "case when json_valid(raw_line) then try_cast(json_extract_string(raw_line, '$.ts') as bigint) end"
    ) }}
{% endmacro %}

{#
    Spark: the raw log table holds each line as text (see spark__stage_external_sources); ts is
    read from it, and a line that is not JSON has none (get_json_object gives null, never raises).
#}
{% macro spark__raw_log_event_time() %}
    {{ sparkify.epoch_ms_to_timestamp(sparkify.spark__safe_cast("get_json_object(value, '$.ts')", 'bigint')) }}
{% endmacro %}

{#
    Redshift: both raw paths hold each line as text (macros/redshift/raw_text_lines.sql). ts is read
    from the text (null_if_invalid: a line that is not JSON has none), as an integer only when its
    text has an integer's shape.
#}
{% macro redshift__raw_log_event_time() %}
    {{ sparkify.epoch_ms_to_timestamp(
        sparkify.try_cast_number("json_extract_path_text(raw_line, 'ts', true)", 'integer')
    ) }}
{% endmacro %}
