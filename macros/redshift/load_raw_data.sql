{#
    dbt run-operation load_raw_data [--args '{tables: [log_data], max_errors: 10}']

    COPY the raw files below the var raw_data (an s3:// URL) into Redshift tables
    <raw_schema>.log_data and <raw_schema>.song_data, for builds with redshift_raw_path: copy. Every
    line is loaded as text (macros/redshift/raw_text_lines.sql: fields split at 0x01, which valid
    JSON never holds raw; a longer line cut at 65535 bytes; bytes that are not UTF-8 replaced by
    0x1A), never parsed by COPY: the base models parse it (redshift__parse_raw_records), so that
    arrays, objects, duplicate keys and malformed lines are quarantined with a reason, as on the
    other engines, instead of coerced or rejected by COPY. The S3 reads use the role in var iam_role.

    source_file: COPY cannot say which file a row came from, so every file gets a COPY of its own
    into a scratch table, and the rows move on with the file's URL as source_file. The file list
    comes from one COPY of the whole prefix, whose files SYS_LOAD_DETAIL names. Cost: one parallel
    read of the prefix per run, plus about a second of fixed overhead per new file (docs/redshift.md).

    Idempotent: every file loaded is entered in the ledger <raw_schema>.loaded_files (URL, bytes
    read, rows loaded and rejected, when), with its rows and in the same transaction, also when it
    loaded no rows; a file in the ledger is skipped, so a run repeated or resumed after a failure
    loads only what is missing, and a file of rejected records alone is not copied (nor its errors
    kept) again on every run. Each file lands whole or not at all. forget_raw_file removes a file
    from the COPY table and the ledger, so the next run copies it again. A COPY table of the shape
    earlier versions made (one column per JSON key) is dropped with its ledger entries, so that
    every file is copied again as text lines.

    Load errors (rare now: a line with two 0x01 bytes, a NUL byte): every COPY runs with MAXERROR
    100000 (Redshift's ceiling) so that it never fails half-explained; the macro reads the file's
    rejected records from SYS_LOAD_ERROR_DETAIL, prints each of them, and loads the file only if
    there are at most max_errors (var load_max_errors, default 0); the tolerated ones are kept in
    <raw_schema>.load_errors.
#}
{% macro load_raw_data(tables=none, max_errors=none) %}
    {{ return(adapter.dispatch('load_raw_data', 'sparkify')(tables, max_errors)) }}
{% endmacro %}

{% macro default__load_raw_data(tables, max_errors) %}
    {% do exceptions.raise_compiler_error(
        "load_raw_data COPYs raw_data from S3 and runs on Redshift only (this target is '" ~ target.type
        ~ "'). PostgreSQL: sparkify-load-postgres --raw-data <folder> (docs/postgres.md); DuckDB reads"
        ~ " raw_data in place; Spark: dbt run-operation stage_external_sources."
    ) %}
{% endmacro %}

{% macro redshift__load_raw_data(tables, max_errors) %}
    {% if not execute %}{{ return(none) }}{% endif %}
    {% set raw_data = var('raw_data') | string %}
    {% if not raw_data.startswith('s3://') %}
        {% do exceptions.raise_compiler_error(
            "load_raw_data: raw_data must be an s3:// URL for COPY, got '" ~ raw_data ~ "'"
        ) %}
    {% endif %}
    {% set iam_role = var('iam_role', '') | string %}
    {% if not iam_role.startswith('arn:aws') %}
        {% do exceptions.raise_compiler_error(
            "load_raw_data: COPY needs the ARN of the IAM role Redshift reads " ~ raw_data ~ " with: set "
            ~ "SPARKIFY_REDSHIFT_IAM_ROLE or --vars '{iam_role: arn:aws:iam::<account>:role/<name>}' (got '"
            ~ iam_role ~ "'; docs/redshift.md)"
        ) %}
    {% endif %}
    {% set tables = tables or ['log_data', 'song_data'] %}
    {% for table in tables %}
        {% if table not in ['log_data', 'song_data'] %}
            {% do exceptions.raise_compiler_error(
                "load_raw_data: unknown table '" ~ table ~ "' (log_data or song_data)"
            ) %}
        {% endif %}
    {% endfor %}
    {% set limit = (max_errors if max_errors is not none else var('load_max_errors', 0)) | int %}
    {% set base = raw_data.rstrip('/') %}
    {% set schema = var('raw_schema', 'sparkify_raw') %}
    {% set credentials -%}
        iam_role '{{ iam_role }}'
        {%- if var('s3_region', none) %} region '{{ var('s3_region') }}'{% endif %}
    {%- endset %}

    {% do run_query('create schema if not exists ' ~ adapter.quote(schema)) %}
    {% do run_query(sparkify.redshift_load_errors_ddl(schema)) %}
    {% do run_query(sparkify.redshift_loaded_files_ddl(schema)) %}
    {% for table in tables %}
        {% do sparkify.redshift_copy_new_files(
            schema, table, sparkify.redshift_raw_text_columns(), base ~ '/' ~ table ~ '/',
            sparkify.redshift_copy_text_format(), credentials, limit
        ) %}
    {% endfor %}
{% endmacro %}


{#
    How COPY reads a raw file: each line one record, split into the two text columns at 0x01
    (FILLRECORD: a line without one leaves the second null, EMPTYASNULL), a longer line cut to the
    column (TRUNCATECOLUMNS) and bytes that are not UTF-8 replaced by 0x1A (ACCEPTINVCHARS), so that
    no line is rejected for its content; the base model quarantines such lines with their reason.
    Placed last in the COPY, flags last: COPY takes its parameters in any order, sqlglot reads
    flags only at the end.
#}
{% macro redshift_copy_text_format() %}
    {{ return(
        "delimiter '\\001' acceptinvchars as '" ~ sparkify.redshift_replacement_char()
        ~ "' fillrecord emptyasnull truncatecolumns"
    ) }}
{% endmacro %}


{#
    The files below the prefix the project does not read, by their names (the rule every engine
    applies, raw_file_name_not_read_reason_of): the ops model raw_files_not_read shows this table,
    as on Postgres, where sparkify-load-postgres fills a table of the same shape. Each load replaces
    the table's rows, so it names what the last load saw.
#}
{% macro redshift_record_files_not_read(schema, table, not_read, sizes) %}
    {% set relation = adapter.quote(schema) ~ '.files_not_read' %}
    {% call statement('files_not_read_table') %}
        create table if not exists {{ relation }} (
            source_table varchar(128) not null,
            source_file varchar(1024) not null,
            file_size bigint,
            reason varchar(256) not null
        )
    {% endcall %}
    {% call statement('forget_files_not_read') %}
        delete from {{ relation }} where source_table = '{{ table }}'
    {% endcall %}
    {% if not_read %}
        {% call statement('record_files_not_read') %}
            insert into {{ relation }} (source_table, source_file, file_size, reason)
            values
            {%- for file, reason in not_read | dictsort %}
                ('{{ table }}', '{{ file | replace("'", "''") }}',
                {{- ' ' ~ (sizes[file] if sizes[file] is not none else 'null') }}, '{{ reason | replace("'", "''") }}')
                {{- "," if not loop.last }}
            {%- endfor %}
        {% endcall %}
    {% endif %}
    {% do adapter.commit() %}
{% endmacro %}


{% macro redshift_load_errors_ddl(schema) %}
    create table if not exists {{ adapter.quote(schema) }}.load_errors (
        loaded_at timestamp not null default getdate(),
        table_name varchar(128) not null,
        file_name varchar(1024) not null,
        line_number bigint,
        column_name varchar(127),
        error_message varchar(512) not null,
        raw_line varchar(1024)
    )
{% endmacro %}


{#
    The ledger of loaded files: which files load_raw_data skips. A file is entered with its rows,
    so a file that loaded none (every record rejected and tolerated, or an empty file) is entered
    too and not copied again. file_size is the bytes COPY read (the file's size, uncompressed).
#}
{% macro redshift_loaded_files_ddl(schema) %}
    create table if not exists {{ adapter.quote(schema) }}.loaded_files (
        table_name varchar(128) not null,
        file_name varchar(1024) not null,
        file_size bigint,
        loaded_rows bigint not null,
        rejected_rows bigint not null,
        loaded_at timestamp not null default getdate()
    )
{% endmacro %}


{# One COPY of a prefix or a file into the scratch table: its SYS query id and the rows it loaded. #}
{% macro redshift_copy_into(scratch, columns, location, format, credentials) %}
    {% call statement('copy_raw', fetch_result=False) %}
        copy {{ scratch }} ({% for name, _ in columns %}{{ adapter.quote(name) }}{{ ", " if not loop.last }}{% endfor %})
        from '{{ location | replace("'", "''") }}'
        {{ credentials }}
        maxerror 100000
        compupdate off
        statupdate off
        {{ format }}
    {% endcall %}
    {% set found = run_query(
        "select query_id, loaded_rows from sys_load_history where session_id = pg_backend_pid()"
        ~ " order by query_id desc limit 1"
    ) %}
    {% if found.rows | length != 1 %}
        {% do exceptions.raise_compiler_error(
            "load_raw_data: SYS_LOAD_HISTORY shows no COPY from " ~ location ~ " in this session"
        ) %}
    {% endif %}
    {{ return(found.rows[0]) }}
{% endmacro %}


{# The files one COPY read, in name order: {file URL: bytes read} (a file may be read in splits). #}
{% macro redshift_copied_files(query_id) %}
    {% set found = run_query(
        "select trim(file_name) as file_name, sum(lines_scanned) as lines_scanned,"
        ~ " sum(bytes_scanned) as bytes_scanned from sys_load_detail"
        ~ " where query_id = " ~ query_id ~ " group by 1 order by 1"
    ) %}
    {% set files = {} %}
    {% for row in found.rows %}
        {% do files.update({row[0]: row[2]}) %}
    {% endfor %}
    {{ return(files) }}
{% endmacro %}


{% macro redshift_copy_new_files(schema, table, columns, prefix, format, credentials, max_errors) %}
    {% set target_relation = adapter.quote(schema) ~ '.' ~ adapter.quote(table) %}
    {% set ledger = adapter.quote(schema) ~ '.loaded_files' %}
    {% set scratch = adapter.quote('sparkify_copy_' ~ table) %}
    {% set column_list %}{% for name, _ in columns %}{{ adapter.quote(name) }}, {% endfor %}{% endset %}
    {#
        a COPY table of an earlier shape (one column per JSON key, filled by FORMAT AS JSON) is
        dropped with its ledger entries, so that this run copies every file again as text lines
        (the base models then need one --full-refresh; CHANGELOG)
    #}
    {% set existing = adapter.get_relation(database=target.database, schema=schema, identifier=table) %}
    {% set existing_names = adapter.get_columns_in_relation(existing) | map(attribute='name') | map('lower') | list
        if existing is not none else [] %}
    {% if existing_names and columns[0][0] not in existing_names %}
        {{ log(table ~ ": " ~ target_relation ~ " holds JSON columns of an earlier version: dropped, every"
            ~ " file is copied again as text lines", info=true) }}
        {% call statement('drop_old_raw_table') %}
            drop table {{ target_relation }}
        {% endcall %}
        {% call statement('forget_old_loads') %}
            delete from {{ ledger }} where table_name = '{{ table }}'
        {% endcall %}
        {% do adapter.commit() %}
    {% endif %}
    {% call statement('create_raw_table') %}
        create table if not exists {{ target_relation }} (
            {%- for name, data_type in columns %}
            {{ adapter.quote(name) }} {{ data_type }},
            {%- endfor %}
            source_file varchar(1024) not null
        )
    {% endcall %}
    {#
        files loaded before the ledger existed: their rows are in the COPY table; enter each once,
        so that they stay skipped (a no-op once every loaded file is in the ledger)
    #}
    {% call statement('ledger_from_raw_table') %}
        insert into {{ ledger }} (table_name, file_name, loaded_rows, rejected_rows)
        select '{{ table }}', raw.source_file, count(*), 0
        from {{ target_relation }} as raw
        where not exists (
            select 1
            from {{ ledger }} as loaded
            where loaded.table_name = '{{ table }}' and loaded.file_name = raw.source_file
        )
        group by raw.source_file
    {% endcall %}
    {% do adapter.commit() %}
    {% call statement('create_scratch') %}
        create temporary table {{ scratch }} (
            {%- for name, data_type in columns %}
            {{ adapter.quote(name) }} {{ data_type }}{{ "," if not loop.last }}
            {%- endfor %}
        )
    {% endcall %}

    {# which files are there: one parallel COPY of the whole prefix, then ask what it read #}
    {% set listing = sparkify.redshift_copy_into(scratch, columns, prefix, format, credentials) %}
    {% set sizes = sparkify.redshift_copied_files(listing[0]) %}
    {% set present = sizes.keys() | list %}
    {% set not_read = {} %}
    {% for file in present %}
        {% set reason = sparkify.raw_file_name_not_read_reason_of(file.split('/') | last) %}
        {% if reason %}{% do not_read.update({file: reason}) %}{% endif %}
    {% endfor %}
    {% do sparkify.redshift_record_files_not_read(schema, table, not_read, sizes) %}
    {% set loaded = run_query(
        "select file_name from " ~ ledger ~ " where table_name = '" ~ table ~ "'"
    ).columns[0].values() | list %}
    {% set new_files = present | reject('in', loaded) | reject('in', not_read) | list %}
    {{ log(table ~ ": " ~ present | length ~ " files under " ~ prefix ~ ", " ~ new_files | length
        ~ " not loaded yet, " ~ not_read | length ~ " not read by their names (files_not_read)", info=true) }}

    {% set totals = namespace(rows=0, rejected=0) %}
    {% for file in new_files %}
        {# delete, not truncate: TRUNCATE would commit dbt's open transaction behind its back #}
        {% do run_query('delete from ' ~ scratch) %}
        {#- COPY decompresses only when told: a .gz name is read as gzip, as every engine reads it -#}
        {% set file_format = format ~ (' gzip' if file.lower().endswith('.gz') else '') %}
        {% set copy = sparkify.redshift_copy_into(scratch, columns, file, file_format, credentials) %}
        {% set query_id = copy[0] %}
        {% set read = sparkify.redshift_copied_files(query_id).keys() | list %}
        {% if read != [file] %}
            {% do exceptions.raise_compiler_error(
                "load_raw_data: COPY from " ~ file ~ " read " ~ read | join(', ')
                ~ ": another key starts with this file's full name, so the file cannot be loaded alone"
            ) %}
        {% endif %}
        {% set errors = run_query(
            "select line_number, trim(column_name) as column_name, trim(error_message) as error_message"
            ~ " from sys_load_error_detail where query_id = " ~ query_id ~ " order by line_number"
        ) %}
        {% for error in errors.rows %}
            {{ log("  " ~ file ~ ":" ~ error[0] ~ ": " ~ (error[1] ~ ": " if error[1] else "") ~ error[2], info=true) }}
        {% endfor %}
        {% if errors.rows | length > max_errors %}
            {% do exceptions.raise_compiler_error(
                "load_raw_data: " ~ file ~ " has " ~ errors.rows | length ~ " rejected records (max_errors "
                ~ max_errors ~ ", listed above; SYS_LOAD_ERROR_DETAIL query_id " ~ query_id ~ "). The file"
                ~ " was not loaded; files before it were. Fix the file or raise load_max_errors, then re-run:"
                ~ " loaded files are skipped."
            ) %}
        {% endif %}
        {% set file_literal = "'" ~ file | replace("'", "''") ~ "'" %}
        {% call statement('insert_file') %}
            insert into {{ target_relation }} ({{ column_list }}source_file)
            select {{ column_list }}{{ file_literal }} from {{ scratch }}
        {% endcall %}
        {% if errors.rows %}
            {% call statement('keep_errors') %}
                insert into {{ adapter.quote(schema) }}.load_errors
                    (table_name, file_name, line_number, column_name, error_message)
                select '{{ table }}', {{ file_literal }}, line_number, trim(column_name), trim(error_message)
                from sys_load_error_detail
                where query_id = {{ query_id }}
            {% endcall %}
        {% endif %}
        {% set copied = copy[1] %}
        {# entered whatever it loaded: a file of rejected records only is not copied again next run #}
        {% call statement('enter_in_ledger') %}
            insert into {{ ledger }} (table_name, file_name, file_size, loaded_rows, rejected_rows)
            values (
                '{{ table }}', {{ file_literal }}, {{ sizes[file] if sizes[file] is not none else 'null' }},
                {{ copied }}, {{ errors.rows | length }}
            )
        {% endcall %}
        {# the file, its ledger entry and its tolerated errors become visible together, whatever fails later #}
        {% do adapter.commit() %}
        {% set totals.rows = totals.rows + copied %}
        {% set totals.rejected = totals.rejected + errors.rows | length %}
        {{ log(table ~ ": " ~ loop.index ~ "/" ~ new_files | length ~ " " ~ file ~ ": " ~ copied ~ " rows, "
            ~ errors.rows | length ~ " rejected", info=true) }}
    {% endfor %}
    {{ log(table ~ ": loaded " ~ new_files | length ~ " files, " ~ totals.rows ~ " rows, "
        ~ totals.rejected ~ " records rejected; " ~ (present | length - new_files | length)
        ~ " files were loaded before", info=true) }}
{% endmacro %}


{#
    forget_raw_file on the COPY path: the file's rows leave the COPY table and its entry the ledger,
    so the next load_raw_data copies it again from S3 (and a file gone from S3 is gone for good).
    Without this, the next build re-ingested the file's old rows from the COPY table and the load
    skipped the file. Files are matched by their path below raw_data, as in the base models.
#}
{% macro redshift__forget_raw_file_loads(pattern) %}
    {% if var('redshift_raw_path', 'spectrum') != 'copy' %}
        {{ return([]) }}
    {% endif %}
    {% set schema = var('raw_schema', 'sparkify_raw') %}
    {% set ledger = adapter.get_relation(database=target.database, schema=schema, identifier='loaded_files') %}
    {% set statements = [] %}
    {% for table in ['log_data', 'song_data'] %}
        {% set copied = adapter.get_relation(database=target.database, schema=schema, identifier=table) %}
        {% if copied is not none %}
            {% do statements.append(
                "delete from " ~ copied ~ " where "
                ~ sparkify.path_below_raw_data('source_file', table) | trim ~ " like '" ~ pattern ~ "'"
            ) %}
        {% endif %}
        {% if ledger is not none %}
            {% do statements.append(
                "delete from " ~ ledger ~ " where table_name = '" ~ table ~ "' and "
                ~ sparkify.path_below_raw_data('file_name', table) | trim ~ " like '" ~ pattern ~ "'"
            ) %}
        {% endif %}
    {% endfor %}
    {{ return(statements) }}
{% endmacro %}
