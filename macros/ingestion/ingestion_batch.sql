{#
    The ingestion batch of a base model's rows: this dbt invocation, and when it started. Every
    incremental model downstream processes the rows whose ingested_at is newer than the newest it
    holds, whatever their event time, so a late file, a re-sent file or a model that failed last
    time is caught up by a plain build.
    replaces_earlier_ingestion marks the rows of a file that had been ingested before and changed:
    models downstream then rebuild from their inputs (reset_when_raw_files_replaced), because rows
    derived from the earlier content may have to disappear, which no upsert can say.
#}
{% macro ingestion_batch_columns() %}
    cast('{{ invocation_id }}' as {{ dbt.type_string() }}) as ingestion_batch_id,
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as {{ dbt.type_timestamp() }}) as ingested_at,
    {% if is_incremental() -%}
    source_file in (select ingested.source_file from {{ this }} as ingested) as replaces_earlier_ingestion
    {%- else -%}
    false as replaces_earlier_ingestion
    {%- endif %}
{% endmacro %}

{#
    The newest ingestion batch an incremental model has processed, as a one-row subquery; an empty
    model (or a full build) has processed none.
#}
{% macro ingestion_watermark() %}
    (
        select coalesce(max(ingested_at), cast('1900-01-01' as {{ dbt.type_timestamp() }}))
        from {{ this }}
    )
{% endmacro %}

{#
    pre-hook of every incremental model downstream of the base models: when a raw file was re-read
    because it changed (or was forgotten and ingested again) after this model's watermark, empty the
    model, so that this build recomputes it from its inputs. Rows derived from a file's earlier
    content may have to go, and only a rebuild knows which. New files never trigger it, nor do
    replaced files of a source the model is not built from.
    The same when a base model it is built from holds no row as old as this model's watermark: the
    base model was rebuilt (a --full-refresh killed before it reached this model, or one run with
    --select on the base models), so rows of files gone since may still be here.
    The same when the model's watermark is the start of time: forget_raw_file set it there to have
    this build recompute the model (on an empty model the delete is a no-op).
    Known cost: the watermark is the newest batch among the model's rows, so when the replaced
    file's new content gives this model no row at all, the reset repeats on each build until a
    batch that does arrives (correct, but a full recompute each time).
#}
{% macro reset_when_raw_files_replaced() %}
    {% if not (execute and is_incremental()) %}
        {{ return('') }}
    {% endif %}
    {# the base models this model is built from, found by walking its dependencies upward #}
    {% set base_relations = [] %}
    {% set seen = [] %}
    {% set frontier = model.depends_on.nodes | list %}
    {% for level in range(50) if frontier %}
        {% set next_frontier = [] %}
        {% for unique_id in frontier if unique_id not in seen and unique_id in graph.nodes %}
            {% do seen.append(unique_id) %}
            {% set node = graph.nodes[unique_id] %}
            {% if node.resource_type == 'model' and node.name.startswith('base_') %}
                {# built in this target, or (dbt build --defer) the production relation it defers to #}
                {% set built = adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias) %}
                {% set deferred = node.get('defer_relation') %}
                {% if built is not none %}
                    {% do base_relations.append(built) %}
                {% elif deferred %}
                    {% do base_relations.append(api.Relation.create(
                        database=deferred.database, schema=deferred.schema, identifier=deferred.alias)) %}
                {% endif %}
            {% else %}
                {% do next_frontier.extend(node.depends_on.nodes) %}
            {% endif %}
        {% endfor %}
        {% do frontier.clear() %}
        {% do frontier.extend(next_frontier) %}
    {% endfor %}
    {% if not base_relations %}
        {{ return('') }}
    {% endif %}
    delete from {{ this }}
    where exists (
        {%- for relation in base_relations %}
        select 1
        from {{ relation }} as ingested
        where
            ingested.replaces_earlier_ingestion
            and ingested.ingested_at > {{ sparkify.ingestion_watermark() }}
        {{ 'union all' if not loop.last }}
        {%- endfor %}
    )
    {%- for relation in base_relations %}
    {#- a base model whose every row is newer than this model's watermark was rebuilt since this
        model last ran (a --full-refresh killed before it reached this model): this model's rows
        come from rows that may be gone (a file deleted from raw_data) #}
    or (select min(rebuilt.ingested_at) from {{ relation }} as rebuilt) > {{ sparkify.ingestion_watermark() }}
    {%- endfor %}
    or {{ sparkify.ingestion_watermark() }} <= cast('1900-01-01' as {{ dbt.type_timestamp() }})
{% endmacro %}
