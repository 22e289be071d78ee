{#
    Free ↔ paid changes from the listeners' level history (the users_level_history snapshot): one row
    per version whose level differs from the listener's previous version. The snapshot records a new
    version when a build finds a new `level_since`, dated when the level really changed; a change that
    was undone between two builds leaves no trace.
#}

with

level_history as (

    select * from {{ ref('users_level_history') }}

),

sequenced as (

    select
        user_id,
        level,
        dbt_valid_from,
        lag(level) over (partition by user_id order by dbt_valid_from) as previous_level
    from level_history

),

changes as (

    select
        {{ dbt.hash(dbt.concat([
            "user_id", "'|'",
            "cast(dbt_valid_from as " ~ dbt.type_string() ~ ")",
        ])) }} as level_change_id,
        user_id,
        dbt_valid_from as changed_at,
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
