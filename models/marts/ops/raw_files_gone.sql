{#
    Every raw file recorded as ingested (raw_files_ingested) that the base models no longer hold:
    it was deleted from raw_data, or raw_data now points elsewhere, and a --full-refresh rebuilt the
    base models without it, so its rows (its plays, for a log file) left the warehouse. Its warning
    test (in the yml) names the remedy. The files of a raw_data folder replaced by another are
    not here: raw_files_ingested drops them from its record.
#}

with

recorded_files as (

    select * from {{ ref('raw_files_ingested') }}

),

log_lines as (

    select * from {{ ref('base_sparkify__log_lines') }}

),

song_files as (

    select * from {{ ref('base_sparkify__song_files') }}

),

held_files as (

    select distinct
        'log_data' as source_table,
        source_file
    from log_lines

    union all

    select distinct
        'song_data' as source_table,
        source_file
    from song_files

),

final as (

    select
        recorded_files.source_table,
        recorded_files.source_file,
        recorded_files.file_size,
        recorded_files.first_ingested_at,
        recorded_files.last_ingested_at,
        'gone from raw_data since it was ingested' as reason
    from recorded_files
    left join held_files
        on
            recorded_files.source_table = held_files.source_table
            and recorded_files.source_file = held_files.source_file
    where held_files.source_file is null

)

select * from final
