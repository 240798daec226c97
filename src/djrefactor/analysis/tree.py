"""One walk of a tree, shared by every later question about its subtrees.

Why: a codemod asks about the same statements at every nesting level (does it do business,
where are its blocks and returns, what does it read). Each `findall` or `visit` walks the
subtree again and libcst rebuilds every node it passes, so nested questions cost quadratic time.
Here the module is walked once into its preorder (the order `visit` and `findall` use); a
subtree is then a slice of that list, and a read-only visitor is replayed over the slice.
"""

from __future__ import annotations

import dataclasses
from array import array
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import cache, wraps
from itertools import chain
from typing import TypeVar

import libcst as cst

from djrefactor.analysis import patterns

NodeT = TypeVar("NodeT", bound=cst.CSTNode)


class _FieldOrder(cst.CSTVisitor):
    """Records the fields libcst visits on one node, in its visiting (source) order."""

    def __init__(self, node: cst.CSTNode) -> None:
        super().__init__()
        self.node = node
        self.fields: list[str] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        return False

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        if node is self.node:
            self.fields.append(attribute)


_FIELDS: dict[type[cst.CSTNode], tuple[str, ...]] = {}


def _fields(node: cst.CSTNode) -> tuple[str, ...]:
    """The child fields of the node's class in libcst's visiting order, learned from libcst
    once per class (a visit that does not enter the children): the two cannot drift."""
    kind = type(node)
    fields = _FIELDS.get(kind)
    if fields is None:
        order = _FieldOrder(node)
        node._visit_and_replace_children(order)
        # libcst skips a field it would visit last when it is None on this instance
        # (FormattedStringExpression.format_spec): the fields it did not name go last
        others = [f.name for f in dataclasses.fields(node) if f.name not in order.fields]
        fields = _FIELDS[kind] = (*order.fields, *others)
    return fields


class _Verdicts(dict[type, bool]):
    """type -> is it `kind` or below it, learned on first sight of each type: `verdicts[type(n)]`
    is `isinstance(n, kind)` without the cost of libcst's abstract base classes (ABCMeta's check
    is several times slower than a dict lookup)."""

    def __init__(self, kind: type) -> None:
        super().__init__()
        self.kind = kind

    def __missing__(self, key: type) -> bool:
        verdict = self[key] = issubclass(key, self.kind)
        return verdict


_VERDICTS: dict[type, _Verdicts] = {}


def class_test(kind: type) -> Mapping[type, bool]:
    """`class_test(kind)[type(node)]` is `isinstance(node, kind)`, one dict lookup per node."""
    found = _VERDICTS.get(kind)
    if found is None:
        found = _VERDICTS[kind] = _Verdicts(kind)
    return found


_IS_NODE = class_test(cst.CSTNode)
_LAYOUT_LEAVES = frozenset({cst.SimpleWhitespace, cst.Newline})
"""Leaves that only hold layout: a `TreeIndex` does not place them."""
PUNCTUATION: frozenset[type[cst.CSTNode]] = frozenset(
    {
        cst.Comma,
        cst.Dot,
        cst.Colon,
        cst.Semicolon,
        cst.AssignEqual,
        cst.LeftParen,
        cst.RightParen,
        cst.LeftSquareBracket,
        cst.RightSquareBracket,
        cst.LeftCurlyBrace,
        cst.RightCurlyBrace,
    }
)
"""Punctuation tokens: they hold nothing but their whitespace (no names, no comments)."""
UNPLACED = _LAYOUT_LEAVES | PUNCTUATION | {cst.TrailingWhitespace, cst.ParenthesizedWhitespace}
"""Layout and punctuation (nearly two thirds of all nodes, none a codemod asks about): a
`TreeIndex` places none of them, which keeps it smaller; a question about one walks it."""


def children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """`node.children` without libcst's rebuilding visit: the same nodes, in the same order."""
    found: list[cst.CSTNode] = []
    for name in _fields(node):
        value = getattr(node, name)
        kind = type(value)
        if kind is tuple or kind is list:
            found.extend(value)
        elif _IS_NODE[kind]:
            found.append(value)
    return found


