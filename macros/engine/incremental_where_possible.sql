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
