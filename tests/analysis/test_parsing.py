"""`parsing.parse_module` parses a large module in pieces and joins them: the tree must be the
one libcst gives the whole text (same nodes, same code, same module defaults), or the whole
text is parsed. Pieces of one line force a cut at every top-level statement, so every
fixture module is a case of joining."""

from __future__ import annotations

import textwrap
from pathlib import Path

import libcst as cst
import pytest

from djrefactor.analysis import parsing
from djrefactor.analysis.parsing import parse_module

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"

LAYOUT = textwrap.dedent(
    """\
    # a header comment

    import os
    x = 1; y = 2
    z = (1,
         2)


    def f():
        return 1
        # trailing, indented: the block's footer

    # before the decorators: leading lines of the class
    @decorator
    # between decorators
    @other(arg=1)
    class A:
        pass
    if x: pass
    elif y:
        pass
    else: z = 3
    try:
        pass
    except Exception:
        pass
    match x:
        case 1:
            pass
    value = \\
        1
    text = '''
    multi
    line'''
    # the module's footer
    """
)

CASES = {
    "layout": LAYOUT,
    "crlf": LAYOUT.replace("\n", "\r\n"),
    "bom, no final newline": "\ufeffimport os\n\ndef f():\n    return 1\nz = 3",
    "two-space indent after a first piece without blocks": (
        "x = 1\nif x: pass\n\ndef f():\n  return 1\n\nclass A:\n  y = 2\n"
    ),
    "tabs": "def f():\n\tif a:\n\t\treturn 1\n\treturn 2\nb = 1\n",
    "form feed": "x = 1\n\x0cdef g():\n    return 1\n\x0c\ny = 2\n",
    "a decorator with a space": "x = 1\n@ dec\ndef g():\n    return 1\n",
    "mixed newlines": "x = 1\ny = 2\r\nz = 3\r\nw = 4\n",
    "newer syntax than ast reads": 'x = 1\ny = f"{"nested"}"\nz = 2\n',
}


def _fixture_modules() -> list[object]:
    return [
        pytest.param(path.read_text(encoding="utf-8"), id=str(path.relative_to(FIXTURES)))
        for path in sorted(FIXTURES.rglob("*.py"))
    ]


def _assert_whole(text: str, piece_lines: int) -> None:
    whole = cst.parse_module(text)
    parsed = parse_module(text, piece_lines)
    assert parsed.code == whole.code
    assert parsed.deep_equals(whole)
    assert (parsed.default_indent, parsed.default_newline, parsed.has_trailing_newline) == (
        whole.default_indent,
        whole.default_newline,
        whole.has_trailing_newline,
    )


@pytest.mark.parametrize("text", list(CASES.values()), ids=list(CASES))
def test_a_module_parsed_in_pieces_is_the_module_parsed_whole(text):
    _assert_whole(text, piece_lines=1)


@pytest.mark.parametrize("text", _fixture_modules())
def test_every_fixture_module_parsed_in_pieces_is_the_module_parsed_whole(text):
    _assert_whole(text, piece_lines=1)


def test_pieces_start_at_top_level_statements_that_begin_a_line():
    cuts = parsing._cuts(LAYOUT, 1)
    lines = LAYOUT.splitlines()
    assert [lines[cut] for cut in cuts] == [
        "import os",
        "x = 1; y = 2",  # not at `y = 2`, which shares its line
        "z = (1,",
        "def f():",
        "@decorator",  # the first decorator, not the class line
        "if x: pass",
        "try:",
        "match x:",
        "value = \\",
        "text = '''",
    ]
    # at least 20 lines from the start and from each other
    assert parsing._cuts(LAYOUT, 20) == [lines.index("try:")]


def test_a_small_module_is_parsed_whole(monkeypatch):
    monkeypatch.setattr(parsing, "_cuts", lambda text, lines: pytest.fail("cut"))
    assert parse_module("x = 1\n" * 10, piece_lines=10).code == "x = 1\n" * 10


def test_a_syntax_error_is_libcst_s_error_on_the_whole_text():
    text = "x = 1\n" * 5 + "def f(:\n    pass\n"
    with pytest.raises(cst.ParserSyntaxError) as whole:
        cst.parse_module(text)
    with pytest.raises(cst.ParserSyntaxError) as raised:
        parse_module(text, piece_lines=1)
    assert raised.value.raw_line == whole.value.raw_line
    assert raised.value.message == whole.value.message


def test_the_heap_is_trimmed_once_per_trim_every_characters_parsed(monkeypatch):
    trims: list[int] = []
    monkeypatch.setattr(parsing, "_MALLOC_TRIM", trims.append)
    monkeypatch.setattr(parsing, "TRIM_EVERY", 100)
    monkeypatch.setattr(parsing, "_parsed", parsing._Trims().parsed)
    for _ in range(10):
        parse_module("x = 1\n" * 5)  # 30 characters each
    assert trims == [0, 0]  # after the 4th and the 8th text: 120 characters each time
