{#
    Make the next build ingest a raw file again: remove what was ingested from it (by exact path as
    stored in source_file, or a LIKE pattern), so the file counts as new. The marts pick its events
    up within the lookback window; older corrections need `dbt build --full-refresh`.
        dbt run-operation forget_raw_file --args '{path: data/raw/log_data/2018/11/2018-11-05-events.json}'
#}
{% macro forget_raw_file(path) %}
    {% set staged = [ref('stg_sparkify__log_records'), ref('stg_sparkify__song_records')] %}
    {% for relation in staged %}
        {% set deleted = run_query(
            "delete from " ~ relation ~ " where source_file like '" ~ path | replace("'", "''") ~ "'"
        ) %}
    {% endfor %}
    {% do adapter.commit() %}
    {{ log("Forgot raw file(s) matching " ~ path ~ "; the next build ingests them again.", info=true) }}
{% endmacro %}
