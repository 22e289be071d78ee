{#
    Make the next build take a raw file from the landing again, or drop it for good when it is gone
    from raw_data: its rows leave the models keyed by raw file (the base models, and the record of
    ingested files raw_files_ingested, so that raw_files_gone does not report an intended removal).
    The models built from ingestion batches keep their rows, so analysts never see an empty
    warehouse; their watermark is set back to the start of time, which makes the next build's
    reset_when_raw_files_replaced recompute them from the base models (which take the file's
    current version again, if it still has one). Until that build they still count the file.
    `path` is the file's path below raw_data as stored in source_file, or a LIKE pattern:
        dbt run-operation forget_raw_file --args '{path: log_data/2018/11/2018-11-05-events.json}'
    A file that changed in place needs no operation: the next build sees its new size or
    modification time and replaces its rows by itself.
    All statements run in one transaction, opened by the first (Redshift and Postgres have none open
    in a run-operation until a statement begins one).
#}
{% macro forget_raw_file(path) %}
    {% if not execute %}
        {{ return('') }}
    {% endif %}
    {# path none (replay_quarantined): no file is forgotten, the derived models are recomputed #}
    {% set pattern = path | replace("'", "''") if path is not none else none %}
    {# keyed by raw file: a unique key that includes source_file (base models, raw_files_ingested) #}
    {% set file_relations = [] %}
    {% set derived_relations = [] %}
    {% for node in graph.nodes.values()
        if node.resource_type == 'model' and node.package_name == 'sparkify'
        and node.config.materialized == 'incremental' %}
        {% set relation = adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias) %}
        {% set unique_key = node.config.unique_key %}
        {% set keys = [unique_key] if unique_key is string else (unique_key or []) %}
        {% if relation is not none %}
            {% do (file_relations if 'source_file' in keys else derived_relations).append(relation) %}
        {% endif %}
    {% endfor %}
    {% if not (file_relations or derived_relations) %}
        {{ log("forget_raw_file: nothing built or loaded yet, nothing to forget", info=true) }}
        {{ return('') }}
    {% endif %}
    {% set statements = [] %}
    {% for relation in file_relations if pattern is not none %}
        {% do statements.extend(adapter.dispatch('forget_raw_file_rows', 'sparkify')(relation, pattern)) %}
    {% endfor %}
    {% for relation in derived_relations %}
        {% do statements.append('update ' ~ relation ~ " set ingested_at = cast('1900-01-01' as "
            ~ dbt.type_timestamp() ~ ')') %}
    {% endfor %}
    {% if statements %}
        {% do sparkify.run_in_one_transaction('forget_raw_file', statements) %}
    {% endif %}
    {% if path is none %}
        {{ log("The next build recomputes the " ~ derived_relations | length
            ~ " models built from ingestion batches, which keep their rows until then.", info=true) }}
        {{ return('') }}
    {% endif %}
    {# a run-operation: a build follows; var forget_raw_file: this build is the one #}
    {% set when = 'the next build' if flags.WHICH == 'run-operation' else 'this build' %}
    {{ log("Forgot raw file(s) matching " ~ path ~ "; " ~ when ~ " takes them from the landing again (if present) and recomputes the "
        ~ derived_relations | length ~ " models built from ingestion batches, which keep their rows until then.", info=true) }}
{% endmacro %}

{#
    The statements that remove the rows of the raw files matching `pattern` (quotes escaped) from a
    table keyed by raw file (dispatched by forget_raw_file). Spark's plain parquet tables cannot
    delete: there the table is overwritten with a copy of its other rows (on Spark only
    raw_files_ingested is such a table: its base models are rebuilt whole on every build).
#}
{% macro default__forget_raw_file_rows(relation, pattern) %}
    {{ return(["delete from " ~ relation ~ " where source_file like '" ~ pattern ~ "'"]) }}
{% endmacro %}

{% macro spark__forget_raw_file_rows(relation, pattern) %}
    {% set kept = relation.incorporate(path={'identifier': relation.identifier ~ '__kept'}) %}
    {{ return([
        'drop table if exists ' ~ kept,
        'create table ' ~ kept ~ ' using parquet as select * from ' ~ relation
            ~ " where not (source_file like '" ~ pattern ~ "')",
        'insert overwrite table ' ~ relation ~ ' select * from ' ~ kept,
        'drop table ' ~ kept,
    ]) }}
{% endmacro %}

{#
    Re-evaluate quarantined records after a rule or seed fix (a page name added to
    seeds/page_categories.csv): the base models hold every raw record, quarantined or not, so the
    models built from ingestion batches are marked for the next build to recompute from them
    (forget_raw_file with no file), and the records that now pass reach the marts. `reason` is a
    LIKE pattern on quarantined_records.rejection_reason; nothing is marked when no record matches,
    except for every reason (the default).
        dbt run-operation replay_quarantined --args '{reason: "unknown page%"}'
        dbt build
#}
{% macro replay_quarantined(reason='%') %}
    {% if not execute %}
        {{ return('') }}
    {% endif %}
    {% set node = graph.nodes['model.sparkify.quarantined_records'] %}
    {% set relation = adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias) %}
    {% if relation is none %}
        {{ log("replay_quarantined: nothing built yet, nothing to replay", info=true) }}
        {{ return('') }}
    {% endif %}
    {% set matching = run_query("select count(*) from " ~ relation ~ " where rejection_reason like '"
        ~ reason | replace("'", "''") ~ "'").columns[0].values()[0] %}
    {{ log("replay_quarantined: " ~ matching ~ " quarantined records match '" ~ reason ~ "'", info=true) }}
    {# every reason: marked even when nothing is quarantined now, as after a build that loaded the
       fix the rules (views) no longer quarantine the records the marts still lack #}
    {% if matching | int > 0 or reason == '%' %}
        {% do sparkify.forget_raw_file(none) %}
    {% endif %}
{% endmacro %}

{#
    Run the statements in one transaction, begun by the first (Redshift and Postgres have none open
    in a run-operation until a statement begins one) and committed after the last. Spark has no
    transactions and takes one statement at a time.
#}
{% macro run_in_one_transaction(name, statements) %}
    {{ return(adapter.dispatch('run_in_one_transaction', 'sparkify')(name, statements)) }}
{% endmacro %}

{% macro default__run_in_one_transaction(name, statements) %}
    {% call statement(name, auto_begin=True) %}
        {%- for sql in statements %}
        {{ sql }};
        {%- endfor %}
    {% endcall %}
    {% do adapter.commit() %}
{% endmacro %}

{% macro spark__run_in_one_transaction(name, statements) %}
    {% for sql in statements %}
        {% do run_query(sql) %}
    {% endfor %}
{% endmacro %}
