{{
    config(
        materialized=sparkify.incremental_where_possible(),
        unique_key='source_file',
        incremental_strategy='delete+insert',
    )
}}

{#
    The event log as landed: one row per line of the current version of every log file. An
    incremental build takes only the files whose current version it does not hold yet (new, changed,
    or forgotten by forget_raw_file); delete+insert on source_file replaces a changed file's earlier
    rows. Every row carries the dbt build that took it, which drives every incremental model downstream.
#}

with

landed_lines as (

    select * from {{ source('sparkify_landing', 'log_lines') }}

),

landed_files as (

    select * from {{ ref('base_sparkify__landed_files') }}
    where source_table = 'log_data' and status = 'ingested'

),

new_files as (

    select landed_files.*
    from landed_files
    {% if is_incremental() %}
    where not exists (
        select 1
        from {{ this }} as held
        where
            held.source_file = landed_files.source_file
            and held.landing_batch_id = landed_files.landing_batch_id
    )
    {% endif %}

),

new_lines as (

    select
        landed_lines.source_file,
        landed_lines.line_number,
        landed_lines.raw_text,
        landed_lines.is_valid_json,
        landed_lines.non_scalar_fields,
        landed_lines.has_duplicate_keys,
        landed_lines.non_finite_fields,
        landed_lines.decoding_error,
        landed_lines.artist,
        landed_lines.auth,
        landed_lines.firstname,
        landed_lines.gender,
        landed_lines.iteminsession,
        landed_lines.lastname,
        landed_lines.length,
        landed_lines.level,
        landed_lines.location,
        landed_lines.method,
        landed_lines.page,
        landed_lines.registration,
        landed_lines.sessionid,
        landed_lines.song,
        landed_lines.status,
        landed_lines.ts,
        landed_lines.useragent,
        landed_lines.userid,
        landed_lines.file_size,
        landed_lines.file_modified_at,
        landed_lines.landing_batch_id,
        landed_lines.landed_at
    from landed_lines
    inner join new_files
        on
            landed_lines.source_file = new_files.source_file
            and landed_lines.landing_batch_id = new_files.landing_batch_id

),

-- the batch columns compare source_file with the rows taken before, so it is named in a CTE first
final as (

    select
        *,
        {{ sparkify.ingestion_batch_columns() }}
    from new_lines

)

select * from final
