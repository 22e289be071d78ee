{# The keys of one log event, in the order the raw files write them. #}
{% macro log_event_keys() %}
    {{ return([
        'artist', 'auth', 'firstName', 'gender', 'itemInSession', 'lastName', 'length', 'level',
        'location', 'method', 'page', 'registration', 'sessionId', 'song', 'status', 'ts',
        'userAgent', 'userId',
    ]) }}
{% endmacro %}

{# The keys of one song file. #}
{% macro song_record_keys() %}
    {{ return([
        'num_songs', 'artist_id', 'artist_latitude', 'artist_longitude', 'artist_location',
        'artist_name', 'song_id', 'title', 'duration', 'year',
    ]) }}
{% endmacro %}
