"""The field walks answer exactly as libcst's own visits do.

`preorder`, `children`, `findall`, `replay` and `TreeIndex` read the nodes' fields instead of
visiting (libcst rebuilds and validates every node a visit passes). The order of the fields is
learned from libcst, so the two cannot drift; this test holds them side by side on tricky snippets
and on every module of the bundled fixtures.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import libcst as cst
import libcst.matchers as m
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from djrefactor.analysis import patterns
from djrefactor.analysis.nodes import code, code_and_start_lines, module_code, start_lines
from djrefactor.analysis.tree import (
    UNPLACED,
    TreeIndex,
    children,
    findall,
    preorder,
    replay,
    transform,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"

TRICKY = textwrap.dedent(
    '''\
    from __future__ import annotations
    from . import (a,  # one
        b as c)
    from ..x import *
    import os.path as p, sys

    @decorator(arg=1)
    class View(Base, metaclass=Meta):
        """Doc."""
        x: int = 1

        async def get(self, request, *args, key: str = "k", **kwargs) -> dict[str, int]:
            async with lock as held, other():
                return {k: v async for k, v in items() if k if v}
            lambda q, *, r=2: q + r
            print(f"{request!r:>{width}} {x=}", *args, sep="")
            a[1:2, ::3] = b = yield from gen()
            del a[0], b
            global g
            try:
                pass
            except* (TypeError, ValueError) as exc:
                raise ValueError("x") from exc
            else:
                ...
            finally:
                nonlocal_ = not x or y and (z := -1) is not None
            match command:
                case Point(x=0, y=[1, *rest]) | {"k": _, **others} if rest:
                    pass
                case _:
                    pass
            while (n := n - 1) > 0: continue
            for i, (j, k) in enumerate(x): break
            with open(p) as f: data = f.read(); data += "\\n"
            assert x, "msg"
            return x if y else (yield)
    '''
)


def _modules() -> list[object]:
    params: list[object] = [
        pytest.param(TRICKY, id="tricky"),
        pytest.param(TRICKY.replace("\n", "\r\n"), id="tricky crlf"),
    ]
    for path in sorted(FIXTURES.rglob("*.py")):
        params.append(
            pytest.param(path.read_text(encoding="utf-8"), id=str(path.relative_to(FIXTURES)))
        )
    return params


class _Record(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, int]] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.calls.append(("visit", id(node)))
        # skip the bodies of functions, so replay's pruning is exercised too
        return not isinstance(node, cst.FunctionDef)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.calls.append(("leave", id(original_node)))


def _libcst_preorder(tree: cst.CSTNode) -> list[int]:
    seen: list[int] = []

    class Walk(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            seen.append(id(node))
            return True

    tree.visit(Walk())
    return seen


def test_a_field_libcst_visits_only_when_set_is_walked_where_it_is_set():
    """libcst learns nothing of `format_spec` from an f-string expression without one."""
    plain, with_spec = cst.parse_module('f"{a}"\n'), cst.parse_module('f"{b:>{width}}"\n')
    assert [id(n) for n in preorder(plain)] == _libcst_preorder(plain)  # learned here
    assert [id(n) for n in preorder(with_spec)] == _libcst_preorder(with_spec)


@pytest.mark.parametrize("source", _modules())
def test_field_walks_meet_the_nodes_libcst_visits_in_its_order(source):
    tree = cst.parse_module(source)
    assert [id(n) for n in preorder(tree)] == _libcst_preorder(tree)
    index = TreeIndex(tree)
    assert [id(n) for n in index.nodes] == _libcst_preorder(tree)
    for node in index.nodes[:: max(1, len(index.nodes) // 50)]:
        assert [id(c) for c in children(node)] == [id(c) for c in node.children]
        span = index.span(node)
        if type(node) in UNPLACED:
            assert span is None  # layout and punctuation are not placed: a plain walk answers
            continue
        assert span is not None
        assert [id(n) for n in index.nodes[span[0] : span[1]]] == _libcst_preorder(node)

    replayed, visited = _Record(), _Record()
    replay(tree, replayed)
    tree.visit(visited)
    assert replayed.calls == visited.calls


PATTERNS = [
    lambda m: m.Name(),
    lambda m: m.Call(func=m.Attribute(attr=m.Name("create"))),
    lambda m: m.ImportFrom(names=m.ImportStar()),
    lambda m: m.SimpleString() | m.FormattedString(),
    lambda m: m.AssignTarget(m.Name()),
    lambda m: m.Arg(keyword=m.Name()),
]
"""Each pattern written once for both modules: ours (`patterns`) and `libcst.matchers`."""


@pytest.mark.parametrize("source", _modules()[:40])
def test_findall_finds_what_libcst_matchers_find(source):
    tree = cst.parse_module(source)
    for pattern in PATTERNS:
        found = [id(n) for n in findall(tree, pattern(patterns))]
        assert found == [id(n) for n in m.findall(tree, pattern(m))]


KINDS = [cst.Name, cst.Call, cst.BaseExpression, cst.BaseCompoundStatement, cst.BaseSmallStatement]


@pytest.mark.parametrize("source", _modules()[:40])
def test_index_queries_of_any_subtree_answer_as_libcst_matchers(source):
    """`TreeIndex.findall`/`of_type` answer from per-class positions: the same nodes, in the same
    order, as `m.findall` over that subtree, abstract classes included."""
    tree = cst.parse_module(source)
    index = TreeIndex(tree)
    for node in [tree, *index.nodes[:: max(1, len(index.nodes) // 20)]]:
        for pattern in PATTERNS:
            expected = [id(n) for n in m.findall(node, pattern(m))]
            assert [id(n) for n in index.findall(node, pattern(patterns))] == expected
        for kind in KINDS:
            of_kind = m.MatchIfTrue(lambda n, kind=kind: isinstance(n, kind))
            expected = [id(n) for n in m.findall(node, of_kind)]
            assert [id(n) for n in index.of_type(node, kind)] == expected


@pytest.mark.parametrize("source", _modules())
def test_start_lines_are_the_lines_libcst_positions_give(source):
    tree = cst.parse_module(source)
    positions = MetadataWrapper(tree, unsafe_skip_copy=True).resolve(PositionProvider)
    lines = start_lines(tree)
    for node in preorder(tree):
        if node in positions:
            assert lines[id(node)] == positions[node].start.line, node


@pytest.mark.parametrize("source", _modules())
def test_module_code_and_code_give_libcst_text(source):
    """The cheaper code generation writes exactly what libcst's does, for a module and for any
    node in it (a node alone: with an empty module's defaults)."""
    tree = cst.parse_module(source)
    assert module_code(tree) == tree.code == source
    empty = cst.Module(body=[])
    for node in preorder(tree)[::97]:
        assert code(node) == empty.code_for_node(node)


@pytest.mark.parametrize("source", _modules()[::7])
def test_code_and_start_lines_come_from_one_code_generation_as_from_two(source):
    tree = cst.parse_module(source)
    assert code_and_start_lines(tree) == (source, start_lines(tree))


def test_code_and_start_lines_use_the_module_s_newline_and_indent():
    tree = cst.parse_module("if x:\r\n\ty = 1\r\n")
    line = cst.SimpleStatementLine(body=[cst.Pass()])  # a new node: default newline
    block = tree.body[0].with_changes(body=cst.IndentedBlock(body=[line]))
    alone = tree.with_changes(body=[block, line])
    text, lines = code_and_start_lines(alone)
    assert text == alone.code == "if x:\r\n\tpass\r\npass\r\n"
    assert lines == start_lines(alone) and lines[id(block)] == 1


class _Shout(cst.CSTTransformer):
    """Rewrites every string and counts the names it leaves (hooks on two classes)."""

    def __init__(self) -> None:
        super().__init__()
        self.names = 0

    def leave_SimpleString(self, original, updated):
        return updated.with_changes(value=updated.value.upper())

    def leave_Name(self, original, updated):
        self.names += 1
        return updated


class _ShoutWithAttributeHook(_Shout):
    def visit_Call_func(self, node):
        return None


@pytest.mark.parametrize("source", _modules()[:40])
def test_transform_enters_only_subtrees_with_a_hooked_node(source):
    """The same result (text and hook calls) as libcst's visit; a statement with no string and
    no name comes back as the very same object."""
    tree = cst.parse_module(source)
    plain, pruned = _Shout(), _Shout()
    expected = tree.visit(plain)
    result = transform(tree, pruned)
    assert result.code == expected.code and pruned.names == plain.names
    for before, after in zip(tree.body, result.body, strict=True):
        hooked = findall(before, patterns.SimpleString() | patterns.Name())
        assert (after is before) == (not hooked)
    fallback = transform(tree, _ShoutWithAttributeHook())
    assert fallback.code == expected.code


def test_transform_keeps_statements_without_a_hooked_node():
    """libcst's plain visit rebuilds every statement; `transform` hands back the statements
    that hold no node of a hooked class, and only those (it prunes: libcst's own classes
    define an empty hook of every kind, which are not the transformer's)."""
    tree = cst.parse_module("pass\nx = 'a'\n1 + 2\nraise\n")
    plain, pruned = _Shout(), _Shout()
    expected = tree.visit(plain)
    result = transform(tree, pruned)
    assert result.code == expected.code == "pass\nx = 'A'\n1 + 2\nraise\n"
    assert pruned.names == plain.names == 1
    assert [after is before for before, after in zip(tree.body, result.body, strict=True)] == [
        True,
        False,
        True,
        True,
    ]
    assert not any(a is b for a, b in zip(tree.body, expected.body, strict=True))


class _QuoteLines(cst.CSTTransformer):
    """Marks every line holding a string (a hook on a broad class that acts around a narrow
    one, as the reference rewriter's `from` import lines do)."""

    acts_on = (cst.SimpleString,)

    def leave_SimpleStatementLine(self, original, updated):
        if not findall(original, patterns.SimpleString()):
            return updated
        return updated.with_changes(
            trailing_whitespace=cst.TrailingWhitespace(
                whitespace=cst.SimpleWhitespace("  "), comment=cst.Comment("# quoted")
            )
        )


def test_a_transformer_naming_what_it_acts_on_enters_only_the_subtrees_holding_it():
    source = "x = 1\ny = 'a'\ndef f():\n    z = 2\n    return 'b'\n"
    tree = cst.parse_module(source)
    expected = tree.visit(_QuoteLines())
    result = transform(tree, _QuoteLines())
    assert (
        result.code
        == expected.code
        == ("x = 1\ny = 'a'  # quoted\ndef f():\n    z = 2\n    return 'b'  # quoted\n")
    )
    assert [after is before for before, after in zip(tree.body, result.body, strict=True)] == [
        True,  # no string below: handed back as it is, though the class has a hook
        False,
        False,
    ]
    function = result.body[2]
    assert isinstance(function, cst.FunctionDef)
    assert function.body.body[0] is tree.body[2].body.body[0]  # type: ignore[attr-defined]


def test_an_index_answers_for_layout_leaves_it_does_not_place():
    """`SimpleWhitespace` and `Newline` leaves have no place in the index (half of all nodes):
    questions about them fall back to walks, and give the same answers."""
    tree = cst.parse_module("a = b(1, 2)\nc = 3\n")
    index = TreeIndex(tree)
    first, second = tree.body
    leaf = first.body[0].targets[0].whitespace_before_equal
    assert isinstance(leaf, cst.SimpleWhitespace)
    assert index.span(leaf) is None
    assert index.contains(first, leaf)
    assert not index.contains(second, leaf)
    assert leaf in list(index.subtree(first, frozenset()))
    assert leaf not in list(index.subtree(first, index.ids([first.body[0].targets[0]])))
    assert not index.holds(leaf, [0, 1, 2], strictly_below=True)  # a leaf has nothing below
    assert index.holds(leaf, index.positions(cst.SimpleWhitespace))  # it may be one of them
    span = index.span(first)
    assert span is not None
    assert index.end(span[0]) == span[1] == index.span(second)[0]  # type: ignore[index]


def test_an_index_answers_for_punctuation_it_does_not_place():
    """Punctuation (`Comma`, `Dot`, brackets...) has no place either, though it holds
    whitespace: questions about it and what is under it walk it, with the same answers."""
    tree = cst.parse_module("a = b.c(1 , 2)\n")
    index = TreeIndex(tree)
    call = tree.body[0].body[0].value
    comma = call.args[0].comma
    assert isinstance(comma, cst.Comma)
    assert index.span(comma) is None and index.span(call.func.dot) is None
    spaces = [comma.whitespace_before, comma.whitespace_after]
    assert [id(n) for n in index.subtree(comma, frozenset())] == [id(comma), *map(id, spaces)]
    assert index.contains(call, comma) and index.contains(comma, spaces[0])
    assert not index.contains(comma, call.args[1])
    assert index.of_type(call, cst.Comma) == [comma]
    assert index.of_type(comma, cst.SimpleWhitespace) == spaces
    assert index.holds(comma, index.positions(cst.SimpleWhitespace), strictly_below=True)
    assert index.ids([call.args[0]]) >= {id(comma), *map(id, spaces)}
