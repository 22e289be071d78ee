{#
    `dbt run-operation stage_external_sources [--args "select: sparkify.log_data"]`: create or
    refresh what each engine needs to read the raw sources declared with an `external:` block
    (dbt-external-tables' format, without the package). Idempotent: run it before every build.
    `select` takes space-separated `source` or `source.table` names, as dbt-external-tables does.
#}
{% macro stage_external_sources(select=none) %}
    {{ return(adapter.dispatch('stage_external_sources', 'sparkify')(select)) }}
{% endmacro %}

{# Engines without external tables read raw tables their loader fills; nothing to create. #}
{% macro default__stage_external_sources(select=none) %}
    {% for node in sparkify.external_source_nodes(select) %}
        {% do log(
            'stage_external_sources: ' ~ node.source_name ~ '.' ~ node.name ~ ' on ' ~ target.type
            ~ ' is a raw table the loader fills; nothing to create', info=true
        ) %}
    {% endfor %}
{% endmacro %}

{# DuckDB reads the files in place through each source's external_location. #}
{% macro duckdb__stage_external_sources(select=none) %}
    {% for node in sparkify.external_source_nodes(select) %}
        {% do log(
            'stage_external_sources: nothing to create on DuckDB; ' ~ node.source_name ~ '.' ~ node.name
            ~ ' is read in place from ' ~ node.external.location, info=true
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