def preorder(node: cst.CSTNode) -> list[cst.CSTNode]:
    """`node` and every descendant in the order `visit` and `findall` meet them, read from
    the nodes' fields: no node is rebuilt or validated on the way."""
    found: list[cst.CSTNode] = []
    stack = [node]
    while stack:
        current = stack.pop()
        found.append(current)
        below = children(current)
        below.reverse()
        stack.extend(below)
    return found


def findall(node: cst.CSTNode, pattern: object) -> list[cst.CSTNode]:
    """The nodes of `node` (itself included) matching `pattern`, in `preorder` (libcst's
    `m.findall`); a node pattern (or a `|` of them) only tests the nodes of its classes."""
    kinds = patterns.node_classes(pattern)
    nodes = preorder(node)
    if kinds is not None:
        verdicts = [class_test(kind) for kind in kinds]
        nodes = [n for n in nodes if any(verdict[type(n)] for verdict in verdicts)]
    return [n for n in nodes if patterns.matches(n, pattern)]


def replay(node: cst.CSTNode, visitor: cst.CSTVisitor) -> None:
    """`node.visit(visitor)` for a visitor that only reads and uses no attribute hooks: the same
    `visit_*`/`leave_*` calls in the same order, without libcst rebuilding every node."""
    stack: list[tuple[cst.CSTNode, bool]] = [(node, False)]
    while stack:
        current, leaving = stack.pop()
        if leaving:
            visitor.on_leave(current)
            continue
        stack.append((current, True))
        if visitor.on_visit(current):
            below = children(current)
            below.reverse()
            stack.extend((child, False) for child in below)


