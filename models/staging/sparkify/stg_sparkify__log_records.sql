{{
    config(
        materialized='incremental',
        incremental_strategy='append',
    )
}}

{#
    Every line of every log file ingested so far, typed and judged: a row is either a clean event,
    an exact duplicate of one, or quarantined with a reason. Nothing read is dropped here.
    New files are recognised by name: a file already ingested is not read again (to re-ingest one on
    purpose: `dbt run-operation forget_raw_file --args '{path: ...}'`, then build).
#}

with

source as (

    select * from {{ unread_raw_files(source('sparkify', 'log_data')) }}

),

known_pages as (

    select * from {{ ref('page_categories') }}

),

parsed as (

    {{ parse_raw_records('source', log_event_keys(), 'raw_line') }}

),

new_records as (

    select * from parsed
    {{ only_new_raw_files() }}

),

typed as (

    select
        source_file,
        line_number,
        raw_text,
        is_valid_json,

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
        {{ clean_text(repair_double_utf8('song')) }} as song_title,
        {{ clean_text(repair_double_utf8('artist')) }} as artist_name,
        {{ try_cast_number('length', 'float') }} as song_length,

        -- when
        {{ try_cast_number('ts', 'integer') }} as event_epoch_ms,

        -- raw values kept to tell a missing field from one of the wrong type
        ts as raw_ts,
        sessionid as raw_session_id,
        iteminsession as raw_item_in_session,
        length as raw_length,
        status as raw_status,
        registration as raw_registration

    from new_records

),

classified as (

    select
        typed.*,
        known_pages.page is not null as is_known_page,
        known_pages.page_category,
        coalesce(known_pages.is_song_play, false) as is_song_play
    from typed
    left join known_pages
        on typed.page = known_pages.page

),

judged as (

    select
        *,
        case
            when not is_valid_json and coalesce(trim(raw_text), '') = '' then 'empty line'
            when not is_valid_json then 'malformed JSON: not a JSON object'
            when raw_ts is null then 'missing required field ts'
            when event_epoch_ms is null then 'ts is not an integer'
            -- the macros below render line breaks of their own, which sqlfluff's LT02 misreads
            -- noqa: disable=LT02
            when {{ epoch_ms_to_timestamp('event_epoch_ms') }}
                < cast('{{ var("service_launched_on") }}' as {{ dbt.type_timestamp() }})
                then 'ts before the service launched ({{ var("service_launched_on") }})'
            when {{ epoch_ms_to_timestamp('event_epoch_ms') }} > {{ dbt.dateadd(
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
        end as rejection_reason,
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

    from classified

),

-- the raw text is kept only where someone has to look at it; dropping it before the window below
-- keeps that from holding every line's text in memory
narrowed as (

    select
        source_file,
        line_number,
        event_key,
        user_id,
        session_id,
        item_in_session,
        first_name,
        last_name,
        gender,
        level,
        location,
        user_agent,
        auth,
        registration_epoch_ms,
        page,
        page_category,
        is_song_play,
        http_method,
        http_status,
        song_title,
        artist_name,
        song_length,
        event_epoch_ms,
        {{ epoch_ms_to_timestamp('event_epoch_ms') }} as event_at,
        rejection_reason,
        case when rejection_reason is not null then raw_text end as raw_text
    from judged

),

{% if is_incremental() %}
already_loaded as (

    select distinct event_key
    from {{ this }}
    where rejection_reason is null and not is_duplicate

),
{% endif %}

final as (

    select
        narrowed.*,
        narrowed.rejection_reason is null
        and (
            row_number() over (
                partition by narrowed.rejection_reason is null, narrowed.event_key
                order by narrowed.source_file, narrowed.line_number
            ) > 1
            {% if is_incremental() %}
            or narrowed.event_key in (select event_key from already_loaded)
            {% endif %}
        ) as is_duplicate
    from narrowed

)

select * from final
