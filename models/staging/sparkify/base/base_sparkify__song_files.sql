{{
    config(
        materialized=sparkify.incremental_where_possible(),
        unique_key='source_file',
        incremental_strategy='delete+insert',
    )
}}

{#
    The song catalogue as landed: one row per song file (its one JSON object), current versions
    only, taken incrementally as base_sparkify__log_lines takes log files.
#}

with

landed_records as (

    select * from {{ source('sparkify_landing', 'song_files') }}

),

landed_files as (

    select * from {{ ref('base_sparkify__landed_files') }}
    where source_table = 'song_data' and status = 'ingested'

),

new_files as (

    select landed_files.*
    from landed_files
    {% if is_incremental() %}
    where not exists (
        select 1
        from {{ this }} as held
        where
            held.source_file = landed_files.source_file
            and held.landing_batch_id = landed_files.landing_batch_id
    )
    {% endif %}

),

new_records as (

    select
        landed_records.source_file,
        landed_records.raw_text,
        landed_records.is_valid_json,
        landed_records.non_scalar_fields,
        landed_records.has_duplicate_keys,
        landed_records.non_finite_fields,
        landed_records.decoding_error,
        landed_records.num_songs,
        landed_records.artist_id,
        landed_records.artist_latitude,
        landed_records.artist_longitude,
        landed_records.artist_location,
        landed_records.artist_name,
        landed_records.song_id,
        landed_records.title,
        landed_records.duration,
        landed_records.year,
        landed_records.file_size,
        landed_records.file_modified_at,
        landed_records.landing_batch_id,
        landed_records.landed_at
    from landed_records
    inner join new_files
        on
            landed_records.source_file = new_files.source_file
            and landed_records.landing_batch_id = new_files.landing_batch_id

),

final as (

    select
        *,
        {{ sparkify.ingestion_batch_columns() }}
    from new_records

)

select * from final
