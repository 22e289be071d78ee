{#
    Every raw record that could not be loaded, from either source, with where it came from, what it
    said and why it was set aside. Fix the input and re-ingest the file to load it.
#}

with

log_records as (

    select * from {{ ref('stg_sparkify__log_records') }}

),

song_records as (

    select * from {{ ref('stg_sparkify__song_records') }}

),

quarantined_log_lines as (

    select
        'log_data' as source_table,
        source_file,
        line_number,
        raw_text,
        rejection_reason
    from log_records
    where rejection_reason is not null

),

quarantined_song_files as (

    select
        'song_data' as source_table,
        source_file,
        cast(1 as {{ dbt.type_bigint() }}) as line_number,
        raw_text,
        rejection_reason
    from song_records
    where rejection_reason is not null

),

final as (

    select * from quarantined_log_lines
    union all
    select * from quarantined_song_files

)

select * from final
