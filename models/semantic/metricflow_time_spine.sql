{#
    One row per day: MetricFlow joins to it for cumulative metrics (monthly active users) and to fill
    days without plays. From the `service_launched_on` var (staging quarantines earlier events) to
    the day of the newest play, so that no metric runs past the data (a cumulative one would fill
    the days after it); at most 10,000 days. Plain cross joins instead of a series function, so that
    it builds the same on every engine.
#}

{%- set spine_start = var('service_launched_on') | string -%}
{%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', spine_start) -%}
    {{ exceptions.raise_compiler_error(
        "var service_launched_on must be a date written YYYY-MM-DD, got '" ~ spine_start ~ "'"
    ) }}
{%- endif %}

with

songplays as (

    select * from {{ ref('songplays') }}

),

data_end as (

    select cast(max(start_time) as date) as last_day
    from songplays

),

digits as (

    select 0 as digit
    union all
    select 1
    union all
    select 2
    union all
    select 3
    union all
    select 4
    union all
    select 5
    union all
    select 6
    union all
    select 7
    union all
    select 8
    union all
    select 9

),

day_offsets as (

    select
        thousands.digit * 1000
        + hundreds.digit * 100
        + tens.digit * 10
        + ones.digit as day_offset
    from digits as ones
    cross join digits as tens
    cross join digits as hundreds
    cross join digits as thousands

),

spine as (

    select
        cast(
            {{ dbt.dateadd(
                'day',
                'day_offset',
                "cast('" ~ spine_start ~ "' as date)",
            ) }}
            as date
        ) as date_day
    from day_offsets

),

final as (

    select spine.date_day
    from spine
    cross join data_end
    where spine.date_day <= coalesce(data_end.last_day, cast('{{ spine_start }}' as date))

)

select * from final
