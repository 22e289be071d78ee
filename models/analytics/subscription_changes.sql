{#
    Every subscription change a listener submitted: one row per `Submit Upgrade`,
    `Submit Downgrade` or `Cancellation Confirmation` event, classified by the page_categories
    seed. The marts keep only song plays, so this reads the deduplicated events.
#}

with

events as (

    select * from {{ ref('int_log_events__deduplicated') }}

),

page_categories as (

    select * from {{ ref('page_categories') }}

),

changes as (

    select
        events.event_key as subscription_change_id,
        events.user_id,
        events.session_id,
        events.event_at as changed_at,
        page_categories.subscription_change as change_type,
        events.level as level_before_change
    from events
    inner join page_categories
        on events.page = page_categories.page
    where page_categories.subscription_change is not null

),

final as (

    select
        subscription_change_id,
        user_id,
        session_id,
        changed_at,
        change_type,
        level_before_change
    from changes

)

select * from final
