{#
    Materialization of every model built from ingestion batches: `incremental` where the engine can
    delete rows by key (DuckDB, Postgres, Redshift); `table` on Spark, whose plain parquet tables can
    only append or overwrite (docs/spark.md): there every build recomputes them whole, which is
    equal to a full refresh by construction.
#}
{% macro incremental_where_possible() %}
    {{ return(adapter.dispatch('incremental_where_possible', 'sparkify')()) }}
{% endmacro %}

{% macro default__incremental_where_possible() %}
    {{ return('incremental') }}
{% endmacro %}

{% macro spark__incremental_where_possible() %}
    {{ return('table') }}
{% endmacro %}

{#
    Incremental strategy of a model that must never be rebuilt (full_refresh=false, the record of
    ingested files): replace rows by key where the engine can delete (delete+insert); on Spark,
    whose plain parquet tables can only append or overwrite, append, and the model then adds only
    keys it does not hold yet.
#}
{% macro replace_by_key_where_possible() %}
    {{ return(adapter.dispatch('replace_by_key_where_possible', 'sparkify')()) }}
{% endmacro %}

{% macro default__replace_by_key_where_possible() %}
    {{ return('delete+insert') }}
{% endmacro %}

{% macro spark__replace_by_key_where_possible() %}
    {{ return('append') }}
{% endmacro %}

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
