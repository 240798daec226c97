"""Patterns match what libcst's matchers match: every pattern shape the codemods use, written
once for both modules, tried on every node of the fixtures' modules and some tricky code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import libcst as cst
import libcst.matchers as libcst_matchers
import pytest

from djrefactor.analysis import patterns
from djrefactor.analysis.tree import findall, preorder

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"

TRICKY = """
from __future__ import annotations
import os, sys as system
from .models import *
from . import views
x = y = 1
a.b = c[0] = 2
d: int = 3
e: str
f += 1
if not DEBUG:
    pass
if DEBUG is None or not x:
    del x
print("hi", end="")
os.environ.get("A", "b")
settings.configure(DEBUG=True, **extra)
global g
def h(p, q=1, *r, s, **t):
    return __name__
class K(Base, metaclass=Meta):  # a comment
    attr = "v"
"""

PATTERNS = [
    lambda m: m.Name(),
    lambda m: m.Name("x"),
    lambda m: m.Name(value="DEBUG"),
    lambda m: m.Name(m.MatchIfTrue(lambda name: name.isupper())),
    lambda m: m.Attribute(value=m.Name("os"), attr=m.Name("environ")),
    lambda m: m.Attribute(attr=m.Name()),
    lambda m: m.Call(),
    lambda m: m.Call(func=m.Attribute(attr=m.Name("get"))),
    lambda m: m.Call(func=m.Name("print"), args=[m.Arg(), m.Arg(keyword=m.Name("end"))]),
    lambda m: m.Call(args=[m.ZeroOrMore(), m.Arg(star="**")]),
    lambda m: m.Call(args=[m.ZeroOrMore(m.Arg(keyword=m.Name())), m.Arg(star="**")]),
    lambda m: m.Import() | m.ImportFrom(),
    lambda m: m.ImportFrom(names=m.ImportStar()),
    lambda m: m.ImportFrom(module=None),
    lambda m: m.SimpleStatementLine(body=[m.Import() | m.ImportFrom()]),
    lambda m: m.SimpleStatementLine(body=[m.Expr(m.Call())]),
    lambda m: m.Assign(targets=[m.AssignTarget(target=m.Name())]),
    lambda m: m.Assign(targets=[m.ZeroOrMore(m.AssignTarget(m.Name() | m.Subscript()))]),
    lambda m: m.SimpleStatementLine(
        body=[
            m.OneOf(
                m.Assign(
                    targets=[m.ZeroOrMore(m.AssignTarget(m.Name() | m.Subscript() | m.Attribute()))]
                ),
                m.AnnAssign(value=m.DoNotCare()),
            )
        ]
    ),
    lambda m: m.AnnAssign(value=None),
    lambda m: m.AugAssign(),
    lambda m: m.UnaryOperation(operator=m.Not()),
    lambda m: m.UnaryOperation(operator=m.Not(), expression=m.Name("DEBUG")),
    lambda m: m.Comparison(comparisons=[m.ComparisonTarget(operator=m.Is())]),
    lambda m: m.Subscript(slice=[m.SubscriptElement(m.Index(m.Integer()))]),
    lambda m: m.SimpleString() | m.FormattedString(),
    lambda m: m.Comment(),
    lambda m: m.Global(),
    lambda m: m.Param(name=m.Name("q")),
    lambda m: m.Return(m.Name("__name__")),
    lambda m: m.ClassDef(bases=[m.ZeroOrMore(), m.Arg(keyword=None)]),
    lambda m: m.FunctionDef(name=m.Name("h"), params=m.Parameters(star_arg=m.Param())),
    lambda m: m.Expr(value=m.DoNotCare()),
]


def _sources() -> list[object]:
    params: list[object] = [pytest.param(TRICKY, id="tricky")]
    for path in sorted(FIXTURES.rglob("*.py"))[::4]:
        params.append(pytest.param(path.read_text("utf-8"), id=str(path.relative_to(FIXTURES))))
    return params


@pytest.mark.parametrize("source", _sources())
def test_every_node_matches_as_with_libcst_matchers(source):
    tree = cst.parse_module(source)
    nodes = preorder(tree)
    for pattern in PATTERNS:
        ours, theirs = pattern(patterns), pattern(libcst_matchers)
        assert [patterns.matches(n, ours) for n in nodes] == [
            libcst_matchers.matches(n, theirs) for n in nodes
        ], ours
        found = [id(n) for n in findall(tree, ours)]
        assert found == [id(n) for n in libcst_matchers.findall(tree, theirs)], ours


def test_the_shapes_used_do_match_something():
    """The differential test means something only if the patterns do match nodes."""
    tree = cst.parse_module(TRICKY)
    unmatched = [
        repr(pattern(patterns)) for pattern in PATTERNS if not findall(tree, pattern(patterns))
    ]
    assert unmatched == []


def test_replace_replaces_every_outermost_match_as_libcst_does():
    tree = cst.parse_module(TRICKY)
    for pattern, replacement in [
        (lambda m: m.Name("__name__"), cst.SimpleString('"app.views"')),
        (lambda m: m.AssignTarget(target=m.Name("x")), cst.AssignTarget(cst.Name("renamed"))),
        (lambda m: m.Attribute(), cst.Name("flat")),
    ]:
        ours = patterns.replace(tree, pattern(patterns), replacement)
        theirs = libcst_matchers.replace(tree, pattern(libcst_matchers), replacement)
        assert ours.code == theirs.code != tree.code


def test_a_pattern_of_no_node_class_or_field_is_refused():
    with pytest.raises(AttributeError):
        patterns.NoSuchNode()
    with pytest.raises(TypeError):
        patterns.Name(color="red")
    with pytest.raises(TypeError):
        patterns.Name("a", "b", "c", "d")


def test_sentinels_match_as_with_libcst_matchers():
    for value in (cst.MaybeSentinel.DEFAULT, cst.RemovalSentinel.REMOVE):
        for pattern in (lambda m: m.DoNotCare(), lambda m: m.Name()):
            assert patterns.matches(value, pattern(patterns)) == libcst_matchers.matches(
                value, pattern(libcst_matchers)
            )


def test_no_command_imports_libcst_matchers():
    """The reason the module exists: the cli, the engine and every codemod load without it."""
    script = (
        "import sys\n"
        "import djrefactor.cli\n"
        "from djrefactor.engine.registry import available_codemods\n"
        "available_codemods()\n"
        "print(sorted(m for m in sys.modules if m.startswith('libcst.matchers')))\n"
    )
    shown = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    assert shown.strip() == "[]"
