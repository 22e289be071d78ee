{#
    Where every ingested log line went, per file: loaded as a song play, kept as another event (the
    stated rule: only song-play pages become songplays; the rest feed users and history), set aside
    as an exact duplicate of a line kept elsewhere, or quarantined. The four always add up to the
    lines read. An empty log file (ingested as one row, line 0, that staging leaves out) shows with
    0 lines read.
#}

with

log_lines as (

    select * from {{ ref('int_log_events__validated') }}

),

ingested_rows as (

    select * from {{ ref('base_sparkify__log_lines') }}

),

kept_events as (

    select * from {{ ref('int_log_events__deduplicated') }}

),

conflicting_plays as (

    select * from {{ ref('int_songplays__conflicting_duplicates') }}

),

-- the row an empty file is ingested as: one per file, line 0 (lines are numbered from 1)
empty_files as (

    select source_file
    from ingested_rows
    where line_number = 0

),

classified as (

    select
        log_lines.source_file,
        case
            when log_lines.rejection_reason is not null then 'quarantined'
            when kept_events.event_key is null then 'duplicate'
            when conflicting_plays.event_key is not null then 'quarantined'
            when log_lines.is_song_play then 'song_play'
            else 'other_event'
        end as outcome
    from log_lines
    left join kept_events
        on
            log_lines.event_key = kept_events.event_key
            and log_lines.source_file = kept_events.source_file
            and coalesce(log_lines.line_number, 0) = coalesce(kept_events.line_number, 0)
    left join conflicting_plays
        on
            kept_events.event_key = conflicting_plays.event_key
            and kept_events.source_file = conflicting_plays.source_file

),

counted as (

    select
        source_file,
        count(*) as lines_read,
        sum(case when outcome = 'song_play' then 1 else 0 end) as song_plays,
        sum(case when outcome = 'other_event' then 1 else 0 end) as other_events,
        sum(case when outcome = 'duplicate' then 1 else 0 end) as duplicates,
        sum(case when outcome = 'quarantined' then 1 else 0 end) as quarantined
    from classified
    group by source_file

),

final as (

    select * from counted
    union all
    select
        source_file,
        0 as lines_read,
        0 as song_plays,
        0 as other_events,
        0 as duplicates,
        0 as quarantined
    from empty_files

)

select * from final
