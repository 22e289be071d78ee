{# Whether a regular expression matches somewhere in a text (not anchored unless the pattern is). #}
{% macro regexp_matches(text, pattern) %}
    {{ return(adapter.dispatch('regexp_matches', 'sparkify')(text, pattern)) }}
{% endmacro %}

{% macro default__regexp_matches(text, pattern) %}regexp_matches({{ text }}, {{ pattern }}){% endmacro %}

{% macro spark__regexp_matches(text, pattern) %}({{ text }} rlike {{ pattern }}){% endmacro %}

{% macro postgres__regexp_matches(text, pattern) %}({{ text }} ~ {{ pattern }}){% endmacro %}

{% macro redshift__regexp_matches(text, pattern) %}({{ text }} ~ {{ pattern }}){% endmacro %}
