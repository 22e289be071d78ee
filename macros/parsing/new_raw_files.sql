{#
    Raw files are ingested once, recognised by name: an incremental build reads only files whose
    name is not yet in the staging table ({{ this }}). Two macros, one rule:

    unread_raw_files(source_relation) - what the `source` CTE reads. Engines that read the raw files
        in place through a table function (DuckDB) list the files at compile time and read only the
        new ones, so an incremental build costs what the new files cost, not what the history costs.
        Elsewhere it is the source relation itself.
    only_new_raw_files() - the filter on the parsed records, on every engine: where pruning is not
        possible it does the work; where it is, it is a cheap guarantee.
#}
{% macro unread_raw_files(source_relation) %}
    {{ return(adapter.dispatch('unread_raw_files', 'sparkify')(source_relation)) }}
{% endmacro %}

{% macro default__unread_raw_files(source_relation) %}
    {{ return(source_relation) }}
{% endmacro %}

{% macro duckdb__unread_raw_files(source_relation) %}
    {% set reader = source_relation.external if source_relation.external is defined else none %}
    {% if not (execute and reader and is_incremental()) %}
        {{ return(source_relation) }}
    {% endif %}
    {# The file pattern is the table function's first argument: read_csv('…/*.json', …) #}
    {% set found = modules.re.match("^\\s*\\w+\\(\\s*'([^']*)'", reader) %}
    {% if not found %}
        {% do log("unread_raw_files: no file pattern in " ~ reader ~ "; reading every file", info=true) %}
        {{ return(source_relation) }}
    {% endif %}
    {% set pattern = found.group(1) %}
    {% set listing %}
        select file
        from glob('{{ pattern }}')
        where file not in (select distinct source_file from {{ this }})
        order by file
    {% endset %}
    {% set files = run_query(listing).columns[0].values() %}
    {% if files | length == 0 %}
        {# binding reads no data: an empty result with the source's columns #}
        {{ return('(select * from ' ~ reader ~ ' limit 0) as no_new_files') }}
    {% endif %}
    {% if files | length > 20000 %}
        {# a list that long makes a slow query text; reading everything is then comparable #}
        {{ return(source_relation) }}
    {% endif %}
    {% set quoted = [] %}
    {% for file in files %}
        {% do quoted.append("'" ~ (file | replace("'", "''")) ~ "'") %}
    {% endfor %}
    {# the quoted pattern, quotes included, becomes a list of the new files #}
    {% set first, last = found.span(1) %}
    {{ return(reader[:first - 1] ~ '[' ~ quoted | join(', ') ~ ']' ~ reader[last + 1:]) }}
{% endmacro %}

{% macro only_new_raw_files() %}
    {% if is_incremental() %}
        where source_file not in (select distinct source_file from {{ this }})
    {% endif %}
{% endmacro %}
