{#
    The data lake: after a successful `dbt run` / `dbt build`, every mart of lake_tables() that the
    run built is written as parquet under var('lake_location') (a folder or an s3:// prefix; empty
    = no export). Wired as an on-run-end hook in dbt_project.yml.

    Layout of one table (docs/s3_and_lake.md):
        <lake_location>/<table>/_current.json   pointer: slot, files (relative to <table>/), rows,
                                                partition_by, version (the dbt invocation id)
        <lake_location>/<table>/a/...           two slots; an export writes the slot the pointer
        <lake_location>/<table>/b/...           does not name, then replaces the pointer
    Readers read the pointer, then exactly the files it lists, so they never see a half-written
    table mixed with an old one; a slot is rewritten only by the next-but-one export.
#}

{# Table -> partition columns, as the data-lake generation partitioned them. #}
{% macro lake_tables() %}
    {{ return({
        'songplays': ['year', 'month'],
        'users': [],
        'songs': ['year', 'artist_id'],
        'artists': [],
        'time': ['year', 'month'],
    }) }}
{% endmacro %}

{% macro export_lake(results) %}
    {% set location = (var('lake_location', '') or '') | string | trim %}
    {% if not execute or not location or flags.WHICH not in ['run', 'build'] %}
        {{ return('') }}
    {% endif %}
    {% set failed = [] %}
    {% for result in results if result.status in ['error', 'fail', 'runtime error'] %}
        {% do failed.append(result.node.name) %}
    {% endfor %}
    {% if failed %}
        {% do log('lake export skipped: ' ~ failed | length ~ ' node(s) failed (' ~ failed[:3] | join(', ')
                  ~ '); the lake keeps its previous version', info=true) %}
        {{ return('') }}
    {% endif %}
    {% if target.type != 'duckdb' %}
        {% do exceptions.raise_compiler_error(
            "lake_location is set but the lake export runs on DuckDB only (target type " ~ target.type
            ~ "); unset lake_location for this target"
        ) %}
    {% endif %}
    {% set tables = sparkify.lake_tables() %}
    {% for result in results
        if result.node.resource_type == 'model'
        and result.node.package_name == project_name
        and result.node.name in tables
        and result.status == 'success' %}
        {% do sparkify.export_lake_table(
            result.node.relation_name, result.node.name, tables[result.node.name], location.rstrip('/')
        ) %}
    {% endfor %}
    {{ return('') }}
{% endmacro %}

{# One mart written to the lake slot its pointer does not name, then the pointer moved (DuckDB). #}
{% macro export_lake_table(relation_name, table, partition_by, location) %}
    {% set table_dir = location ~ '/' ~ table %}
    {% set pointer = table_dir ~ '/_current.json' %}
    {% set is_remote = '://' in location %}

    {% if not is_remote %}
        {# COPY creates only the last folder of a local path; the sparkify_s3 plugin creates the rest #}
        {% do run_query("select sparkify_make_dirs('" ~ table_dir | replace("'", "''") ~ "')") %}
    {% endif %}
    {% set current = sparkify.lake_current_slot(pointer) %}
    {% set slot = 'b' if current == 'a' else 'a' %}
    {% set slot_dir = table_dir ~ '/' ~ slot %}

    {# Partition columns the table lacks are derived from start_time (songplays by play month). #}
    {% set columns = run_query('select * from ' ~ relation_name ~ ' limit 0').column_names | map('lower') | list %}
    {% set derived = [] %}
    {% for column in partition_by if column not in columns %}
        {% if column in ['year', 'month'] and 'start_time' in columns %}
            {% do derived.append('cast(extract(' ~ column ~ ' from start_time) as integer) as ' ~ column) %}
        {% else %}
            {% do exceptions.raise_compiler_error(
                "lake export: cannot partition " ~ table ~ " by " ~ column ~ ": no such column"
            ) %}
        {% endif %}
    {% endfor %}
    {% set export_query = 'select *' ~ (', ' ~ derived | join(', ') if derived else '') ~ ' from ' ~ relation_name %}
    {% set row_count = run_query('select count(*) from ' ~ relation_name).columns[0].values()[0] %}

    {# A partitioned write of no rows writes no file; one empty file keeps the schema readable. #}
    {% set layout = "partition_by (" ~ partition_by | join(', ') ~ ")" if partition_by and row_count > 0
        else "per_thread_output true" %}
    {% do run_query(
        "copy (" ~ export_query ~ ") to '" ~ slot_dir | replace("'", "''") ~ "' (format parquet, "
        ~ layout ~ ", overwrite true)"
    ) %}

    {# The pointer is written only once every data file of the slot is complete. #}
    {% set pointer_query %}
        select
            '{{ table }}' as "table",
            '{{ slot }}' as slot,
            '{{ invocation_id }}' as version,
            '{{ run_started_at.isoformat() }}' as run_started_at,
            cast({{ row_count }} as bigint) as "rows",
            [{% for column in partition_by %}'{{ column }}'{{ ', ' if not loop.last }}{% endfor %}]::varchar[] as partition_by,
            -- relative to the table folder, so the lake stays valid when copied elsewhere
            case
                when bool_and(starts_with(file, '{{ table_dir | replace("'", "''") }}/'))
                    then list(substr(file, {{ (table_dir ~ '/') | length + 1 }}) order by file)
                else error('lake export: files of {{ slot_dir | replace("'", "''") }} listed under another prefix')
            end as files
        from glob('{{ slot_dir | replace("'", "''") }}/**/*.parquet')
    {% endset %}
    {% do run_query(
        "copy (" ~ pointer_query ~ ") to '" ~ pointer | replace("'", "''") ~ "' (format json, use_tmp_file "
        ~ ('false' if is_remote else 'true') ~ ")"
    ) %}
    {% do log('lake: ' ~ table ~ ' -> ' ~ slot_dir ~ '/ (' ~ row_count ~ ' rows), pointer ' ~ pointer, info=true) %}
{% endmacro %}

{# The slot the pointer names, or none before the first export. #}
{% macro lake_current_slot(pointer) %}
    {# A glob without wildcards is answered from the name alone on S3; [n] makes it a listing. #}
    {% set probe = sparkify.lake_probe(pointer[:-1] ~ '[' ~ pointer[-1] ~ ']', pointer) %}
    {% if probe == 'missing' %}
        {{ return(none) }}
    {% endif %}
    {% set found = run_query("select slot from read_json('" ~ pointer | replace("'", "''") ~ "')") %}
    {{ return(found.columns[0].values()[0] if found.rows | length > 0 else none) }}
{% endmacro %}

{#
    'present' or 'missing' for one file of the lake; any other failure to list the location
    (a missing bucket, refused credentials) stops the export with one message naming it.
#}
{% macro lake_probe(path, display=none) %}
    {# the sparkify_s3 plugin's probe (profiles.example.yml): one message for what fails to list #}
    {% set message = run_query("select sparkify_probe_location('" ~ path | replace("'", "''") ~ "')").columns[0].values()[0] %}
    {% if message is none %}
        {{ return('present') }}
    {% elif message.startswith('no files match') %}
        {{ return('missing') }}
    {% endif %}
    {% do exceptions.raise_compiler_error('lake_location: ' ~ message | replace(path, display or path)) %}
{% endmacro %}
