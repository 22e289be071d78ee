{#
    Spark: one `using text` table per source with an `external.location`, over the raw files in place.

    The table holds the raw text, never parsed values: Spark's JSON reader would null a value of
    the wrong type, drop a blank line, keep one of two duplicate keys and could not say which line
    of which file a record came from. The base models parse the text in SQL instead
    (spark__read_new_raw_files, spark__parse_raw_records), so a line Spark cannot take is
    quarantined with a reason, as on DuckDB. Log files are read one row per line (`lineSep` \n, as
    DuckDB and `wc -l` count lines), song files one row per file (`wholetext` in the yml).

    Which files: every file at any depth below the location (recursiveFileLookup; the table has no
    folder partitions, so a log file outside YYYY/MM/ is read too) whose name ends in .json or
    .json.gz in any letter case and does not start with a dot (pathGlobFilter), the rule
    raw_file_name_not_read_reason states. Names starting with `_` are read, as on DuckDB and
    Postgres: Spark's default listing would hide them (sparkify_spark_ignored_path_segments).
    Spark decompresses by name (.gz, any case); a file
    it cannot open (a .gz name over bytes that are not gzip) is skipped (ignoreCorruptFiles) rather
    than stopping the build, and raw_files_not_read lists it with its reason. The yml's `options`
    are added to these (and win).

    A second table per source, `<table>_files` (binaryFile), lists every file below the location
    with its first bytes for raw_files_not_read.

    Idempotent: each run drops and recreates the table definitions (never the files: the tables are
    external), so a changed `raw_data` is picked up; new files anywhere below the location are seen
    by the next query without it.
        dbt run-operation stage_external_sources [--args '{select: sparkify.log_data}']
#}
{% macro spark__stage_external_sources(select=none) %}
    {%- set nodes = sparkify.external_source_nodes(select) -%}
    {%- if not nodes -%}
        {%- do exceptions.raise_compiler_error(
            "stage_external_sources: no source declares an external location") -%}
    {%- endif -%}
    {%- for node in nodes | sort(attribute='unique_id') -%}
        {%- do sparkify_stage_spark_text_table(node) -%}
    {%- endfor -%}
{% endmacro %}

{# Drop and recreate one source's text table; fail, naming the location, when it holds no file. #}
{% macro sparkify_stage_spark_text_table(node) %}
    {%- set external = node.external -%}
    {%- set location = external.location -%}
    {%- set relation = api.Relation.create(schema=node.schema, identifier=node.identifier) -%}
    {%- set options = {
        'lineSep': '\\n',
        'recursiveFileLookup': 'true',
        'pathGlobFilter': sparkify_spark_raw_file_glob(),
        'ignoredPathSegmentRegex': sparkify_spark_ignored_path_segments(),
        'ignoreCorruptFiles': 'true',
    } -%}
    {%- do options.update(external.get('options') or {}) -%}

    {%- if external.get('using', 'text') != 'text' -%}
        {%- do exceptions.raise_compiler_error(
            "stage_external_sources: source " ~ node.source_name ~ "." ~ node.name
            ~ " says `using: " ~ external.using ~ "`; the Spark staging reads raw files as text"
            ~ " (the base models parse the JSON)") -%}
    {%- endif -%}

    {%- set ddl -%}
        create table {{ relation }} (
            `value` string
        )
        using text
        options (
            {%- for key, value in options.items() | sort %}
            '{{ key }}' = '{{ value }}'{{ "," if not loop.last }}
            {%- endfor %}
        )
        location '{{ location }}'
        comment '{{ (node.description or "") | replace("\\", "\\\\") | replace("'", "\\'") | trim }}'
    {%- endset -%}

    {%- set gzip_listing = sparkify_spark_gzip_listing_relation(relation) -%}
    {%- set gzip_listing_ddl -%}
        create table {{ gzip_listing }}
        using binaryFile
        options (
            'recursiveFileLookup' = 'true',
            'pathGlobFilter' = '{{ sparkify_spark_raw_file_glob(gzip_only=true) }}',
            'ignoredPathSegmentRegex' = '{{ sparkify_spark_ignored_path_segments() }}'
        )
        location '{{ location }}'
        comment 'The .json.gz files below {{ location | replace("\\", "\\\\") | replace("'", "\\'") }}: their gzip trailers (spark__read_new_raw_files)'
    {%- endset -%}

    {%- set listing = sparkify_spark_file_listing_relation(relation) -%}
    {%- set listing_ddl -%}
        create table {{ listing }}
        using binaryFile
        options (
            'recursiveFileLookup' = 'true',
            'ignoredPathSegmentRegex' = '{{ sparkify_spark_ignored_path_segments() }}'
        )
        location '{{ location }}'
        comment 'Every file below {{ location | replace("\\", "\\\\") | replace("'", "\\'") }}: path, size, bytes (raw_files_not_read)'
    {%- endset -%}

    {#- tried under another name first: a location without raw files leaves the old table as it was -#}
    {%- set trial = relation.incorporate(path={'identifier': relation.identifier ~ '_trial'}) -%}
    {%- do run_query('create schema if not exists ' ~ node.schema) -%}
    {%- do run_query('drop table if exists ' ~ trial) -%}
    {%- do run_query(ddl | replace('create table ' ~ relation ~ ' ', 'create table ' ~ trial ~ ' ', 1)) -%}
    {%- set found = run_query('select 1 as found from ' ~ trial ~ ' limit 1').rows | length > 0 -%}
    {%- do run_query('drop table if exists ' ~ trial) -%}
    {%- if not found -%}
        {%- do exceptions.raise_compiler_error(
            "stage_external_sources: no raw .json or .json.gz files under " ~ location
            ~ " (source " ~ node.source_name ~ "." ~ node.name ~ "; check the raw_data var)") -%}
    {%- endif -%}
    {%- do run_query('drop table if exists ' ~ relation) -%}
    {%- do run_query('drop table if exists ' ~ listing) -%}
    {%- do run_query('drop table if exists ' ~ gzip_listing) -%}
    {%- do run_query(ddl) -%}
    {%- do run_query(listing_ddl) -%}
    {%- do run_query(gzip_listing_ddl) -%}
    {%- do log("stage_external_sources: " ~ relation ~ " over " ~ location, info=true) -%}
{% endmacro %}

{#
    Beside each source's text table, a `binaryFile` table over every file below the same location,
    whatever its name (`<table>_files`): the listing raw_files_not_read reads, which needs
    recursiveFileLookup (a query on binaryFile.`path` lists one folder level only when files and
    folders sit side by side).
#}
{% macro sparkify_spark_file_listing_relation(relation) %}
    {{- return(relation.incorporate(path={'identifier': relation.identifier ~ '_files'})) -}}
{% endmacro %}

{#
    A third table per source, `<table>_gzip_files` (binaryFile over the .json.gz files only): the
    reader checks each one's gzip trailer against the lines read (spark__read_new_raw_files), and
    reads no other file's bytes for it.
#}
{% macro sparkify_spark_gzip_listing_relation(relation) %}
    {{- return(relation.incorporate(path={'identifier': relation.identifier ~ '_gzip_files'})) -}}
{% endmacro %}

{#
    The file names Spark reads, as a Hadoop glob on the name: .json or .json.gz in any letter case,
    not starting with a dot, the rule raw_file_name_not_read_reason states for DuckDB (gzip_only:
    the .json.gz ones). Spark's file listing never returns an empty file (docs/spark.md).
#}
{% macro sparkify_spark_raw_file_glob(gzip_only=false) %}
    {%- if gzip_only -%}
        {{- return('[!.]*.[jJ][sS][oO][nN].[gG][zZ]') -}}
    {%- endif -%}
    {{- return('[!.]*.{[jJ][sS][oO][nN],[jJ][sS][oO][nN].[gG][zZ]}') -}}
{% endmacro %}

{#
    The path segments Spark's file listing leaves out, as a regex (Spark 4.3's
    ignoredPathSegmentRegex, SPARK-57354): none. By default Spark hides every name starting with `.`
    or `_` (Hadoop's hidden files), so a log file named `_2018-11-01-events.json` was never read and
    a `._*.json` AppleDouble file was in no listing; the project's own rule decides instead (the
    glob above for the readers, raw_files_not_read for the listing).
#}
{% macro sparkify_spark_ignored_path_segments() %}
    {{- return('(?!)') -}}
{% endmacro %}
