{{
    config(
        materialized='incremental',
        incremental_strategy='append',
    )
}}

{#
    One row per landing batch and raw source: what the ingester landed in it and what the build made
    of it (plays, other events, duplicates, quarantine by reason family, play-to-song matches), when
    the events happened and how late they arrived. A batch is recorded once, by the build that takes
    its files; later builds append newer batches only, so the figures stay those of the build that
    processed the batch. Append-only (no key to replace), which every engine supports.
    Files are counted as the base models hold them: a file read again in a later batch counts in the
    later one, and a --full-refresh counts every file in the batch of its current version.
#}

with

file_figures as (

    select * from {{ ref('ingestion_file_figures') }}

),

landing_batches as (

    select * from {{ source('sparkify_landing', 'batches') }}

),

landing_raw_files as (

    select * from {{ source('sparkify_landing', 'raw_files') }}

),

landing_files_not_read as (

    select * from {{ source('sparkify_landing', 'files_not_read') }}

),

-- batches recorded by an earlier build are history: only newer ones are added
new_file_figures as (

    select file_figures.*
    from file_figures
    {% if is_incremental() %}
    where file_figures.landing_batch_id not in (
        select recorded.landing_batch_id from {{ this }} as recorded
    )
    {% endif %}

),

batch_figures as (

    select
        landing_batch_id,
        source_table,
        min(landed_at) as landed_at,
        count(*) as files_read,
        sum(file_size) as bytes_read,
        sum(lines_read) as lines_read,
        sum(song_plays) as song_plays,
        sum(other_events) as other_events,
        sum(duplicates) as duplicates,
        sum(quarantined) as quarantined,
        sum(quarantined_malformed) as quarantined_malformed,
        sum(quarantined_missing_field) as quarantined_missing_field,
        sum(quarantined_impossible_time) as quarantined_impossible_time,
        sum(quarantined_conflicting_duplicate) as quarantined_conflicting_duplicate,
        sum(plays_matched) as plays_matched,
        min(earliest_event_at) as earliest_event_at,
        max(latest_event_at) as latest_event_at,
        max(lateness_hours) as max_file_lateness_hours,
        avg(lateness_hours) as avg_file_lateness_hours,
        max(ingestion_batch_id) as ingestion_batch_id,
        max(ingested_at) as ingested_at
    from new_file_figures
    group by landing_batch_id, source_table

),

files_gone as (

    select
        landing_batch_id,
        source_table,
        count(*) as files_gone
    from landing_raw_files
    where status = 'gone'
    group by landing_batch_id, source_table

),

files_not_read as (

    select
        landing_batch_id,
        source_table,
        count(*) as files_not_read
    from landing_files_not_read
    group by landing_batch_id, source_table

),

final as (

    select
        batch_figures.landing_batch_id,
        batch_figures.source_table,
        batch_figures.landed_at,
        landing_batches.raw_data,
        cast(batch_figures.files_read as {{ dbt.type_bigint() }}) as files_read,
        cast(batch_figures.bytes_read as {{ dbt.type_bigint() }}) as bytes_read,
        cast(batch_figures.lines_read as {{ dbt.type_bigint() }}) as lines_read,
        cast(batch_figures.song_plays as {{ dbt.type_bigint() }}) as song_plays,
        cast(batch_figures.other_events as {{ dbt.type_bigint() }}) as other_events,
        cast(batch_figures.duplicates as {{ dbt.type_bigint() }}) as duplicates,
        cast(batch_figures.quarantined as {{ dbt.type_bigint() }}) as quarantined,
        cast(batch_figures.quarantined_malformed as {{ dbt.type_bigint() }}) as quarantined_malformed,
        cast(batch_figures.quarantined_missing_field as {{ dbt.type_bigint() }})
            as quarantined_missing_field,
        cast(
            batch_figures.quarantined
            - batch_figures.quarantined_malformed
            - batch_figures.quarantined_missing_field
            - batch_figures.quarantined_impossible_time
            - batch_figures.quarantined_conflicting_duplicate
            as {{ dbt.type_bigint() }}
        ) as quarantined_invalid_value,
        cast(batch_figures.quarantined_impossible_time as {{ dbt.type_bigint() }})
            as quarantined_impossible_time,
        cast(batch_figures.quarantined_conflicting_duplicate as {{ dbt.type_bigint() }})
            as quarantined_conflicting_duplicate,
        -- shares and hours as 8-byte floats: a decimal division's scale differs by engine
        cast(
            case
                when batch_figures.lines_read > 0
                    then 1.0 * batch_figures.quarantined / batch_figures.lines_read
            end as {{ sparkify.type_double() }}
        ) as quarantine_share,
        cast(batch_figures.plays_matched as {{ dbt.type_bigint() }}) as plays_matched,
        cast(
            case
                when batch_figures.song_plays > 0
                    then 1.0 * batch_figures.plays_matched / batch_figures.song_plays
            end as {{ sparkify.type_double() }}
        ) as match_rate,
        batch_figures.earliest_event_at,
        batch_figures.latest_event_at,
        cast(
            {{ dbt.datediff('batch_figures.latest_event_at', 'batch_figures.landed_at', 'minute') }} / 60.0  -- noqa: LT05
            as {{ sparkify.type_double() }}
        ) as lateness_hours,
        cast(batch_figures.max_file_lateness_hours as {{ sparkify.type_double() }}) as max_file_lateness_hours,
        cast(batch_figures.avg_file_lateness_hours as {{ sparkify.type_double() }}) as avg_file_lateness_hours,
        cast(coalesce(files_gone.files_gone, 0) as {{ dbt.type_bigint() }}) as files_gone,
        cast(coalesce(files_not_read.files_not_read, 0) as {{ dbt.type_bigint() }}) as files_not_read,
        batch_figures.ingestion_batch_id,
        batch_figures.ingested_at
    from batch_figures
    left join landing_batches
        on batch_figures.landing_batch_id = landing_batches.landing_batch_id
    left join files_gone
        on
            batch_figures.landing_batch_id = files_gone.landing_batch_id
            and batch_figures.source_table = files_gone.source_table
    left join files_not_read
        on
            batch_figures.landing_batch_id = files_not_read.landing_batch_id
            and batch_figures.source_table = files_not_read.source_table

)

select * from final
