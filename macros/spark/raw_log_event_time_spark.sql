{# Spark: the raw log table holds ts as text (see spark__stage_external_sources); freshness reads it. #}
{% macro spark__raw_log_event_time() %}
    {{ sparkify.epoch_ms_to_timestamp(sparkify.spark__safe_cast('ts', 'bigint')) }}
{% endmacro %}
