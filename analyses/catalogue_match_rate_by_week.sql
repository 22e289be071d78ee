-- How much of what people play is in our song catalogue? Per ISO week: plays, plays matched to a
-- catalogue song, and the match rate. A low rate means song and artist attributes are unknown for
-- most plays (the 2018 sample catalogue holds a few dozen songs). Compile with
-- `dbt compile --select catalogue_match_rate_by_week` and run the SQL dbt prints.

with

songplays as (

    select * from {{ ref('songplays') }}

),

weekly as (

    select
        cast({{ dbt.date_trunc('week', 'start_time') }} as date) as week_start,
        count(*) as plays,
        count(song_id) as matched_plays
    from songplays
    group by cast({{ dbt.date_trunc('week', 'start_time') }} as date)

),

final as (

    select
        week_start,
        plays,
        matched_plays,
        round(1.0 * matched_plays / plays, 4) as match_rate
    from weekly

)

select * from final
order by week_start
