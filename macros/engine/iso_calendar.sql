{# ISO 8601 week of year (weeks start on Monday; week 1 holds the year's first Thursday). #}
{% macro iso_week(column) %}
    {{ return(adapter.dispatch('iso_week', 'sparkify')(column)) }}
{% endmacro %}

{% macro default__iso_week(column) %}
    cast(extract(week from {{ column }}) as integer)
{% endmacro %}

{% macro spark__iso_week(column) %}
    weekofyear({{ column }})
{% endmacro %}

{# ISO 8601 day of week: 1 = Monday … 7 = Sunday. #}
{% macro iso_weekday(column) %}
    {{ return(adapter.dispatch('iso_weekday', 'sparkify')(column)) }}
{% endmacro %}

{% macro default__iso_weekday(column) %}
    cast(extract(isodow from {{ column }}) as integer)
{% endmacro %}

{% macro redshift__iso_weekday(column) %}
    {# Redshift's dow counts Sunday as 0 and has no isodow. #}
    cast(case when extract(dow from {{ column }}) = 0 then 7 else extract(dow from {{ column }}) end as integer)
{% endmacro %}

{% macro spark__iso_weekday(column) %}
    extract(dayofweek_iso from {{ column }})
{% endmacro %}
