{{
    config(
        materialized=sparkify.incremental_where_possible(),
        unique_key='songplay_id',
        incremental_strategy='delete+insert',
        pre_hook="{{ sparkify.reset_when_raw_files_replaced() }}",
    )
}}

{#
    One rule: the play-to-song match. Every song play with the catalogue's song and artist where
    one matches (title and artist name equal after trimming, case-insensitively; among several
    candidates the nearest duration, then the smallest song id); else null ids.
    Incremental: plays of newer batches, and the plays already here whose title and artist a newer
    song file names (a song delivered late matches the plays before it).
    Two different plays with one songplay_id (same listener, session, item and ts): the play with
    the smallest event_key keeps it; the other is a conflicting duplicate, quarantined by the ops
    models with that reason (the same rule, stated in quarantined_records).
#}

with

events as (

    select * from {{ ref('int_log_events__deduplicated') }}

),

song_records as (

    select * from {{ ref('int_song_records__validated') }}

),

songs as (

    select
        song_id,
        artist_id,
        duration,
        ingested_at,
        {{ match_key('title') }} as title_key,
        {{ match_key('artist_name') }} as artist_key
    from song_records
    where rejection_reason is null

),

new_play_events as (

    select
        event_key,
        {{ dbt.hash(dbt.concat([
            "coalesce(user_id, '')", "'|'",
            "cast(session_id as " ~ dbt.type_string() ~ ")", "'|'",
            "cast(item_in_session as " ~ dbt.type_string() ~ ")", "'|'",
            "cast(event_epoch_ms as " ~ dbt.type_string() ~ ")",
        ])) }} as songplay_id,
        event_at as start_time,
        user_id,
        level,
        session_id,
        item_in_session,
        location,
        user_agent,
        song_title,
        artist_name,
        song_length,
        {{ match_key('song_title') }} as title_key,
        {{ match_key('artist_name') }} as artist_key,
        ingested_at
    from events
    where
        is_song_play
    {% if is_incremental() %}
        and ingested_at > {{ sparkify.ingestion_watermark() }}
    {% endif %}

),

-- of plays sharing a songplay_id, the one with the smallest event_key (conflicting duplicates);
-- an aggregate, not a window: almost every id is held by one play
shared_ids as (

    select
        songplay_id,
        min(event_key) as first_event_key
    from new_play_events
    group by songplay_id
    having count(*) > 1

),

new_plays as (

    select
        new_play_events.event_key,
        new_play_events.songplay_id,
        new_play_events.start_time,
        new_play_events.user_id,
        new_play_events.level,
        new_play_events.session_id,
        new_play_events.item_in_session,
        new_play_events.location,
        new_play_events.user_agent,
        new_play_events.song_title,
        new_play_events.artist_name,
        new_play_events.song_length,
        new_play_events.title_key,
        new_play_events.artist_key,
        new_play_events.ingested_at
    from new_play_events
    -- a join, not `not exists`: with the key inequality DuckDB re-scans every play (30 % of the CPU)
    left join shared_ids
        on new_play_events.songplay_id = shared_ids.songplay_id
    where
        (
            shared_ids.songplay_id is null
            or new_play_events.event_key <= shared_ids.first_event_key
        )
    {% if is_incremental() %}
        and not exists (
            select 1
            from {{ this }} as loaded
            where
                loaded.songplay_id = new_play_events.songplay_id
                and loaded.event_key < new_play_events.event_key
        )
    {% endif %}

),

{% if is_incremental() %}
new_song_keys as (

    select distinct
        title_key,
        artist_key
    from songs
    where ingested_at > {{ sparkify.ingestion_watermark() }}

),

rematched_plays as (

    select
        loaded.event_key,
        loaded.songplay_id,
        loaded.start_time,
        loaded.user_id,
        loaded.level,
        loaded.session_id,
        loaded.item_in_session,
        loaded.location,
        loaded.user_agent,
        loaded.song_title,
        loaded.artist_name,
        loaded.song_length,
        loaded.title_key,
        loaded.artist_key,
        loaded.ingested_at
    from {{ this }} as loaded
    inner join new_song_keys
        on
            loaded.title_key = new_song_keys.title_key
            and loaded.artist_key = new_song_keys.artist_key
    where loaded.songplay_id not in (select new_plays.songplay_id from new_plays)

),
{% endif %}

plays as (

    select * from new_plays
    {% if is_incremental() %}
    union all
    select * from rematched_plays
    {% endif %}

),

candidates as (

    select
        plays.songplay_id,
        songs.song_id,
        songs.artist_id,
        songs.ingested_at,
        abs(songs.duration - plays.song_length) as duration_gap
    from plays
    inner join songs
        on
            plays.title_key = songs.title_key
            and plays.artist_key = songs.artist_key

),

-- plays with more than one candidate song are ranked; the window sorts only those
ambiguous_plays as (

    select songplay_id
    from candidates
    group by songplay_id
    having count(*) > 1

),

ranked_candidates as (

    select
        candidates.*,
        row_number() over (
            partition by candidates.songplay_id
            order by candidates.duration_gap asc nulls last, candidates.song_id asc
        ) as candidate_rank
    from candidates
    inner join ambiguous_plays
        on candidates.songplay_id = ambiguous_plays.songplay_id

),

best_match as (

    select
        songplay_id,
        song_id,
        artist_id,
        ingested_at
    from candidates
    where
        not exists (
            select 1
            from ambiguous_plays
            where ambiguous_plays.songplay_id = candidates.songplay_id
        )
    union all
    select
        songplay_id,
        song_id,
        artist_id,
        ingested_at
    from ranked_candidates
    where candidate_rank = 1

),

final as (

    select
        plays.event_key,
        plays.songplay_id,
        plays.start_time,
        plays.user_id,
        plays.level,
        best_match.song_id,
        best_match.artist_id,
        plays.session_id,
        plays.item_in_session,
        plays.location,
        plays.user_agent,
        plays.song_title,
        plays.artist_name,
        plays.song_length,
        plays.title_key,
        plays.artist_key,
        -- the newest batch this row reflects: its play's, or a later song file's that it now matches
        case
            when best_match.ingested_at > plays.ingested_at then best_match.ingested_at
            else plays.ingested_at
        end as ingested_at
    from plays
    left join best_match
        on plays.songplay_id = best_match.songplay_id

)

select * from final
