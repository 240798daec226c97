"""One wrapper from every call site of one operation: what moves in, what the caller passes.

Not a codemod. The sites are walked side by side. A part that is the same portable value at every
site (a literal, a setting, the URL and the auth header built from settings) moves into the
wrapper; a part that differs or reads the caller's values becomes a parameter, named from the
SDK's keyword, the dict key or how the caller spells it, and typed from what is known of it. A
container is opened only when something inside it moves: `json={"member_id": patient.number,
"service_type": "office_visit"}` gives a `member_id` parameter, `metadata={"order_id": o.pk}`
stays one `metadata: dict[str, Any]` parameter. A keyword only some sites pass becomes an
optional parameter that the wrapper passes on only when given.
"""

from __future__ import annotations

import builtins
import keyword
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import libcst as cst

from djrefactor.analysis import patterns as m
from djrefactor.analysis.naming import snake
from djrefactor.analysis.nodes import code, string_value
from djrefactor.analysis.tree import findall
from djrefactor.discovery.vendors import (
    PARAM_SUFFIX_TYPES,
    PARAM_TYPES,
    POSITIONAL_NAMES,
    POSITIONAL_TYPES,
)

from .naming import singular
from .scan import Site, param_name
from .source import Source

_BAD_NAMES = frozenset(
    {"json", "args", "kwargs", "self", "cls", "value", "obj"} | set(dir(builtins))
)
_HTTP_BODIES = frozenset({"json", "data", "params", "files"})
_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth")


@dataclass(frozen=True)
class Context:
    """Where a parameter's value sat in the call: for its name and, failing that, its type."""

    keyword: str | None = None
    siblings: tuple[str, ...] = ()
    position: int | None = None
    method: str | None = None
    path: tuple[str, ...] = ()
    http_body: bool = False
    text_before: str = ""


@dataclass(eq=False)
class Hole:
    """A parameter: the value each site passes (None where a site omits the keyword)."""

    values: list[cst.BaseExpression | None]
    context: Context
    construct: bool = False
    star: str = ""
    name: str = ""
    annotation: str = "Any"

    @property
    def optional(self) -> bool:
        return any(value is None for value in self.values)


@dataclass
class Template:
    """The parameters of one wrapper, in signature order, over `sites`."""

    sites: list[Site]
    holes: list[Hole] = field(default_factory=list)

    @property
    def construct_holes(self) -> list[Hole]:
        return [hole for hole in self.holes if hole.construct]

    @property
    def call_holes(self) -> list[Hole]:
        return [hole for hole in self.holes if not hole.construct]


@dataclass
class _Result:
    holes: list[Hole]
    const: bool
    settings: bool = False
    moves: bool = False


class _Mismatch(Exception):
    """The sites' calls do not line up (different positional arguments)."""


def build_template(sites: list[Site], per_call: bool) -> Template | None:
    """The wrapper's parameters for `sites`, or None when their calls cannot share one."""
    template = Template(sites)
    unifier = _Unifier([site.source for site in sites])
    try:
        if per_call and sites[0].construct is not None:
            constructs: list[cst.BaseExpression] = []
            for site in sites:
                assert site.construct is not None
                constructs.append(site.construct.call)
            for hole in unifier.call_args(constructs, None, http=False):
                hole.construct = True
                template.holes.append(hole)
        if not sites[0].factory:
            calls: list[cst.BaseExpression] = [site.call for site in sites]
            receivers = {site.receiver for site in sites}
            unifier.receivers = receivers
            http = sites[0].vendor.per_api
            template.holes += unifier.call(calls, sites[0].chain[-1:] or (None,), http)
    except _Mismatch:
        return None
    return template


