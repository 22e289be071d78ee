{#
    Every file below a raw source folder that the latest ingestion batch did not read, with why:
    nothing found is skipped without a trace. A warning test (in the yml) makes `dbt build` say so
    whenever it is not empty.
#}

with

files_not_read as (

    select * from {{ source('sparkify_landing', 'files_not_read') }}

),

batches as (

    select * from {{ source('sparkify_landing', 'batches') }}

),

latest_batch as (

    select max(landing_batch_id) as landing_batch_id
    from batches

),

final as (

    select
        files_not_read.source_table,
        files_not_read.source_file,
        files_not_read.file_size,
        files_not_read.reason
    from files_not_read
    inner join latest_batch
        on files_not_read.landing_batch_id = latest_batch.landing_batch_id

)

select * from final
