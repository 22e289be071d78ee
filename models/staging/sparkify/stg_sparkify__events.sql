with

log_records as (

    select * from {{ ref('stg_sparkify__log_records') }}

),

final as (

    select
        event_key,
        source_file,
        user_id,
        session_id,
        item_in_session,
        first_name,
        last_name,
        gender,
        level,
        location,
        user_agent,
        auth,
        registration_epoch_ms,
        page,
        page_category,
        is_song_play,
        http_method,
        http_status,
        song_title,
        artist_name,
        song_length,
        event_epoch_ms,
        event_at
    from log_records
    where rejection_reason is null and not is_duplicate

)

select * from final
