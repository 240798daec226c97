"""One walk of a tree, shared by every later question about its subtrees.

Why: a codemod asks about the same statements at every nesting level (does it do business,
where are its blocks and returns, what does it read). Each `m.findall` or `visit` walks the
subtree again and libcst rebuilds every node it passes, so nested questions cost quadratic time.
Here the module is walked once into its preorder (the order `visit` and `m.findall` use); a
subtree is then a slice of that list, and a read-only visitor is replayed over the slice.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator, Sequence
from typing import TypeVar

import libcst as cst
import libcst.matchers as m

NodeT = TypeVar("NodeT", bound=cst.CSTNode)


class _Preorder(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.nodes: list[cst.CSTNode] = []
        self.starts: dict[int, int] = {}
        self.ends: dict[int, int] = {}

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.starts[id(node)] = len(self.nodes)
        self.nodes.append(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.ends[id(original_node)] = len(self.nodes)


class TreeIndex:
    """The preorder of one tree; `nodes[start:end]` of a node is its subtree.

    The index keeps every node alive, so an `id` it knows cannot belong to another object;
    a node from elsewhere (a rebuilt tree) falls back to a plain walk."""

    def __init__(self, tree: cst.CSTNode) -> None:
        walk = _Preorder()
        tree.visit(walk)
        self.nodes = walk.nodes
        self.starts = walk.starts
        self.ends = walk.ends
        self.calls = [i for i, node in enumerate(self.nodes) if isinstance(node, cst.Call)]

    def span(self, node: cst.CSTNode) -> tuple[int, int] | None:
        start = self.starts.get(id(node))
        return None if start is None else (start, self.ends[id(node)])

    def findall(self, node: cst.CSTNode, matcher: m.BaseMatcherNode) -> Sequence[cst.CSTNode]:
        span = self.span(node)
        if span is None:
            return m.findall(node, matcher)
        return [n for n in self.nodes[span[0] : span[1]] if m.matches(n, matcher)]

    def of_type(self, node: cst.CSTNode, kind: type[NodeT]) -> list[NodeT]:
        span = self.span(node)
        if span is None:
            return find_type(node, kind)
        return [n for n in self.nodes[span[0] : span[1]] if isinstance(n, kind)]

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
                position = self.ends[id(current)]
                continue
            yield current
            position += 1

    def visit(self, node: cst.CSTNode, visitor: cst.CSTVisitor) -> None:
        """`node.visit(visitor)` for a visitor that only reads: same calls, in the same order."""
        span = self.span(node)
        if span is None:
            node.visit(visitor)
            return
        position, end = span
        open_nodes: list[cst.CSTNode] = []
        while position < end:
            while open_nodes and self.ends[id(open_nodes[-1])] <= position:
                visitor.on_leave(open_nodes.pop())
            current = self.nodes[position]
            if visitor.on_visit(current):
                open_nodes.append(current)
                position += 1
            else:
                visitor.on_leave(current)
                position = self.ends[id(current)]
        while open_nodes:
            visitor.on_leave(open_nodes.pop())


def find_type(node: cst.CSTNode, kind: type[NodeT]) -> list[NodeT]:
    """`m.findall(node, m.<Kind>())` for a node no index knows."""
    return [n for n in _children_walk(node, frozenset()) if isinstance(n, kind)]


def _children_walk(node: cst.CSTNode, skip: frozenset[int]) -> Iterator[cst.CSTNode]:
    if id(node) in skip:
        return
    yield node
    for child in node.children:
        yield from _children_walk(child, skip)
