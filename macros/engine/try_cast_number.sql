{#
    Raw text to a number, or null when the text is not one, so that a value of the wrong type becomes
    a quarantine reason instead of a failed build. `kind` is 'integer' (to bigint) or 'float' (to an
    8-byte float). dbt.safe_cast is a plain cast on most engines, hence these.
#}
{% macro try_cast_number(column, kind) %}
    {{ return(adapter.dispatch('try_cast_number', 'sparkify')(column, kind)) }}
{% endmacro %}

{% macro number_type(kind) -%}
    {{ dbt.type_bigint() if kind == 'integer' else sparkify.type_double() }}
{%- endmacro %}

{# Engines without try_cast: cast only text that has the shape of the number. #}
{% macro default__try_cast_number(column, kind) %}
    {%- set shape = '^[+-]?[0-9]+$' if kind == 'integer'
        else '^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$' -%}
    case
        when trim({{ column }}) ~ '{{ shape }}'
            then cast(trim({{ column }}) as {{ number_type(kind) }})
    end
{% endmacro %}

{% macro duckdb__try_cast_number(column, kind) %}
    try_cast({{ column }} as {{ number_type(kind) }})
{% endmacro %}

{% macro spark__try_cast_number(column, kind) %}
    try_cast({{ column }} as {{ number_type(kind) }})
{% endmacro %}
