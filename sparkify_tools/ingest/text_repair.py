"""Names that were UTF-8 encoded twice, decoded back: the real logs write "BjÃ\u0083Â¶rk" for Björk.

Reading the characters back as Latin-1 bytes and decoding them as UTF-8 undoes one round; text of
any other shape (plain ASCII, ordinary accented text, characters beyond Latin-1, bytes that do not
decode) comes back unchanged. Done while landing, so every engine gets the same names: no engine's
SQL needs byte-level string functions (Redshift has none).
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc


def repair_double_utf8(text: str, rounds: int = 2) -> str:
    for _ in range(rounds):
        if text.isascii():
            break
        try:
            text = text.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            break
    return text


def repair_columns(table: pa.Table, columns: list[str]) -> pa.Table:
    """The table with those text columns repaired; only values that are not ASCII go through Python."""
    for name in columns:
        values = table[name].combine_chunks()
        not_ascii = pc.fill_null(pc.invert(pc.string_is_ascii(values)), False)
        if not pc.any(not_ascii).as_py():
            continue
        repaired = [repair_double_utf8(text) for text in pc.filter(values, not_ascii).to_pylist()]
        fixed = pc.replace_with_mask(values, not_ascii, pa.array(repaired, pa.string()))
        table = table.set_column(table.schema.get_field_index(name), name, fixed)
    return table
