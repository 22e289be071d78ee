{#
    The current version of every raw file the landing knows: per file, its newest `ingested`, `gone`
    or `replaced` row among committed batches (a batch is committed once its row is in `batches`).
    The base models take the records of the `ingested` ones from that batch only, so a file read
    again replaces its earlier records and a file gone from raw_data leaves with a full refresh.
    `replaced`: the file belonged to a raw_data folder another one replaced (--full-refresh with a
    new raw_data); raw_files_ingested drops it from its record, as it is not lost but let go.
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
    where raw_files.status in ('ingested', 'gone', 'replaced')

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
        landing_batch_id,
        status
    from versions
    where recency = 1

)

select * from final
