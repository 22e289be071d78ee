{#
    Listener locations are US metro areas as the Census Bureau names them: "<metro area>, <states>",
    where <states> is one postal code or several joined by "-" (the first one is where the metro's
    principal city lies). This splits them for geographic analysis, using the us_states seed.
#}

with

songplays as (

    select * from {{ ref('songplays') }}

),

us_states as (

    select * from {{ ref('us_states') }}

),

locations as (

    select distinct location
    from songplays
    where location is not null

),

split_locations as (

    select
        location,
        nullif(trim({{ dbt.split_part('location', "', '", 1) }}), '') as metro_area,
        nullif(trim({{ dbt.split_part('location', "', '", 2) }}), '') as state_codes
    from locations

),

primary_states as (

    select
        location,
        metro_area,
        state_codes,
        {{ dbt.split_part('state_codes', "'-'", 1) }} as primary_state_code,
        {{ dbt.length('state_codes') }}
        - {{ dbt.length(dbt.replace('state_codes', "'-'", "''")) }}
        + 1 as state_count
    from split_locations

),

final as (

    select
        primary_states.location,
        primary_states.metro_area,
        primary_states.state_codes,
        primary_states.state_count,
        primary_states.primary_state_code,
        us_states.state_name as primary_state_name,
        us_states.census_region
    from primary_states
    left join us_states
        on primary_states.primary_state_code = us_states.state_code

)

select * from final
