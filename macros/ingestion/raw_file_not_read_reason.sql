{#
    Why the project reads nothing of a file found below a source folder, or null when it reads it:
    the one rule the ops model raw_files_not_read uses, so that every file is either read or listed
    with its reason. Read: names ending in .json or .json.gz in any letter case, at any depth (gzip
    bytes are recognised by content, whatever the name).
    unit: 'line' (log files: an empty file holds no line, and is listed) or 'file' (song files: an
    empty file is read and quarantined as 'empty file').
    The reader (read_new_raw_files) opens every file raw_file_name_not_read_reason lets through: an
    empty log file too, ingested as the one row that stands for it (line 0, no text), so that it
    replaces the rows of what the file held before.
#}
{% macro raw_file_not_read_reason(filename, size, unit) %}
    {%- if unit == 'line' -%}
    coalesce(
        {{ sparkify.raw_file_name_not_read_reason(filename) }},
        case when {{ size }} = 0 then 'empty file: no lines' end
    )
    {%- else -%}
    {{ sparkify.raw_file_name_not_read_reason(filename) }}
    {%- endif -%}
{% endmacro %}

{#
    Why the project does not open a file, by its name alone, or null when it opens it. The patterns
    write a dot as `[.]`, which every engine's regex and string literal read alike.
#}
{% macro raw_file_name_not_read_reason(filename) %}
    case
        when {{ sparkify.regexp_matches(filename, "'(^|/)[.]_[^/]*$'") }}
            then 'AppleDouble file (macOS ._ metadata companion of another file), not data'
        when {{ sparkify.regexp_matches(filename, "'(^|/)[.][^/]*$'") }}
            then 'hidden file (name starts with a dot)'
        when not {{ sparkify.regexp_matches('lower(' ~ filename ~ ')', "'[.]json([.]gz)?$'") }}
            then 'not a .json or .json.gz file'
    end
{% endmacro %}

{#
    The same name rule in Jinja, for a loader that picks files before any SQL sees them (Redshift's
    load_raw_data): the reason for a file name, or none when the project reads it. Change it with
    raw_file_name_not_read_reason above and name_not_read_reason in sparkify_tools/loaders/raw_files.py.
#}
{% macro raw_file_name_not_read_reason_of(name) %}
    {%- if name.startswith('._') -%}
        {{- return('AppleDouble file (macOS ._ metadata companion of another file), not data') -}}
    {%- elif name.startswith('.') -%}
        {{- return('hidden file (name starts with a dot)') -}}
    {%- elif not (name.lower().endswith('.json') or name.lower().endswith('.json.gz')) -%}
        {{- return('not a .json or .json.gz file') -}}
    {%- endif -%}
    {{- return(none) -}}
{% endmacro %}

{#
    The files below each raw source folder that the project does not read: source_table, path below
    raw_data, size and reason. DuckDB lists the folders itself; sparkify-load-postgres records what
    its last load saw and did not read (by the same rule, not_read_reason in
    sparkify_tools/loaders/raw_files.py) in the raw schema's files_not_read, and Redshift's
    load_raw_data (COPY path) the same; Spark lists the folders with binaryFile tables.
#}
{% macro raw_files_not_read() %}
    {{ return(adapter.dispatch('raw_files_not_read', 'sparkify')()) }}
{% endmacro %}

{#
    Redshift: on the COPY path, load_raw_data records the files it saw and did not read in the raw
    schema's files_not_read, the table Postgres has: shown as on Postgres. Spectrum lists nothing:
    it skips names starting with `.` or `_` itself, and reads only the log partitions
    (docs/redshift.md).
#}
{% macro redshift__raw_files_not_read() %}
    {% if var('redshift_raw_path', 'spectrum') == 'copy' %}
        {{ return(sparkify.postgres__raw_files_not_read()) }}
    {% endif %}
    {{ return(sparkify.default__raw_files_not_read()) }}
{% endmacro %}

{% macro default__raw_files_not_read() %}
    select
        cast(null as {{ dbt.type_string() }}) as source_table,
        cast(null as {{ dbt.type_string() }}) as source_file,
        cast(null as {{ dbt.type_bigint() }}) as file_size,
        cast(null as {{ dbt.type_string() }}) as reason
    where 1 = 0
{% endmacro %}

{% macro postgres__raw_files_not_read() %}
    {% set log_data = source('sparkify', 'log_data') %}
    {% set recorded = adapter.get_relation(
        database=log_data.database, schema=log_data.schema, identifier='files_not_read') if execute else none %}
    {% if recorded is none %}
        {# loaded by a loader older than the table, or not loaded yet: nothing recorded #}
        {{ return(sparkify.default__raw_files_not_read()) }}
    {% endif %}
    {% for name in ['log_data', 'song_data'] %}
    select
        cast(source_table as {{ dbt.type_string() }}) as source_table,
        {{ sparkify.path_below_raw_data('source_file', name) }} as source_file,
        cast(file_size as {{ dbt.type_bigint() }}) as file_size,
        cast(reason as {{ dbt.type_string() }}) as reason
    from {{ recorded }}
    where source_table = '{{ name }}'
    {{ "union all" if not loop.last }}
    {% endfor %}
{% endmacro %}

{% macro duckdb__raw_files_not_read() %}
    {% set sources = [('log_data', 'line'), ('song_data', 'file')] %}
    {% for name, unit in sources %}
    {% set folder = sparkify.raw_source_folder(source('sparkify', name)) %}
    select
        '{{ name }}' as source_table,
        {{ sparkify.path_below_raw_data('listed.filename', name) }} as source_file,
        listed.size as file_size,
        {{ sparkify.raw_file_not_read_reason('listed.filename', 'listed.size', unit) }} as reason
    from read_blob('{{ (folder ~ "/**") | replace("'", "''") }}') as listed
    where {{ sparkify.raw_file_not_read_reason('listed.filename', 'listed.size', unit) }} is not null
    {{ "union all" if not loop.last }}
    {% endfor %}
{% endmacro %}

{#
    Spark: the files below each source folder that its text tables do not read, from the binaryFile
    table stage_external_sources creates beside each (`<table>_files`: name, size, first bytes).
    The reasons follow what Spark's readers do with a file: the name rule every engine applies,
    raw_file_name_not_read_reason (an AppleDouble or other dot file, a name that is not
    .json/.json.gz: pathGlobFilter), then gzip bytes under a name Spark does not decompress
    (spark__read_new_raw_files skips them), a .gz name over bytes that are not gzip (the reader
    cannot open it; ignoreCorruptFiles skips it). Spark's file listing never shows an empty file, to
    this scan or any reader: it holds no line, and is neither read nor listed here (docs/spark.md).
#}
{% macro spark__raw_files_not_read() %}
    {% set sources = [('log_data', 'line'), ('song_data', 'file')] %}
    select
        source_table,
        source_file,
        file_size,
        reason
    from (
        {% for name, unit in sources %}
        select
            '{{ name }}' as source_table,
            {{ sparkify.path_below_raw_data('listed.path', name) }} as source_file,
            listed.length as file_size,
            coalesce(
                {{ sparkify.raw_file_name_not_read_reason('listed.path') }},
                case
                    when lower(listed.path) rlike '[.]gz$' and hex(substring(listed.content, 1, 2)) <> '1F8B'
                        then 'named .gz but not gzip data: Spark cannot open it'
                    when hex(substring(listed.content, 1, 2)) = '1F8B' and not lower(listed.path) rlike '[.]gz$'
                        then 'gzip data under a name not ending in .gz: Spark decompresses by file name only'
                end
            ) as reason
        from {{ sparkify_spark_file_listing_relation(source('sparkify', name)) }} as listed
        {{ "union all" if not loop.last }}
        {% endfor %}
    ) as listed_files
    where reason is not null
{% endmacro %}
