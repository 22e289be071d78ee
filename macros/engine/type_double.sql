{# An 8-byte float on every engine (DuckDB's and Spark's `float` are only 4 bytes). #}
{% macro type_double() %}
    {{ return(adapter.dispatch('type_double', 'sparkify')()) }}
{% endmacro %}

{% macro default__type_double() %}double precision{% endmacro %}

{% macro spark__type_double() %}double{% endmacro %}
