{{
    config(
        materialized=sparkify.incremental_where_possible(),
        unique_key='songplay_id',
        incremental_strategy='delete+insert',
        file_format=mart_file_format(),
        partition_by=mart_partition_by(['year', 'month']),
        pre_hook="{{ sparkify.reset_when_raw_files_replaced() }}",
    )
}}

with

matched_plays as (

    select * from {{ ref('int_songplays__matched_to_songs') }}

),

final as (

    select
        songplay_id,
        start_time,
        user_id,
        level,
        song_id,
        artist_id,
        session_id,
        item_in_session,
        location,
        user_agent,
        song_title,
        artist_name,
        song_length,
        -- the lake partitions plays by month (year=YYYY/month=M/), as the data-lake generation did
        cast(extract(year from start_time) as integer) as year,
        cast(extract(month from start_time) as integer) as month,
        ingested_at
    from matched_plays
    {% if is_incremental() %}
    where ingested_at > {{ sparkify.ingestion_watermark() }}
    {% endif %}

)

select * from final
