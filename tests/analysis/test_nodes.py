"""`string_value` is libcst's `evaluated_value` of a string, read without a compile where the
string has no escapes: the same value for every string of every fixture and for each kind of
prefix, quote and escape."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

from djrefactor.analysis.nodes import string_value
from djrefactor.analysis.tree import find_type

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"

STRINGS = [
    "''",
    '""',
    "'app.views.stripe'",
    '"a:b"',
    "r'\\d+'",
    "R'raw'",
    "u'unicode é'",
    "U'x'",
    "'tab\\tand\\nnewline'",
    "'\\x41\\u00e9'",
    "'quote \\' inside'",
    '"""triple"""',
    "'''triple ' quote'''",
    "b'bytes'",
    "Rb'\\\\raw bytes'",
    "'line \\\n continued'",
]


@pytest.mark.parametrize("source", STRINGS)
def test_a_string_value_is_libcst_s_evaluated_value(source):
    node = cst.parse_expression(source)
    assert isinstance(node, cst.SimpleString)
    value = string_value(node)
    assert value == node.evaluated_value
    assert type(value) is type(node.evaluated_value)


def test_every_fixture_string_has_libcst_s_value():
    strings = [
        node
        for path in sorted(FIXTURES.rglob("*.py"))
        for node in find_type(cst.parse_module(path.read_text(encoding="utf-8")), cst.SimpleString)
    ]
    assert len(strings) > 1000
    assert [string_value(node) for node in strings] == [node.evaluated_value for node in strings]
