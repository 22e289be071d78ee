{# A few real artist locations are HTML links; keep their text, drop the markup. #}
{% macro strip_html_tags(column) %}
    {{ return(adapter.dispatch('strip_html_tags', 'sparkify')(column)) }}
{% endmacro %}

{% macro default__strip_html_tags(column) %}
    regexp_replace({{ column }}, '<[^>]+>', '', 'g')
{% endmacro %}

{% macro redshift__strip_html_tags(column) %}
    regexp_replace({{ column }}, '<[^>]+>', '')
{% endmacro %}

{% macro spark__strip_html_tags(column) %}
    regexp_replace({{ column }}, '<[^>]+>', '')
{% endmacro %}
