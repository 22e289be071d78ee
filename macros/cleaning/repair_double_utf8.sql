{#
    The real logs carry UTF-8 text that was decoded as Latin-1 and re-encoded, twice
    ("Bj\u00c3\u0083\u00c2\u00b6rk" for "Björk"). Reading the characters back as Latin-1 bytes and
    decoding them as UTF-8 undoes one round; text that is not of that shape is returned unchanged.
#}
{% macro repair_double_utf8(column, rounds=2) %}
    {%- set repaired = namespace(sql=column) -%}
    {%- for _ in range(rounds) -%}
        {%- set repaired.sql = adapter.dispatch('undo_latin1_round', 'sparkify')(repaired.sql) -%}
    {%- endfor -%}
    {{ repaired.sql }}
{% endmacro %}

{# Engines without byte-level string functions keep the text as it is. #}
{% macro default__undo_latin1_round(column) %}{{ column }}{% endmacro %}

{% macro duckdb__undo_latin1_round(column) -%}
    (case
        -- only text holding a UTF-8 lead byte followed by a continuation byte can be mojibake
        when regexp_matches({{ column }}, '[\x{c2}-\x{f4}][\x{80}-\x{bf}]')
            and not regexp_matches({{ column }}, '[^\x{00}-\x{ff}]')
            then coalesce(
                try(decode(unhex(array_to_string(
                    list_transform(string_split({{ column }}, ''), c -> lpad(hex(unicode(c)), 2, '0')),
                    ''
                )))),
                {{ column }}
            )
        else {{ column }}
    end)
{%- endmacro %}

{#
    No byte-level string functions on Redshift (no convert_to / convert_from, no Latin-1 decoding
    of VARBYTE), so doubly encoded names are left as they are: plays of such songs stay unmatched
    on Redshift. docs/redshift.md lists this gap.
#}
{% macro redshift__undo_latin1_round(column) %}{{ column }}{% endmacro %}

{#
    One round of the double-UTF-8 repair on PostgreSQL (see repair_double_utf8): read the text's
    characters back as Latin-1 bytes and decode those bytes as UTF-8.

    convert_to(..., 'LATIN1') raises on a character above U+00FF and convert_from(..., 'UTF8') raises
    on bytes that are not UTF-8, and SQL has no try: so the conversion runs only when the text is
    already known to be safe. The pattern accepts text made only of U+0000-U+00FF whose code points,
    taken as bytes, are well-formed UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF),
    and which holds at least one multi-byte sequence. Everything else - ordinary accented text,
    CJK, text repaired already - comes back unchanged, as on DuckDB.
#}
{% macro postgres__undo_latin1_round(column) -%}
    (case
        -- cheap test first: only a UTF-8 lead byte followed by a continuation byte can be mojibake
        when {{ column }} ~ '[\u00c2-\u00f4][\u0080-\u00bf]'
            and {{ column }} ~ '{{ sparkify.latin1_bytes_forming_utf8_pattern() }}'
            then convert_from(convert_to({{ column }}, 'LATIN1'), 'UTF8')
        else {{ column }}
    end)
{%- endmacro %}

{#
    A POSIX regular expression (PostgreSQL's advanced flavour) that matches a whole string whose
    characters, read as Latin-1 bytes, form valid UTF-8: RFC 3629's byte sequences, one per
    alternative.
#}
{% macro latin1_bytes_forming_utf8_pattern() -%}
    ^(
    {%- for sequence in [
        '[\u0001-\u007f]',
        '[\u00c2-\u00df][\u0080-\u00bf]',
        '\u00e0[\u00a0-\u00bf][\u0080-\u00bf]',
        '[\u00e1-\u00ec\u00ee\u00ef][\u0080-\u00bf]{2}',
        '\u00ed[\u0080-\u009f][\u0080-\u00bf]',
        '\u00f0[\u0090-\u00bf][\u0080-\u00bf]{2}',
        '[\u00f1-\u00f3][\u0080-\u00bf]{3}',
        '\u00f4[\u0080-\u008f][\u0080-\u00bf]{2}',
    ] -%}
        {{ sequence }}{{ '|' if not loop.last }}
    {%- endfor -%}
    )*$
{%- endmacro %}

{#
    Spark: one round of the double-UTF-8 repair (see repair_double_utf8). The characters are read back
    as Latin-1 bytes and decoded as UTF-8 only when they are mojibake: at least one character in
    U+0080–U+00FF, none above U+00FF, and the bytes well-formed UTF-8. Anything else is returned as
    it is, like DuckDB's failed decode; Spark 4 would raise on malformed input instead, Spark 3 would
    write U+FFFD.
#}
{% macro spark__undo_latin1_round(column) -%}
    (case
        when {{ column }} rlike '[\\x{80}-\\x{ff}]'
            and {{ column }} rlike '{{ sparkify_utf8_as_latin1_pattern() }}'
            then decode(encode({{ column }}, 'ISO-8859-1'), 'UTF-8')
        else {{ column }}
    end)
{%- endmacro %}

{#
    Java regex, escaped for a Spark SQL string literal: a whole string whose characters, taken as
    bytes, are well-formed UTF-8 (the Unicode standard's table 3-7: no overlong forms, no surrogates,
    nothing above U+10FFFF).
#}
{% macro sparkify_utf8_as_latin1_pattern() -%}
    ^(?:[\\x00-\\x7f]|[\\xc2-\\xdf][\\x80-\\xbf]|\\xe0[\\xa0-\\xbf][\\x80-\\xbf]|[\\xe1-\\xec\\xee\\xef][\\x80-\\xbf]{2}|\\xed[\\x80-\\x9f][\\x80-\\xbf]|\\xf0[\\x90-\\xbf][\\x80-\\xbf]{2}|[\\xf1-\\xf3][\\x80-\\xbf]{3}|\\xf4[\\x80-\\x8f][\\x80-\\xbf]{2})*$
{%- endmacro %}
