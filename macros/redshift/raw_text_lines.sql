{#
    Redshift reads raw files as text lines on both raw paths: the Spectrum external tables
    (stage_external_sources) and the COPY tables (load_raw_data) have the same two columns, and
    redshift__read_new_raw_files turns them into the record columns every engine's reader gives.

        raw_line          the line up to its first 0x01 (both paths split fields at 0x01, a byte
                          that valid JSON never holds raw; no line ever is split by a delimiter
                          that can appear in it legitimately)
        beyond_delimiter  what follows the first 0x01, when there is one (later 0x01 bytes and
                          what follows them are dropped by the reader; the line is malformed JSON
                          either way)

    Both are varchar(65535), Redshift's longest text: a longer line is cut there (Spectrum's
    surplus_char_handling TRUNCATE, COPY's TRUNCATECOLUMNS) and a byte that is not UTF-8 becomes
    0x1A (Spectrum's invalid_char_handling REPLACE, COPY's ACCEPTINVCHARS), so that no line stops a
    query or a load; the line is then quarantined with decoding_error saying so.
#}
{% macro redshift_raw_text_columns() %}
    {{ return([('raw_line', 'varchar(65535)'), ('beyond_delimiter', 'varchar(65535)')]) }}
{% endmacro %}

{# Redshift's longest text (bytes), and the character an undecodable byte becomes (0x1A, SUB). #}
{% macro redshift_raw_max_bytes() %}
    {{ return(65535) }}
{% endmacro %}

{% macro redshift_replacement_char() %}
    {{ return('\x1a') }}
{% endmacro %}

{#
    The line as the file has it, from the two columns: joined again at its 0x01 while the whole
    fits in varchar(65535), a CR before the line end dropped (DuckDB and Spark drop it too). An
    empty second column counts as none: whether a reader gives a missing field as null or as ''
    is not documented, and joining '' would add a 0x01 to every line (a line ending in 0x01 loses
    it instead).
#}
{% macro redshift_raw_line_text(raw_line, beyond_delimiter) %}
    rtrim(
        case
            when nullif({{ beyond_delimiter }}, '') is null then {{ raw_line }}
            when octet_length({{ raw_line }}) + 1 + octet_length({{ beyond_delimiter }}) <= {{ sparkify.redshift_raw_max_bytes() }}
                then {{ raw_line }} || chr(1) || {{ beyond_delimiter }}
            else {{ raw_line }}
        end,
        chr(13)
    )
{% endmacro %}

{#
    Why the text is not the line's bytes as they are, or null. A part within three bytes of the
    limit counts as cut: the documentation does not say whether a cut that would split a UTF-8
    character stops short of it, so a line of 65,532 to 65,535 bytes is quarantined too rather
    than a cut one loaded. 0x1A is never raw in valid JSON: a line holding one had bytes that are
    not UTF-8 (or held a raw 0x1A, malformed JSON anyway).
#}
{% macro redshift_raw_line_decoding_error(raw_line, beyond_delimiter) %}
    {%- set limit = sparkify.redshift_raw_max_bytes() -%}
    case
        when octet_length({{ raw_line }}) > {{ limit - 4 }} or octet_length({{ beyond_delimiter }}) > {{ limit - 4 }}
            or octet_length({{ raw_line }}) + 1 + octet_length({{ beyond_delimiter }}) > {{ limit }}
            then 'line too long: Redshift reads at most {{ limit }} bytes of a line, the rest is cut'
        when strpos({{ raw_line }}, chr(26)) > 0 or strpos({{ beyond_delimiter }}, chr(26)) > 0
            then 'not UTF-8 text: byte(s) that are not UTF-8, shown as 0x1A'
    end
{% endmacro %}
