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
-- listeners with events in batches newer than this model's newest; only they are recomputed
listeners_with_new_events as (

    select distinct user_id
    from events
    where ingested_at > {{ sparkify.ingestion_watermark() }}

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
    from events
    {% if is_incremental() %}
    where user_id in (select listeners_with_new_events.user_id from listeners_with_new_events)
    {% endif %}

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
        min(ranked_events.event_at) as level_since
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
        level_since.level_since,
        latest_events.last_event_at,
        latest_events.ingested_at
    from latest_events
    left join level_since
        on latest_events.user_id = level_since.user_id

)

select * from final
