{{
    config(
        materialized=sparkify.incremental_where_possible(),
        unique_key='source_file',
        incremental_strategy='delete+insert',
    )
}}

{#
    Ingestion of the event log: one row per raw line of every log file, as read. An incremental
    build reads only files that are new or changed (read_new_raw_files); a changed file's earlier
    rows are replaced (delete+insert on source_file). Every row carries the batch that ingested it,
    which drives every incremental model downstream.
#}

with

raw_log_lines as (

    select * from {{ sparkify.read_new_raw_files(source('sparkify', 'log_data'), 'line') }}

),

parsed as (

    {{ sparkify.parse_raw_records('raw_log_lines', sparkify.log_event_keys()) }}

),

located as (

    select
        {{ sparkify.path_below_raw_data('source_path', 'log_data') }} as source_file,
        line_number,
        raw_text,
        is_valid_json,
        non_scalar_fields,
        has_duplicate_keys,
        decoding_error,
        {%- for key in sparkify.log_event_keys() %}
        {{ key | lower }},
        {%- endfor %}
        file_size,
        file_modified_at
    from parsed

),

-- the batch columns compare source_file with the rows ingested before, so it is named in a CTE
-- first: only DuckDB would let a select list refer to its own aliases
final as (

    select
        *,
        {{ sparkify.ingestion_batch_columns() }}
    from located

)

select * from final