class _Unifier:
    def __init__(self, sources: list[Source]) -> None:
        self.sources = sources
        self.receivers: set[cst.BaseExpression] = set()

    # -- calls ----------------------------------------------------------------------------------
    def call(
        self, calls: list[cst.BaseExpression], method: Sequence[str | None], http: bool
    ) -> list[Hole]:
        holes = self._func([c.func for c in calls if isinstance(c, cst.Call)])
        return holes + self.call_args(calls, method[0], http)

    def _func(self, funcs: list[cst.BaseExpression]) -> list[Hole]:
        """The callee path from the receiver: only arguments of sub-resource calls vary."""
        first = funcs[0]
        if first in self.receivers or not isinstance(first, (cst.Attribute, cst.Call)):
            return []
        if isinstance(first, cst.Attribute):
            return self._func([f.value for f in funcs if isinstance(f, cst.Attribute)])
        holes = self._func([f.func for f in funcs if isinstance(f, cst.Call)])
        method = first.func.attr.value if isinstance(first.func, cst.Attribute) else None
        return holes + self.call_args(funcs, method, http=False)

    def call_args(
        self, calls: list[cst.BaseExpression], method: str | None, http: bool
    ) -> list[Hole]:
        arg_lists = [list(c.args) if isinstance(c, cst.Call) else [] for c in calls]
        positional = [[a for a in args if a.keyword is None and not a.star] for args in arg_lists]
        starred = [[a for a in args if a.star] for args in arg_lists]
        if len({len(p) for p in positional}) != 1 or len({_stars(s) for s in starred}) != 1:
            raise _Mismatch()
        holes: list[Hole] = []
        for index in range(len(positional[0])):
            values = [p[index].value for p in positional]
            holes += self.value(values, Context(position=index, method=method)).holes
        for keyword_name in _keywords(arg_lists):
            given = [_keyword_value(args, keyword_name) for args in arg_lists]
            context = Context(keyword=keyword_name, http_body=http and keyword_name in _HTTP_BODIES)
            present = [value for value in given if value is not None]
            if len(present) < len(given):
                holes.append(Hole(given, context))
                continue
            holes += self.value(present, context).holes
        for index, star in enumerate(_stars(starred[0])):
            values = [s[index].value for s in starred]
            holes.append(Hole(list(values), Context(), star=star))
        return holes

    # -- values ---------------------------------------------------------------------------------
    def value(self, nodes: list[cst.BaseExpression], context: Context) -> _Result:
        if self._same_portable(nodes):
            return _Result([], const=True, settings=_reads_settings(self._normalized(0, nodes[0])))
        opened = self._open(nodes, context)
        if opened is not None:
            return opened
        return _Result([Hole(list(nodes), context)], const=False)

    def _same_portable(self, nodes: list[cst.BaseExpression]) -> bool:
        codes = set()
        for source, node in zip(self.sources, nodes, strict=True):
            if source.portable(node) is None or _opens_file(node):
                return False
            codes.add(source.normalized_code(node))
        return len(codes) == 1

    def _normalized(self, index: int, node: cst.BaseExpression) -> cst.BaseExpression:
        return self.sources[index].normalized(node)

    def _open(self, nodes: list[cst.BaseExpression], context: Context) -> _Result | None:
        first = nodes[0]
        if not all(type(node) is type(first) for node in nodes):
            return None
        if isinstance(first, cst.Dict):
            return self._dict(nodes, context)
        if isinstance(first, (cst.List, cst.Tuple)):
            return self._sequence(nodes, context)
        if isinstance(first, cst.FormattedString):
            return self._text(nodes, context, _fstring_parts)
        if isinstance(first, cst.BinaryOperation):
            return self._text(nodes, context, _operands)
        if isinstance(first, cst.Subscript):
            return self._text(nodes, context, _subscript_parts)
        return None

    def _dict(self, nodes: list[cst.BaseExpression], context: Context) -> _Result | None:
        keyed = [_string_keys(node) for node in nodes]
        if any(keys is None for keys in keyed):
            return None
        first = keyed[0]
        assert first is not None
        if any(set(keys or {}) != set(first) for keys in keyed):
            return None
        siblings = tuple(
            text
            for value in first.values()
            if isinstance(value, cst.SimpleString) and isinstance(text := string_value(value), str)
        )
        results = []
        for key in first:
            values = [keys[key] for keys in keyed if keys is not None]
            inner = Context(keyword=key, siblings=siblings, path=(*context.path, key))
            results.append(self.value(values, inner))
        if context.http_body or any(r.const or r.moves for r in results):
            return _combine(results, moves=True)
        return None

    def _sequence(self, nodes: list[cst.BaseExpression], context: Context) -> _Result | None:
        elements = [getattr(node, "elements", ()) for node in nodes]
        if len({len(e) for e in elements}) != 1:
            return None
        if any(not isinstance(e, cst.Element) for es in elements for e in es):
            return None
        results = []
        for index in range(len(elements[0])):
            values = [es[index].value for es in elements]
            inner = Context(keyword=context.keyword, path=(*context.path, str(index)))
            results.append(self.value(values, inner))
        if any(r.const or r.moves for r in results):
            return _combine(results, moves=True)
        return None

    def _text(
        self, nodes: list[cst.BaseExpression], context: Context, parts: _Parts
    ) -> _Result | None:
        """A URL or header built from a setting: only the caller's values become parameters."""
        split = [parts(node) for node in nodes]
        if any(s is None for s in split):
            return None
        shapes = {s[0] for s in split if s is not None}
        if len(shapes) != 1:
            return None
        results = []
        first = split[0]
        assert first is not None
        for index, (before, _) in enumerate(first[1]):
            values = [s[1][index][1] for s in split if s is not None]
            inner = Context(path=context.path, text_before=before)
            results.append(self.value(values, inner))
        if any(r.const and r.settings for r in results) or any(r.moves for r in results):
            return _combine(results, moves=True)
        return None


