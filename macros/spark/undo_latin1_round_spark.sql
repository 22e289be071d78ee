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
