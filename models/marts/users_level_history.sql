{{
    config(
        materialized=sparkify.incremental_where_possible(),
        unique_key='user_id',
        incremental_strategy='delete+insert',
        file_format=mart_file_format(),
        pre_hook="{{ sparkify.reset_when_raw_files_replaced() }}",
    )
}}

{#
    Each listener's level over time, for analysts: the intervals of int_users__level_intervals.
    Incremental: the listeners recomputed since this model's newest batch, all their intervals
    replaced (delete+insert on user_id: an interval that moved or split leaves no stale row).
#}

with

level_intervals as (

    select * from {{ ref('int_users__level_intervals') }}

),

final as (

    select
        level_interval_id,
        user_id,
        level,
        valid_from,
        valid_to,
        is_current,
        ingested_at
    from level_intervals
    {% if is_incremental() %}
    where ingested_at > {{ sparkify.ingestion_watermark() }}
    {% endif %}

)

select * from final