_Split = tuple[str, list[tuple[str, cst.BaseExpression]]]
_Parts = Callable[[cst.BaseExpression], _Split | None]


def _opens_file(node: cst.BaseExpression) -> bool:
    """`open("training.jsonl", "rb")`: which file to send is the caller's to say, even when every
    caller names the same one; the wrapper takes the open file."""
    return bool(findall(node, m.Call(func=m.Name("open"))))


def _open_mode(call: cst.Call) -> str:
    mode = _keyword_value(list(call.args), "mode")
    if mode is None and len(call.args) > 1 and call.args[1].keyword is None:
        mode = call.args[1].value
    if isinstance(mode, cst.SimpleString):
        return str(string_value(mode))
    return "" if mode is not None else "r"  # a mode read at run time: no type to tell


def _combine(results: list[_Result], moves: bool) -> _Result:
    holes = [hole for result in results for hole in result.holes]
    settings = any(result.settings for result in results)
    return _Result(holes, const=False, settings=settings, moves=moves)


def _stars(args: list[cst.Arg]) -> tuple[str, ...]:
    return tuple(str(arg.star) for arg in args)


def _keywords(arg_lists: list[list[cst.Arg]]) -> list[str]:
    seen: dict[str, None] = {}
    for args in arg_lists:
        for arg in args:
            if arg.keyword is not None:
                seen.setdefault(arg.keyword.value)
    return list(seen)


def _keyword_value(args: list[cst.Arg], name: str) -> cst.BaseExpression | None:
    return next((a.value for a in args if a.keyword is not None and a.keyword.value == name), None)


def _string_keys(node: cst.BaseExpression) -> dict[str, cst.BaseExpression] | None:
    assert isinstance(node, cst.Dict)
    keys: dict[str, cst.BaseExpression] = {}
    for element in node.elements:
        if not isinstance(element, cst.DictElement) or not isinstance(
            element.key, cst.SimpleString
        ):
            return None
        key = string_value(element.key)
        if not isinstance(key, str) or key in keys:
            return None
        keys[key] = element.value
    return keys


def _fstring_parts(
    node: cst.BaseExpression,
) -> tuple[str, list[tuple[str, cst.BaseExpression]]] | None:
    assert isinstance(node, cst.FormattedString)
    shape: list[str] = [node.start]
    found: list[tuple[str, cst.BaseExpression]] = []
    before = ""
    for part in node.parts:
        if isinstance(part, cst.FormattedStringText):
            shape.append(part.value)
            before = part.value
            continue
        assert isinstance(part, cst.FormattedStringExpression)
        spec = code(part.format_spec[0]) if part.format_spec else ""
        shape.append(f"{{!{part.conversion}:{spec}}}")
        found.append((before, part.expression))
        before = ""
    return "".join(shape), found


def _operands(node: cst.BaseExpression) -> tuple[str, list[tuple[str, cst.BaseExpression]]] | None:
    assert isinstance(node, cst.BinaryOperation)
    if not isinstance(node.operator, (cst.Add, cst.Modulo)):
        return None
    return type(node.operator).__name__, [("", node.left), ("", node.right)]