class TreeIndex:
    """The preorder of one tree; `nodes[start:end]` of a node is its subtree.

    The index keeps every node alive, so an `id` it knows cannot belong to another object;
    a node from elsewhere (a rebuilt tree) falls back to a plain walk. So do layout and
    punctuation (`SimpleWhitespace`, `Newline`, `Comma`...: nearly two thirds of all nodes, and
    nothing a codemod asks about): the index places only the other nodes, which keeps it
    smaller than the tree."""

    def __init__(self, tree: cst.CSTNode) -> None:
        nodes: list[cst.CSTNode] = []
        starts: dict[int, int] = {}
        by_class: dict[type, array[int]] = {}
        ends = array("q")
        stack: list[cst.CSTNode | int] = [tree]
        while stack:
            current = stack.pop()
            if type(current) is int:  # ~start: the end of the subtree starting there
                ends[~current] = len(nodes)
                continue
            assert not isinstance(current, int)
            position = len(nodes)
            nodes.append(current)
            ends.append(position + 1)
            kind = type(current)
            if kind in _LAYOUT_LEAVES:
                continue
            if kind not in UNPLACED:
                starts[id(current)] = position
                same = by_class.get(kind)
                if same is None:
                    by_class[kind] = array("q", (position,))
                else:
                    same.append(position)
            below = children(current)
            if below:
                stack.append(~position)
                below.reverse()
                stack.extend(below)
        self.nodes = nodes
        self.starts = starts
        """Where each node the index places starts in `nodes`, by id."""
        self._ends = ends
        self._positions: dict[type[cst.CSTNode], list[int]] = {}
        self._by_class = by_class
        """Where the nodes of each placed class sit in `nodes`, in order."""
        self.calls = self.positions(cst.Call)

    def end(self, start: int) -> int:
        """Where the subtree of the node at `start` ends in `nodes`."""
        return self._ends[start]

    def positions(self, kind: type[cst.CSTNode]) -> list[int]:
        """Where the nodes of class `kind` (or a subclass) sit in `nodes`, in order, so a
        question about any subtree is a slice of it. The index sorted the nodes it places by
        class as it walked them: no further pass, however many classes are asked about (a
        views module is asked about a dozen)."""
        found = self._positions.get(kind)
        if found is None:
            wanted = class_test(kind)
            if any(wanted[unplaced] for unplaced in UNPLACED):  # not sorted by class
                found = [at for at, node in enumerate(self.nodes) if wanted[type(node)]]
            else:
                runs = [at for exact, at in self._by_class.items() if wanted[exact]]
                found = list(runs[0]) if len(runs) == 1 else sorted(chain.from_iterable(runs))
            self._positions[kind] = found
        return found

    def span(self, node: cst.CSTNode) -> tuple[int, int] | None:
        start = self.starts.get(id(node))
        return None if start is None else (start, self._ends[start])

    def findall(self, node: cst.CSTNode, pattern: object) -> Sequence[cst.CSTNode]:
        span = self.span(node)
        if span is None:
            return findall(node, pattern)
        kinds = patterns.node_classes(pattern)
        if kinds is None:
            candidates = self.nodes[span[0] : span[1]]
        else:  # only the nodes of the matched classes, still in preorder
            at = sorted(i for kind in kinds for i in self._between(kind, *span))
            candidates = [self.nodes[i] for i in at]
        return [n for n in candidates if patterns.matches(n, pattern)]

    def holds(
        self, node: cst.CSTNode, positions: Sequence[int], *, strictly_below: bool = False
    ) -> bool:
        """Does one of `positions` (sorted) fall in `node`'s subtree (below it only, with
        `strictly_below`)? True for a node from elsewhere: it may."""
        span = self.span(node)
        if span is None:
            return not (strictly_below and type(node) in _LAYOUT_LEAVES)
        start = span[0] + 1 if strictly_below else span[0]
        at = bisect_left(positions, start)
        return at < len(positions) and positions[at] < span[1]

    def _between(self, kind: type[cst.CSTNode], start: int, end: int) -> list[int]:
        positions = self.positions(kind)
        return positions[bisect_left(positions, start) : bisect_left(positions, end)]

    def of_type(self, node: cst.CSTNode, kind: type[NodeT]) -> list[NodeT]:
        span = self.span(node)
        if span is None:
            return find_type(node, kind)
        nodes = self.nodes
        return [nodes[i] for i in self._between(kind, *span)]  # type: ignore[misc]  # of kind

    def call_positions(self, node: cst.CSTNode) -> range | None:
        """Where the calls inside `node` sit in `calls`, or None for a node from elsewhere."""
        span = self.span(node)
        if span is None:
            return None
        return range(bisect_left(self.calls, span[0]), bisect_left(self.calls, span[1]))

    def contains(self, outer: cst.CSTNode, inner: cst.CSTNode) -> bool:
        span, position = self.span(outer), self.starts.get(id(inner))
        if span is None or position is None:
            return id(inner) in self.ids([outer])
        return span[0] <= position < span[1]

    def ids(self, nodes: Sequence[cst.CSTNode]) -> frozenset[int]:
        found: set[int] = set()
        for node in nodes:
            found.update(id(n) for n in self.subtree(node, frozenset()))
        return frozenset(found)

    def subtree(self, node: cst.CSTNode, skip: frozenset[int]) -> Iterator[cst.CSTNode]:
        """`node` and its descendants in preorder, leaving out the subtrees of `skip`."""
        span = self.span(node)
        if span is None:
            yield from _children_walk(node, skip)
            return
        position, end = span
        while position < end:
            current = self.nodes[position]
            if id(current) in skip:
                position = self._ends[position]
                continue
            yield current
            position += 1

    def visit(self, node: cst.CSTNode, visitor: cst.CSTVisitor) -> None:
        """`node.visit(visitor)` for a visitor that only reads: same calls, in the same order."""
        span = self.span(node)
        if span is None:
            replay(node, visitor)
            return
        position, end = span
        ends = self._ends
        open_nodes: list[tuple[cst.CSTNode, int]] = []  # with the end of their subtree
        while position < end:
            while open_nodes and open_nodes[-1][1] <= position:
                visitor.on_leave(open_nodes.pop()[0])
            current = self.nodes[position]
            if visitor.on_visit(current):
                open_nodes.append((current, ends[position]))
                position += 1
            else:
                visitor.on_leave(current)
                position = ends[position]
        while open_nodes:
            visitor.on_leave(open_nodes.pop()[0])


TreeT = TypeVar("TreeT", bound=cst.CSTNode)
ResultT = TypeVar("ResultT")


