{#
    dbt's hash casts to TEXT, which Redshift turns into VARCHAR(256): longer keys would be cut
    before hashing and give other ids than DuckDB and PostgreSQL.
#}
{% macro redshift__hash(field) -%}
    md5(cast({{ field }} as varchar(max)))
{%- endmacro %}
