{#
    Every ingested log line, renamed, typed and cleaned: one row per raw line. Values that do not
    have their type become null here; the raw text of the fields a rule needs stays beside them, so
    that validation (int_log_events__validated) can tell a missing field from a wrong one.
    The base model's row for an empty log file (line 0) is no line and stops here: it is there to
    replace the file's earlier lines, and log_line_accounting shows the file with 0 lines read.
#}

with

log_lines as (

    select * from {{ ref('base_sparkify__log_lines') }}
    -- line_number is null where the engine does not number lines (Redshift): those are lines
    where coalesce(line_number, 1) <> 0

),

typed as (

    select
        source_file,
        line_number,
        raw_text,
        is_valid_json,
        non_scalar_fields,
        has_duplicate_keys,
        non_finite_fields,
        decoding_error,

        -- ids
        {{ clean_text('userid') }} as user_id,
        {{ try_cast_number('sessionid', 'integer') }} as session_id,
        {{ try_cast_number('iteminsession', 'integer') }} as item_in_session,

        -- who
        {{ clean_text('firstname') }} as first_name,
        {{ clean_text('lastname') }} as last_name,
        {{ clean_text('gender') }} as gender,
        {{ clean_text('level') }} as level,
        {{ clean_text('location') }} as location,
        nullif(trim(both '"' from trim(both {{ stray_whitespace() }} from useragent)), '') as user_agent,
        {{ clean_text('auth') }} as auth,
        cast(
            {{ try_cast_number('registration', 'float') }}
            as {{ dbt.type_bigint() }}
        ) as registration_epoch_ms,

        -- what happened
        {{ clean_text('page') }} as page,
        {{ clean_text('method') }} as http_method,
        {{ try_cast_number('status', 'integer') }} as http_status,
        {{ clean_text('song') }} as song_title,
        {{ clean_text('artist') }} as artist_name,
        {{ try_cast_number('length', 'float') }} as song_length,

        -- when
        {{ try_cast_number('ts', 'integer') }} as event_epoch_ms,

        -- raw values kept to tell a missing field from one of the wrong type
        ts as raw_ts,
        sessionid as raw_session_id,
        iteminsession as raw_item_in_session,
        length as raw_length,
        status as raw_status,
        registration as raw_registration,

        -- ingestion
        ingested_at

    from log_lines

),

final as (

    select
        *,
        {{ epoch_ms_to_timestamp('event_epoch_ms') }} as event_at,
        -- identical events (every field equal) share this key: the dedupe rule's identity
        {{ dbt.hash(dbt.concat([
            "coalesce(user_id, '')", "'|'",
            "coalesce(cast(session_id as " ~ dbt.type_string() ~ "), '')", "'|'",
            "coalesce(cast(item_in_session as " ~ dbt.type_string() ~ "), '')", "'|'",
            "coalesce(cast(event_epoch_ms as " ~ dbt.type_string() ~ "), '')", "'|'",
            "coalesce(page, '')", "'|'",
            "coalesce(auth, '')", "'|'",
            "coalesce(level, '')", "'|'",
            "coalesce(song_title, '')", "'|'",
            "coalesce(artist_name, '')", "'|'",
            "coalesce(cast(song_length as " ~ dbt.type_string() ~ "), '')", "'|'",
            "coalesce(first_name, '')", "'|'",
            "coalesce(last_name, '')", "'|'",
            "coalesce(gender, '')", "'|'",
            "coalesce(location, '')", "'|'",
            "coalesce(user_agent, '')", "'|'",
            "coalesce(http_method, '')", "'|'",
            "coalesce(cast(http_status as " ~ dbt.type_string() ~ "), '')", "'|'",
            "coalesce(cast(registration_epoch_ms as " ~ dbt.type_string() ~ "), '')",
        ])) }} as event_key
    from typed

)

select * from final
