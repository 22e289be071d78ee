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

log_lines as (

    select * from {{ ref('base_sparkify__log_lines') }}

),

song_files as (

    select * from {{ ref('base_sparkify__song_files') }}

),

log_line_accounting as (

    select * from {{ ref('log_line_accounting') }}

),

log_events as (

    select * from {{ ref('int_log_events__validated') }}

),

kept_events as (

    select * from {{ ref('int_log_events__deduplicated') }}

),

matched_plays as (

    select * from {{ ref('int_songplays__matched_to_songs') }}

),

song_records as (

    select * from {{ ref('int_song_records__validated') }}

),

quarantined_records as (

    select * from {{ ref('quarantined_records') }}

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

-- the files the base models hold, one row each with the batch that landed them and the dbt build
-- that took them (every row of a file shares both)
held_files as (

    select distinct
        'log_data' as source_table,
        source_file,
        file_size,
        landing_batch_id,
        landed_at,
        ingestion_batch_id,
        ingested_at
    from log_lines

    union all

    select distinct
        'song_data' as source_table,
        source_file,
        file_size,
        landing_batch_id,
        landed_at,
        ingestion_batch_id,
        ingested_at
    from song_files

),

-- batches recorded by an earlier build are history: only newer ones are added (the per-file
-- figures below are computed for these files only)
new_files as (

    select held_files.*
    from held_files
    {% if is_incremental() %}
    where held_files.landing_batch_id not in (
        select recorded.landing_batch_id from {{ this }} as recorded
    )
    {% endif %}

),

log_file_events as (

    select
        source_file,
        min(event_at) as earliest_event_at,
        max(event_at) as latest_event_at
    from log_events
    where
        rejection_reason is null
        and source_file in (select new_files.source_file from new_files)
    group by source_file

),

log_file_matches as (

    select
        kept_events.source_file,
        count(*) as plays_matched
    from matched_plays
    inner join kept_events
        on matched_plays.event_key = kept_events.event_key
    where
        matched_plays.song_id is not null
        and kept_events.source_file in (select new_files.source_file from new_files)
    group by kept_events.source_file

),

-- song files: one record each, so a file is read once and is either a song or quarantined
song_file_accounting as (

    select
        source_file,
        count(*) as lines_read
    from song_records
    where source_file in (select new_files.source_file from new_files)
    group by source_file

),

-- reasons grouped into families an operator acts on: the record is not usable data at all, a
-- required field is missing, a value has the wrong type or is unknown, the time cannot be true, or
-- two different plays share one key
file_quarantine as (

    select
        source_file,
        count(*) as quarantined,
        sum(
            case
                when
                    rejection_reason like 'not readable%'
                    or rejection_reason in ('empty line', 'empty file')
                    or rejection_reason like 'malformed JSON%'
                    or rejection_reason like 'a JSON key%'
                    or rejection_reason like 'not a single value%'
                    or rejection_reason like 'a number beyond%'
                    then 1
                else 0
            end
        ) as quarantined_malformed,
        sum(
            case
                when rejection_reason like 'missing required field%' or rejection_reason like '%without song%'
                    then 1
                else 0
            end
        ) as quarantined_missing_field,
        sum(
            case
                when rejection_reason like 'ts before%' or rejection_reason = 'ts in the future' then 1
                else 0
            end
        ) as quarantined_impossible_time,
        sum(case when rejection_reason like 'conflicting duplicate%' then 1 else 0 end)
            as quarantined_conflicting_duplicate
    from quarantined_records
    where source_file in (select new_files.source_file from new_files)
    group by source_file

),

file_figures as (

    select
        new_files.source_table,
        new_files.source_file,
        new_files.file_size,
        new_files.landing_batch_id,
        new_files.landed_at,
        new_files.ingestion_batch_id,
        new_files.ingested_at,
        coalesce(log_line_accounting.lines_read, song_file_accounting.lines_read, 0) as lines_read,
        coalesce(log_line_accounting.song_plays, 0) as song_plays,
        coalesce(log_line_accounting.other_events, 0) as other_events,
        coalesce(log_line_accounting.duplicates, 0) as duplicates,
        coalesce(file_quarantine.quarantined, 0) as quarantined,
        coalesce(file_quarantine.quarantined_malformed, 0) as quarantined_malformed,
        coalesce(file_quarantine.quarantined_missing_field, 0) as quarantined_missing_field,
        coalesce(file_quarantine.quarantined_impossible_time, 0) as quarantined_impossible_time,
        coalesce(file_quarantine.quarantined_conflicting_duplicate, 0)
            as quarantined_conflicting_duplicate,
        coalesce(log_file_matches.plays_matched, 0) as plays_matched,
        log_file_events.earliest_event_at,
        log_file_events.latest_event_at,
        {{ dbt.datediff('log_file_events.latest_event_at', 'new_files.landed_at', 'minute') }} / 60.0  -- noqa: LT05
            as lateness_hours
    from new_files
    left join log_line_accounting
        on
            new_files.source_table = 'log_data'
            and new_files.source_file = log_line_accounting.source_file
    left join song_file_accounting
        on
            new_files.source_table = 'song_data'
            and new_files.source_file = song_file_accounting.source_file
    left join file_quarantine
        on new_files.source_file = file_quarantine.source_file
    left join log_file_matches
        on new_files.source_file = log_file_matches.source_file
    left join log_file_events
        on new_files.source_file = log_file_events.source_file

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
    from file_figures
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
        -- shares and hours as floats: a decimal division's scale differs by engine
        cast(
            case
                when batch_figures.lines_read > 0
                    then 1.0 * batch_figures.quarantined / batch_figures.lines_read
            end as {{ dbt.type_float() }}
        ) as quarantine_share,
        cast(batch_figures.plays_matched as {{ dbt.type_bigint() }}) as plays_matched,
        cast(
            case
                when batch_figures.song_plays > 0
                    then 1.0 * batch_figures.plays_matched / batch_figures.song_plays
            end as {{ dbt.type_float() }}
        ) as match_rate,
        batch_figures.earliest_event_at,
        batch_figures.latest_event_at,
        cast(
            {{ dbt.datediff('batch_figures.latest_event_at', 'batch_figures.landed_at', 'minute') }} / 60.0  -- noqa: LT05
            as {{ dbt.type_float() }}
        ) as lateness_hours,
        cast(batch_figures.max_file_lateness_hours as {{ dbt.type_float() }}) as max_file_lateness_hours,
        cast(batch_figures.avg_file_lateness_hours as {{ dbt.type_float() }}) as avg_file_lateness_hours,
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
