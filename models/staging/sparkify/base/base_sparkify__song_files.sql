{{
    config(
        materialized=sparkify.incremental_where_possible(),
        unique_key='source_file',
        incremental_strategy='delete+insert',
    )
}}

{#
    Ingestion of the song catalogue: one row per song file (one JSON object each), as read. New and
    changed files only; a changed file's earlier row is replaced. Every row carries its batch.
#}

with

raw_song_files as (

    select * from {{ sparkify.read_new_raw_files(source('sparkify', 'song_data'), 'file') }}

),

parsed as (

    {{ sparkify.parse_raw_records('raw_song_files', sparkify.song_record_keys()) }}

),

located as (

    select
        {{ sparkify.path_below_raw_data('source_path', 'song_data') }} as source_file,
        raw_text,
        is_valid_json,
        non_scalar_fields,
        has_duplicate_keys,
        decoding_error,
        {%- for key in sparkify.song_record_keys() %}
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
