{{
    config(
        materialized='incremental',
        incremental_strategy='append',
    )
}}

{#
    Every song file ingested so far, typed and judged: a record is clean or quarantined with a
    reason. New files are recognised by name.
#}

with

source as (

    select * from {{ unread_raw_files(source('sparkify', 'song_data')) }}

),

parsed as (

    {{ parse_raw_records('source', song_record_keys(), 'content') }}

),

new_records as (

    select * from parsed
    {{ only_new_raw_files() }}

),

typed as (

    select
        source_file,
        raw_text,
        is_valid_json,

        -- ids
        {{ clean_text('song_id') }} as song_id,
        {{ clean_text('artist_id') }} as artist_id,

        -- song
        {{ clean_text(repair_double_utf8('title')) }} as title,
        {{ try_cast_number('duration', 'float') }} as duration,
        nullif({{ try_cast_number('year', 'integer') }}, 0) as release_year,
        {{ try_cast_number('num_songs', 'integer') }} as num_songs,

        -- artist as credited on this song
        {{ clean_text(repair_double_utf8('artist_name')) }} as artist_name,
        {{ clean_text(strip_html_tags(clean_text('artist_location'))) }} as artist_location,
        {{ try_cast_number('artist_latitude', 'float') }} as artist_latitude,
        {{ try_cast_number('artist_longitude', 'float') }} as artist_longitude,

        -- raw values kept to tell a missing field from one of the wrong type
        duration as raw_duration,
        year as raw_year

    from new_records

),

judged as (

    select
        *,
        case
            when not is_valid_json and coalesce(trim(raw_text), '') = '' then 'empty file'
            when not is_valid_json then 'malformed JSON: not a JSON object'
            when song_id is null then 'missing required field song_id'
            when artist_id is null then 'missing required field artist_id'
            when raw_duration is not null and duration is null then 'duration is not a number'
            when raw_year is not null and release_year is null and raw_year <> '0' then 'year is not an integer'
        end as rejection_reason
    from typed

),

final as (

    select
        source_file,
        song_id,
        artist_id,
        title,
        duration,
        release_year,
        num_songs,
        artist_name,
        artist_location,
        artist_latitude,
        artist_longitude,
        rejection_reason,
        case when rejection_reason is not null then raw_text end as raw_text
    from judged

)

select * from final
