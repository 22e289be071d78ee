{#
    A session setting the base models need while they parse raw JSON, as a pre-hook statement
    (`value` given) or a post-hook one that puts it back (`value` none); an empty hook elsewhere,
    which dbt skips. Only Redshift has any (redshift__parse_raw_records says why):
        enable_case_sensitive_identifier  true: `parsed."firstName"` finds the key firstName
                                          (otherwise the name is folded to firstname)
        json_parse_dedup_attributes       on: an object with a key written twice still parses, so
                                          that it is quarantined as a duplicate, not as malformed
#}
{% macro raw_json_session_setting(name, value=none) %}
    {{ return(adapter.dispatch('raw_json_session_setting', 'sparkify')(name, value)) }}
{% endmacro %}

{% macro default__raw_json_session_setting(name, value=none) %}
    {{ return('') }}
{% endmacro %}

{% macro redshift__raw_json_session_setting(name, value=none) %}
    {{ return('set ' ~ name ~ ' to ' ~ (value if value is not none else 'default')) }}
{% endmacro %}
