{{
    config(
        unique_key='user_id',
        incremental_strategy='delete+insert',
    )
}}

with

events as (

    select * from {{ ref('stg_sparkify__events') }}
    where user_id is not null

),

{% if is_incremental() %}
affected_users as (

    select distinct user_id
    from events
    where event_at >= {{ incremental_lower_bound('last_event_at') }}

),
{% endif %}

ranked_events as (

    select
        user_id,
        first_name,
        last_name,
        gender,
        level,
        event_at,
        row_number() over (
            partition by user_id
            order by
                event_epoch_ms desc,
                session_id desc,
                item_in_session desc,
                source_file desc
        ) as recency_rank
    from events
    {% if is_incremental() %}
    where user_id in (select user_id from affected_users)
    {% endif %}

),

final as (

    select
        user_id,
        first_name,
        last_name,
        gender,
        level,
        event_at as last_event_at
    from ranked_events
    where recency_rank = 1

)

select * from final
