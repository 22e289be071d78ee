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
