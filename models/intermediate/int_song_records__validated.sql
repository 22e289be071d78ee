{#
    One rule: which song files are song records. Every file gets a rejection_reason (null for a
    record); the first reason that applies, in the order below, is the one given.
#}

with

song_records as (

    select * from {{ ref('stg_sparkify__song_records') }}

),

final as (

    select
        *,
        case
            when decoding_error is not null then 'not readable as text: ' || decoding_error
            when not is_valid_json and {{ clean_text('raw_text') }} is null then 'empty file'
            when not is_valid_json then 'malformed JSON: not a JSON object'
            when has_duplicate_keys then 'a JSON key appears twice'
            when non_scalar_fields is not null then 'not a single value (array or object): ' || non_scalar_fields
            when non_finite_fields is not null then 'a number beyond the range of a double: ' || non_finite_fields
            when song_id is null then 'missing required field song_id'
            when artist_id is null then 'missing required field artist_id'
            when raw_duration is not null and duration is null then 'duration is not a number'
            when raw_year is not null and release_year is null and raw_year <> '0' then 'year is not an integer'
        end as rejection_reason
    from song_records

)

-- every staged column and the reason: the columns are the staging view's, by design
select * from final  -- noqa: AM04
