{{
    config(
        materialized=sparkify.incremental_where_possible(),
        unique_key='user_id',
        incremental_strategy='delete+insert',
        pre_hook="{{ sparkify.reset_when_raw_files_replaced() }}",
    )
}}

{#
    One rule: level intervals. A listener's level history, derived from the events by event time:
    one row per interval at one level (SCD type 2), from the first event at that level to the next
    interval's start; the current interval has valid_to null. Events of one listener at one
    millisecond are one instant, at the level of the last of them (by session, item in session, event
    key, as users takes the latest event), so no interval is empty and (user_id, valid_from) is a key.
    Events without a user id or a level take no part.
    Incremental by ingestion batch: every listener with events in a newer batch is recomputed from
    all their events (a late event may split, start or move any interval), and delete+insert on
    user_id replaces all their intervals; ingested_at is the listener's newest batch, so the mart
    picks up all of a recomputed listener's intervals.
#}

with

events as (

    select * from {{ ref('int_log_events__deduplicated') }}
    where
        user_id is not null
        and level is not null

),

{% if is_incremental() %}
listeners_to_recompute as (

    select distinct user_id
    from events
    where ingested_at > {{ sparkify.ingestion_watermark() }}

),

history as (

    select * from events
    where user_id in (select listeners_to_recompute.user_id from listeners_to_recompute)

),
{% else %}
history as (

    select * from events

),
{% endif %}

-- the events of one listener at one millisecond are one instant: the last of them gives its level
ranked_within_instant as (

    select
        user_id,
        level,
        event_at,
        max(ingested_at) over (partition by user_id) as ingested_at,
        row_number() over (
            partition by user_id, event_at
            order by
                session_id desc,
                item_in_session desc,
                event_key desc
        ) as rank_within_instant
    from history

),

instants as (

    select
        user_id,
        level,
        event_at,
        ingested_at
    from ranked_within_instant
    where rank_within_instant = 1

),

sequenced_instants as (

    select
        user_id,
        level,
        event_at,
        ingested_at,
        lag(level) over (partition by user_id order by event_at) as previous_level
    from instants

),

-- an interval starts at a listener's first instant and at every instant whose level differs from
-- the instant before
interval_starts as (

    select
        user_id,
        level,
        event_at as valid_from,
        ingested_at
    from sequenced_instants
    where
        previous_level is null
        or previous_level <> level

),

intervals as (

    select
        user_id,
        level,
        valid_from,
        lead(valid_from) over (partition by user_id order by valid_from) as valid_to,
        ingested_at
    from interval_starts

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            "user_id", "'|'",
            "cast(valid_from as " ~ dbt.type_string() ~ ")",
        ])) }} as level_interval_id,
        user_id,
        level,
        valid_from,
        valid_to,
        valid_to is null as is_current,
        ingested_at
    from intervals

)

select * from final
