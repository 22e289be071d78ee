{#
    Make the next build ingest a raw file again, or drop it for good when it is gone from raw_data:
    its rows leave the base models, and the models built from ingestion batches are emptied, so the
    next build rebuilds them from the base models (reading no raw file but the forgotten one).
    `path` is the file's path below raw_data as stored in source_file, or a LIKE pattern:
        dbt run-operation forget_raw_file --args '{path: log_data/2018/11/2018-11-05-events.json}'
    A file that changed in place needs no operation: the next build sees its new size or
    modification time and replaces its rows by itself.
    All statements run in one transaction, opened by the first (Redshift and Postgres have none open
    in a run-operation until a statement begins one).
#}
{% macro forget_raw_file(path) %}
    {% if not execute %}
        {{ return('') }}
    {% endif %}
    {% set pattern = path | replace("'", "''") %}
    {% set base_relations = [] %}
    {% set derived_relations = [] %}
    {% for node in graph.nodes.values()
        if node.resource_type == 'model' and node.package_name == 'sparkify'
        and node.config.materialized == 'incremental' %}
        {% set relation = adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias) %}
        {% if relation is not none %}
            {% do (base_relations if node.name.startswith('base_') else derived_relations).append(relation) %}
        {% endif %}
    {% endfor %}
    {% call statement('forget_raw_file', auto_begin=True) %}
        {%- for relation in base_relations %}
        delete from {{ relation }} where source_file like '{{ pattern }}';
        {%- endfor %}
        {%- for relation in derived_relations %}
        delete from {{ relation }};
        {%- endfor %}
    {% endcall %}
    {% do adapter.commit() %}
    {{ log("Forgot raw file(s) matching " ~ path ~ "; the next build ingests them again (if present) and rebuilds the "
        ~ derived_relations | length ~ " models built from ingestion batches.", info=true) }}
{% endmacro %}
