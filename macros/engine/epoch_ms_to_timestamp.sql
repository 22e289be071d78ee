{% macro epoch_ms_to_timestamp(column) %}
    {{ return(adapter.dispatch('epoch_ms_to_timestamp', 'sparkify')(column)) }}
{% endmacro %}

{# A UTC timestamp without time zone, millisecond precision kept. #}
{% macro default__epoch_ms_to_timestamp(column) %}
    cast(timestamp 'epoch' + {{ column }} / 1000.0 * interval '1 second' as timestamp)
{% endmacro %}

{% macro duckdb__epoch_ms_to_timestamp(column) %}
    make_timestamp({{ column }} * 1000)
{% endmacro %}

{% macro postgres__epoch_ms_to_timestamp(column) %}
    (to_timestamp({{ column }} / 1000.0) at time zone 'UTC')
{% endmacro %}

{% macro spark__epoch_ms_to_timestamp(column) %}
    timestamp_millis({{ column }})
{% endmacro %}

{# Redshift has no to_timestamp(double precision): epoch arithmetic, microseconds kept. #}
{% macro redshift__epoch_ms_to_timestamp(column) %}
    {{ sparkify.default__epoch_ms_to_timestamp(column) }}
{% endmacro %}
