{#
    on-run-start of `dbt run`, `dbt build` and `dbt source freshness`: on DuckDB, ingest new raw
    files into the landing (one batch, by the sparkify_ingest plugin) before anything reads it, so
    that `dbt build` alone is enough and freshness is that of the raw data as it is now. Other
    engines run `sparkify-ingest` before dbt (docs/ingestion.md). A raw_data that cannot be read, or
    holds no file, stops the run here with the ingester's message; so does a raw_data other than the
    folder the warehouse holds, unless --full-refresh (replace it) or var add_raw_data (add to it).
#}
{% macro ingest_raw_data() %}
    {% if execute and flags.WHICH in ['run', 'build', 'freshness'] %}
        {% do adapter.dispatch('ingest_raw_data', 'sparkify')() %}
    {% endif %}
    {{ return('') }}
{% endmacro %}

{% macro default__ingest_raw_data() %}
{% endmacro %}

{% macro duckdb__ingest_raw_data() %}
    {% set summary = run_query(
        "select sparkify_ingest('" ~ var('raw_data') | replace("'", "''") ~ "', '"
        ~ var('landing') | replace("'", "''") ~ "', '"
        ~ ('replace' if flags.FULL_REFRESH else 'add' if var('add_raw_data', false) else 'same') ~ "')"
    ).columns[0].values()[0] %}
    {{ log("sparkify-ingest: " ~ summary, info=true) }}
{% endmacro %}
