{{
    config(
        materialized=sparkify.incremental_where_possible(),
        unique_key='user_id',
        incremental_strategy='delete+insert',
        file_format=mart_file_format(),
        pre_hook="{{ sparkify.reset_when_raw_files_replaced() }}",
    )
}}

with

events as (

    select * from {{ ref('int_log_events__deduplicated') }}
    where user_id is not null

),

{% if is_incremental() %}
new_events as (

    select * from events
    where ingested_at > {{ sparkify.ingestion_watermark() }}

),

current_users as (

    select * from {{ this }}
    where user_id in (select new_events.user_id from new_events)

),

-- a listener whose new events all come after the last event held here is brought up to date from
-- the new events alone (the common case: a day appended), so a one-day build reads one day of
-- events; a listener with a late event (at or before the last one held), or not held yet, is
-- recomputed from their whole history
listeners_to_recompute as (

    select distinct new_events.user_id
    from new_events
    left join current_users
        on new_events.user_id = current_users.user_id
    where
        current_users.user_id is null
        or new_events.event_at <= current_users.last_event_at
        -- an event without a level takes no part in level changes: left to the full rule
        or new_events.level is null
        or current_users.level is null

),

-- the listeners brought up to date from their new events, as held before this build
appended_users as (

    select * from current_users
    where user_id not in (select listeners_to_recompute.user_id from listeners_to_recompute)

),

history as (

    select * from new_events
    where user_id not in (select listeners_to_recompute.user_id from listeners_to_recompute)
    union all
    select * from events
    where user_id in (select listeners_to_recompute.user_id from listeners_to_recompute)

),
{% else %}
history as (

    select * from events

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
        max(ingested_at) over (partition by user_id) as ingested_at,
        row_number() over (
            partition by user_id
            order by
                event_epoch_ms desc,
                session_id desc,
                item_in_session desc,
                event_key desc
        ) as recency_rank
    from history

),

latest_events as (

    select
        user_id,
        first_name,
        last_name,
        gender,
        level,
        event_at as last_event_at,
        ingested_at
    from ranked_events
    where recency_rank = 1

),

-- the current level holds since the first event after the listener's last event at another
-- level, in event order (ranks, not times: two events can share a millisecond)
last_other_level as (

    select
        ranked_events.user_id,
        min(ranked_events.recency_rank) as last_other_level_rank
    from ranked_events
    inner join latest_events
        on ranked_events.user_id = latest_events.user_id
    where ranked_events.level <> latest_events.level
    group by ranked_events.user_id

),

level_since as (

    select
        ranked_events.user_id,
        min(ranked_events.event_at) as level_since,
        max(last_other_level.last_other_level_rank) is not null as level_changed
    from ranked_events
    left join last_other_level
        on ranked_events.user_id = last_other_level.user_id
    where
        last_other_level.last_other_level_rank is null
        or ranked_events.recency_rank < last_other_level.last_other_level_rank
    group by ranked_events.user_id

),

final as (

    select
        latest_events.user_id,
        latest_events.first_name,
        latest_events.last_name,
        latest_events.gender,
        latest_events.level,
        {% if is_incremental() -%}
        -- brought up from new events at the level held already: the level holds since then
        case
            when
                appended_users.user_id is not null
                and not level_since.level_changed
                and appended_users.level = latest_events.level
                then appended_users.level_since
            else level_since.level_since
        end as level_since,
        {%- else -%}
        level_since.level_since,
        {%- endif %}
        latest_events.last_event_at,
        latest_events.ingested_at
    from latest_events
    left join level_since
        on latest_events.user_id = level_since.user_id
    {% if is_incremental() -%}
    left join appended_users
        on latest_events.user_id = appended_users.user_id
    {%- endif %}

)

select * from final
