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
    select * from quarantined_song_files

)

select * from final
