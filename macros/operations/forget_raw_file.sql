{#
    Make the next build ingest a raw file again, or drop it for good when it is gone from raw_data:
    its rows leave the base models, and the models built from ingestion batches are emptied, so the
    next build rebuilds them from the base models (reading no raw file but the forgotten one).
    `path` is the file's path below raw_data as stored in source_file, or a LIKE pattern:
        dbt run-operation forget_raw_file --args '{path: log_data/2018/11/2018-11-05-events.json}'
    A file that changed in place needs no operation: the next build sees its new size or
    modification time and replaces its rows by itself.
    Where a load step copies raw files into tables (Redshift's COPY path), the file leaves those
    too, so that the next load copies it again (forget_raw_file_loads).
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
    {% set loads = sparkify.forget_raw_file_loads(pattern) %}
    {% if not (base_relations or derived_relations or loads) %}
        {{ log("forget_raw_file: nothing built or loaded yet, nothing to forget", info=true) }}
        {{ return('') }}
    {% endif %}
    {% call statement('forget_raw_file', auto_begin=True) %}
        {%- for relation in base_relations %}
        delete from {{ relation }} where source_file like '{{ pattern }}';
        {%- endfor %}
        {%- for relation in derived_relations %}
        delete from {{ relation }};
        {%- endfor %}
        {%- for sql in loads %}
        {{ sql }};
        {%- endfor %}
    {% endcall %}
    {% do adapter.commit() %}
    {{ log("Forgot raw file(s) matching " ~ path ~ "; the next build ingests them again (if present) and rebuilds the "
        ~ derived_relations | length ~ " models built from ingestion batches.", info=true) }}
{% endmacro %}

{#
    The statements that make a load step forget the files matching `pattern` (quotes escaped), run in
    forget_raw_file's transaction. Engines that read raw files in place, or whose loader is outside
    dbt, have none.
#}
{% macro forget_raw_file_loads(pattern) %}
    {{ return(adapter.dispatch('forget_raw_file_loads', 'sparkify')(pattern)) }}
{% endmacro %}

{% macro default__forget_raw_file_loads(pattern) %}
    {{ return([]) }}
{% endmacro %}
