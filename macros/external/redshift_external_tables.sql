{#
    Redshift Spectrum: the landing's parquet files read in place (dbt-external-tables' layout: each
    external table sits at its source's relation, in the external schema the source names).

    With var redshift_raw_path = 'spectrum' (the default) this creates the source's external schema
    from the data catalog database var('spectrum_database') with the IAM role var('iam_role'), then
    one external table per landing table, `stored as parquet` over its folder <landing>/<table>/.
    No partitions: a batch is a new file in the folder, which the next query reads, so nothing has
    to be registered after sparkify-ingest. Each table is dropped and made again on every run (an
    external table is only a catalog entry, and its files stay), so a new landing column or another
    var landing never leaves a table stale.
    With redshift_raw_path = 'copy' the landing is COPY-loaded (load_landing) and nothing is created.
#}
{% macro redshift__stage_external_sources(select=none) %}
    {% set mode = var('redshift_raw_path', 'spectrum') %}
    {% if mode not in ['spectrum', 'copy'] %}
        {% do exceptions.raise_compiler_error(
            "var redshift_raw_path must be 'spectrum' or 'copy', got '" ~ mode ~ "'"
        ) %}
    {% endif %}
    {% set nodes = sparkify.external_source_nodes(select) %}
    {% if mode == 'copy' %}
        {% do log("stage_external_sources: redshift_raw_path is 'copy': the landing is COPY-loaded (load_landing), no external tables to create", info=true) %}
        {{ return(none) }}
    {% endif %}
    {% do sparkify.redshift_check_landing_settings(nodes) %}
    {% if target.get('autocommit') is false %}
        {% do exceptions.raise_compiler_error(
            "stage_external_sources needs autocommit: true in the redshift profile: "
            ~ "CREATE EXTERNAL TABLE cannot run inside a transaction block"
        ) %}
    {% endif %}

    {# run_query begins no transaction, and autocommit commits each statement on its own #}
    {% for schema in nodes | map(attribute='schema') | unique %}
        {% do log('stage_external_sources: external schema ' ~ schema, info=true) %}
        {% do run_query(
            "create external schema if not exists " ~ schema ~ " from data catalog database '"
            ~ var('spectrum_database', 'sparkify') ~ "' iam_role '" ~ var('iam_role')
            ~ "' create external database if not exists"
        ) %}
    {% endfor %}
    {% for node in nodes %}
        {% set relation = source(node.source_name, node.name).include(database=false) %}
        {% do log('stage_external_sources: ' ~ relation ~ ' over ' ~ node.external.location, info=true) %}
        {% do run_query('drop table if exists ' ~ relation) %}
        {#
            The landing's strings are checked at 65535 bytes: a longer value fails the query
            (surplus_char_handling FAIL) instead of Spectrum's default, which quietly nulls it.
        #}
        {% set ddl %}
create external table {{ relation }} ({{ sparkify.redshift_landing_columns(node) }}
)
stored as parquet
location '{{ node.external.location }}'
table properties ('data_cleansing_enabled'='true', 'surplus_char_handling'='FAIL')
        {% endset %}
        {% do run_query(ddl) %}
    {% endfor %}
{% endmacro %}

{# Fail before touching the cluster when what Redshift reads the landing with is missing or wrong. #}
{% macro redshift_check_landing_settings(nodes) %}
    {% if not (var('iam_role', '') | string).startswith('arn:') %}
        {% do exceptions.raise_compiler_error(
            "Redshift reads the landing from S3 with an IAM role: set SPARKIFY_REDSHIFT_IAM_ROLE or "
            ~ "--vars '{iam_role: arn:aws:iam::<account>:role/<name>}' (got '" ~ var('iam_role', '') ~ "')"
        ) %}
    {% endif %}
    {% for node in nodes if not node.external.location.startswith('s3://') %}
        {% do exceptions.raise_compiler_error(
            "Redshift reads the landing only from S3: " ~ node.source_name ~ '.' ~ node.name ~ " has location '"
            ~ node.external.location ~ "' (set var landing to the s3:// prefix sparkify-ingest writes to)"
        ) %}
    {% endfor %}
{% endmacro %}

{#
    A landing table's columns as DDL, from the source's columns in the order the ingester writes
    them (COPY from parquet fills columns by position). A bare varchar is 256 bytes on Redshift:
    landing text gets the longest Redshift has, 65535 bytes.
#}
{% macro redshift_landing_columns(node) %}
    {%- for column in node.columns.values() %}
    {%- if not column.data_type %}
        {% do exceptions.raise_compiler_error(
            node.source_name ~ '.' ~ node.name ~ '.' ~ column.name ~ ' has no data_type: Redshift needs one for the landing table'
        ) %}
    {%- endif %}
    {{ adapter.quote(column.name) }} {{ 'varchar(65535)' if column.data_type | lower == 'varchar' else column.data_type }}{{ ',' if not loop.last }}
    {%- endfor %}
{% endmacro %}
