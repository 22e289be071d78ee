{#
    How the marts are stored, per engine. Called from the config() block at the top of each mart, so
    that one model serves every engine. Plain Spark (parquet, no Delta or Iceberg jars) cannot delete
    or merge by key; it can only append or overwrite whole partitions. See docs/spark.md.
#}

{#
    Incremental strategy of a mart whose incremental query returns only rows not loaded yet
    (songplays, time). Spark: append, which adds files to the partitions those rows fall in and never
    rewrites what is there; exactly what delete+insert does on other engines when no key repeats.
#}
{% macro mart_incremental_strategy() %}
    {{ return(adapter.dispatch('mart_incremental_strategy', 'sparkify')()) }}
{% endmacro %}

{% macro default__mart_incremental_strategy() %}
    {{ return('delete+insert') }}
{% endmacro %}

{% macro spark__mart_incremental_strategy() %}
    {{ return('append') }}
{% endmacro %}

{#
    Materialization of a mart whose incremental query returns only new or changed rows by key
    (users, songs, artists): such rows cannot replace whole partitions, so on Spark these marts are
    rebuilt whole on every run (they are the small dimensions).
#}
{% macro keyed_mart_materialization() %}
    {{ return(adapter.dispatch('keyed_mart_materialization', 'sparkify')()) }}
{% endmacro %}

{% macro default__keyed_mart_materialization() %}
    {{ return('incremental') }}
{% endmacro %}

{% macro spark__keyed_mart_materialization() %}
    {{ return('table') }}
{% endmacro %}

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
