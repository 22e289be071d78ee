"""split_raw_file / decode_raw_file: every line kept, numbered as `wc -l` counts, nothing raises."""

from __future__ import annotations

import gzip

import pytest

from sparkify_tools.ingest.raw_lines import (
    EMPTY_FILE_ROW,
    decode_raw_file,
    split_raw_file,
    split_raw_log_file,
)


def line_count(data: bytes) -> int:
    return 0 if not data else data.count(b"\n") + (0 if data.endswith(b"\n") else 1)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", []),
        (b"a", [(1, "a", None)]),
        (b"a\n", [(1, "a", None)]),
        (b"a\n\nb", [(1, "a", None), (2, "", None), (3, "b", None)]),
        (b"a\r\nb\r\n", [(1, "a", None), (2, "b", None)]),
        # a lone CR and 0x01 are not line ends: they stay in their line
        (b"a\rb\nc\x01d\n", [(1, "a\rb", None), (2, "c\x01d", None)]),
        (b"\xef\xbb\xbfa\n", [(1, "a", None)]),
        ("é\n".encode(), [(1, "é", None)]),
    ],
)
def test_clean_text_splits_on_newline_only(data: bytes, expected: list) -> None:
    assert split_raw_file(data) == expected
    assert len(expected) == line_count(data)


@pytest.mark.parametrize(
    "data", [b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", gzip.compress(b"", mtime=0)], ids=repr
)
def test_a_log_file_without_lines_gives_the_row_that_stands_for_it(data: bytes) -> None:
    # line 0, no text: the warehouse replaces the file's earlier lines with it
    assert split_raw_log_file(data) == [EMPTY_FILE_ROW] == [(0, None, None)]


def test_a_log_file_of_blank_lines_gives_its_lines() -> None:
    assert split_raw_log_file(b"\n\n") == [(1, "", None), (2, "", None)]


def test_undecodable_bytes_are_escaped_on_their_line_only() -> None:
    lines = split_raw_file(b'{"a":1}\nCaf\xe9\n{"b":2}')
    assert lines[0] == (1, '{"a":1}', None)
    assert lines[1][:2] == (2, "Caf\\xe9")
    assert lines[1][2] is not None and lines[1][2].startswith("not UTF-8 text")
    assert "0xE9" in lines[1][2]
    assert lines[2] == (3, '{"b":2}', None)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_a_byte_order_mark_is_decoded(encoding: str) -> None:
    text = '{"song":"Ça"}\n{"song":"b"}\n'
    data = text.encode(encoding)
    if encoding != "utf-16":
        data = ("\ufeff" + text).encode(encoding)
    assert split_raw_file(data) == [(1, '{"song":"Ça"}', None), (2, '{"song":"b"}', None)]


def test_utf16_newline_is_found_on_code_unit_boundaries_only() -> None:
    # U+0A00 is b"\x00\x0a" in UTF-16-LE: an unaligned match of b"\n\x00" must not split it
    data = "\ufeffa\u0a00b\nc".encode("utf-16-le")
    assert split_raw_file(data) == [(1, "a\u0a00b", None), (2, "c", None)]


def test_gzip_bytes_are_decompressed_whatever_the_name() -> None:
    assert split_raw_file(gzip.compress(b"x\ny\n")) == [(1, "x", None), (2, "y", None)]


def test_damaged_gzip_keeps_what_decompressed_and_says_so() -> None:
    lines = split_raw_file(gzip.compress(b"x\ny\n" * 100)[:-8])
    assert lines[0] == (1, "x", None)
    assert lines[-1][2] is not None and "gzip data damaged" in lines[-1][2]
    assert split_raw_file(b"\x1f\x8bnot gzip at all")[0][2] is not None


def test_decode_raw_file_keeps_the_whole_file() -> None:
    assert decode_raw_file(b'{"a":\n1}') == ('{"a":\n1}', None)
    text, problem = decode_raw_file(b'{"t":"\xff"}')
    assert text == '{"t":"\\xff"}'
    assert problem is not None and problem.startswith("not UTF-8 text")
    assert decode_raw_file('{"t":"é"}'.encode("utf-16")) == ('{"t":"é"}', None)


def test_a_text_over_the_limit_is_cut_on_a_character_boundary_and_says_so() -> None:
    from sparkify_tools.ingest.raw_lines import MAX_TEXT_BYTES, within_text_limit

    short = "é" * (MAX_TEXT_BYTES // 2)  # 65,534 bytes
    assert within_text_limit(short, None) == (short, None)
    cut, problem = within_text_limit(short + "éé", "earlier problem")
    assert cut == short and len(cut.encode()) <= MAX_TEXT_BYTES
    assert problem == (
        "earlier problem; a record of 65,538 bytes, over the 65,535 every engine can hold: cut there"
    )
    assert within_text_limit(None, None) == (None, None)
