{#
    Partition helpers for `external.partitions` in dbt-external-tables' format:
        vals: a list, a single value, or {macro: package.name, args: {...}} returning a list
        path_macro: package.name of a macro (name, value) -> folder name; default `name=value`
#}
{% macro external_partition_values(partition) %}
    {% set vals = partition.get('vals') %}
    {% if vals is none %}
        {% do exceptions.raise_compiler_error("partition '" ~ partition.name ~ "' has no vals") %}
    {% elif vals is mapping %}
        {{ return(sparkify.resolve_macro(vals.macro)(**(vals.get('args') or {}))) }}
    {% elif vals is string or vals is number %}
        {{ return([vals]) }}
    {% else %}
        {{ return(vals | list) }}
    {% endif %}
{% endmacro %}

{% macro external_partition_folder(partition, value) %}
    {% if partition.get('path_macro') %}
        {{ return(sparkify.resolve_macro(partition.path_macro)(partition.name, value) | trim) }}
    {% else %}
        {{ return(partition.name ~ '=' ~ value) }}
    {% endif %}
{% endmacro %}

{# A macro object from its `package.name` (or bare name) as written in yml. #}
{% macro resolve_macro(name) %}
    {% set parts = name.split('.', 1) %}
    {% set scope = context[parts[0]] if parts | length == 2 else context %}
    {% set found = scope[parts[-1]] %}
    {% if found is not defined or found is none %}
        {% do exceptions.raise_compiler_error("macro '" ~ name ~ "' named in a source's external block does not exist") %}
    {% endif %}
    {{ return(found) }}
{% endmacro %}

{# log_data partitions: the years to register (var log_partition_years) ... #}
{% macro log_partition_years() %}
    {{ return(var('log_partition_years', [2018])) }}
{% endmacro %}

{# ... and the real bucket's folder names: log_data/2018/11/ (value only, month zero-padded). #}
{% macro log_partition_folder(name, value) %}
    {{ return('%02d' | format(value | int) if name | lower == 'month' else value | string) }}
{% endmacro %}
