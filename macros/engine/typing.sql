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

{#
    One rule on every engine: a value is a number only when its text has the number's shape. An
    integer is digits with an optional sign, never a fraction or an exponent ('1.5' or '1e3' in
    `ts` is quarantined, not rounded); a float is a decimal number with an optional exponent (not
    'nan' or 'inf'). The shapes are checked first, so a cast never fails and never rounds.
#}
{% macro number_shape(kind) -%}
    {{ return('^[+-]?[0-9]+$' if kind == 'integer'
        else '^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$') }}
{%- endmacro %}

{% macro default__try_cast_number(column, kind) %}
    case
        when trim({{ column }}) ~ '{{ sparkify.number_shape(kind) }}'
            then cast(trim({{ column }}) as {{ number_type(kind) }})
    end
{% endmacro %}

{#
    Postgres has no try_cast, and raw keys reach staging as text (the landing): an integer
    of the right shape beyond bigint's range would stop the build. It is null here, as DuckDB's
    try_cast makes it; the nested CASEs make sure the casts run only where their guard holds.
#}
{% macro postgres__try_cast_number(column, kind) %}
    {% if kind != 'integer' %}
        {{ return(sparkify.default__try_cast_number(column, kind)) }}
    {% endif %}
    case
        when trim({{ column }}) ~ '{{ sparkify.number_shape(kind) }}'
            then case
                -- at most 19 significant digits: the numeric cast below is then cheap and exact
                when length(ltrim(ltrim(trim({{ column }}), '+-'), '0')) <= 19
                    then case
                        when cast(trim({{ column }}) as numeric) between -9223372036854775808 and 9223372036854775807
                            then cast(trim({{ column }}) as {{ number_type(kind) }})
                    end
            end
    end
{% endmacro %}

{# try_cast still guards the cast: digits beyond bigint's range are null, not an error #}
{% macro duckdb__try_cast_number(column, kind) %}
    case
        when regexp_full_match(trim({{ column }}), '{{ sparkify.number_shape(kind) }}')
            then try_cast(trim({{ column }}) as {{ number_type(kind) }})
    end
{% endmacro %}

{% macro spark__try_cast_number(column, kind) %}
    case
        when trim({{ column }}) rlike '{{ sparkify.number_shape(kind) }}'
            then try_cast(trim({{ column }}) as {{ number_type(kind) }})
    end
{% endmacro %}

{# An 8-byte float on every engine (DuckDB's and Spark's `float` are only 4 bytes). #}
{% macro type_double() %}
    {{ return(adapter.dispatch('type_double', 'sparkify')()) }}
{% endmacro %}

{% macro default__type_double() %}double precision{% endmacro %}

{% macro spark__type_double() %}double{% endmacro %}

{# Epoch milliseconds (the events' `ts`) to a timestamp. #}
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
