{#
    A raw file's path below raw_data, from the source folder on (`log_data/2018/11/…-events.json`):
    how a file is known, so that another spelling of the same folder (`a/./b`, a symlink's target,
    `file:` or `s3://` prefixes) or the same files at another place name the same files.
    The greedy `.*` keeps the last `<folder>/` of the path; every engine's regexp_replace reads it
    the same way.
#}
{% macro path_below_raw_data(column, folder) %}
    regexp_replace({{ column }}, '^(.*/)?{{ folder }}/', '{{ folder }}/')
{% endmacro %}
