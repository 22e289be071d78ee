{#
    The current version of every raw file the landing holds: per file, its newest `ingested` or
    `gone` row among committed batches (a batch is committed once its row is in `batches`), kept
    when it is `ingested`. The base models take a file's records from that batch only, so a file
    read again replaces its earlier records and a file gone from raw_data leaves with a full refresh.
#}

with

raw_files as (

    select * from {{ source('sparkify_landing', 'raw_files') }}

),

batches as (

    select * from {{ source('sparkify_landing', 'batches') }}

),

committed as (

    select raw_files.*
    from raw_files
    inner join batches
        on raw_files.landing_batch_id = batches.landing_batch_id
    where raw_files.status in ('ingested', 'gone')

),

versions as (

    select
        *,
        row_number() over (
            partition by source_table, source_file
            order by landing_batch_id desc
        ) as recency
    from committed

),

final as (

    select
        source_table,
        source_file,
        landing_batch_id
    from versions
    where recency = 1 and status = 'ingested'

)

select * from final
