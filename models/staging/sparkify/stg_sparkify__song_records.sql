{#
    Every ingested song file, renamed, typed and cleaned: one row per file. Values that do not have
    their type become null; the raw text of the fields a rule needs stays beside them.
#}

with

song_files as (

    select * from {{ ref('base_sparkify__song_files') }}

),

final as (

    select
        source_file,
        raw_text,
        is_valid_json,
        non_scalar_fields,
        has_duplicate_keys,
        non_finite_fields,
        decoding_error,

        -- ids
        {{ clean_text('song_id') }} as song_id,
        {{ clean_text('artist_id') }} as artist_id,

        -- song
        {{ clean_text('title') }} as title,
        {{ try_cast_number('duration', 'float') }} as duration,
        nullif({{ try_cast_number('year', 'integer') }}, 0) as release_year,
        {{ try_cast_number('num_songs', 'integer') }} as num_songs,

        -- artist as credited on this song
        {{ clean_text('artist_name') }} as artist_name,
        {{ clean_text(strip_html_tags(clean_text('artist_location'))) }} as artist_location,
        {{ try_cast_number('artist_latitude', 'float') }} as artist_latitude,
        {{ try_cast_number('artist_longitude', 'float') }} as artist_longitude,

        -- raw values kept to tell a missing field from one of the wrong type
        duration as raw_duration,
        year as raw_year,

        -- ingestion
        ingested_at

    from song_files

)

select * from final
