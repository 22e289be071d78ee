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
        row_number() over (
            partition by user_id, session_id, item_in_session, event_epoch_ms
            order by event_key
        ) as id_rank
    from events
    where is_song_play

),

final as (

    select
        event_key,
        source_file,
        line_number
    from plays
    where id_rank > 1

)

select * from final
