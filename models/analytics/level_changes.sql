{#
    Free ↔ paid changes from the listeners' level history (the users_level_history mart, derived
    from the events by event time): one row per interval whose level differs from the listener's
    previous interval. A listener's first interval is no change. The change's id is the id of the
    interval it starts.
#}

with

level_history as (

    select * from {{ ref('users_level_history') }}

),

sequenced as (

    select
        level_interval_id,
        user_id,
        level,
        valid_from,
        lag(level) over (partition by user_id order by valid_from) as previous_level
    from level_history

),

changes as (

    select
        level_interval_id as level_change_id,
        user_id,
        valid_from as changed_at,
        previous_level as level_before,
        level as level_after,
        case
            when previous_level = 'free' and level = 'paid' then 'upgrade'
            when previous_level = 'paid' and level = 'free' then 'downgrade'
        end as change_type
    from sequenced
    where previous_level <> level

),

final as (

    select
        level_change_id,
        user_id,
        changed_at,
        level_before,
        level_after,
        change_type
    from changes

)

select * from final
