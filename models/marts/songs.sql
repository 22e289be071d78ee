{{
    config(
        materialized=sparkify.incremental_where_possible(),
        unique_key='song_id',
        incremental_strategy='delete+insert',
        file_format=mart_file_format(),
        partition_by=mart_partition_by(['year', 'artist_id']),
        pre_hook="{{ sparkify.reset_when_raw_files_replaced() }}",
    )
}}

with

song_records as (

    select * from {{ ref('int_song_records__validated') }}
    where rejection_reason is null

),

{% if is_incremental() %}
new_song_ids as (

    select distinct song_id
    from song_records
    where ingested_at > {{ sparkify.ingestion_watermark() }}

),
{% endif %}

ranked_records as (

    select
        song_id,
        title,
        artist_id,
        release_year,
        duration,
        ingested_at,
        -- a song id delivered in several files keeps the record of the first file by path
        row_number() over (partition by song_id order by source_file) as record_rank
    from song_records
    {% if is_incremental() %}
    where song_id in (select new_song_ids.song_id from new_song_ids)
    {% endif %}

),

final as (

    select
        song_id,
        title,
        artist_id,
        release_year as year,
        duration,
        ingested_at
    from ranked_records
    where record_rank = 1

)

select * from final