def _subscript_parts(
    node: cst.BaseExpression,
) -> tuple[str, list[tuple[str, cst.BaseExpression]]] | None:
    assert isinstance(node, cst.Subscript)
    if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
        return None
    return "[]", [("", node.value), ("", node.slice[0].slice.value)]


def _reads_settings(node: cst.BaseExpression) -> bool:
    return bool(findall(node, m.Attribute(value=m.Name("settings"))))


# -- names --------------------------------------------------------------------------------------
def name_holes(template: Template, reserved: Iterable[str]) -> None:
    """Give every hole a name: the same caller variable everywhere, else the SDK's keyword or
    dict key, else how the caller spells the value; clashes are told apart by their context
    (`system_content` / `user_content`), never by a counter."""
    taken = set(reserved)
    wanted = {id(hole): _candidates(hole) for hole in template.holes}
    firsts: dict[str, int] = {}
    for hole in template.holes:
        firsts[wanted[id(hole)][0]] = firsts.get(wanted[id(hole)][0], 0) + 1
    for hole in template.holes:
        candidates = wanted[id(hole)]
        if firsts[candidates[0]] > 1:
            candidates = [*_qualified(hole, candidates[0]), *candidates]
        hole.name = next((c for c in candidates if c not in taken), "")
        if not hole.name:
            hole.name = next(
                f"{candidates[0]}_{word}"
                for word in _ORDINALS
                if f"{candidates[0]}_{word}" not in taken
            )
        taken.add(hole.name)


def _candidates(hole: Hole) -> list[str]:
    """An argument is named for the SDK's keyword; a dict value or a positional argument for
    the variable every caller passes, else its key, else how the caller spells it."""
    found: list[str] = []
    values = [value for value in hole.values if value is not None]
    ids = {value.value for value in values if isinstance(value, cst.Name)}
    context = hole.context
    if context.keyword and not context.path:
        found.append(snake(context.keyword))
    if len(ids) == 1 and all(isinstance(value, cst.Name) for value in values):
        found.append(snake(ids.pop()))
    if context.keyword:
        found.append(snake(context.keyword))
    known = POSITIONAL_NAMES.get(context.method or "", ())
    if context.position is not None and context.position < len(known):
        found.append(known[context.position])
    for value in values:
        derived = param_name(value)
        if derived:
            found.append(derived)
    if context.text_before:
        word = _path_word(context.text_before)
        if word:
            found.append(f"{word}_id")
    found = [name for name in found if name.isidentifier() and not keyword.iskeyword(name)]
    good = [name for name in found if name not in _BAD_NAMES]
    return good or [name + "_value" for name in found if name.isidentifier()] or ["value"]


def _qualified(hole: Hole, name: str) -> list[str]:
    context = hole.context
    words = [snake(s) for s in context.siblings if snake(s).isidentifier()]
    words += [snake(p) for p in reversed(context.path[:-1]) if not p.isdigit()]
    return [f"{word}_{name}" for word in words if word and word != name]


def _path_word(text: str) -> str | None:
    words = [w for w in text.strip("/").split("/") if w.isidentifier()]
    return singular(snake(words[-1])) if words else None


# -- types --------------------------------------------------------------------------------------
def type_holes(template: Template, classes: Iterable[str]) -> set[str]:
    """Annotate every hole from the values the sites pass, else from its name; returns the
    imports the annotations need (`Decimal`...). `classes` are the vendor classes the
    integration re-exports (a `Mail(...)` the caller builds is passed as `Mail`)."""
    imports: set[str] = set()
    typer = _Typer(set(classes), imports)
    for hole in template.holes:
        found = [
            typer.of(value, template.sites[index].source)
            for index, value in enumerate(hole.values)
            if value is not None
        ]
        hole.annotation = _annotation(found, hole)
    return imports


_UNKNOWN_OR_NONE = "? | None"


