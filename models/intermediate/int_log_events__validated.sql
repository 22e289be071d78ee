{#
    One rule: which log lines are events. Every line gets a rejection_reason (null for an event);
    the first reason that applies, in the order below, is the one given. Nothing is dropped here.
#}

{#- `dbt run` does not load seeds: on a new warehouse say what to run instead of a catalog error #}
{%- if execute and flags.WHICH == 'run' and model.resource_type == 'model'
    and load_relation(ref('page_categories')) is none %}
    {{ exceptions.raise_compiler_error(
        "seed page_categories is not loaded in this warehouse: run `dbt build` (seeds, models and "
        ~ "tests), or `dbt seed` once before `dbt run`") }}
{%- endif %}

with

log_events as (

    select * from {{ ref('stg_sparkify__log_events') }}

),

page_categories as (

    select * from {{ ref('page_categories') }}

),

classified as (

    select
        log_events.*,
        page_categories.page is not null as is_known_page,
        page_categories.page_category,
        coalesce(page_categories.is_song_play, false) as is_song_play
    from log_events
    left join page_categories
        on log_events.page = page_categories.page

),

final as (

    select
        *,
        case
            when decoding_error is not null then 'not readable as text: ' || decoding_error
            when not is_valid_json and {{ clean_text('raw_text') }} is null then 'empty line'
            when not is_valid_json then 'malformed JSON: not a JSON object'
            when has_duplicate_keys then 'a JSON key appears twice'
            when non_scalar_fields is not null then 'not a single value (array or object): ' || non_scalar_fields
            when non_finite_fields is not null then 'a number beyond the range of a double: ' || non_finite_fields
            when raw_ts is null then 'missing required field ts'
            when event_epoch_ms is null then 'ts is not an integer'
            -- the macros below render line breaks of their own, which sqlfluff's LT02 misreads
            -- noqa: disable=LT02
            when event_at < cast('{{ var("service_launched_on") }}' as {{ dbt.type_timestamp() }})
                then 'ts before the service launched ({{ var("service_launched_on") }})'
            when event_at > {{ dbt.dateadd(
                    'hour', var('future_tolerance_hours') | int,
                    "cast('" ~ run_started_at.strftime('%Y-%m-%d %H:%M:%S') ~ "' as " ~ dbt.type_timestamp() ~ ")"
                ) }}
                then 'ts in the future'
            -- noqa: enable=LT02
            when page is null then 'missing required field page'
            when not is_known_page then 'unknown page value (not in seed page_categories)'
            when raw_session_id is null then 'missing required field sessionId'
            when session_id is null then 'sessionId is not an integer'
            when raw_item_in_session is null then 'missing required field itemInSession'
            when item_in_session is null then 'itemInSession is not an integer'
            when raw_length is not null and song_length is null then 'length is not a number'
            when raw_status is not null and http_status is null then 'status is not an integer'
            when raw_registration is not null and registration_epoch_ms is null
                then 'registration is not a number'
            when is_song_play and (song_title is null or artist_name is null)
                then 'song play without song or artist'
        end as rejection_reason
    from classified

)

-- every staged column and the reason: the columns are the staging view's, by design
select * from final  -- noqa: AM04
