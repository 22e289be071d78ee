{{
    config(
        materialized='table',
    )
}}

{#
    Every landing batch that breaks one of the anomaly rules, one row per batch, source and rule,
    judged as of this build. The thresholds are vars (vars.yml, "Anomaly warnings"); warn-severity
    tests in the yml make `dbt build` warn when the newest batch of a source breaks a rule. A table,
    not a view: "hours since the latest batch" is measured at the build, and the report reads it later.
    Trailing medians are computed by ranking the previous batches' values, not with a median
    function: median and percentile_cont are neither portable nor window functions everywhere.
#}

with

batches as (

    select * from {{ ref('ingestion_batches') }}

),

numbered as (

    select
        landing_batch_id,
        source_table,
        landed_at,
        song_plays,
        quarantine_share,
        match_rate,
        row_number() over (
            partition by source_table
            order by landed_at, landing_batch_id
        ) as batch_number,
        count(*) over (partition by source_table) as batch_count
    from batches

),

-- each batch with the batches before it that its trailing medians are taken over
earlier_batches as (

    select
        judged.source_table,
        judged.batch_number,
        earlier.song_plays,
        earlier.match_rate,
        row_number() over (
            partition by judged.source_table, judged.batch_number
            order by earlier.song_plays
        ) as plays_rank,
        row_number() over (
            partition by judged.source_table, judged.batch_number
            order by earlier.match_rate
        ) as match_rate_rank,
        count(*) over (partition by judged.source_table, judged.batch_number) as trailing_count
    from numbered as judged
    inner join numbered as earlier
        on
            judged.source_table = earlier.source_table
            and judged.batch_number > earlier.batch_number
            and judged.batch_number - {{ var("anomaly_trailing_batches") | int }} <= earlier.batch_number

),

-- the middle value (odd count) or the mean of the two middle values (even count)
trailing_medians as (

    select
        source_table,
        batch_number,
        max(trailing_count) as trailing_count,
        avg(
            case
                when 2 * plays_rank >= trailing_count and 2 * plays_rank <= trailing_count + 2
                    then 1.0 * song_plays
            end
        ) as median_song_plays,
        avg(
            case
                when 2 * match_rate_rank >= trailing_count and 2 * match_rate_rank <= trailing_count + 2
                    then match_rate
            end
        ) as median_match_rate
    from earlier_batches
    group by source_table, batch_number

),

judged as (

    select
        numbered.*,
        trailing_medians.trailing_count,
        trailing_medians.median_song_plays,
        trailing_medians.median_match_rate
    from numbered
    left join trailing_medians
        on
            numbered.source_table = trailing_medians.source_table
            and numbered.batch_number = trailing_medians.batch_number

),

low_plays as (

    select
        landing_batch_id,
        source_table,
        landed_at,
        batch_number = batch_count as is_latest_batch,
        'plays_below_trailing_median' as rule_name,
        1.0 * song_plays as observed,
        {{ var('anomaly_min_plays_share') }} * median_song_plays as threshold
    from judged
    where
        source_table = 'log_data'
        and trailing_count >= {{ var('anomaly_min_trailing_batches') | int }}
        and song_plays < {{ var('anomaly_min_plays_share') }} * median_song_plays

),

high_quarantine as (

    select
        landing_batch_id,
        source_table,
        landed_at,
        batch_number = batch_count as is_latest_batch,
        'quarantine_share_above_bound' as rule_name,
        quarantine_share as observed,
        {{ var('anomaly_max_quarantine_share') }} as threshold
    from judged
    where quarantine_share > {{ var('anomaly_max_quarantine_share') }}

),

low_match_rate as (

    select
        landing_batch_id,
        source_table,
        landed_at,
        batch_number = batch_count as is_latest_batch,
        'match_rate_below_trailing_median' as rule_name,
        match_rate as observed,
        {{ var('anomaly_min_match_rate_share') }} * median_match_rate as threshold
    from judged
    where
        source_table = 'log_data'
        and trailing_count >= {{ var('anomaly_min_trailing_batches') | int }}
        and match_rate < {{ var('anomaly_min_match_rate_share') }} * median_match_rate

),

-- the build's start, in UTC like landed_at
build_time as (

    select
        cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as {{ dbt.type_timestamp() }})
            as started_at

),

overdue as (

    select
        judged.landing_batch_id,
        judged.source_table,
        judged.landed_at,
        true as is_latest_batch,
        'no_batch_for_too_long' as rule_name,
        {{ dbt.datediff('judged.landed_at', 'build_time.started_at', 'minute') }} / 60.0  -- noqa: LT05
            as observed,
        {{ var('anomaly_max_hours_without_batch') }} as threshold
    from judged
    cross join build_time
    where
        judged.source_table = 'log_data'
        and judged.batch_number = judged.batch_count
        and {{ dbt.datediff('judged.landed_at', 'build_time.started_at', 'minute') }} / 60.0  -- noqa: LT05
        > {{ var('anomaly_max_hours_without_batch') }}

),

unioned as (

    select * from low_plays
    union all
    select * from high_quarantine
    union all
    select * from low_match_rate
    union all
    select * from overdue

),

final as (

    select
        landing_batch_id,
        source_table,
        landed_at,
        is_latest_batch,
        rule_name,
        cast(observed as {{ sparkify.type_double() }}) as observed,
        cast(threshold as {{ sparkify.type_double() }}) as threshold
    from unioned

)

select * from final
