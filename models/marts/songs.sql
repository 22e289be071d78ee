{{
    config(
        materialized=keyed_mart_materialization(),
        unique_key='song_id',
        incremental_strategy='delete+insert',
        file_format=mart_file_format(),
        partition_by=mart_partition_by(['year', 'artist_id']),
    )
}}

with

songs as (

    select * from {{ ref('stg_sparkify__songs') }}

),

ranked_records as (

    select
        song_id,
        title,
        artist_id,
        release_year,
        duration,
        -- a song id delivered in several files keeps the record of the first file by path
        row_number() over (partition by song_id order by source_file) as record_rank
    from songs

),

current_songs as (

    select
        song_id,
        title,
        artist_id,
        release_year as year,
        duration
    from ranked_records
    where record_rank = 1

),

final as (

    select * from current_songs
    {% if is_incremental() %}
    -- only new or changed songs are rewritten
    except
    select
        song_id,
        title,
        artist_id,
        year,
        duration
    from {{ this }}
    {% endif %}

)

select * from final
