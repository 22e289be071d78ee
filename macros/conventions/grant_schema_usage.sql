{#
    Grants on a relation are not enough to read it: the role also needs usage on its schema, which
    dbt's `grants` config does not give. on-run-end hook (dbt_project.yml): after `dbt run` /
    `dbt build`, every grantee of `select` on a model the run built gets usage on that model's
    schema, and on no other schema (staging stays closed). Engines without roles do nothing.
#}
{% macro grant_schema_usage(results) %}
    {{ return(adapter.dispatch('grant_schema_usage', 'sparkify')(results)) }}
{% endmacro %}

{# (schema, grantee) pairs, each once, of the models this run built with a select grant #}
{% macro granted_schemas(results) %}
    {% set pairs = [] %}
    {% if execute and flags.WHICH in ['run', 'build'] %}
        {% for result in results
            if result.node.resource_type == 'model' and result.status == 'success' %}
            {% for grantee in (result.node.config.grants or {}).get('select', []) %}
                {% if (result.node.schema, grantee) not in pairs %}
                    {% do pairs.append((result.node.schema, grantee)) %}
                {% endif %}
            {% endfor %}
        {% endfor %}
    {% endif %}
    {{ return(pairs) }}
{% endmacro %}

{% macro default__grant_schema_usage(results) %}
    {{ return('') }}
{% endmacro %}

{% macro postgres__grant_schema_usage(results) %}
    {% set statements = [] %}
    {% for schema, grantee in sparkify.granted_schemas(results) %}
        {% do statements.append('grant usage on schema ' ~ adapter.quote(schema) ~ ' to ' ~ grantee) %}
    {% endfor %}
    {{ return(statements | join(';\n')) }}
{% endmacro %}

{# Redshift: grantees as dbt-redshift writes them (role:x, group:x, user:x or a bare user name) #}
{% macro redshift__grant_schema_usage(results) %}
    {% set statements = [] %}
    {% for schema, grantee in sparkify.granted_schemas(results) %}
        {% set formatted = redshift__format_grantees([grantee])[0] %}
        {% do statements.append('grant usage on schema ' ~ adapter.quote(schema) ~ ' to ' ~ formatted) %}
    {% endfor %}
    {{ return(statements | join(';\n')) }}
{% endmacro %}
