-- When do people listen? Song plays per hour of the day (UTC), free and paid listeners side by side,
-- with each level's share of its own plays. Compile with `dbt compile --select plays_by_hour_and_level`
-- and run the SQL dbt prints (also in target/compiled/sparkify/analyses/).

with

songplays as (

    select * from {{ ref('songplays') }}

),

time_parts as (

    select * from {{ ref('time') }}

),

hourly_plays as (

    select
        time_parts.hour,
        count(case when songplays.level = 'free' then 1 end) as free_plays,
        count(case when songplays.level = 'paid' then 1 end) as paid_plays
    from songplays
    inner join time_parts
        on songplays.start_time = time_parts.start_time
    group by time_parts.hour

),

final as (

    select
        hour,
        free_plays,
        paid_plays,
        round(1.0 * free_plays / nullif(sum(free_plays) over (), 0), 4) as share_of_free_plays,
        round(1.0 * paid_plays / nullif(sum(paid_plays) over (), 0), 4) as share_of_paid_plays
    from hourly_plays

)

select * from final
order by hour
