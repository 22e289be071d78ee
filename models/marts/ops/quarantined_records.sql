{#
    Every raw record that could not be loaded, from either source, with where it came from, what it
    said and why it was set aside. Fix the input and deliver the file again to load it.
#}

with

log_lines as (

    select * from {{ ref('int_log_events__validated') }}

),

song_files as (

    select * from {{ ref('int_song_records__validated') }}

),

conflicting_plays as (

    select * from {{ ref('int_songplays__conflicting_duplicates') }}

),

quarantined_log_lines as (

    select
        'log_data' as source_table,
        source_file,
        line_number,
        raw_text,
        rejection_reason,
        ingested_at
    from log_lines
    where rejection_reason is not null

),

conflicting_play_lines as (

    select
        'log_data' as source_table,
        log_lines.source_file,
        log_lines.line_number,
        log_lines.raw_text,
        'conflicting duplicate: another play has the same userId, sessionId, itemInSession and ts'
            as rejection_reason,
        log_lines.ingested_at
    from conflicting_plays
    inner join log_lines
        on
            conflicting_plays.source_file = log_lines.source_file
            and coalesce(conflicting_plays.line_number, 0) = coalesce(log_lines.line_number, 0)
            and conflicting_plays.event_key = log_lines.event_key

),

quarantined_song_files as (

    select
        'song_data' as source_table,
        source_file,
        cast(1 as {{ dbt.type_bigint() }}) as line_number,
        raw_text,
        rejection_reason,
        ingested_at
    from song_files
    where rejection_reason is not null

),

final as (

    select * from quarantined_log_lines
    union all
    select * from conflicting_play_lines
    union all
    select * from quarantined_song_files

)

select * from final
