{{
    config(
        unique_key='songplay_id',
        incremental_strategy=mart_incremental_strategy(),
        file_format=mart_file_format(),
        partition_by=mart_partition_by(['year', 'month']),
    )
}}

with

events as (

    select * from {{ ref('stg_sparkify__events') }}

),

songs as (

    select * from {{ ref('stg_sparkify__songs') }}

),

plays as (

    select
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
        song_length
    from events
    where
        is_song_play
    {% if is_incremental() %}
        and event_at >= {{ incremental_lower_bound('start_time') }}
    {% endif %}

),

new_plays as (

    select * from plays
    {% if is_incremental() %}
    -- plays inside the lookback window that are already loaded are left alone
    where songplay_id not in (
        select songplay_id from {{ this }}
        where start_time >= {{ incremental_lower_bound('start_time') }}
    )
    {% endif %}

),

song_keys as (

    select
        song_id,
        artist_id,
        duration,
        {{ match_key('title') }} as title_key,
        {{ match_key('artist_name') }} as artist_key
    from songs

),

candidates as (

    select
        plays.songplay_id,
        song_keys.song_id,
        song_keys.artist_id,
        row_number() over (
            partition by plays.songplay_id
            order by abs(song_keys.duration - plays.song_length) asc nulls last, song_keys.song_id asc
        ) as candidate_rank
    from new_plays as plays
    inner join song_keys
        on
            {{ match_key('plays.song_title') }} = song_keys.title_key
            and {{ match_key('plays.artist_name') }} = song_keys.artist_key

),

best_match as (

    select
        songplay_id,
        song_id,
        artist_id
    from candidates
    where candidate_rank = 1

),

final as (

    select
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
        -- the lake partitions plays by month (year=YYYY/month=M/), as the data-lake generation did
        cast(extract(year from plays.start_time) as integer) as year,
        cast(extract(month from plays.start_time) as integer) as month
    from new_plays as plays
    left join best_match
        on plays.songplay_id = best_match.songplay_id

)

select * from final
