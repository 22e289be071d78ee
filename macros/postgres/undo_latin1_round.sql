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
