{#
    Where every ingested log line went, per file: loaded as a song play, kept as another event (the
    stated rule: only song-play pages become songplays; the rest feed users and history), set aside
    as an exact duplicate, or quarantined. The four always add up to the lines read.
#}

with

log_records as (

    select * from {{ ref('stg_sparkify__log_records') }}

),

classified as (

    select
        source_file,
        case
            when rejection_reason is not null then 'quarantined'
            when is_duplicate then 'duplicate'
            when is_song_play then 'song_play'
            else 'other_event'
        end as outcome
    from log_records

),

final as (

    select
        source_file,
        count(*) as lines_read,
        sum(case when outcome = 'song_play' then 1 else 0 end) as song_plays,
        sum(case when outcome = 'other_event' then 1 else 0 end) as other_events,
        sum(case when outcome = 'duplicate' then 1 else 0 end) as duplicates,
        sum(case when outcome = 'quarantined' then 1 else 0 end) as quarantined
    from classified
    group by source_file

)

select * from final
