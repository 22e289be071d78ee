{#
    What a base model reads: the raw files of one source that have not been ingested yet, or that
    changed since (another size or modification time), one row per record with
        source_path       the file as the engine names it (made relative to raw_data in the model)
        file_size         bytes, where the engine tells it (else null)
        file_modified_at  last modification, where the engine tells it (else null)
    and the raw record: a text column (`raw_line`, `content`) on DuckDB, which reads the files in
    place; the raw keys as columns on warehouse engines, whose loaders split the JSON already.

    A file is known by its path below raw_data plus size and modification time, so the same folder
    under another spelling or at another place ingests nothing new, and a file rewritten in place is
    read again (the base model's delete+insert on source_file then replaces its earlier rows).

    unit: 'line' (newline-delimited log files) or 'file' (one JSON object per song file).
#}
{% macro read_new_raw_files(source_relation, unit) %}
    {{ return(adapter.dispatch('read_new_raw_files', 'sparkify')(source_relation, unit)) }}
{% endmacro %}

{#
    Engines whose raw relation already names the file (Postgres's loaded tables carry a
    source_file column; Redshift has its own reader below): new and changed files are filtered
    against the base model itself. sparkify-load-postgres also writes each file's file_size and
    file_modified_at on its rows and reloads a file that changed, so there a file is new unless the
    base model holds the same path, size and modification time; a table without those columns
    knows a file by its path alone.
    sparkify-load-postgres loads every line with its record columns (line_number, raw_text,
    is_valid_json, decoding_error, non_scalar_fields, has_duplicate_keys, computed as DuckDB computes
    them), and an empty log file as the one row that stands for it (line 0, no text), as DuckDB's
    reader does; a table without them (COPY's) gets them here as COPY implies: a loaded row is a
    valid record whose line and text are unknown.
#}
{% macro default__read_new_raw_files(source_relation, unit) %}
    {% set names = sparkify.raw_column_names(source_relation) %}
    {% set file_columns = 'file_size' in names and 'file_modified_at' in names %}
    {% set record_columns = sparkify.raw_record_columns() | reject('in', names) | list | length == 0 %}
    (
        select
            raw.*,
            {%- if not file_columns %}
            cast(null as {{ dbt.type_bigint() }}) as file_size,
            cast(null as {{ dbt.type_timestamp() }}) as file_modified_at,
            {%- endif %}
            {%- if not record_columns %}
            cast(null as {{ dbt.type_bigint() }}) as line_number,
            cast(null as {{ dbt.type_string() }}) as raw_text,
            true as is_valid_json,
            cast(null as {{ dbt.type_string() }}) as decoding_error,
            cast(null as {{ dbt.type_string() }}) as non_scalar_fields,
            false as has_duplicate_keys,
            {%- endif %}
            raw.source_file as source_path
        from {{ source_relation }} as raw
        {% if is_incremental() %}
        where not exists (
            select 1
            from {{ this }} as ingested
            where
                ingested.source_file = {{ sparkify.path_below_raw_data('raw.source_file', source_relation.identifier) }}
                {%- if file_columns %}
                and ingested.file_size = raw.file_size
                and ingested.file_modified_at = raw.file_modified_at
                {%- endif %}
        )
        {% endif %}
    ) as new_raw_files
{% endmacro %}

{#
    The lower-cased column names of a loaded raw table (Postgres, Redshift COPY), asked of the
    database when the model runs, so one reader serves tables loaded either way; at parse time the
    answer does not matter.
#}
{% macro raw_column_names(source_relation) %}
    {% if not execute %}
        {{ return([]) }}
    {% endif %}
    {{ return(adapter.get_columns_in_relation(source_relation) | map(attribute='name') | map('lower') | list) }}
{% endmacro %}

{#
    Whether a loaded raw table records each file's size and modification time (columns file_size and
    file_modified_at, as sparkify-load-postgres writes them).
#}
{% macro raw_file_columns(source_relation) %}
    {% set names = sparkify.raw_column_names(source_relation) %}
    {{ return('file_size' in names and 'file_modified_at' in names) }}
{% endmacro %}

{# The columns of a raw record besides its keys, as every engine's reader gives them. #}
{% macro raw_record_columns() %}
    {{ return([
        'line_number', 'raw_text', 'is_valid_json', 'decoding_error', 'non_scalar_fields',
        'has_duplicate_keys',
    ]) }}
{% endmacro %}

{#
    Redshift: both raw paths hold each line as text (macros/redshift/raw_text_lines.sql), parsed in
    SQL by redshift__parse_raw_records as on Spark. The COPY tables name the file in source_file and
    a file is known by its path alone (COPY never reloads a file it loaded); Spectrum names it in the
    pseudo-columns "$path" and "$size", which `select *` leaves out. Neither can say which line of
    its file a row is: line_number is null on Redshift. Song files are one JSON object each: the
    file's one non-blank line is its record; a file of several (pretty-printed JSON) cannot be
    joined in order, and is quarantined saying so.
#}
{% macro redshift__read_new_raw_files(source_relation, unit) %}
    {% set mode = var('redshift_raw_path', 'spectrum') %}
    {% if mode not in ['spectrum', 'copy'] %}
        {% do exceptions.raise_compiler_error(
            "var redshift_raw_path must be 'spectrum' or 'copy', got '" ~ mode ~ "'"
        ) %}
    {% endif %}
    {% set path = 'raw.source_file' if mode == 'copy' else 'raw."$path"' %}
    (
        with

        raw_lines as (

            select
                cast({{ path }} as varchar(max)) as source_path,
                {% if mode == 'copy' -%}
                cast(null as {{ dbt.type_bigint() }}) as file_size,
                {%- else -%}
                cast(raw."$size" as {{ dbt.type_bigint() }}) as file_size,
                {%- endif %}
                cast(null as {{ dbt.type_timestamp() }}) as file_modified_at,
                {{ sparkify.redshift_raw_line_text('raw.raw_line', 'raw.beyond_delimiter') }} as raw_text,
                {{ sparkify.redshift_raw_line_decoding_error('raw.raw_line', 'raw.beyond_delimiter') }} as decoding_error
            from {{ source_relation }} as raw
            {% if is_incremental() %}
            where not exists (
                select 1
                from {{ this }} as ingested
                where
                    ingested.source_file = {{ sparkify.path_below_raw_data(path, source_relation.identifier) }}
                    {%- if mode == 'spectrum' %}
                    and ingested.file_size = raw."$size"
                    {%- endif %}
            )
            {% endif %}

        )

        {% if unit == 'line' %}
        select
            source_path,
            cast(null as {{ dbt.type_bigint() }}) as line_number,
            raw_text,
            decoding_error,
            file_size,
            file_modified_at
        from raw_lines
        {% else %}
        select
            source_path,
            cast(1 as {{ dbt.type_bigint() }}) as line_number,
            case when text_lines <= 1 then coalesce(record_text, '') end as raw_text,
            case
                when text_lines > 1
                    then 'a song file of ' || cast(text_lines as varchar(20)) || ' lines: Redshift reads files line by line'
                        || ' and cannot join the lines in their order'
                else record_error
            end as decoding_error,
            file_size,
            file_modified_at
        from (
            select
                source_path,
                max(file_size) as file_size,
                max(file_modified_at) as file_modified_at,
                count(case when trim(raw_text) <> '' then 1 end) as text_lines,
                max(case when trim(raw_text) <> '' then raw_text end) as record_text,
                max(case when trim(raw_text) <> '' then decoding_error end) as record_error
            from raw_lines
            group by source_path
        ) as song_files
        {% endif %}
    ) as new_raw_files
{% endmacro %}

{#
    Spark reads the raw text tables of stage_external_sources (macros/external/spark_external_tables.sql)
    whole on every build: its models are tables rebuilt whole (docs/spark.md), so there is no earlier
    ingestion to compare with. The file's path, size and modification time come from the scan's
    _metadata column.

    Log lines are numbered per file in reading order: a file is read in blocks (one block unless it
    is larger than spark.sql.files.maxPartitionBytes), each block's lines in file order by one task,
    so (block start, monotonically_increasing_id()) orders a file's lines as the file does, and the
    line numbers are those of the file (lines split on \n only, a CR before it dropped, as on DuckDB).

    The file's first bytes say how it is written: UTF-16 (a byte-order mark) is joined back from its
    pieces and decoded in SQL; gzip bytes under a name Spark does not decompress are not read here
    (raw_files_not_read lists them). Bytes that are not UTF-8 stay in their line, which is then
    quarantined with decoding_error (the text shows them as U+FFFD): one bad line, never the build.

    A damaged .gz log file (truncated, corrupt) is read up to the damage and the rest skipped
    without a word (ignoreCorruptFiles; the partial line at the damage is dropped too). Its gzip
    trailer says what a whole file holds: the last 4 bytes are the uncompressed size mod 2^32
    (RFC 1952 ISIZE), read from the `<table>_gzip_files` table (binaryFile over the .json.gz files
    only). Where the lines read (each with its \n; the last may lack it) do not add up to it, one
    more line after them stands for the damage, text unknown, named in decoding_error as DuckDB
    names it ('gzip data damaged ...'): cut inside a line, that is the line DuckDB quarantines.
    A damaged .gz song file yields no row at all (its one record is the whole file): the same
    trailer check makes one row stand for it, text unknown, with that decoding_error.
#}
{% macro spark__read_new_raw_files(source_relation, unit) %}
    {% set first_bytes = "hex(substring(cast(value as binary), 1, 2))" %}
    {% set not_utf8 = "'not UTF-8 text: byte(s) that are not UTF-8, shown as U+FFFD'" %}
    {% set gzip_trailers %}
            -- _metadata, as for the lines: binaryFile's own path column is not URL-encoded
            select
                _metadata.file_path as source_path,
                _metadata.file_size as file_size,
                _metadata.file_modification_time as file_modified_at,
                -- ISIZE: little-endian, so the 4 bytes reversed read as one hex number
                cast(conv(hex(reverse(substring(content, -4, 4))), 16, 10) as bigint) as size_in_trailer
            from {{ sparkify_spark_gzip_listing_relation(source_relation) }}
            where hex(substring(content, 1, 2)) = '1F8B'
    {%- endset %}
    (
        {% if unit == 'line' %}
        with

        numbered_lines as (

            select
                source_path,
                file_size,
                file_modified_at,
                value,
                line_number,
                case
                    when first_bytes in ('FFFE', 'FEFF') then 'utf-16'
                    when first_bytes = '1F8B' then 'gzip'
                    else 'utf-8'
                end as file_encoding
            from (
                select
                    source_path,
                    file_size,
                    file_modified_at,
                    value,
                    row_number() over file_order as line_number,
                    first_value({{ first_bytes }}) over file_order as first_bytes
                from (
                    select
                        _metadata.file_path as source_path,
                        _metadata.file_size as file_size,
                        _metadata.file_modification_time as file_modified_at,
                        _metadata.file_block_start as block_start,
                        -- rises in reading order within one task, and a block is read by one task
                        monotonically_increasing_id() as read_order,
                        value
                    from {{ source_relation }}
                ) as raw_lines
                window file_order as (partition by source_path order by block_start, read_order)
            ) as ordered_lines

        ),

        utf8_lines as (

            select
                source_path,
                line_number,
                -- a CR before the newline ends a Windows line; DuckDB drops it too
                case when endswith(text, '\r') then substring(text, 1, length(text) - 1) else text end as raw_text,
                decoding_error,
                file_size,
                file_modified_at
            from (
                select
                    *,
                    make_valid_utf8(value) as text,
                    case when not is_valid_utf8(value) then {{ not_utf8 }} end as decoding_error
                from numbered_lines
                where file_encoding = 'utf-8'
            ) as checked_lines

        ),

        -- UTF-16 (rare): Spark split the bytes at every 0x0A; they are joined back into the file's
        -- bytes, decoded, and split on the character \n, whose pieces are the file's lines
        utf16_files as (

            select
                source_path,
                file_size,
                file_modified_at,
                cast(concat_ws('\n', transform(
                    array_sort(collect_list(struct(line_number, value))),
                    numbered_piece -> numbered_piece.value
                )) as binary) as joined
            from numbered_lines
            where file_encoding = 'utf-16'
            group by source_path, file_size, file_modified_at

        ),

        utf16_lines as (

            select
                source_path,
                piece_number + 1 as line_number,
                case when endswith(piece, '\r') then substring(piece, 1, length(piece) - 1) else piece end as raw_text,
                case when has_bad_units and contains(piece, '\uFFFD') then
                    'not UTF-16 text: unpaired surrogate(s), shown as U+FFFD'
                end as decoding_error,
                file_size,
                file_modified_at
            from (
                select
                    *,
                    size(pieces) as piece_count,
                    posexplode(pieces) as (piece_number, piece)
                from (
                    select
                        *,
                        split(decode(repaired, 'UTF-16'), '\n') as pieces,
                        hex(repaired) <> array_join(units, '') as has_bad_units
                    from (
                        select
                            *,
                            {{ sparkify.spark_utf16_repaired('units') }} as repaired
                        from (
                            select *, {{ sparkify.spark_utf16_units('joined') }} as units
                            from utf16_files
                        ) as utf16_units
                    ) as repaired_files
                ) as decoded_files
            ) as utf16_pieces
            -- the empty piece after a final newline is no line
            where not (piece_number = piece_count - 1 and piece = '')

        ),

        gzip_trailers as (

            {{ gzip_trailers }}

        ),

        gzip_lines_read as (

            select
                source_path,
                file_size,
                file_modified_at,
                count(*) as lines_read,
                sum(octet_length(value) + 1) as bytes_read
            from numbered_lines
            where lower(source_path) like '%.gz'
            group by source_path, file_size, file_modified_at

        ),

        damaged_gzip_lines as (

            select
                coalesce(gzip_lines_read.source_path, gzip_trailers.source_path) as source_path,
                coalesce(gzip_lines_read.lines_read, 0) + 1 as line_number,
                cast(null as string) as raw_text,
                concat(
                    'gzip data damaged (its trailer gives ', gzip_trailers.size_in_trailer,
                    ' bytes mod 2^32, the lines read hold ', coalesce(gzip_lines_read.bytes_read, 0),
                    '); the text after the lines read is lost'
                ) as decoding_error,
                coalesce(gzip_lines_read.file_size, gzip_trailers.file_size) as file_size,
                coalesce(gzip_lines_read.file_modified_at, gzip_trailers.file_modified_at) as file_modified_at
            from gzip_trailers
            left join gzip_lines_read
                on gzip_trailers.source_path = gzip_lines_read.source_path
            -- a file that does not end in a newline has one \n fewer than counted
            where
                pmod(coalesce(gzip_lines_read.bytes_read, 0), 4294967296) <> gzip_trailers.size_in_trailer
                and pmod(coalesce(gzip_lines_read.bytes_read, 0) - 1, 4294967296) <> gzip_trailers.size_in_trailer

        )

        select * from utf8_lines
        union all
        select * from utf16_lines
        union all
        select * from damaged_gzip_lines
        {% else %}
        with

        song_files as (

            select
                source_path,
                cast(1 as bigint) as line_number,
                case
                    when is_utf16 then decode(repaired, 'UTF-16')
                    -- a UTF-8 byte-order mark is no part of the JSON
                    else regexp_replace(make_valid_utf8(value), '^\uFEFF', '')
                end as raw_text,
                case
                    when is_utf16 and hex(repaired) <> array_join(units, '')
                        then 'not UTF-16 text: unpaired surrogate(s), shown as U+FFFD'
                    when not is_utf16 and not is_valid_utf8(value) then {{ not_utf8 }}
                end as decoding_error,
                file_size,
                file_modified_at,
                -- what Spark decompressed: checked against a .gz file's trailer
                octet_length(value) as bytes_read
            from (
                select
                    *,
                    case when is_utf16 then {{ sparkify.spark_utf16_repaired('units') }} end as repaired
                from (
                    select
                        *,
                        case when is_utf16 then {{ sparkify.spark_utf16_units('cast(value as binary)') }} end as units
                    from (
                        select
                            _metadata.file_path as source_path,
                            _metadata.file_size as file_size,
                            _metadata.file_modification_time as file_modified_at,
                            {{ first_bytes }} in ('FFFE', 'FEFF') as is_utf16,
                            {{ first_bytes }} = '1F8B' as is_gzip,
                            value
                        from {{ source_relation }}
                    ) as song_values
                    -- gzip bytes Spark did not decompress: listed by raw_files_not_read
                    where not is_gzip
                ) as song_units
            ) as repaired_songs

        ),

        gzip_trailers as (

            {{ gzip_trailers }}

        ),

        -- a damaged .gz song file yields no row (ignoreCorruptFiles skips the whole file) or, were
        -- it read in part, fewer bytes than its trailer gives: one row stands for it, text unknown
        damaged_gzip_files as (

            select
                gzip_trailers.source_path,
                cast(1 as bigint) as line_number,
                cast(null as string) as raw_text,
                concat(
                    'gzip data damaged (its trailer gives ', gzip_trailers.size_in_trailer,
                    ' bytes mod 2^32, the file read holds ', coalesce(song_files.bytes_read, 0),
                    '); the text is lost'
                ) as decoding_error,
                gzip_trailers.file_size,
                gzip_trailers.file_modified_at
            from gzip_trailers
            left join song_files
                on gzip_trailers.source_path = song_files.source_path
            where
                song_files.source_path is null
                or pmod(song_files.bytes_read, 4294967296) <> gzip_trailers.size_in_trailer

        )

        select
            song_files.source_path,
            song_files.line_number,
            song_files.raw_text,
            song_files.decoding_error,
            song_files.file_size,
            song_files.file_modified_at
        from song_files
        left anti join damaged_gzip_files
            on song_files.source_path = damaged_gzip_files.source_path
        union all
        select * from damaged_gzip_files
        {% endif %}
    ) as new_raw_files
{% endmacro %}

{#
    Spark: UTF-16 text in two steps Spark's decode() takes without raising (Spark 4's decode raises
    on malformed input, which would stop the build). spark_utf16_units: the bytes as code units of
    four hex digits, an odd last byte completed with 0x0A (the line reader took a big-endian file's
    last 0x0A as its line end). spark_utf16_repaired: the bytes again, each surrogate without its
    partner replaced by U+FFFD, in the byte order of the byte-order mark. Only for the rare UTF-16
    file: it holds the file as an array of code units.
#}
{% macro spark_utf16_units(bytes) %}
    regexp_extract_all(
        hex(case when octet_length({{ bytes }}) % 2 = 1 then concat({{ bytes }}, X'0A') else {{ bytes }} end),
        '(....)', 1
    )
{% endmacro %}

{% macro spark_utf16_repaired(units) %}
    {%- set big_endian = units ~ "[0] = 'FEFF'" -%}
    {%- set high_byte = "case when " ~ big_endian ~ " then substring({unit}, 1, 2) else substring({unit}, 3, 2) end" -%}
    {%- set is_high = "(" ~ high_byte ~ " between 'D8' and 'DB')" -%}
    {%- set is_low = "(" ~ high_byte ~ " between 'DC' and 'DF')" -%}
    {%- set next_unit = "case when utf16_index + 1 < size(" ~ units ~ ") then " ~ units ~ "[utf16_index + 1] end" -%}
    {%- set previous_unit = "case when utf16_index > 0 then " ~ units ~ "[utf16_index - 1] end" -%}
    unhex(array_join(transform(
        {{ units }},
        (utf16_unit, utf16_index) -> case
            when {{ is_high | replace('{unit}', 'utf16_unit') }}
                and not coalesce({{ is_low | replace('{unit}', next_unit) }}, false)
                then case when {{ big_endian }} then 'FFFD' else 'FDFF' end
            when {{ is_low | replace('{unit}', 'utf16_unit') }}
                and not coalesce({{ is_high | replace('{unit}', previous_unit) }}, false)
                then case when {{ big_endian }} then 'FFFD' else 'FDFF' end
            else utf16_unit
        end
    ), ''))
{% endmacro %}

{#
    DuckDB reads the files in place. The files to read are listed when the model runs (every file
    below the source folder at any depth, with size and modification time from read_blob, which
    does not read the contents), minus the files the project does not open by their name
    (raw_file_name_not_read_reason; the ops model raw_files_not_read lists them) and, incrementally,
    minus the files the base model holds, so an incremental build opens only what is new or changed.

    Log files: a first pass over the new files' bytes (raw_log_file_checks) sends each file one of
    two ways. Clean files (UTF-8 text without 0x00, 0x01 or a lone CR, no line over read_csv's limit)
    are read as text lines by DuckDB's vectorised read_csv (a delimiter that never occurs in them, so
    a line is never split or typed), numbered per file from the scan's ordinality. Every other file
    (gzip, UTF-16, bytes that are not UTF-8, ...) is split by the sparkify_ingest plugin's
    sparkify_split_raw_file in Python, which keeps undecodable bytes escaped and names the problem in
    decoding_error: one bad line is quarantined, never the build stopped. Both paths split on \n
    only, so line numbers are those of the file. A file without any line (no bytes, a byte-order
    mark alone, gzip of nothing) goes to Python too, which gives it the one row that stands for it
    (line 0, no text): a base model replaces a file's rows only with rows it reads, so an emptied
    file's earlier lines are withdrawn. The pass over the new files' bytes that chooses the path
    (raw_log_file_checks) tells such a file: no pass of its own.
    Song files are small: each is read whole; one that is not UTF-8 text goes through
    sparkify_decode_raw_file.
#}
{% macro duckdb__read_new_raw_files(source_relation, unit) %}
    {% set folder = sparkify.raw_source_folder(source_relation) %}
    {% set native_files = [] %}
    {% set python_files = [] %}
    {#
        A full build of song files reads the folder's glob itself: listing tens of thousands of
        files first only to name each one in the query costs more than reading them.
    #}
    {% set read_whole_folder = unit == 'file' and not is_incremental() %}
    {% if execute and not read_whole_folder %}
        {% set listing %}
            select listed.filename
            -- '**/*', not '**': DuckDB's '**' alone passes over symlinked files
            from read_blob('{{ (folder ~ "/**/*") | replace("'", "''") }}') as listed
            where
                {{ sparkify.raw_file_name_not_read_reason('listed.filename') }} is null
                {% if is_incremental() %}
                and not exists (
                    select 1
                    from {{ this }} as ingested
                    where
                        ingested.source_file = {{ sparkify.path_below_raw_data('listed.filename', source_relation.identifier) }}
                        and ingested.file_size = listed.size
                        and ingested.file_modified_at = cast(listed.last_modified as timestamp)
                )
                {% endif %}
            order by listed.filename
        {% endset %}
        {% set files = run_query(listing).columns[0].values() | list %}
        {% if unit == 'line' and files | length > 0 %}
            {% set checks = run_query(sparkify.raw_log_file_checks(files)) %}
            {% for row in checks.rows %}
                {% do (python_files if row[1] else native_files).append(row[0]) %}
            {% endfor %}
        {% else %}
            {% do native_files.extend(files) %}
        {% endif %}
    {% endif %}
    {% set empty %}
        (
            select
                null::varchar as filename, null::bigint as line_number, null::varchar as raw_text,
                null::varchar as decoding_error, null::bigint as size, null::timestamp as last_modified
            where false
        )
    {% endset %}
    {% set readers = [] %}
    {% if native_files and unit == 'line' %}
        {% set reader %}
            (
                select
                    lines.filename,
                    lines.ordinality - min(lines.ordinality) over (partition by lines.filename) + 1 as line_number,
                    lines.raw_line as raw_text,
                    null::varchar as decoding_error,
                    files.size,
                    cast(files.last_modified as timestamp) as last_modified
                from read_csv(
                    {{ sparkify.duckdb_path_list(native_files) }},
                    columns = {'raw_line': 'VARCHAR'}, delim = chr(1), quote = '', escape = '',
                    header = false, auto_detect = false, filename = true,
                    max_line_size = {{ sparkify.raw_max_line_bytes() }}
                ) with ordinality as lines
                inner join read_blob({{ sparkify.duckdb_path_list(native_files) }}) as files
                    on lines.filename = files.filename
            )
        {% endset %}
        {% do readers.append(reader) %}
    {% endif %}
    {% if python_files %}
        {% set reader %}
            (
                select
                    filename,
                    split_line.line_number,
                    split_line.raw_text,
                    split_line.decoding_error,
                    size,
                    last_modified
                from (
                    select
                        filename,
                        size,
                        cast(last_modified as timestamp) as last_modified,
                        unnest(sparkify_split_raw_file(content)) as split_line
                    from read_blob({{ sparkify.duckdb_path_list(python_files) }})
                ) as split_files
            )
        {% endset %}
        {% do readers.append(reader) %}
    {% endif %}
    {% if (native_files or (execute and read_whole_folder)) and unit == 'file' %}
        {% set song_blobs %}
            {%- if read_whole_folder -%}
            (
                select *
                from read_blob('{{ (folder ~ "/**/*") | replace("'", "''") }}') as listed
                where {{ sparkify.raw_file_name_not_read_reason('listed.filename') }} is null
            )
            {%- else -%}
            read_blob({{ sparkify.duckdb_path_list(native_files) }})
            {%- endif -%}
        {% endset %}
        {% set reader %}
            (
                select
                    filename,
                    cast(1 as bigint) as line_number,
                    coalesce(text, decoded.raw_text) as raw_text,
                    decoded.decoding_error,
                    size,
                    last_modified
                from (
                    select
                        filename,
                        size,
                        cast(last_modified as timestamp) as last_modified,
                        try(decode(content)) as text,
                        -- Python only for the file that is not UTF-8 text (gzip, UTF-16, stray bytes)
                        case when try(decode(content)) is null then sparkify_decode_raw_file(content) end as decoded
                    from {{ song_blobs }} as song_blobs
                ) as song_files
            )
        {% endset %}
        {% do readers.append(reader) %}
    {% endif %}
    {% if not readers %}
        {# nothing new (or not executing): an empty relation of the right shape, no file opened #}
        {% do readers.append(empty) %}
    {% endif %}
    (
        select
            filename as source_path,
            line_number,
            raw_text,
            decoding_error,
            size as file_size,
            last_modified as file_modified_at
        from (
            {% for reader in readers %}
            select * from {{ reader }} as reader_{{ loop.index }}
            {{ "union all" if not loop.last }}
            {% endfor %}
        ) as read_files
    ) as new_raw_files
{% endmacro %}

{#
    Which new log files DuckDB's read_csv can take as they are, from one pass over their bytes:
    (filename, needs_python). read_csv stops the whole build on bytes that are not UTF-8 (gzip and
    UTF-16 included), on 0x00, on 0x01 (its delimiter here), on a CR that does not end a line, and
    on a line over max_line_size; such a file goes to Python instead. The long-line check runs in
    Python too (DuckDB has no byte search on blobs), only for files larger than the limit. A file
    read_csv finds no line in goes to Python as well, for the row that stands for an empty file.
#}
{% macro raw_log_file_checks(files) %}
    {% set limit = sparkify.raw_max_line_bytes() %}
    select
        filename,
        case
            when text is null then true
            when text in ('', chr(65279)) then true
            when contains(text, chr(0)) or contains(text, chr(1)) then true
            when contains(text, chr(13)) and contains(replace(text, chr(13) || chr(10), ''), chr(13)) then true
            when size > {{ limit }} and sparkify_has_long_line(content, {{ limit // 2 }}) then true
            else false
        end as needs_python
    from (
        select filename, size, content, try(decode(content)) as text
        from read_blob({{ sparkify.duckdb_path_list(files) }})
    ) as raw_files
{% endmacro %}

{# read_csv's line limit (bytes); a file with a longer line is read by Python instead. #}
{% macro raw_max_line_bytes() %}
    {{ return(2000000) }}
{% endmacro %}

{# A list of paths as a DuckDB list literal. #}
{% macro duckdb_path_list(files) %}
    {% set quoted = [] %}
    {% for file in files %}
        {% do quoted.append("'" ~ (file | replace("'", "''")) ~ "'") %}
    {% endfor %}
    {{ return('[' ~ quoted | join(', ') ~ ']') }}
{% endmacro %}

{# The folder a source's files are under: its `external.location` (dbt-external-tables format). #}
{% macro raw_source_folder(source_relation) %}
    {% if not execute %}
        {{ return(var('raw_data') ~ '/' ~ source_relation.identifier) }}
    {% endif %}
    {% for node in graph.sources.values() if node.identifier == source_relation.identifier %}
        {{ return(node.external.location.rstrip('/')) }}
    {% endfor %}
    {% do exceptions.raise_compiler_error(
        "read_new_raw_files: no source with an external location for " ~ source_relation
    ) %}
{% endmacro %}
