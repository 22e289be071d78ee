{#
    dbt run-operation load_landing --vars '{redshift_raw_path: copy, landing: s3://...}'

    COPY the landing's new batches (var landing, the s3:// prefix sparkify-ingest writes to) into
    tables of the same names and columns in the sources' schema (var landing_schema), FORMAT AS
    PARQUET, read with the role in var iam_role: the landing as Redshift tables, for clusters that
    load instead of reading S3 on every build (Spectrum: stage_external_sources).

    Which batches are new: COPY of <landing>/batches/ into a temporary table lists the batches the
    ingester finished (it writes a batch's batches file last), less those already in the loaded
    `batches` table. Each new batch, in id order (ids sort by time), in one transaction: one COPY
    per table of <landing>/<table>/<batch id>.parquet, `batches` last, so a batch lands whole or not
    at all, and a batch in `batches` is never copied again; a run repeated or resumed after a
    failure loads only what is missing.

    COPY from parquet fails the whole COPY on any error (no MAXERROR), fills the table's columns by
    position (the source's columns, in the ingester's order), fails on a string over the column's
    65535 bytes and on a file that is not there: every batch needs a file for every table.
#}
{% macro load_landing() %}
    {% if target.type != 'redshift' %}
        {% do exceptions.raise_compiler_error(
            "load_landing COPYs the landing into Redshift (this target is '" ~ target.type ~ "'); DuckDB,"
            ~ " Spark and PostgreSQL read the landing as sparkify-ingest writes it (docs/ingestion.md)"
        ) %}
    {% endif %}
    {% if not execute %}{{ return(none) }}{% endif %}
    {% if var('redshift_raw_path', 'spectrum') != 'copy' %}
        {% do exceptions.raise_compiler_error(
            "load_landing: redshift_raw_path is 'spectrum', so the sources read Spectrum's external tables"
            ~ " (stage_external_sources); pass --vars '{redshift_raw_path: copy}' to load_landing and dbt build"
        ) %}
    {% endif %}
    {% set nodes = sparkify.external_source_nodes('sparkify_landing') %}
    {# batches last: a batch is listed as loaded only with all its rows #}
    {% set nodes = (nodes | rejectattr('name', 'equalto', 'batches') | list)
        + (nodes | selectattr('name', 'equalto', 'batches') | list) %}
    {% do sparkify.redshift_check_landing_settings(nodes) %}
    {% set batches = nodes[-1] %}
    {% set credentials = " iam_role '" ~ var('iam_role') ~ "' format as parquet" %}

    {% do run_query('create schema if not exists ' ~ adapter.quote(batches.schema)) %}
    {% for node in nodes %}
        {% if var('ext_full_refresh', false) %}
            {% do run_query('drop table if exists ' ~ source(node.source_name, node.name)) %}
        {% endif %}
        {% do run_query(
            'create table if not exists ' ~ source(node.source_name, node.name)
            ~ ' (' ~ sparkify.redshift_landing_columns(node) ~ ')'
        ) %}
    {% endfor %}
    {% do run_query('drop table if exists sparkify_landing_batches') %}
    {% do run_query('create temporary table sparkify_landing_batches (' ~ sparkify.redshift_landing_columns(batches) ~ ')') %}
    {% do run_query("copy sparkify_landing_batches from '" ~ batches.external.location ~ "'" ~ credentials) %}
    {% set listed = run_query('select landing_batch_id from sparkify_landing_batches').columns[0].values() %}
    {% set loaded = run_query(
        'select landing_batch_id from ' ~ source(batches.source_name, batches.name)
    ).columns[0].values() %}
    {% set new_batches = listed | reject('in', loaded) | unique | sort | list %}
    {{ log('load_landing: ' ~ listed | length ~ ' batches in ' ~ var('landing') ~ ', ' ~ new_batches | length
        ~ ' not loaded yet', info=true) }}

    {% for batch in new_batches %}
        {{ log('load_landing: ' ~ loop.index ~ '/' ~ loop.length ~ ' batch ' ~ batch, info=true) }}
        {% set copies = [] %}
        {% for node in nodes %}
            {% do copies.append(
                'copy ' ~ source(node.source_name, node.name) ~ " from '" ~ node.external.location.rstrip('/')
                ~ '/' ~ batch | replace("'", "''") ~ ".parquet'" ~ credentials
            ) %}
        {% endfor %}
        {% do sparkify.run_in_one_transaction('load_landing_batch', copies) %}
    {% endfor %}
{% endmacro %}
