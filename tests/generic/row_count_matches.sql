{#
    The model has exactly as many rows as `compare_model` has rows matching `compare_where`.
    Fails with one row showing both counts.
#}
{% test row_count_matches(model, compare_model, compare_where='1 = 1') %}

with

model_rows as (

    select count(*) as row_count from {{ model }}

),

expected_rows as (

    select count(*) as row_count from {{ compare_model }}
    where {{ compare_where }}

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
