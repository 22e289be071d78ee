{#
    Spark: dbt-spark's safe_cast is a plain cast (with ANSI mode off, which dbt-spark forces), and
    that truncates '1.5' to 1 where every other engine rounds or refuses. try_cast is strict; integer
    types also accept what DuckDB's cast accepts (decimals and exponents, rounded half away from
    zero), so that a raw value is judged the same on every engine.
#}
{% macro spark__safe_cast(field, type) %}
    {%- if type | lower | trim in ['bigint', 'int', 'integer', 'smallint', 'tinyint', 'long'] -%}
        coalesce(
            try_cast({{ field }} as {{ type }}),
            try_cast(round(try_cast({{ field }} as decimal(38, 10))) as {{ type }})
        )
    {%- else -%}
        try_cast({{ field }} as {{ type }})
    {%- endif -%}
{% endmacro %}
