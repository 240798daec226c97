"""Structural patterns over libcst nodes: the part of `libcst.matchers` djrefactor uses.

`libcst.matchers` defines a matcher class for every node class, and importing it costs more
than 0.3 s: half of what every djrefactor command spends before it reads a file, and more than
a plan of a small repository spends on anything else. Here a pattern is one small object that
names its node class, made on demand: `patterns.Call(func=patterns.Name("print"))` is
`libcst.matchers.Call(func=libcst.matchers.Name("print"))`, and it matches the same nodes
(tests/analysis/test_patterns.py holds the two side by side).

- `patterns.<NodeClass>(*fields, **fields)`: the node's class exactly (as libcst's matchers
  test it), positional values in the order of the node's fields; a field left out matches
  anything. A field's value is matched as libcst does: a pattern, `DoNotCare()`,
  `MatchIfTrue(test)`, a `|` of patterns (`OneOf`), a list of them (element by element, with
  `ZeroOrMore(...)` for a run of any length), or a plain value compared with `==`.
- `matches(node, pattern)`, `replace(tree, pattern, replacement)` (every outermost match
  replaced); `analysis.tree.findall(tree, pattern)` finds the matching nodes in preorder.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

import libcst as cst


class Pattern:
    """A pattern for one node class (see the module); `a | b` matches what either matches."""

    __slots__ = ("kind", "fields")

    def __init__(self, kind: type[cst.CSTNode], fields: tuple[tuple[str, object], ...]) -> None:
        self.kind = kind
        self.fields = fields

    def __or__(self, other: object) -> OneOf:
        return OneOf(self, other)

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={value!r}" for name, value in self.fields)
        return f"{self.kind.__name__}({shown})"

    def matches(self, node: object) -> bool:
        if type(node) is not self.kind:
            return False
        return all(_value(getattr(node, name), wanted) for name, wanted in self.fields)


class OneOf:
    """Any of `options` (libcst's `m.OneOf`, or `a | b`)."""

    __slots__ = ("options",)

    def __init__(self, *options: object) -> None:
        self.options = options

    def __or__(self, other: object) -> OneOf:
        return OneOf(*self.options, other)

    def __repr__(self) -> str:
        return " | ".join(map(repr, self.options))


class _DoNotCare:
    __slots__ = ()

    def __repr__(self) -> str:
        return "DoNotCare()"


_ANYTHING = _DoNotCare()


def DoNotCare() -> _DoNotCare:  # noqa: N802  # named as libcst's matcher is
    """Matches any value."""
    return _ANYTHING


class MatchIfTrue:
    """Matches a value `test` says True of."""

    __slots__ = ("test",)

    def __init__(self, test: Callable[[Any], bool]) -> None:
        self.test = test


class ZeroOrMore:
    """In a list pattern: any number of elements (none included), each matching `pattern`."""

    __slots__ = ("pattern",)

    def __init__(self, pattern: object = _ANYTHING) -> None:
        self.pattern = pattern


def matches(node: object, pattern: object) -> bool:
    """Whether `node` matches `pattern` (libcst's `m.matches`, without metadata)."""
    if isinstance(node, cst.MaybeSentinel | cst.RemovalSentinel) or node is None:
        return False
    return _value(node, pattern)


def _value(actual: object, wanted: object) -> bool:
    if type(wanted) is Pattern:
        return wanted.matches(actual)
    if type(wanted) is _DoNotCare:
        return True
    if type(wanted) is OneOf:
        return any(_value(actual, option) for option in wanted.options)
    if type(wanted) is MatchIfTrue:
        return bool(wanted.test(actual))
    if type(wanted) is list or type(wanted) is tuple:
        if not isinstance(actual, Sequence) or isinstance(actual, str):
            return False
        return _sequence(actual, wanted, 0, 0)
    return actual == wanted


def _sequence(actual: Sequence[object], wanted: Sequence[object], at: int, position: int) -> bool:
    """Whether `actual[at:]` matches `wanted[position:]`, `ZeroOrMore` taking any run."""
    while position < len(wanted):
        element = wanted[position]
        if type(element) is ZeroOrMore:
            rest = position + 1
            end = at
            while True:
                if _sequence(actual, wanted, end, rest):
                    return True
                if end == len(actual) or not _value(actual[end], element.pattern):
                    return False
                end += 1
        if at == len(actual) or not _value(actual[at], element):
            return False
        at += 1
        position += 1
    return at == len(actual)


def node_classes(pattern: object) -> tuple[type[cst.CSTNode], ...] | None:
    """The node classes `pattern` can match, or None when it can match any node."""
    if type(pattern) is Pattern:
        return (pattern.kind,)
    if type(pattern) is OneOf:
        found = [node_classes(option) for option in pattern.options]
        if any(option is None for option in found):
            return None
        return tuple(kind for option in found if option is not None for kind in option)
    if type(pattern) is MatchIfTrue or type(pattern) is _DoNotCare:
        return None
    return ()  # a plain value is never a node


def replace(tree: cst.CSTNode, pattern: object, replacement: cst.CSTNode) -> cst.CSTNode:
    """`tree` with every outermost node matching `pattern` replaced by `replacement`."""
    replacer = _Replacer(pattern, replacement)
    return tree.visit(replacer)  # type: ignore[return-value]  # a node for a node


class _Replacer(cst.CSTTransformer):
    def __init__(self, pattern: object, replacement: cst.CSTNode) -> None:
        super().__init__()
        self.pattern = pattern
        self.replacement = replacement

    def on_visit(self, node: cst.CSTNode) -> bool:
        return not matches(node, self.pattern)

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> Any:
        if matches(original_node, self.pattern):
            return self.replacement
        return updated_node


@cache
def _field_names(kind: type[cst.CSTNode]) -> tuple[str, ...]:
    return tuple(field.name for field in dataclasses.fields(kind))


@cache
def _maker(name: str) -> Callable[..., Pattern]:
    kind = getattr(cst, name, None)
    if not (isinstance(kind, type) and issubclass(kind, cst.CSTNode)) or name.startswith("Base"):
        raise AttributeError(f"no node class libcst.{name}")
    names = _field_names(kind)

    def make(*values: object, **named: object) -> Pattern:
        if len(values) > len(names):
            raise TypeError(f"{name} has {len(names)} fields, not {len(values)}")
        given = dict(zip(names, values, strict=False))
        for field, value in named.items():
            if field not in names:
                raise TypeError(f"{name} has no field {field!r}")
            if field in given:
                raise TypeError(f"{name}: {field} given twice")
            given[field] = value
        return Pattern(kind, tuple((f, v) for f, v in given.items() if v is not _ANYTHING))

    make.__name__ = make.__qualname__ = name
    return make


def __getattr__(name: str) -> Callable[..., Pattern]:
    if name.startswith("_"):
        raise AttributeError(name)
    return _maker(name)
