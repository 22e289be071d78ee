{{
    config(
        unique_key='start_time',
        incremental_strategy=mart_incremental_strategy(),
        file_format=mart_file_format(),
        partition_by=mart_partition_by(['year', 'month']),
    )
}}

with

songplays as (

    select * from {{ ref('songplays') }}

),

play_times as (

    select distinct start_time
    from songplays
    {% if is_incremental() %}
    where
        start_time >= {{ incremental_lower_bound('start_time') }}
        and start_time not in (
            select start_time from {{ this }}
            where start_time >= {{ incremental_lower_bound('start_time') }}
        )
    {% endif %}

),

final as (

    select
        start_time,
        cast(extract(hour from start_time) as integer) as hour,
        cast(extract(day from start_time) as integer) as day,
        {{ iso_week('start_time') }} as week,
        cast(extract(month from start_time) as integer) as month,
        cast(extract(year from start_time) as integer) as year,
        {{ iso_weekday('start_time') }} as weekday
    from play_times

)

select * from final
