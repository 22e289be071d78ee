{#
    Redshift: raw data read in place from S3 through Spectrum (dbt-external-tables' layout: each
    external table sits at its source's relation, in the external schema the source names).

    With var redshift_raw_path = 'spectrum' (the default) this creates, idempotently:
      1. the source's external schema from the data catalog database var('spectrum_database'),
         with the IAM role var('iam_role');
      2. one external table per source over its S3 location, each line as text (created when
         missing, or dropped and recreated with --vars '{ext_full_refresh: true}': needed once
         after upgrading from the JSON SerDe tables);
      3. the source's partitions (log_data: year/month folders), ALTER TABLE ADD IF NOT EXISTS.
    The base models read Spectrum's "$path" as source_file and parse each line
    (redshift__read_new_raw_files, redshift__parse_raw_records).
    With redshift_raw_path = 'copy' the raw tables are COPY-loaded (issue 4) and nothing is created.
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
        {% do log("stage_external_sources: redshift_raw_path is 'copy': raw tables are COPY-loaded, no external tables to create", info=true) %}
        {{ return(none) }}
    {% endif %}

    {% do sparkify.redshift_check_spectrum_settings(nodes) %}

    {% set schemas = nodes | map(attribute='schema') | unique | list %}
    {% for schema in schemas %}
        {% do sparkify.redshift_run_outside_transaction(
            'external schema ' ~ schema, sparkify.redshift_create_external_schema_sql(schema)
        ) %}
    {% endfor %}

    {% for node in nodes %}
        {% set label = loop.index ~ ' of ' ~ loop.length ~ ' ' ~ node.schema ~ '.' ~ node.identifier %}
        {% set existing = sparkify.redshift_existing_external_tables(node.schema, text_lines_only=true) %}
        {% set plan = [] %}
        {# a table of another shape (the JSON SerDe tables of earlier versions) is made again #}
        {% if var('ext_full_refresh', false) or node.identifier | lower not in existing %}
            {% do plan.append(sparkify.redshift_drop_external_table_sql(node)) %}
            {% do plan.append(sparkify.redshift_create_external_table_sql(node)) %}
        {% endif %}
        {% do plan.extend(sparkify.redshift_add_partitions_sql(node)) %}
        {% for statement in plan %}
            {% do sparkify.redshift_run_outside_transaction(label ~ ' (' ~ loop.index ~ '/' ~ loop.length ~ ')', statement) %}
        {% endfor %}
    {% endfor %}
{% endmacro %}

{# Fail before touching the cluster when a setting Spectrum needs is missing or wrong. #}
{% macro redshift_check_spectrum_settings(nodes) %}
    {% if not var('iam_role', '') %}
        {% do exceptions.raise_compiler_error(
            "stage_external_sources on Redshift needs the IAM role Spectrum reads S3 with: set "
            ~ "SPARKIFY_REDSHIFT_IAM_ROLE or --vars '{iam_role: arn:aws:iam::<account>:role/<name>}'"
        ) %}
    {% endif %}
    {% if target.get('autocommit') is false %}
        {% do exceptions.raise_compiler_error(
            "stage_external_sources needs autocommit: true in the redshift profile: "
            ~ "CREATE EXTERNAL TABLE cannot run inside a transaction block"
        ) %}
    {% endif %}
    {% for node in nodes %}
        {% if not node.external.location.startswith('s3://') %}
            {% do exceptions.raise_compiler_error(
                "Spectrum reads only from S3: " ~ node.source_name ~ '.' ~ node.name ~ " has location '"
                ~ node.external.location ~ "' (set var raw_data to an s3:// URL)"
            ) %}
        {% endif %}
    {% endfor %}
{% endmacro %}

{#
    External DDL cannot run inside a transaction block; run_query does not begin one, and the
    redshift profile's autocommit (default true) commits each statement on its own.
#}
{% macro redshift_run_outside_transaction(label, statement) %}
    {% do log('stage_external_sources: ' ~ label ~ ': ' ~ (statement | trim).split('\n')[0][:80], info=true) %}
    {% do run_query(statement) %}
{% endmacro %}

{% macro redshift_create_external_schema_sql(schema) %}
    {% set statement %}
create external schema if not exists {{ schema }}
from data catalog
database '{{ var('spectrum_database', 'sparkify') }}'
iam_role '{{ var('iam_role') }}'
create external database if not exists
    {% endset %}
    {{ return(statement | trim) }}
{% endmacro %}

{#
    Lower-cased names of the external tables already in the external schema; with text_lines_only,
    only those with the raw text columns (redshift_raw_text_columns) the base models read.
#}
{% macro redshift_existing_external_tables(spectrum_schema, text_lines_only=false) %}
    {% if text_lines_only %}
        {% set found = run_query(
            "select distinct tablename from svv_external_columns where schemaname = '"
            ~ spectrum_schema | lower ~ "' and columnname = '"
            ~ sparkify.redshift_raw_text_columns()[0][0] ~ "'"
        ) %}
    {% else %}
        {% set found = run_query(
            "select tablename from svv_external_tables where schemaname = '" ~ spectrum_schema | lower ~ "'"
        ) %}
    {% endif %}
    {{ return(found.columns[0].values() | map('lower') | list if found else []) }}
{% endmacro %}

{% macro redshift_external_relation(node) %}
    {{ return(source(node.source_name, node.name).include(database=false)) }}
{% endmacro %}

{% macro redshift_drop_external_table_sql(node) %}
    {{ return('drop table if exists ' ~ sparkify.redshift_external_relation(node)) }}
{% endmacro %}

{#
    Spectrum reads the raw files as text lines (the sources' row_format, file_format and
    table_properties), never through its JSON SerDe, which coerced arrays and objects to text, kept
    one of two duplicate keys and read a malformed line as a row of nulls. So the table's columns
    are the raw text's, not the keys the source declares (those are documentation and the keys the
    base model parses, as on Spark): redshift_raw_text_columns().
#}
{% macro redshift_create_external_table_sql(node) %}
    {% set external = node.external %}
    {% set statement %}
create external table {{ sparkify.redshift_external_relation(node) }} (
    {%- for name, data_type in sparkify.redshift_raw_text_columns() %}
    "{{ name }}" {{ data_type }}{{ ',' if not loop.last }}
    {%- endfor %}
)
{%- if external.partitions %}
partitioned by (
    {%- for partition in external.partitions -%}
    "{{ partition.name | lower }}" {{ partition.data_type }}{{ ', ' if not loop.last }}
    {%- endfor -%}
)
{%- endif %}
{%- if external.row_format %}
row format {{ external.row_format }}
{%- endif %}
{%- if external.file_format %}
stored as {{ external.file_format }}
{%- endif %}
location '{{ external.location }}'
{%- if external.table_properties %}
table properties {{ external.table_properties }}
{%- endif %}
    {% endset %}
    {{ return(statement | trim) }}
{% endmacro %}

{#
    One ALTER TABLE ... ADD IF NOT EXISTS PARTITION per combination of the partitions' `vals`
    (one partition a statement keeps each one parseable and its failure attributable); a
    partition whose folder does not exist yet is simply empty.
#}
{% macro redshift_add_partitions_sql(node) %}
    {% set partitions = node.external.partitions or [] %}
    {% if not partitions %}
        {{ return([]) }}
    {% endif %}
    {# One entry per partition level: all value combinations so far (a list outlives loop scopes). #}
    {% set levels = [[[]]] %}
    {% for partition in partitions %}
        {% set extended = [] %}
        {% for prefix in levels[-1] %}
            {% for value in sparkify.external_partition_values(partition) %}
                {% do extended.append(prefix + [(partition, value)]) %}
            {% endfor %}
        {% endfor %}
        {% do levels.append(extended) %}
    {% endfor %}
    {% set base = node.external.location.rstrip('/') ~ '/' %}
    {% set statements = [] %}
    {% for combination in levels[-1] %}
        {% set statement %}
alter table {{ sparkify.redshift_external_relation(node) }} add if not exists
partition (
    {%- for partition, value in combination -%}
    "{{ partition.name | lower }}" = '{{ value }}'{{ ', ' if not loop.last }}
    {%- endfor -%}
) location '{{ base }}{% for partition, value in combination %}{{ sparkify.external_partition_folder(partition, value) }}/{% endfor %}'
        {% endset %}
        {% do statements.append(statement | trim) %}
    {% endfor %}
    {{ return(statements) }}
{% endmacro %}
