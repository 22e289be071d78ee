{#
    Redshift: the raw relation holds the keys as columns already (Spectrum's JSON SerDe or COPY);
    only source_file differs with var redshift_raw_path:
      'copy'     - COPY-loaded tables carry a source_file column (issue 4);
      'spectrum' - external tables expose the file as Spectrum's "$path" pseudo-column.
    "$path" exists only when selecting from the external table itself (select * leaves it out,
    so it never reaches the model's `source` CTE): in 'spectrum' mode the records are read from
    the model's one source relation directly, with the same rows the CTE would give.
    Text is cast to varchar(max): plain varchar is varchar(256) on Redshift.
#}
{% macro redshift__parse_raw_records(source_relation, keys, text_column) %}
    {% set mode = var('redshift_raw_path', 'spectrum') %}
    {% if mode not in ['spectrum', 'copy'] %}
        {% do exceptions.raise_compiler_error(
            "var redshift_raw_path must be 'spectrum' or 'copy', got '" ~ mode ~ "'"
        ) %}
    {% endif %}
    {% if mode == 'spectrum' %}
        {% set read_from = sparkify.model_raw_source() %}
        {% set file_column = '"$path"' %}
    {% else %}
        {% set read_from = source_relation %}
        {% set file_column = 'source_file' %}
    {% endif %}
    select
        cast({{ file_column }} as varchar(max)) as source_file,
        cast(null as {{ dbt.type_bigint() }}) as line_number,
        cast(null as varchar(max)) as raw_text,
        true as is_valid_json,
        {%- for key in keys %}
        cast({{ key | lower }} as varchar(max)) as {{ key | lower }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ read_from }}
{% endmacro %}

{# The single source relation the calling model reads (its `source` import CTE). #}
{% macro model_raw_source() %}
    {% set sources = model.sources if model is defined and model.sources else [] %}
    {% if not execute and not sources %}
        {# dependencies are still being collected while parsing #}
        {{ return('(select 1) as parsing') }}
    {% endif %}
    {% if sources | length != 1 %}
        {% do exceptions.raise_compiler_error(
            "parse_raw_records on Redshift Spectrum reads the model's raw source directly and needs "
            ~ "exactly one source() in " ~ (model.name if model is defined else 'the model') ~ ", found "
            ~ sources | length
        ) %}
    {% endif %}
    {{ return(source(sources[0][0], sources[0][1])) }}
{% endmacro %}
