-- Where do listeners play? Plays, listeners and the share of plays by paid listeners per state and
-- Census region (a metro area spanning several states counts in its primary state). Compile with
-- `dbt compile --select plays_by_state` and run the SQL dbt prints.

with

songplays as (

    select * from {{ ref('songplays') }}

),

listener_locations as (

    select * from {{ ref('listener_locations') }}

),

state_plays as (

    select
        listener_locations.primary_state_code as state_code,
        listener_locations.primary_state_name as state_name,
        listener_locations.census_region,
        count(*) as plays,
        count(distinct songplays.user_id) as listeners,
        count(case when songplays.level = 'paid' then 1 end) as paid_plays
    from songplays
    inner join listener_locations
        on songplays.location = listener_locations.location
    group by
        listener_locations.primary_state_code,
        listener_locations.primary_state_name,
        listener_locations.census_region

),

final as (

    select
        state_code,
        state_name,
        census_region,
        plays,
        listeners,
        round(1.0 * paid_plays / plays, 4) as paid_play_share
    from state_plays

)

select * from final
order by plays desc, state_code asc
