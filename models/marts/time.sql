{{
    config(
        materialized=sparkify.incremental_where_possible(),
        unique_key='start_time',
        incremental_strategy='delete+insert',
        file_format=mart_file_format(),
        partition_by=mart_partition_by(['year', 'month']),
        pre_hook="{{ sparkify.reset_when_raw_files_replaced() }}",
    )
}}

with

songplays as (

    select * from {{ ref('songplays') }}

),

play_times as (

    select
        start_time,
        max(ingested_at) as ingested_at
    from songplays
    {% if is_incremental() %}
    where ingested_at > {{ sparkify.ingestion_watermark() }}
    {% endif %}
    group by start_time

),

final as (

    select
        start_time,
        cast(extract(hour from start_time) as integer) as hour,
        cast(extract(day from start_time) as integer) as day,
        {{ iso_week('start_time') }} as week,
        cast(extract(month from start_time) as integer) as month,
        cast(extract(year from start_time) as integer) as year,
        {{ iso_weekday('start_time') }} as weekday,
        ingested_at
    from play_times

)

select * from final
