{{
    config(
        materialized='incremental',
        full_refresh=false,
        unique_key='source_file',
        incremental_strategy=sparkify.replace_by_key_where_possible(),
        pre_hook="{% if is_incremental() and target.type != 'spark' %}
            delete from {{ this }} where source_file in (
                select source_file from {{ ref('base_sparkify__landed_files') }} where status = 'replaced'
            )
        {% endif %}",
    )
}}

{#
    The record of every raw file ever ingested: one row per source and file, with when it was first
    and last ingested and its size and modification time then. It is never rebuilt, not even by
    --full-refresh (full_refresh=false), so that raw_files_gone can name a file that was ingested
    once and is no longer in raw_data. forget_raw_file removes a file from it: an intended removal
    is not reported. So does the pre-hook for the files of a raw_data folder another one replaced
    (a --full-refresh with a new raw_data), so that switching folders leaves the record a fresh
    warehouse over the new folder would have (Spark, append-only, keeps them). Where tables can only be appended to (Spark), a file is recorded once, at its
    first ingestion, and its row is not updated when it is read again.
    Keyed by source_file alone: a path below raw_data starts with its source's folder.
#}

-- depends_on: {{ ref('base_sparkify__landed_files') }}

with

log_lines as (

    select * from {{ ref('base_sparkify__log_lines') }}

),

song_files as (

    select * from {{ ref('base_sparkify__song_files') }}

),

-- what earlier builds recorded (nothing on the first build)
recorded as (

    {% if is_incremental() %}
    select * from {{ this }}
    {% else %}
    select
        cast(null as {{ dbt.type_string() }}) as source_table,
        cast(null as {{ dbt.type_string() }}) as source_file,
        cast(null as {{ dbt.type_timestamp() }}) as first_ingested_at,
        cast(null as {{ dbt.type_timestamp() }}) as last_ingested_at
    where 1 = 0
    {% endif %}

),

-- the newest batch recorded: every file of a newer batch is (re)recorded
watermark as (

    select
        coalesce(
            max(last_ingested_at), cast('1900-01-01' as {{ dbt.type_timestamp() }})
        ) as last_ingested_at
    from recorded

),

-- the files of those batches, one row each: all rows of a file share one batch
newly_ingested as (

    select distinct
        'log_data' as source_table,
        log_lines.source_file,
        log_lines.file_size,
        log_lines.file_modified_at,
        log_lines.ingested_at
    from log_lines
    cross join watermark
    where log_lines.ingested_at > watermark.last_ingested_at

    union all

    select distinct
        'song_data' as source_table,
        song_files.source_file,
        song_files.file_size,
        song_files.file_modified_at,
        song_files.ingested_at
    from song_files
    cross join watermark
    where song_files.ingested_at > watermark.last_ingested_at

),

final as (

    select
        newly_ingested.source_table,
        newly_ingested.source_file,
        newly_ingested.file_size,
        newly_ingested.file_modified_at,
        coalesce(recorded.first_ingested_at, newly_ingested.ingested_at) as first_ingested_at,
        newly_ingested.ingested_at as last_ingested_at
    from newly_ingested
    left join recorded
        on
            newly_ingested.source_table = recorded.source_table
            and newly_ingested.source_file = recorded.source_file
    {% if config.get('incremental_strategy') == 'append' %}
    -- an append-only table would otherwise get a second row for a file read again
    where recorded.source_file is null
    {% endif %}

)

select * from final
