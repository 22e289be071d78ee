{#
    Spark: one `using json` table per source with an `external.location`, over the raw files in place.

    Every raw key becomes a string column, whatever the yml's data_type says: Spark's JSON reader
    would null a whole value of the wrong type, and staging must see it to quarantine it with a
    reason (see parse_raw_records). A line or file that is not valid JSON lands in `_corrupt_record`.
    Partitions named in the yml are one folder level each, in order (log_data/2018/11/); they are
    found by listing the files, since the folder names are bare values, not `year=2018`.

    Idempotent: each run drops and recreates the table definitions (never the files: the tables are
    external) and adds every partition found, so a changed `raw_data` or a new month is picked up.
    Run it before a build whenever new months or a new location arrive:
        dbt run-operation stage_external_sources [--args '{select: sparkify.log_data}']
#}
{% macro spark__stage_external_sources(select=none) %}
    {%- set nodes = sparkify.external_source_nodes(select) -%}
    {%- if not nodes -%}
        {%- do exceptions.raise_compiler_error(
            "stage_external_sources: no source declares an external location") -%}
    {%- endif -%}
    {%- for node in nodes | sort(attribute='unique_id') -%}
        {%- do sparkify_stage_spark_json_table(node) -%}
    {%- endfor -%}
{% endmacro %}

{# Drop and recreate one source's table, then register its partitions. #}
{% macro sparkify_stage_spark_json_table(node) %}
    {%- set external = node.external -%}
    {%- set location = external.location -%}
    {%- set relation = api.Relation.create(schema=node.schema, identifier=node.identifier) -%}
    {%- set partitions = external.get('partitions') or [] -%}
    {%- set options = {
        'mode': 'PERMISSIVE',
        'columnNameOfCorruptRecord': '_corrupt_record',
        'pathGlobFilter': '*.json',
    } -%}
    {%- do options.update(external.get('options') or {}) -%}

    {%- if external.get('using', 'json') != 'json' -%}
        {%- do exceptions.raise_compiler_error(
            "stage_external_sources: source " ~ node.source_name ~ "." ~ node.name
            ~ " says `using: " ~ external.using ~ "`; the Spark staging reads raw JSON only") -%}
    {%- endif -%}

    {%- set ddl -%}
        create table {{ relation }} (
            {%- for column in node.columns.values() %}
            `{{ column.name }}` string,
            {%- endfor %}
            {%- for partition in partitions %}
            `{{ partition.name }}` {{ sparkify_spark_partition_type(partition.data_type) }},
            {%- endfor %}
            `_corrupt_record` string
        )
        using json
        options (
            {%- for key, value in options.items() | sort %}
            '{{ key }}' = '{{ value }}'{{ "," if not loop.last }}
            {%- endfor %}
        )
        {%- if partitions %}
        partitioned by ({% for partition in partitions %}`{{ partition.name }}`{{ ", " if not loop.last }}{% endfor %})
        {%- endif %}
        location '{{ location }}'
        comment '{{ (node.description or "") | replace("\\", "\\\\") | replace("'", "\\'") | trim }}'
    {%- endset -%}

    {#- listed before anything is dropped: a wrong location leaves the old table as it was -#}
    {%- set folders = sparkify_spark_partition_folders(location, partitions) if partitions else [] -%}
    {%- do run_query('create schema if not exists ' ~ node.schema) -%}
    {%- do run_query('drop table if exists ' ~ relation) -%}
    {%- do run_query(ddl) -%}
    {%- for folder in folders -%}
        {%- set spec = [] -%}
        {%- for partition in partitions -%}
            {%- do spec.append('`' ~ partition.name ~ "` = '" ~ folder[loop.index0] ~ "'") -%}
        {%- endfor -%}
        {%- do run_query(
            'alter table ' ~ relation ~ ' add if not exists partition (' ~ spec | join(', ') ~ ')'
            ~ " location '" ~ sparkify_folder_location(location, folder) ~ "'") -%}
    {%- endfor -%}
    {%- if not partitions and run_query('select 1 as found from ' ~ relation ~ ' limit 1').rows | length == 0 -%}
        {%- do exceptions.raise_compiler_error(
            "stage_external_sources: no raw *.json files under " ~ location
            ~ " (source " ~ node.source_name ~ "." ~ node.name ~ "; check the raw_data var)") -%}
    {%- endif -%}
    {%- do log("stage_external_sources: " ~ relation ~ " over " ~ location
        ~ ((" with " ~ folders | length ~ " partition(s)") if partitions else ""), info=true) -%}
{% endmacro %}

{# A location with a trailing slash, then the partition's folders. #}
{% macro sparkify_folder_location(location, folder) %}
    {{- (location if location.endswith('/') else location ~ '/') ~ folder | join('/') ~ '/' -}}
{% endmacro %}

{#
    The folders holding raw files, one folder level per partition column: log_data/2018/11/*.json
    gives ('2018', '11'). Lists file names only (the binaryFile reader skips file contents when they
    are not selected). Fails, naming the location, when there is no file at that depth.
#}
{% macro sparkify_spark_partition_folders(location, partitions) %}
    {%- set base = location if location.endswith('/') else location ~ '/' -%}
    {%- set depth = partitions | length -%}
    {%- set folder_pattern = '/' ~ (['([^/]+)'] * depth) | join('/') ~ '/[^/]+$' -%}
    {%- set listing -%}
        select distinct
            {%- for partition in partitions %}
            regexp_extract(path, '{{ folder_pattern }}', {{ loop.index }}) as folder_{{ loop.index }}{{ "," if not loop.last }}
            {%- endfor %}
        from binaryFile.`{{ base }}{{ '*/' * depth }}*.json`
        order by {% for partition in partitions %}{{ loop.index }}{{ ", " if not loop.last }}{% endfor %}
    {%- endset -%}
    {%- set folders = run_query(listing) -%}
    {%- if folders.rows | length == 0 -%}
        {%- do exceptions.raise_compiler_error(
            "stage_external_sources: no raw files under " ~ base ~ " (expected "
            ~ (partitions | map(attribute='name') | join('/')) ~ " folders holding *.json files;"
            ~ " check the raw_data var)") -%}
    {%- endif -%}
    {{ return(folders.rows | map('list') | list) }}
{% endmacro %}

{# A partition column's yml data_type in Spark's spelling. #}
{% macro sparkify_spark_partition_type(data_type) %}
    {%- set spelled = (data_type or 'string') | lower | trim -%}
    {{- {'varchar': 'string', 'text': 'string', 'integer': 'int', 'double precision': 'double'}.get(spelled, spelled) -}}
{% endmacro %}
