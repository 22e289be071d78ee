with

song_records as (

    select * from {{ ref('stg_sparkify__song_records') }}

),

final as (

    select
        song_id,
        artist_id,
        title,
        duration,
        release_year,
        artist_name,
        artist_location,
        artist_latitude,
        artist_longitude,
        source_file
    from song_records
    where rejection_reason is null

)

select * from final
