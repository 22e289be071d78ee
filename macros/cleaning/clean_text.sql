{#
    The characters stripped from both ends of raw text: space, tab, line feed, carriage return and
    the no-break space (U+00A0) that pads some real titles.
#}
{% macro stray_whitespace() -%}
    {{ return(adapter.dispatch('stray_whitespace', 'sparkify')()) }}
{%- endmacro %}

{% macro default__stray_whitespace() -%}
    ' ' || chr(9) || chr(10) || chr(13) || chr(160)
{%- endmacro %}

{# Trimmed text with empty strings turned into null: the one rule for every free-text raw field. #}
{% macro clean_text(column) %}
    nullif(trim(both {{ stray_whitespace() }} from {{ column }}), '')
{% endmacro %}

{# The key on which plays are matched to songs: trimmed and case-folded. #}
{% macro match_key(column) %}
    lower(trim(both {{ stray_whitespace() }} from {{ column }}))
{% endmacro %}

{#
    Redshift's CHR() knows only ASCII and returns null for 160, and a null trim set nulls the text:
    the characters are written into the literal instead (tab, line feed, carriage return, U+00A0).
#}
{% macro redshift__stray_whitespace() -%}
    {{ return("' \t\n\r\u00a0'") }}
{%- endmacro %}

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
