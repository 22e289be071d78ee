{#
    `dbt run-operation stage_external_sources [--args "select: sparkify_landing.log_lines"]`: create or
    refresh what each engine needs to read the landing sources declared with an `external:` block
    (dbt-external-tables' format, without the package). Idempotent: run it before every build.
    `select` takes space-separated `source` or `source.table` names, as dbt-external-tables does.
#}
{% macro stage_external_sources(select=none) %}
    {{ return(adapter.dispatch('stage_external_sources', 'sparkify')(select)) }}
{% endmacro %}

{# DuckDB reads the landing in place (external_location); Postgres reads the tables sparkify-ingest fills. #}
{% macro default__stage_external_sources(select=none) %}
    {% for node in sparkify.external_source_nodes(select) %}
        {% do log(
            'stage_external_sources: nothing to create on ' ~ target.type ~ ' for ' ~ node.source_name
            ~ '.' ~ node.name, info=true
        ) %}
    {% endfor %}
{% endmacro %}

{# The source nodes that carry an external location, narrowed by `select`. #}
{% macro external_source_nodes(select=none) %}
    {% set wanted = (select or '').split() %}
    {% set nodes = [] %}
    {% for node in graph.sources.values() if node.external and node.external.location %}
        {% set full_name = node.source_name ~ '.' ~ node.name %}
        {% if not wanted or node.source_name in wanted or full_name in wanted %}
            {% do nodes.append(node) %}
        {% endif %}
    {% endfor %}
    {% if wanted and not nodes %}
        {% do exceptions.raise_compiler_error(
            "stage_external_sources: select '" ~ select ~ "' matches no source with an external location"
        ) %}
    {% endif %}
    {{ return(nodes) }}
{% endmacro %}
