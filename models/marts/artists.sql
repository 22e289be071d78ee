{{
    config(
        materialized=sparkify.incremental_where_possible(),
        unique_key='artist_id',
        incremental_strategy='delete+insert',
        file_format=mart_file_format(),
        pre_hook="{{ sparkify.reset_when_raw_files_replaced() }}",
    )
}}

with

song_records as (

    select * from {{ ref('int_song_records__validated') }}
    where rejection_reason is null

),

{% if is_incremental() %}
new_artist_ids as (

    select distinct artist_id
    from song_records
    where ingested_at > {{ sparkify.ingestion_watermark() }}

),
{% endif %}

ranked_records as (

    select
        artist_id,
        artist_name,
        artist_location,
        artist_latitude,
        artist_longitude,
        max(ingested_at) over (partition by artist_id) as ingested_at,
        -- one record per artist: the most complete one, then the smallest song id, so that a
        -- location always travels with its own coordinates
        row_number() over (
            partition by artist_id
            order by
                (
                    case when artist_name is not null then 1 else 0 end
                    + case when artist_location is not null then 1 else 0 end
                    + case when artist_latitude is not null then 1 else 0 end
                    + case when artist_longitude is not null then 1 else 0 end
                ) desc,
                song_id asc,
                source_file asc
        ) as record_rank
    from song_records
    {% if is_incremental() %}
    where artist_id in (select new_artist_ids.artist_id from new_artist_ids)
    {% endif %}

),

final as (

    select
        artist_id,
        artist_name as name,
        artist_location as location,
        artist_latitude as latitude,
        artist_longitude as longitude,
        ingested_at
    from ranked_records
    where record_rank = 1

)

select * from final
