{#
    The earliest event time an incremental build of this model still looks at: the newest value of
    `column` already in the model, less the lookback window. Rows of an empty model all qualify.
#}
{% macro incremental_lower_bound(column) %}
    {{ return(adapter.dispatch('incremental_lower_bound', 'sparkify')(column)) }}
{% endmacro %}

{% macro default__incremental_lower_bound(column) %}
    (
        select
            coalesce(
                {{ dbt.dateadd('day', -1 * var('lookback_days') | int, 'max(' ~ column ~ ')') }},
                cast('1900-01-01' as {{ dbt.type_timestamp() }})
            )
        from {{ this }}
    )
{% endmacro %}
