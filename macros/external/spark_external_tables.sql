{#
    Spark: one parquet table per landing table, over the batch files `sparkify-ingest` writes to its
    folder (<landing>/<table>/*.parquet; docs/spark.md). No partitions: a new batch is a new file in
    the folder. The columns are the yml's, not inferred from the files, so that a folder without a
    batch yet is an empty table and the timestamps are Spark's `timestamp` (inferred, pyarrow's
    would be `timestamp_ntz`).

    Idempotent: each run drops and recreates the definitions (never the files: the tables are
    external), so a changed `landing` is picked up, and refreshes them, so that a session that read
    them before (a Thrift Server, the tests) sees the batches landed since.
        dbt run-operation stage_external_sources [--args '{select: sparkify_landing.log_lines}']
#}
{% macro spark__stage_external_sources(select=none) %}
    {% for node in sparkify.external_source_nodes(select) | sort(attribute='unique_id') %}
        {% set relation = api.Relation.create(schema=node.schema, identifier=node.identifier) %}
        {% set ddl %}
            create table {{ relation }} (
                {%- for column in node.columns.values() %}
                `{{ column.name }}` {{ 'string' if column.data_type == 'varchar' else column.data_type }}
                {{- ',' if not loop.last }}
                {%- endfor %}
            )
            using {{ node.external.using }}
            location '{{ node.external.location }}'
        {% endset %}
        {% do run_query('create schema if not exists ' ~ node.schema) %}
        {% do run_query('drop table if exists ' ~ relation) %}
        {% do run_query(ddl) %}
        {% do run_query('refresh table ' ~ relation) %}
        {% do log('stage_external_sources: ' ~ relation ~ ' over ' ~ node.external.location, info=true) %}
        {# every batch writes a row here last: none means the ingester has not run on this landing #}
        {% if node.name == 'batches' and not run_query('select 1 from ' ~ relation ~ ' limit 1').rows %}
            {% do exceptions.raise_compiler_error(
                "stage_external_sources: no ingestion batch under " ~ node.external.location
                ~ ": run sparkify-ingest --landing <the landing var> first (docs/spark.md)") %}
        {% endif %}
    {% endfor %}
{% endmacro %}
