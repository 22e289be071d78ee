{#
    Spark: snapshots on plain parquet. dbt-spark's snapshot needs MERGE, which only Delta, Iceberg
    and Hudi tables have (extra jars). This is dbt-spark 1.11's snapshot materialization with one
    change: a parquet snapshot table is merged by rebuilding it. The merged rows (closed versions
    and new ones) are written to a helper table first, then copied over the snapshot with INSERT
    OVERWRITE, because Spark refuses to overwrite a table it is reading. A failure between the two
    steps leaves the old snapshot intact; the copy itself is one Spark job. Delta, Iceberg and Hudi
    tables still take dbt-spark's MERGE.
#}
{% materialization snapshot, adapter='spark' %}

  {%- set target_table = model.get('alias', model.get('name')) -%}

  {%- set strategy_name = config.get('strategy') -%}
  {%- set unique_key = config.get('unique_key') %}
  {%- set file_format = config.get('file_format') or 'parquet' -%}
  {%- set grant_config = config.get('grants') -%}
  {%- set merges_natively = file_format in ['delta', 'iceberg', 'hudi'] -%}

  {% set target_relation_exists, target_relation = get_or_create_relation(
          database=none,
          schema=model.schema,
          identifier=target_table,
          type='table') -%}

  {%- if file_format not in ['delta', 'iceberg', 'hudi', 'parquet'] -%}
    {% do exceptions.raise_compiler_error(
        'Invalid file format: ' ~ file_format ~ '. Snapshots on Spark need parquet, delta, iceberg or hudi') %}
  {% endif %}

  {%- if target_relation_exists and merges_natively -%}
    {%- if not target_relation.is_delta and not target_relation.is_iceberg and not target_relation.is_hudi -%}
      {% do exceptions.raise_compiler_error(
          'The existing table ' ~ model.schema ~ '.' ~ target_table
          ~ " is in another format than 'delta' or 'iceberg' or 'hudi'") %}
    {% endif %}
  {% endif %}

  {% if not adapter.check_schema_exists(model.database, model.schema) %}
    {% do create_schema(model.schema) %}
  {% endif %}

  {%- if not target_relation.is_table -%}
    {% do exceptions.relation_wrong_type(target_relation, 'table') %}
  {%- endif -%}

  {{ run_hooks(pre_hooks, inside_transaction=False) }}

  {{ run_hooks(pre_hooks, inside_transaction=True) }}

  {% set strategy_macro = strategy_dispatch(strategy_name) %}
  {% set strategy = strategy_macro(model, "snapshotted_data", "source_data", model['config'], target_relation_exists) %}

  {% if not target_relation_exists %}

      {% set build_sql = build_snapshot_table(strategy, model['compiled_code']) %}
      {% set final_sql = create_table_as(False, target_relation, build_sql) %}

  {% else %}

      {% set columns = config.get("snapshot_table_column_names") or get_snapshot_table_column_names() %}

      {{ adapter.valid_snapshot_target(target_relation, columns) }}

      {% set staging_table = spark_build_snapshot_staging_table(strategy, sql, target_relation) %}

      {% do adapter.expand_target_column_types(from_relation=staging_table,
                                               to_relation=target_relation) %}

      {% set missing_columns = adapter.get_missing_columns(staging_table, target_relation)
                                   | rejectattr('name', 'equalto', 'dbt_change_type')
                                   | rejectattr('name', 'equalto', 'DBT_CHANGE_TYPE')
                                   | rejectattr('name', 'equalto', 'dbt_unique_key')
                                   | rejectattr('name', 'equalto', 'DBT_UNIQUE_KEY')
                                   | list %}

      {% do create_columns(target_relation, missing_columns) %}

      {% set source_columns = adapter.get_columns_in_relation(staging_table)
                                   | rejectattr('name', 'equalto', 'dbt_change_type')
                                   | rejectattr('name', 'equalto', 'DBT_CHANGE_TYPE')
                                   | rejectattr('name', 'equalto', 'dbt_unique_key')
                                   | rejectattr('name', 'equalto', 'DBT_UNIQUE_KEY')
                                   | list %}

      {% set quoted_source_columns = [] %}
      {% for column in source_columns %}
        {% do quoted_source_columns.append(adapter.quote(column.name)) %}
      {% endfor %}

      {% if merges_natively %}
        {% set final_sql = snapshot_merge_sql(
              target = target_relation,
              source = staging_table,
              insert_cols = quoted_source_columns
           )
        %}
      {% else %}
        {% set merged_relation = target_relation.incorporate(
            path={"identifier": target_relation.identifier ~ '__dbt_merged'}) %}
        {% do adapter.drop_relation(merged_relation) %}
        {% call statement('build_snapshot_merged_relation') %}
          {{ sparkify_spark_snapshot_merged_sql(target_relation, staging_table, merged_relation, columns) }}
        {% endcall %}
        {% set final_sql -%}
          insert overwrite table {{ target_relation }}
          select * from {{ merged_relation }}
        {%- endset %}
      {% endif %}

  {% endif %}

  {% call statement('main') %}
      {{ final_sql }}
  {% endcall %}

  {% if merged_relation is defined %}
      {% do adapter.drop_relation(merged_relation) %}
  {% endif %}

  {% set should_revoke = should_revoke(target_relation_exists, full_refresh_mode) %}
  {% do apply_grants(target_relation, grant_config, should_revoke) %}

  {% do persist_docs(target_relation, model) %}

  {{ run_hooks(post_hooks, inside_transaction=True) }}

  {{ adapter.commit() }}

  {% if staging_table is defined %}
      {% do post_snapshot(staging_table) %}
  {% endif %}

  {{ run_hooks(post_hooks, inside_transaction=False) }}

  {{ return({'relations': [target_relation]}) }}

{% endmaterialization %}

{#
    The snapshot after a merge, as one query over the current snapshot and dbt's staging rows: open
    versions whose record changed or disappeared are closed (the MERGE's `when matched ... update`),
    new versions are added (its `when not matched ... insert`). Columns in the snapshot's order.
#}
{% macro sparkify_spark_snapshot_merged_sql(target, staging, merged, columns) %}
    {%- set target_columns = adapter.get_columns_in_relation(target) | map(attribute='name') | list -%}
    {%- set is_open -%}
        {%- if config.get('dbt_valid_to_current') -%}
        (current_rows.{{ columns.dbt_valid_to }} = {{ config.get('dbt_valid_to_current') }}
            or current_rows.{{ columns.dbt_valid_to }} is null)
        {%- else -%}
        current_rows.{{ columns.dbt_valid_to }} is null
        {%- endif -%}
    {%- endset -%}
    create table {{ merged }} using parquet as
    with

    closing as (

        select {{ columns.dbt_scd_id }}, {{ columns.dbt_valid_to }}
        from {{ staging }}
        where dbt_change_type in ('update', 'delete')

    ),

    current_rows as (

        select * from {{ target }}

    ),

    kept_or_closed as (

        select
            {%- for name in target_columns %}
            {%- if name | lower == columns.dbt_valid_to | lower %}
            case
                when closing.{{ columns.dbt_scd_id }} is not null and {{ is_open }}
                    then closing.{{ columns.dbt_valid_to }}
                else current_rows.{{ adapter.quote(name) }}
            end as {{ adapter.quote(name) }}{{ "," if not loop.last }}
            {%- else %}
            current_rows.{{ adapter.quote(name) }}{{ "," if not loop.last }}
            {%- endif %}
            {%- endfor %}
        from current_rows
        left join closing
            on current_rows.{{ columns.dbt_scd_id }} = closing.{{ columns.dbt_scd_id }}

    ),

    inserted as (

        select
            {%- for name in target_columns %}
            {{ adapter.quote(name) }}{{ "," if not loop.last }}
            {%- endfor %}
        from {{ staging }}
        where
            dbt_change_type = 'insert'
            and {{ columns.dbt_scd_id }} not in (select {{ columns.dbt_scd_id }} from current_rows)

    )

    select * from kept_or_closed
    union all
    select * from inserted
{% endmacro %}
