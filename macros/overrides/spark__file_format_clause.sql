{#
    Spark: every table this project creates is parquet unless its config says otherwise. Spark 3
    (EMR 6 and 7) would otherwise create Hive text tables, which split text holding a line break
    into two rows; Spark 4 already defaults to parquet.
#}
{% macro spark__file_format_clause() %}
    {%- set file_format = config.get('file_format', validator=validation.any[basestring]) or 'parquet' %}
    using {{ file_format }}
{%- endmacro %}