def per_tree(kept: int = 32) -> Callable[[Callable[[TreeT], ResultT]], Callable[[TreeT], ResultT]]:
    """Share a read-only analysis of a tree between everyone who asks for the same tree (trees
    are immutable: the same object always has the same answer). The `kept` trees used last keep
    their answer, each with its tree, so an id cannot be reused meanwhile."""

    def decorate(analyse: Callable[[TreeT], ResultT]) -> Callable[[TreeT], ResultT]:
        answers: OrderedDict[int, tuple[TreeT, ResultT]] = OrderedDict()

        @wraps(analyse)
        def shared(tree: TreeT) -> ResultT:
            found = answers.get(id(tree))
            if found is not None and found[0] is tree:
                answers.move_to_end(id(tree))
                return found[1]
            answer = analyse(tree)
            answers[id(tree)] = (tree, answer)
            while len(answers) > kept:
                answers.popitem(last=False)
            return answer

        return shared

    return decorate


@per_tree()
def index_of(tree: cst.CSTNode) -> TreeIndex:
    """The `TreeIndex` of `tree`, shared by every codemod that asks for the same tree."""
    return TreeIndex(tree)


def find_type(node: cst.CSTNode, kind: type[NodeT]) -> list[NodeT]:
    """`findall(node, patterns.<Kind>())` for a node no index knows."""
    wanted = class_test(kind)
    return [n for n in preorder(node) if wanted[type(n)]]  # type: ignore[misc]  # of kind


def _children_walk(node: cst.CSTNode, skip: frozenset[int]) -> Iterator[cst.CSTNode]:
    if id(node) in skip:
        return
    yield node
    for child in children(node):
        yield from _children_walk(child, skip)


def transform(tree: cst.Module, transformer: cst.CSTTransformer) -> cst.Module:
    """`tree.visit(transformer)`, entering only the subtrees that hold a node of a class the
    transformer has a `visit_<Class>` or `leave_<Class>` hook for.

    libcst rebuilds every node a visit passes; a subtree without such a node would come back
    the same, so it is handed back as it is (its nodes keep their identity). A transformer with
    attribute hooks, or its own `on_visit`/`on_leave`, gets the plain visit.

    A transformer whose hook on a broad class only acts around nodes of narrower ones (a
    `leave_SimpleStatementLine` that rewrites the `from` import the line holds) names those in
    a class attribute `acts_on`: only the subtrees holding one of them are entered."""
    kinds = getattr(transformer, "acts_on", None) or _hooked_classes(type(transformer))
    if kinds is None:
        result = tree.visit(transformer)
    else:
        index = index_of(tree)
        hooked = sorted(i for kind in kinds for i in index.positions(kind))
        result = tree.visit(_Pruned(transformer, index, hooked))
    assert isinstance(result, cst.Module)
    return result


_DISPATCH = ("on_visit", "on_leave", "on_visit_attribute", "on_leave_attribute")


@cache
def _hooked_classes(kind: type[cst.CSTTransformer]) -> tuple[type[cst.CSTNode], ...] | None:
    if any(getattr(kind, name) is not getattr(cst.CSTTransformer, name) for name in _DISPATCH):
        return None
    found: list[type[cst.CSTNode]] = []
    # the hooks the transformer defines: libcst's own classes define an empty one of each
    own = {
        name
        for klass in kind.__mro__
        if not klass.__module__.startswith("libcst")
        for name in vars(klass)
    }
    for name in sorted(own):
        prefix, _, rest = name.partition("_")
        if prefix not in ("visit", "leave") or not rest or not callable(getattr(kind, name)):
            continue
        node = getattr(cst, rest, None)
        if not (isinstance(node, type) and issubclass(node, cst.CSTNode)):
            return None  # an attribute hook (`visit_Call_func`) or something unknown
        found.append(node)
    return tuple(found)


class _Pruned(cst.CSTTransformer):
    """Passes the visit on to `inner`, except into subtrees with no hooked node."""

    def __init__(self, inner: cst.CSTTransformer, index: TreeIndex, hooked: list[int]) -> None:
        super().__init__()
        self.inner = inner
        self.index = index
        self.hooked = hooked

    def on_visit(self, node: cst.CSTNode) -> bool:
        if not self.index.holds(node, self.hooked):
            return False  # nothing below (nor the node itself) has a hook
        return self.inner.on_visit(node)

    def on_leave(
        self, original_node: NodeT, updated_node: NodeT
    ) -> NodeT | cst.RemovalSentinel | cst.FlattenSentinel[NodeT]:
        return self.inner.on_leave(original_node, updated_node)
