{# Trimmed text with empty strings turned into null: the one rule for every free-text raw field. #}
{% macro clean_text(column) %}
    nullif(trim({{ column }}), '')
{% endmacro %}

{# The key on which plays are matched to songs: trimmed and case-folded. #}
{% macro match_key(column) %}
    lower(trim({{ column }}))
{% endmacro %}
