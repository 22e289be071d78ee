{#
    Spark: the same bound as every engine (newest value less the lookback window), written with an
    interval: dbt-spark's dateadd drops the milliseconds and asserts its argument is not null, which
    fails on a mart that is still empty.
#}
{% macro spark__incremental_lower_bound(column) %}
    (
        select
            coalesce(
                max({{ column }}) - interval {{ var('lookback_days') | int }} days,
                timestamp '1900-01-01 00:00:00'
            )
        from {{ this }}
    )
{% endmacro %}
