{{ config(materialized='view') }}

{#
    Every file below a raw source folder that the build did not read, with why: nothing found is
    skipped without a trace. A view, so it lists the folders as they are when it is read, and a
    build that runs no test does not pay for listing them again (the base models list them once).
    A warning test (in the yml) makes `dbt build` say so whenever it is not empty.
#}

with

not_read as (

    {{ sparkify.raw_files_not_read() }}

),

final as (

    select
        source_table,
        source_file,
        file_size,
        reason
    from not_read

)

select * from final
