{#
    What a base model reads: the raw files of one source that have not been ingested yet, or that
    changed since (another size or modification time), one row per record with
        source_path       the file as the engine names it (made relative to raw_data in the model)
        file_size         bytes, where the engine tells it (else null)
        file_modified_at  last modification, where the engine tells it (else null)
    and the raw record: a text column (`raw_line`, `content`) on DuckDB, which reads the files in
    place; the raw keys as columns on warehouse engines, whose loaders split the JSON already.

    A file is known by its path below raw_data plus size and modification time, so the same folder
    under another spelling or at another place ingests nothing new, and a file rewritten in place is
    read again (the base model's delete+insert on source_file then replaces its earlier rows).

    unit: 'line' (newline-delimited log files) or 'file' (one JSON object per song file).
#}
{% macro read_new_raw_files(source_relation, unit) %}
    {{ return(adapter.dispatch('read_new_raw_files', 'sparkify')(source_relation, unit)) }}
{% endmacro %}

{#
    Engines whose raw relation already names the file (Postgres and Redshift COPY tables carry a
    source_file column): new and changed files are filtered against the base model itself.
    sparkify-load-postgres also writes each file's file_size and file_modified_at on its rows and
    reloads a file that changed, so there a file is new unless the base model holds the same path,
    size and modification time. Redshift's COPY tables (load_raw_data) have neither column: there a
    file is known by its path alone, as COPY never reloads a file it loaded.
#}
{% macro default__read_new_raw_files(source_relation, unit) %}
    {% set file_columns = sparkify.raw_file_columns(source_relation) %}
    (
        select
            raw.*,
            {%- if not file_columns %}
            cast(null as {{ dbt.type_bigint() }}) as file_size,
            cast(null as {{ dbt.type_timestamp() }}) as file_modified_at,
            {%- endif %}
            raw.source_file as source_path
        from {{ source_relation }} as raw
        {% if is_incremental() %}
        where not exists (
            select 1
            from {{ this }} as ingested
            where
                ingested.source_file = {{ sparkify.path_below_raw_data('raw.source_file', source_relation.identifier) }}
                {%- if file_columns %}
                and ingested.file_size = raw.file_size
                and ingested.file_modified_at = raw.file_modified_at
                {%- endif %}
        )
        {% endif %}
    ) as new_raw_files
{% endmacro %}

{#
    Whether a loaded raw table records each file's size and modification time (columns file_size and
    file_modified_at, as sparkify-load-postgres writes them). Asked of the database when the model
    runs, so one reader serves tables loaded either way; at parse time the answer does not matter.
#}
{% macro raw_file_columns(source_relation) %}
    {% if not execute %}
        {{ return(false) }}
    {% endif %}
    {% set names = adapter.get_columns_in_relation(source_relation) | map(attribute='name') | map('lower') | list %}
    {{ return('file_size' in names and 'file_modified_at' in names) }}
{% endmacro %}

{#
    Redshift: COPY tables carry source_file; Spectrum external tables expose the file as the
    pseudo-columns "$path" and "$size", which `select *` leaves out, so they are named here.
#}
{% macro redshift__read_new_raw_files(source_relation, unit) %}
    {% set mode = var('redshift_raw_path', 'spectrum') %}
    {% if mode not in ['spectrum', 'copy'] %}
        {% do exceptions.raise_compiler_error(
            "var redshift_raw_path must be 'spectrum' or 'copy', got '" ~ mode ~ "'"
        ) %}
    {% endif %}
    {% if mode == 'copy' %}
        {{ return(sparkify.default__read_new_raw_files(source_relation, unit)) }}
    {% endif %}
    (
        select
            raw.*,
            cast(raw."$path" as varchar(max)) as source_path,
            cast(raw."$size" as {{ dbt.type_bigint() }}) as file_size,
            cast(null as {{ dbt.type_timestamp() }}) as file_modified_at
        from {{ source_relation }} as raw
        {% if is_incremental() %}
        where not exists (
            select 1
            from {{ this }} as ingested
            where
                ingested.source_file = {{ sparkify.path_below_raw_data('raw."$path"', source_relation.identifier) }}
                and ingested.file_size = raw."$size"
        )
        {% endif %}
    ) as new_raw_files
{% endmacro %}

{# Spark rebuilds its tables whole (docs/spark.md); the file is input_file_name() of each row. #}
{% macro spark__read_new_raw_files(source_relation, unit) %}
    (
        select
            raw.*,
            input_file_name() as source_path,
            cast(null as bigint) as file_size,
            cast(null as timestamp) as file_modified_at
        from {{ source_relation }} as raw
    ) as new_raw_files
{% endmacro %}

{#
    DuckDB reads the files in place. The files to read are listed when the model runs (glob, size
    and modification time from read_blob, which does not read the contents) minus the files the base
    model holds, so an incremental build opens only what is new or changed. Log files are read as
    text lines (read_csv with a delimiter that never occurs, so a line is never split or typed); song
    files whole (read_text). Lines are numbered per file from the scan's ordinality.
#}
{% macro duckdb__read_new_raw_files(source_relation, unit) %}
    {% set folder = sparkify.raw_source_folder(source_relation) %}
    {% set pattern = folder ~ '/**/*.json' %}
    {% set files = none %}
    {% if execute and is_incremental() %}
        {% set listing %}
            select listed.filename
            from read_blob('{{ pattern | replace("'", "''") }}') as listed
            where not exists (
                select 1
                from {{ this }} as ingested
                where
                    ingested.source_file = {{ sparkify.path_below_raw_data('listed.filename', source_relation.identifier) }}
                    and ingested.file_size = listed.size
                    and ingested.file_modified_at = cast(listed.last_modified as timestamp)
            )
            order by listed.filename
        {% endset %}
        {% set files = run_query(listing).columns[0].values() | list %}
    {% endif %}
    {% if files is none %}
        {% set paths = "'" ~ pattern | replace("'", "''") ~ "'" %}
    {% elif files | length == 0 %}
        {% set paths = none %}
    {% else %}
        {% set quoted = [] %}
        {% for file in files %}
            {% do quoted.append("'" ~ (file | replace("'", "''")) ~ "'") %}
        {% endfor %}
        {% set paths = '[' ~ quoted | join(', ') ~ ']' %}
    {% endif %}
    {% if paths is none %}
        {# nothing new: an empty relation of the right shape, without opening any file #}
        {% set reader = "(select null::varchar as filename, null::varchar as raw_text, null::bigint as line_number, "
            ~ "null::bigint as size, null::timestamp as last_modified where false)" %}
    {% elif unit == 'line' %}
        {% set reader %}
            (
                select
                    lines.filename,
                    lines.raw_line as raw_text,
                    lines.ordinality - min(lines.ordinality) over (partition by lines.filename) + 1 as line_number,
                    files.size,
                    cast(files.last_modified as timestamp) as last_modified
                from read_csv(
                    {{ paths }},
                    columns = {'raw_line': 'VARCHAR'}, delim = chr(1), quote = '', escape = '',
                    header = false, auto_detect = false, filename = true
                ) with ordinality as lines
                inner join read_blob({{ paths }}) as files
                    on lines.filename = files.filename
            )
        {% endset %}
    {% else %}
        {% set reader %}
            (
                select
                    filename,
                    content as raw_text,
                    cast(1 as bigint) as line_number,
                    size,
                    cast(last_modified as timestamp) as last_modified
                from read_text({{ paths }})
            )
        {% endset %}
    {% endif %}
    (
        select
            filename as source_path,
            line_number,
            raw_text,
            size as file_size,
            last_modified as file_modified_at
        from {{ reader }} as read_files
    ) as new_raw_files
{% endmacro %}

{# The folder a source's files are under: its `external.location` (dbt-external-tables format). #}
{% macro raw_source_folder(source_relation) %}
    {% if not execute %}
        {{ return(var('raw_data') ~ '/' ~ source_relation.identifier) }}
    {% endif %}
    {% for node in graph.sources.values() if node.identifier == source_relation.identifier %}
        {{ return(node.external.location.rstrip('/')) }}
    {% endfor %}
    {% do exceptions.raise_compiler_error(
        "read_new_raw_files: no source with an external location for " ~ source_relation
    ) %}
{% endmacro %}
