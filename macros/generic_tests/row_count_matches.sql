{#
    The model has exactly as many rows as `compare_model` has rows matching `compare_where`, less
    the rows of `minus_model` (rows of compare_model that a later rule sets aside) when given.
    Fails with one row showing both counts.
#}
{% test row_count_matches(model, compare_model, compare_where='1 = 1', minus_model=none) %}

with

model_rows as (

    select count(*) as row_count from {{ model }}

),

compared_rows as (

    select count(*) as row_count from {{ compare_model }}
    where {{ compare_where }}

),

set_aside_rows as (

    {% if minus_model is not none -%}
    select count(*) as row_count from {{ minus_model }}
    {%- else -%}
    select 0 as row_count
    {%- endif %}

),

expected_rows as (

    select compared_rows.row_count - set_aside_rows.row_count as row_count
    from compared_rows
    cross join set_aside_rows

),

final as (

    select
        model_rows.row_count as model_row_count,
        expected_rows.row_count as expected_row_count
    from model_rows
    cross join expected_rows
    where model_rows.row_count <> expected_rows.row_count

)

select * from final

{% endtest %}
