{#
    One rule, stated over everything loaded: two different plays with one songplay_id (same
    listener, session, item and ts, another song) cannot both be a row of songplays. The play with
    the smallest event_key keeps the id (int_songplays__matched_to_songs applies the same rule as
    plays arrive); every other one is a conflicting duplicate, listed here for the quarantine and
    the line accounting.
#}

with

events as (

    select * from {{ ref('int_log_events__deduplicated') }}

),

plays as (

    select
        event_key,
        source_file,
        line_number,
        user_id,
        session_id,
        item_in_session,
        event_epoch_ms
    from events
    where is_song_play

),

-- an aggregate, not a window over every play: almost every id is held by one play
shared_ids as (

    select
        user_id,
        session_id,
        item_in_session,
        event_epoch_ms,
        min(event_key) as first_event_key
    from plays
    group by
        user_id,
        session_id,
        item_in_session,
        event_epoch_ms
    having count(*) > 1

),

final as (

    select
        plays.event_key,
        plays.source_file,
        plays.line_number
    from plays
    inner join shared_ids
        on
            coalesce(plays.user_id, '') = coalesce(shared_ids.user_id, '')
            and plays.session_id = shared_ids.session_id
            and plays.item_in_session = shared_ids.item_in_session
            and plays.event_epoch_ms = shared_ids.event_epoch_ms
    where plays.event_key > shared_ids.first_event_key

)

select * from final
