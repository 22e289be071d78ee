{#
    What each file the base models hold gave, per file, as the ledger of ingestion batches sums it
    (ingestion_batches): lines read and their outcomes, plays matched to a song, quarantine by
    reason family, the events' earliest and latest time and how late the file arrived. One row per
    source and file, with the landing batch that landed it and the dbt build that took it.
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

log_file_events as (

    select
        source_file,
        min(event_at) as earliest_event_at,
        max(event_at) as latest_event_at
    from log_events
    where
        rejection_reason is null
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
    group by kept_events.source_file

),

-- song files: one record each, so a file is read once and is either a song or quarantined
song_file_accounting as (

    select
        source_file,
        count(*) as lines_read
    from song_records
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
    group by source_file

),

final as (

    select
        held_files.source_table,
        held_files.source_file,
        held_files.file_size,
        held_files.landing_batch_id,
        held_files.landed_at,
        held_files.ingestion_batch_id,
        held_files.ingested_at,
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
        {{ dbt.datediff('log_file_events.latest_event_at', 'held_files.landed_at', 'minute') }} / 60.0  -- noqa: LT05
            as lateness_hours
    from held_files
    left join log_line_accounting
        on
            held_files.source_table = 'log_data'
            and held_files.source_file = log_line_accounting.source_file
    left join song_file_accounting
        on
            held_files.source_table = 'song_data'
            and held_files.source_file = song_file_accounting.source_file
    left join file_quarantine
        on held_files.source_file = file_quarantine.source_file
    left join log_file_matches
        on held_files.source_file = log_file_matches.source_file
    left join log_file_events
        on held_files.source_file = log_file_events.source_file

)

select * from final