def _annotation(found: list[str | None], hole: Hole) -> str:
    optional = hole.optional
    bases: set[str] = set()
    for kind in found:
        if kind == "None":
            optional = True
            continue
        if kind is not None and kind.endswith(" | None"):
            optional = True
            kind = kind.removesuffix(" | None")
        if kind is not None and kind != "?":
            bases.add(kind)
    if bases == {"int", "float"}:
        bases = {"float"}
    base = bases.pop() if len(bases) == 1 else _by_position(hole) or _by_name(hole.name)
    if base is None:
        return "Any"
    return f"{base} | None" if optional and base != "Any" else base


class _Typer:
    def __init__(self, classes: set[str], imports: set[str]) -> None:
        self.classes = classes
        self.imports = imports

    def of(self, value: cst.BaseExpression, source: Source, depth: int = 0) -> str | None:
        if isinstance(value, cst.Integer):
            return "int"
        if isinstance(value, cst.Float):
            return "float"
        if isinstance(value, (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString)):
            prefix = value.prefix if isinstance(value, cst.SimpleString) else ""
            return "bytes" if "b" in prefix.lower() else "str"
        if isinstance(value, cst.Name):
            return self._name(value, source, depth)
        if isinstance(value, cst.Dict):
            return "dict[str, Any]"
        if isinstance(value, cst.List):
            return "list[Any]"
        if isinstance(value, cst.Comparison) or (
            isinstance(value, cst.UnaryOperation) and isinstance(value.operator, cst.Not)
        ):
            return "bool"
        if isinstance(value, cst.BinaryOperation):
            if isinstance(value.operator, cst.Modulo) and isinstance(
                value.left, (cst.SimpleString, cst.FormattedString)
            ):
                return "str"
            return None
        if isinstance(value, cst.BooleanOperation) and isinstance(value.operator, cst.Or):
            return self._or(value, source, depth)
        if isinstance(value, cst.Call):
            return self._call(value)
        if isinstance(value, cst.Attribute) and value.attr.value == "pk":
            return "int"  # `.id` may be a vendor object's string id
        return None

    def _or(self, value: cst.BooleanOperation, source: Source, depth: int) -> str | None:
        right = value.right
        left = self.of(value.left, source, depth)
        if isinstance(right, cst.Name) and right.value == "None":
            return f"{left} | None" if left else _UNKNOWN_OR_NONE
        other = self.of(right, source, depth)
        return left if left == other else None

    def _name(self, value: cst.Name, source: Source, depth: int) -> str | None:
        if value.value in ("True", "False"):
            return "bool"
        if value.value == "None":
            return "None"
        if depth:
            return None
        referents = source.names.referents(value)
        if len(referents) != 1 or not isinstance(referents[0].node, cst.Name):
            return None
        target = source.parents.get(referents[0].node)
        assign = source.parents.get(target) if target is not None else None
        if isinstance(assign, cst.Assign) and len(assign.targets) == 1:
            return self.of(assign.value, source, depth + 1)
        return None

    def _call(self, value: cst.Call) -> str | None:
        func = value.func
        name = func.value if isinstance(func, cst.Name) else None
        if isinstance(func, cst.Attribute):
            name = func.attr.value
            if name in _STR_METHODS:
                return "str"
            if name == "encode":
                return "bytes"
        if name in ("int", "len", "round"):
            return "int"
        if name in ("str", "repr"):
            return "str"
        if name in ("float", "bool", "bytes"):
            return name
        if name == "Decimal":
            self.imports.add("from decimal import Decimal")
            return "Decimal"
        if name == "open" and isinstance(func, cst.Name):
            mode = _open_mode(value)
            if not mode:
                return None
            kind = "BinaryIO" if "b" in mode else "TextIO"
            self.imports.add(f"from typing import {kind}")
            return kind
        if name in self.classes:
            return name
        return None


_STR_METHODS = frozenset(
    {"strip", "lower", "upper", "format", "join", "isoformat", "decode", "title", "capitalize"}
)


def _by_position(hole: Hole) -> str | None:
    context = hole.context
    known = POSITIONAL_TYPES.get(context.method or "", ())
    if context.position is None or context.position >= len(known):
        return None
    return known[context.position]


def _by_name(name: str) -> str | None:
    known = PARAM_TYPES.get(name)
    if known:
        return known
    for suffix, annotation in PARAM_SUFFIX_TYPES:
        if name.endswith(suffix):
            return annotation
    return None
