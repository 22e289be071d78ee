{{
    config(
        materialized=sparkify.incremental_where_possible(),
        unique_key='event_key',
        incremental_strategy='delete+insert',
        pre_hook="{{ sparkify.reset_when_raw_files_replaced() }}",
    )
}}

{#
    One rule: identical events count once. One row per distinct valid event (event_key); of its
    identical lines the one kept is the first by file path and line number, over everything
    ingested, so the choice does not depend on the order files arrived in.
    Incremental: the events of batches newer than this model's newest, compared by key with the
    lines already kept.
#}

with

validated as (

    select * from {{ ref('int_log_events__validated') }}

),

new_events as (

    select * from validated
    where
        rejection_reason is null
    {% if is_incremental() %}
        and ingested_at > {{ sparkify.ingestion_watermark() }}
    {% endif %}

),

-- most events arrive once: only keys seen more than once are ranked, so the window sorts the
-- few repeated events instead of every new one
repeated_keys as (

    select event_key
    from new_events
    group by event_key
    having count(*) > 1

),

ranked_repeats as (

    select
        new_events.*,
        row_number() over (
            partition by new_events.event_key
            order by new_events.source_file, new_events.line_number
        ) as copy_rank
    from new_events
    inner join repeated_keys
        on new_events.event_key = repeated_keys.event_key

),

first_copies as (

    select
        new_events.*,
        cast(1 as {{ dbt.type_bigint() }}) as copy_rank
    from new_events
    where
        not exists (
            select 1
            from repeated_keys
            where repeated_keys.event_key = new_events.event_key
        )
    union all
    select * from ranked_repeats
    where copy_rank = 1

),

{% if is_incremental() %}
already_kept as (

    select
        event_key,
        source_file,
        line_number
    from {{ this }}
    where event_key in (select first_copies.event_key from first_copies)

),
{% endif %}

kept as (

    select first_copies.*
    from first_copies
    {% if is_incremental() %}
    left join already_kept
        on first_copies.event_key = already_kept.event_key
    where
        already_kept.event_key is null
        or first_copies.source_file < already_kept.source_file
        or (
            first_copies.source_file = already_kept.source_file
            and coalesce(first_copies.line_number, 0) < coalesce(already_kept.line_number, 0)
        )
    {% endif %}

),

final as (

    select
        event_key,
        source_file,
        line_number,
        user_id,
        session_id,
        item_in_session,
        first_name,
        last_name,
        gender,
        level,
        location,
        user_agent,
        auth,
        registration_epoch_ms,
        page,
        page_category,
        is_song_play,
        http_method,
        http_status,
        song_title,
        artist_name,
        song_length,
        event_epoch_ms,
        event_at,
        ingested_at
    from kept

)

select * from final
