{#
    on-run-start pre-flight for `dbt run` / `dbt build`: every raw source must be readable and
    hold at least one file, or the run stops before any model with one message naming the
    location (a missing bucket or prefix, refused credentials, an empty prefix). Without it a
    bad location fails deep inside a model, or builds an empty warehouse and calls it success.
#}
{% macro check_raw_data() %}
    {% if execute and flags.WHICH in ['run', 'build'] %}
        {% do adapter.dispatch('check_raw_data', 'sparkify')() %}
    {% endif %}
    {{ return('') }}
{% endmacro %}

{# Warehouse engines read loaded or external tables; their loaders check the files. #}
{% macro default__check_raw_data() %}
{% endmacro %}

{% macro duckdb__check_raw_data() %}
    {% for node in sparkify.external_source_nodes() %}
        {# every file below the source's folder, at any depth (the reader decides what it reads) #}
        {% set pattern = node.external.location.rstrip('/') ~ '/**/*' %}
        {% if sparkify.has_probe_function() %}
            {% set message = run_query("select sparkify_probe_location('" ~ pattern | replace("'", "''") ~ "')").columns[0].values()[0] %}
        {% else %}
            {% set found = run_query("select count(*) from glob('" ~ pattern | replace("'", "''") ~ "')").columns[0].values()[0] %}
            {% set message = none if found > 0 else 'no files match ' ~ pattern %}
        {% endif %}
        {% if message %}
            {% do exceptions.raise_compiler_error(
                "raw data check failed for source " ~ node.source_name ~ "." ~ node.name ~ ": " ~ message
                ~ " (var raw_data = '" ~ var('raw_data') ~ "')"
            ) %}
        {% endif %}
    {% endfor %}
{% endmacro %}

{# True when the sparkify_s3 dbt-duckdb plugin registered its probe function on this connection. #}
{% macro has_probe_function() %}
    {% set found = run_query(
        "select count(*) from duckdb_functions() where function_name = 'sparkify_probe_location'"
    ) %}
    {{ return(found.columns[0].values()[0] > 0) }}
{% endmacro %}
