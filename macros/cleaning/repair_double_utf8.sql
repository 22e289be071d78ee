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
