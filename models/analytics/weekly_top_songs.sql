{#
    The worked example of an analysts' model (docs/analysts.md walks through it): the most played
    songs of each ISO week. It reads marts only, through ref(), so that
    `dbt build --select +weekly_top_songs` builds and tests exactly what it depends on.
#}

{%- set top_limit = var('weekly_top_songs_limit', 10) -%}
{%- if top_limit is not integer or top_limit < 1 -%}
    {{ exceptions.raise_compiler_error(
        "var weekly_top_songs_limit must be a whole number of at least 1, got '" ~ top_limit ~ "'"
    ) }}
{%- endif %}

with

songplays as (

    select * from {{ ref('songplays') }}

),

songs as (

    select * from {{ ref('songs') }}

),

artists as (

    select * from {{ ref('artists') }}

),

plays as (

    select
        songplays.songplay_id,
        songplays.user_id,
        songplays.song_id,
        cast({{ dbt.date_trunc('week', 'songplays.start_time') }} as date) as week_start,
        -- the catalogue's spelling where the play matched a song, so that case variants of one
        -- title count together; the event's own names where it did not
        coalesce(songs.title, songplays.song_title) as song_title,
        coalesce(artists.name, songplays.artist_name) as artist_name
    from songplays
    left join songs
        on songplays.song_id = songs.song_id
    left join artists
        on songplays.artist_id = artists.artist_id

),

weekly_plays as (

    select
        week_start,
        song_id,
        song_title,
        artist_name,
        count(*) as plays,
        count(distinct user_id) as listeners
    from plays
    group by
        week_start,
        song_id,
        song_title,
        artist_name

),

ranked as (

    select
        week_start,
        song_id,
        song_title,
        artist_name,
        plays,
        listeners,
        -- ties broken by names, then id, so that a rebuild ranks the same way on every engine
        row_number() over (
            partition by week_start
            order by
                plays desc,
                listeners desc,
                song_title asc,
                artist_name asc,
                coalesce(song_id, '') asc
        ) as song_rank
    from weekly_plays

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            "cast(week_start as " ~ dbt.type_string() ~ ")", "'|'",
            "cast(song_rank as " ~ dbt.type_string() ~ ")",
        ])) }} as weekly_top_song_id,
        week_start,
        song_rank,
        song_id,
        song_title,
        artist_name,
        plays,
        listeners
    from ranked
    where song_rank <= {{ top_limit }}

)

select * from final
