{{
    config(
        materialized=keyed_mart_materialization(),
        unique_key='artist_id',
        incremental_strategy='delete+insert',
        file_format=mart_file_format(),
    )
}}

with

songs as (

    select * from {{ ref('stg_sparkify__songs') }}

),

ranked_records as (

    select
        artist_id,
        artist_name,
        artist_location,
        artist_latitude,
        artist_longitude,
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
                song_id asc
        ) as record_rank
    from songs

),

current_artists as (

    select
        artist_id,
        artist_name as name,
        artist_location as location,
        artist_latitude as latitude,
        artist_longitude as longitude
    from ranked_records
    where record_rank = 1

),

final as (

    select * from current_artists
    {% if is_incremental() %}
    -- only new or changed artists are rewritten
    except
    select
        artist_id,
        name,
        location,
        latitude,
        longitude
    from {{ this }}
    {% endif %}

)

select * from final
