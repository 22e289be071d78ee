{#
    Redshift versions of engine macros whose PostgreSQL version Redshift cannot run. dbt-redshift
    looks for redshift__, then postgres__, then default__, so every postgres__ macro of this project
    reaches Redshift too unless a redshift__ one stands in front of it.
#}

{# Redshift has no to_timestamp(double precision): epoch arithmetic, microseconds kept. #}
{% macro redshift__epoch_ms_to_timestamp(column) %}
    {{ sparkify.default__epoch_ms_to_timestamp(column) }}
{% endmacro %}

{#
    No byte-level string functions on Redshift (no convert_to / convert_from, no Latin-1 decoding
    of VARBYTE), so doubly encoded names are left as they are: plays of such songs stay unmatched
    on Redshift. docs/redshift.md lists this gap.
#}
{% macro redshift__undo_latin1_round(column) %}{{ column }}{% endmacro %}

{#
    dbt's hash casts to TEXT, which Redshift turns into VARCHAR(256): longer keys would be cut
    before hashing and give other ids than DuckDB and PostgreSQL.
#}
{% macro redshift__hash(field) -%}
    md5(cast({{ field }} as varchar(max)))
{%- endmacro %}

{#
    Redshift's CHR() knows only ASCII and returns null for 160, and a null trim set nulls the text:
    the characters are written into the literal instead (tab, line feed, carriage return, U+00A0).
#}
{% macro redshift__stray_whitespace() -%}
    {{ return("' \t\n\r\u00a0'") }}
{%- endmacro %}
