{#
    How the marts are stored, per engine. Called from the config() block at the top of each mart, so
    that one model serves every engine. Plain Spark (parquet, no Delta or Iceberg jars) cannot delete
    or merge by key; it can only append or overwrite whole partitions. See docs/spark.md.
#}

{# Storage format of a mart's files; none where the engine owns its storage. #}
{% macro mart_file_format() %}
    {{ return(adapter.dispatch('mart_file_format', 'sparkify')()) }}
{% endmacro %}

{% macro default__mart_file_format() %}
    {{ return(none) }}
{% endmacro %}

{% macro spark__mart_file_format() %}
    {{ return('parquet') }}
{% endmacro %}

{#
    Partition columns of a mart, as the data-lake generation laid them out (one folder per value,
    e.g. songplays/year=2018/month=11/). None where the engine does not partition tables.
#}
{% macro mart_partition_by(columns) %}
    {{ return(adapter.dispatch('mart_partition_by', 'sparkify')(columns)) }}
{% endmacro %}

{% macro default__mart_partition_by(columns) %}
    {{ return(none) }}
{% endmacro %}

{% macro spark__mart_partition_by(columns) %}
    {{ return(columns) }}
{% endmacro %}
