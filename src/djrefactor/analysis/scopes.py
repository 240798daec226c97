"""Names and scopes of one module: where each name is bound and which binding each read sees.

The one name/scope resolver every codemod uses. libcst's `ScopeProvider` rebuilds the whole tree
and costs more than parsing it, so `WalkedNames` answers from a single plain walk that only
reads dataclass fields, mirroring `ScopeProvider`'s rules (functions, lambdas, classes and
comprehensions open scopes; decorators, defaults, annotations, bases and a comprehension's first
iterable belong to the enclosing scope; class bodies are not seen from their methods). Where a
name is rebound in a way only a full analysis settles (`global`, `del`, a nested rebinding, type
parameters, a string annotation naming it) it raises `NeedScopes`; `resolve_names` then asks
`ScopedNames`, which gives the same answers from libcst, so callers never see the difference.
A differential test holds the two to the same answers.
"""

from __future__ import annotations

import builtins
import dataclasses
import re
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Protocol, TypeVar

import libcst as cst
from libcst.metadata import (
    Access,
    BuiltinScope,
    GlobalScope,
    ImportAssignment,
    MetadataWrapper,
    PositionProvider,
    ScopeProvider,
)
from libcst.metadata import Scope as LibcstScope

from djrefactor.analysis.nodes import code, string_value
from djrefactor.analysis.tree import PUNCTUATION, per_tree

LOAD, STORE, DECLARE, SKIP = 0, 1, 2, 3
"""How a Name is used: read, bound, named by `global`/`nonlocal`/`del`, or not a variable at all
(an attribute, a keyword). Import statements are listed whole and not walked."""

_FIELD_MODES: dict[tuple[type[cst.CSTNode], str], int] = {
    (cst.AssignTarget, "target"): STORE,
    (cst.AnnAssign, "target"): STORE,
    (cst.AugAssign, "target"): STORE,
    (cst.For, "target"): STORE,
    (cst.CompFor, "target"): STORE,
    (cst.NamedExpr, "target"): STORE,
    (cst.AsName, "name"): STORE,
    (cst.Del, "target"): DECLARE,
    (cst.NameItem, "name"): DECLARE,
    (cst.Attribute, "attr"): SKIP,
    (cst.Arg, "keyword"): SKIP,
    (cst.MatchKeywordElement, "key"): SKIP,
}
"""Fields whose Name is not a read. Match-pattern captures are left as reads on purpose: libcst
records them as accesses, not assignments."""
_UNPACKING = (cst.Tuple, cst.List, cst.Element, cst.StarredElement)
_TYPE_PARAMETERS = (cst.TypeAlias, cst.TypeParameters)
_HINT_CALLS = frozenset(["cast", "NewType", "TypeVar"])

Scope = cst.CSTNode
"""The node that opens a scope: the Module, a FunctionDef, Lambda, ClassDef or comprehension."""


class NeedScopes(Exception):
    """This module needs libcst's full scope analysis to resolve a name the same way."""


@dataclass(frozen=True)
class Hint:
    """Whether strings at a place are type hints, as libcst decides: `certain` inside an
    annotation or a `cast`/`TypeVar` call; else if one of the `subscripted` names above is a
    `typing` name (`List["x"]` is a hint, `data["x"]` is not); never below a `typing.Literal`
    (one of `subscripted` bound to it). A superset: it only makes the walk defer more often."""

    certain: bool = False
    subscripted: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return self.certain or bool(self.subscripted)

    def __or__(self, other: Hint) -> Hint:
        if not other:
            return self
        if not self:
            return other
        return Hint(self.certain or other.certain, self.subscripted | other.subscripted)


NO_HINT = Hint()
CERTAIN_HINT = Hint(certain=True)


@dataclass(frozen=True)
class Occurrence:
    """One Name in a variable position: `order` is its place in source order; `index` counts
    the assignment-like statements its scope had finished before it, as libcst counts them (a
    binding is visible to a read of the same scope only when its index is lower)."""

    node: cst.Name
    scope: Scope
    mode: int
    order: int
    index: int = 0


@dataclass
class ModuleNames:
    """What one walk of a module found; nodes are those of the tree it walked."""

    tree: cst.Module
    parents: dict[cst.CSTNode, cst.CSTNode] = field(default_factory=dict)
    scope_parents: dict[Scope, Scope] = field(default_factory=dict)
    names: dict[str, list[Occurrence]] = field(default_factory=dict)
    imports: list[tuple[cst.Import | cst.ImportFrom, Scope, int]] = field(default_factory=list)
    import_index: dict[int, int] = field(default_factory=dict)
    hint_words: set[str] = field(default_factory=set)
    """Every identifier-like word of the strings libcst may read as type hints."""
    subscript_hints: list[tuple[Hint, list[str]]] = field(default_factory=list)
    """Words of strings whose being hints depends on the names subscripted above them
    (`Dict[str, "Order"]` yes, `summary["status"]` no): settled after the walk."""
    uses_type_parameters: bool = False

    def occurrences(self, name: str) -> list[Occurrence]:
        """Where `name` is bound or read, in source order; libcst's string annotations would
        add uses this walk does not see, so a name spelled in one needs libcst."""
        if self.uses_type_parameters or name in self.hint_words:
            raise NeedScopes(name)
        return self.names.get(name, [])

    def scope_chain(self, scope: Scope) -> Iterator[Scope]:
        """`scope` and the scopes names read in it may resolve to (classes only see their own
        body), ending with the module."""
        yield scope
        current = scope
        while current is not self.tree:
            current = self.scope_parents[current]
            if not isinstance(current, cst.ClassDef):
                yield current

    def bound_names(self) -> set[str]:
        bound = {name for name, found in self.names.items() if any(o.mode == STORE for o in found)}
        for statement, _, _ in self.imports:
            if isinstance(statement.names, cst.ImportStar):
                continue
            for alias in statement.names:
                bound.update(import_bound_names(alias))
        return bound


def import_bound_names(alias: cst.ImportAlias) -> list[str]:
    """`import a.b.c` binds `a`, `a.b` and `a.b.c` (as libcst records it); an alias binds one."""
    if alias.asname is not None:
        assert isinstance(alias.asname.name, cst.Name)
        return [alias.asname.name.value]
    parts = _dotted(alias.name).split(".")
    return [".".join(parts[: end + 1]) for end in range(len(parts))]


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    assert isinstance(node, cst.Name)
    return node.value


# -- the walk ----------------------------------------------------------------------------------

_Item = tuple[cst.CSTNode, Scope, int, Hint, Scope | None]
"""A node to visit: its scope, how a Name there is used, whether strings there are hints, and
the comprehension whose final count its names take (its element), if any."""

SAME, INNER, OUTER, COMPREHENSION_ITER = 0, 1, 2, 3
"""Which scope a field belongs to: the node's, the one it opens, the enclosing one of a
parameter's function, or (a comprehension's `for` iterable) the enclosing one for the first."""

_SOURCE_ORDER: dict[type[cst.CSTNode], tuple[str, ...]] = {
    cst.IfExp: ("body", "test", "orelse"),
    cst.ExceptHandler: ("type", "name", "body"),
    cst.ExceptStarHandler: ("type", "name", "body"),
    cst.MatchCase: ("pattern", "guard", "body"),
    cst.FunctionDef: ("decorators", "name", "type_parameters", "params", "returns", "body"),
    cst.ClassDef: ("decorators", "name", "type_parameters", "bases", "keywords", "body"),
    cst.Param: ("name", "annotation", "default"),
    cst.Parameters: (
        "posonly_params",
        "posonly_ind",
        "params",
        "star_arg",
        "kwonly_params",
        "star_kwarg",
    ),
    cst.CompFor: ("target", "iter", "ifs", "inner_for_in"),
}
"""Fields whose dataclass order is not the order they appear in the source."""

_INNER: dict[type[cst.CSTNode], frozenset[str]] = {
    cst.FunctionDef: frozenset(["params", "body"]),
    cst.Lambda: frozenset(["params", "body"]),
    cst.ClassDef: frozenset(["body"]),
    cst.ListComp: frozenset(["elt", "for_in"]),
    cst.SetComp: frozenset(["elt", "for_in"]),
    cst.GeneratorExp: frozenset(["elt", "for_in"]),
    cst.DictComp: frozenset(["key", "value", "for_in"]),
}
"""Scope-opening nodes and the fields evaluated in the scope they open."""

_PLACES: dict[tuple[type[cst.CSTNode], str], int] = {
    (cst.Param, "annotation"): OUTER,
    (cst.Param, "default"): OUTER,
    (cst.CompFor, "iter"): COMPREHENSION_ITER,
}
_MODES: dict[tuple[type[cst.CSTNode], str], int] = {
    **_FIELD_MODES,
    (cst.FunctionDef, "name"): STORE,
    (cst.ClassDef, "name"): STORE,
    (cst.Param, "name"): STORE,
}
_HINTS = frozenset([(cst.FunctionDef, "returns"), (cst.Param, "annotation")])

_FORMATTING: tuple[type, ...] = (
    cst.BaseParenthesizableWhitespace,
    cst.EmptyLine,
    cst.TrailingWhitespace,
    cst.Newline,
    cst.Comment,
    *PUNCTUATION,
    cst.ImportStar,
    cst.BaseBinaryOp,
    cst.BaseBooleanOp,
    cst.BaseUnaryOp,
    cst.BaseCompOp,
    cst.BaseAugOp,
    cst.Asynchronous,
    cst.Integer,
    cst.Float,
    cst.Imaginary,
    cst.Ellipsis,
    cst.Pass,
    cst.Break,
    cst.Continue,
)
"""Nodes that hold no name: never walked, nobody asks for their parent."""

_Plan = tuple[tuple[str, int, int | None, bool], ...]


def _node_types() -> tuple[frozenset[type], frozenset[type]]:
    """Every libcst node class, split into the walked ones and the formatting ones."""
    found: set[type] = set()
    pending: list[type] = [cst.CSTNode]
    while pending:
        kind = pending.pop()
        found.add(kind)
        pending.extend(kind.__subclasses__())
    formatting = {kind for kind in found if issubclass(kind, _FORMATTING)}
    return frozenset(found - formatting), frozenset(formatting)


_NODES, _SKIPPED = _node_types()


@cache
def _plan(kind: type[cst.CSTNode]) -> _Plan:
    """Per field, in source order: its scope, the mode a Name there has (None: inherited) and
    whether strings below it are type hints."""
    names = [item.name for item in dataclasses.fields(kind)]
    first = _SOURCE_ORDER.get(kind, ())
    inner = _INNER.get(kind, frozenset())
    plan = []
    for name in [*first, *(name for name in names if name not in first)]:
        place = INNER if name in inner else _PLACES.get((kind, name), SAME)
        plan.append((name, place, _MODES.get((kind, name)), (kind, name) in _HINTS))
    return tuple(plan)


@per_tree()
def walk(tree: cst.Module) -> ModuleNames:
    """Every name, scope and import of `tree`, from one walk over its fields, shared by
    everyone who asks for the same tree (the resolver, codemods reading parents and imports)."""
    return _walk(tree)


def _walk(tree: cst.Module) -> ModuleNames:
    found = ModuleNames(tree)
    names = found.names
    stack: list[_Item] = [(tree, tree, LOAD, NO_HINT, None)]
    counts: dict[int, int] = {}
    late: list[Occurrence] = []
    order = 0
    while stack:
        node, scope, mode, hint, final = stack.pop()
        kind = type(node)
        if kind is _Finished:
            counts[id(scope)] = counts.get(id(scope), 0) + 1
            continue
        if kind is cst.Name:
            if mode != SKIP:
                assert isinstance(node, cst.Name)
                index = counts.get(id(scope), 0)
                occurrence = Occurrence(node, scope, mode, order, index)
                names.setdefault(node.value, []).append(occurrence)
                if final is scope:
                    late.append(occurrence)
                order += 1
            continue
        if kind in _SPECIAL:
            if _visit_special(found, node, scope, order, counts):
                order += 1  # an import statement takes a place in source order
                continue
            hint = hint | _starts_hint(node)
        if kind in _ASSIGNMENT_LIKE and not _is_first_for(found, node):
            stack.append((_FINISHED, scope, LOAD, NO_HINT, None))
        stack.extend(reversed(_children(found, node, scope, mode, hint, final)))
    _settle_late(found, late, counts)
    _settle_hints(found)
    return found


_TYPING_MODULES = frozenset({"typing", "typing_extensions"})


def _settle_hints(found: ModuleNames) -> None:
    """The conditional hint strings whose subscripted names come from `typing` (imported in
    any scope: a superset of what libcst's qualified names resolve) are hints."""
    if not found.subscript_hints:
        return
    typing_names: set[str] = set()
    literals: set[str] = set()  # names bound to typing's Literal
    every = False
    for statement, _, _ in found.imports:
        if not isinstance(statement, cst.ImportFrom) or statement.relative:
            continue
        if statement.module is None or _dotted(statement.module) not in _TYPING_MODULES:
            continue
        if isinstance(statement.names, cst.ImportStar):
            every = True
            continue
        for alias in statement.names:
            bound = import_bound_names(alias)
            typing_names.update(bound)
            if _dotted(alias.name) == "Literal":
                literals.update(bound)
    for hint, words in found.subscript_hints:
        if hint.subscripted & literals:
            continue  # libcst reads no string below a Literal as a hint
        if hint.certain or every or hint.subscripted & typing_names:
            found.hint_words.update(words)


class _Finished(cst.CSTNode):
    """Stack marker: an assignment-like node (or a loop target) of `scope` is done."""

    def _visit_and_replace_children(
        self, visitor: cst.CSTTransformer | cst.CSTVisitor
    ) -> _Finished:
        return self

    def _codegen_impl(self, state: object) -> None:
        return None


_FINISHED = _Finished()

_ASSIGNMENT_LIKE = frozenset(
    [
        cst.AnnAssign,
        cst.AsName,
        cst.Assign,
        cst.AugAssign,
        cst.ClassDef,
        cst.CompFor,
        cst.FunctionDef,
        cst.NamedExpr,
        cst.Parameters,
        cst.WithItem,
    ]
)
"""libcst's assignment-like nodes: leaving one ends an assignment for the reads after it."""


def _is_first_for(found: ModuleNames, node: cst.CSTNode) -> bool:
    """The first `for` of a comprehension: libcst never leaves it, it counts after its target."""
    return isinstance(node, cst.CompFor) and type(found.parents.get(node)) in _INNER


def _settle_late(found: ModuleNames, late: list[Occurrence], counts: dict[int, int]) -> None:
    """A comprehension's element is evaluated after all its `for`s: its names take the count
    the comprehension's scope reached at the end."""
    if not late:
        return
    settled = {id(o): dataclasses.replace(o, index=counts.get(id(o.scope), 0)) for o in late}
    for name, entries in found.names.items():
        found.names[name] = [settled.get(id(entry), entry) for entry in entries]


_SPECIAL = frozenset(
    [
        cst.Import,
        cst.ImportFrom,
        cst.SimpleString,
        cst.ConcatenatedString,
        cst.Annotation,
        cst.Subscript,
        cst.Call,
        cst.TypeAlias,
        cst.TypeParameters,
        *_INNER,
    ]
)


def _visit_special(
    found: ModuleNames, node: cst.CSTNode, scope: Scope, order: int, counts: dict[int, int]
) -> bool:
    """Record what the walk needs beyond names; True when the children need no walk (the
    names of an import statement are listed with the statement)."""
    kind = type(node)  # concrete classes: a class test, not libcst's abstract-class check
    if kind is cst.Import or kind is cst.ImportFrom:
        assert isinstance(node, cst.Import | cst.ImportFrom)
        found.imports.append((node, scope, order))
        found.import_index[id(node)] = counts.get(id(scope), 0)
        counts[id(scope)] = counts.get(id(scope), 0) + 1
        if not isinstance(node.names, cst.ImportStar):
            for alias in node.names:
                found.parents[alias] = node
        return True
    if kind in _INNER:
        found.scope_parents[node] = scope
    elif isinstance(node, _TYPE_PARAMETERS):
        found.uses_type_parameters = True
    elif isinstance(node, cst.NamedExpr) and type(scope) in _COMPREHENSIONS:
        found.uses_type_parameters = True  # a walrus in a comprehension binds outside it
    return False


def _children(
    found: ModuleNames,
    node: cst.CSTNode,
    scope: Scope,
    mode: int,
    hint: Hint,
    final: Scope | None,
) -> list[_Item]:
    if hint and isinstance(node, cst.SimpleString | cst.ConcatenatedString):
        if hint.subscripted:
            found.subscript_hints.append((hint, _hint_words(node)))
        else:
            found.hint_words.update(_hint_words(node))
    inherited = mode if mode != LOAD and type(node) in _UNPACKING_TYPES else LOAD
    parents = found.parents
    children: list[_Item] = []
    for name, place, field_mode, field_hint in _plan(type(node)):
        value = getattr(node, name)
        kind = type(value)
        if kind in _NODES:
            values: Sequence[cst.CSTNode] = (value,)
        elif kind is list or kind is tuple:
            values = value
        else:
            continue
        owner = scope
        if place == INNER:
            owner = node
        elif place == OUTER or (place == COMPREHENSION_ITER and parents[node] is scope):
            owner = found.scope_parents[scope]
        child_mode = inherited if field_mode is None else field_mode
        child_hint = hint | CERTAIN_HINT if field_hint else hint
        child_final = node if name in _ELEMENTS.get(type(node), ()) else final
        for child in values:
            if type(child) in _SKIPPED:
                continue
            parents[child] = node
            children.append((child, owner, child_mode, child_hint, child_final))
        if name == "target" and (isinstance(node, cst.For) or _is_first_for(found, node)):
            children.append((_FINISHED, owner, LOAD, NO_HINT, None))
    return children


_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)
_ELEMENTS: dict[type[cst.CSTNode], tuple[str, ...]] = {
    cst.ListComp: ("elt",),
    cst.SetComp: ("elt",),
    cst.GeneratorExp: ("elt",),
    cst.DictComp: ("key", "value"),
}
"""The parts of a comprehension libcst visits after all its `for`s."""


_UNPACKING_TYPES = frozenset(_UNPACKING)


def _in_inner_field(parent: cst.CSTNode, child: cst.CSTNode) -> bool:
    """Does `child` sit in a field `parent` evaluates in the scope it opens?"""
    for name in _INNER.get(type(parent), ()):
        value = getattr(parent, name)
        if value is child or (isinstance(value, list | tuple) and any(v is child for v in value)):
            return True
    return False


def _hint_words(node: cst.SimpleString | cst.ConcatenatedString) -> list[str]:
    """The names a string read as a type hint could hold: the words of its source and of its
    value (libcst parses the value; an escape like `\\n` hides a word from the source alone)."""
    words = _WORD.findall(code(node))
    try:
        value = string_value(node) if type(node) is cst.SimpleString else node.evaluated_value
    except Exception:  # noqa: BLE001  # an unreadable literal: its source words are all there is
        value = None
    if isinstance(value, str):
        words += _WORD.findall(value)
    return words


_WORD = re.compile(r"[^\W\d]\w*")


def _starts_hint(node: cst.CSTNode) -> Hint:
    """Where libcst reads string literals as type hints: annotations, `cast` / `NewType` /
    `TypeVar` calls, and subscripts of a name when that name comes from `typing`."""
    kind = type(node)  # concrete classes: a class test, not libcst's abstract-class check
    if kind is cst.Annotation:
        return CERTAIN_HINT
    if kind is cst.Subscript:
        assert isinstance(node, cst.Subscript)
        if type(node.value) is cst.Name:
            return Hint(subscripted=frozenset({node.value.value}))
        return NO_HINT
    if kind is cst.Call:
        assert isinstance(node, cst.Call)
        func = node.func
        name = func.attr if isinstance(func, cst.Attribute) else func
        if isinstance(name, cst.Name) and name.value in _HINT_CALLS:
            return CERTAIN_HINT
    return NO_HINT


# -- resolution --------------------------------------------------------------------------------
ImportStatement = cst.Import | cst.ImportFrom


@dataclass(frozen=True, eq=False)
class Binding:
    """One assignment of a name, as libcst records it: `node` is the Name target, the
    Import/ImportFrom statement, the FunctionDef/ClassDef or the Param; `scope` is the node that
    opens its scope (the Module for globals), None for a builtin."""

    name: str
    scope: Scope | None
    node: cst.CSTNode | None

    @property
    def is_builtin(self) -> bool:
        return self.scope is None

    @property
    def is_import(self) -> bool:
        return isinstance(self.node, cst.Import | cst.ImportFrom)


class Names(Protocol):
    """What a codemod asks about names: where each is bound and which bindings a read sees."""

    @property
    def bound_names(self) -> set[str]: ...

    def import_references(
        self, statement: ImportStatement, alias: cst.ImportAlias
    ) -> list[tuple[str, list[cst.CSTNode]]]: ...

    def single_assignment_references(
        self, target: cst.Name, statement: cst.CSTNode
    ) -> tuple[bool, list[cst.CSTNode]] | None: ...

    def global_imports(self, name: cst.Name) -> list[ImportStatement] | None: ...

    def is_read(self, node: cst.CSTNode) -> bool:
        """Is `node` a Name that reads a variable (not a binding, an attribute or a keyword)?"""
        ...

    def referents(self, name: cst.Name) -> tuple[Binding, ...]:
        """The bindings a read may see (every assignment of the name in the scope it resolves
        to); empty when nothing binds it, a builtin Binding for a builtin."""
        ...

    def scope_of(self, node: cst.CSTNode) -> Scope:
        """The scope a statement or expression is evaluated in."""
        ...

    def assignments(self, scope: Scope) -> list[Binding]:
        """Every binding made in `scope`."""
        ...

    def references(self, binding: Binding) -> list[cst.Name]:
        """The reads that may see `binding`, in source order."""
        ...


class WalkedNames:
    """Name resolution from the walk, giving what libcst's `ScopeProvider` would give; raises
    `NeedScopes` where that is not certain (a name rebound in a nested scope, a `global`...)."""

    def __init__(self, found: ModuleNames) -> None:
        if found.uses_type_parameters:
            raise NeedScopes("type parameters")
        self.found = found
        self.tree = found.tree
        self._by_node: dict[int, Occurrence] | None = None
        self._bindings_cache: dict[tuple[str, int], list[Binding]] = {}
        self._binding_index: dict[int, int] = {}
        self._binding_order: dict[int, int] = {}
        self._builtins: dict[str, Binding] = {}
        self.imports: dict[str, list[tuple[ImportStatement, Scope, int]]] = {}
        for statement, scope, order in found.imports:
            if isinstance(statement.names, cst.ImportStar):
                continue
            for alias in statement.names:
                for name in import_bound_names(alias):
                    self.imports.setdefault(name, []).append((statement, scope, order))
        # indexes of the walk's occurrences: per (name, scope id) in source order, the names
        # declared global/nonlocal anywhere, per scope id the names stored or imported in it,
        # and every head of a dotted import (`a` of `import a.b`)
        self._in_scope: dict[tuple[str, int], list[Occurrence]] = {}
        self._scope_children: dict[int, list[Scope]] | None = None
        self._declared: set[str] = set()
        self._bound_in: dict[int, set[str]] = {}
        for name, entries in found.names.items():
            for occurrence in entries:
                self._in_scope.setdefault((name, id(occurrence.scope)), []).append(occurrence)
                if occurrence.mode == DECLARE:
                    self._declared.add(name)
                elif occurrence.mode == STORE:
                    self._bound_in.setdefault(id(occurrence.scope), set()).add(name)
        for name, imported in self.imports.items():
            for _, scope, _ in imported:
                self._bound_in.setdefault(id(scope), set()).add(name)
        self._dotted_heads = {
            bound.rsplit(".", cut)[0]
            for bound in self.imports
            for cut in range(1, bound.count(".") + 1)
        }

    @property
    def bound_names(self) -> set[str]:
        return self.found.bound_names()

    def import_references(
        self, statement: ImportStatement, alias: cst.ImportAlias
    ) -> list[tuple[str, list[cst.CSTNode]]]:
        """Per name the import binds: the reads that resolve to it, in source order."""
        names = import_bound_names(alias)
        if len(names) != 1:
            raise NeedScopes(names[-1])
        name = names[0]
        own = [entry for entry in self.imports[name] if entry[0] is statement]
        if len(own) != 1:
            raise NeedScopes(name)
        _, scope, order = own[0]
        if len(self._bindings(name, scope)) != 1:
            raise NeedScopes(name)
        return [(name, self._references(name, scope, order, None))]

    def single_assignment_references(
        self, target: cst.Name, statement: cst.CSTNode
    ) -> tuple[bool, list[cst.CSTNode]] | None:
        """For `target = ...` (the `statement`): None when its scope assigns the name more than
        once, else whether that scope is the module and the reads that resolve to it."""
        found = self._occurrence(target)
        assert found is not None
        bindings = self._bindings(target.value, found.scope)
        if len(bindings) != 1:
            return None
        references = self._references(target.value, found.scope, found.order + 1, statement)
        return found.scope is self.tree, references

    def global_imports(self, name: cst.Name) -> list[ImportStatement] | None:
        """The module-level imports a read of `name` may resolve to, or None when it may
        resolve to anything else (a local, a builtin, nothing)."""
        found = self._occurrence(name)
        if found is None:
            return None
        for scope in self.found.scope_chain(found.scope):
            bindings = self._bindings(name.value, scope)
            if not bindings:
                continue
            if scope is not self.tree or any(binding is None for binding in bindings):
                return None
            return [binding for binding in bindings if binding is not None]
        return None

    def is_read(self, node: cst.CSTNode) -> bool:
        found = self._occurrence(node) if isinstance(node, cst.Name) else None
        if found is None:
            return False
        self._check_dotted(found.node.value)
        if found.mode == DECLARE:
            raise NeedScopes(found.node.value)  # libcst counts `del x` as a read
        return found.mode == LOAD

    def _check_dotted(self, name: str) -> None:
        """libcst files a read of `a` in `a.b.x` under `a.b` when `import a.b` bound it."""
        if name in self._dotted_heads:
            raise NeedScopes(name)

    def referents(self, name: cst.Name) -> tuple[Binding, ...]:
        found = self._occurrence(name)
        if found is None:
            return ()
        self._check_dotted(name.value)
        if found.mode == DECLARE:
            raise NeedScopes(name.value)
        if found.mode != LOAD:
            return ()
        self.found.occurrences(name.value)  # a string annotation naming it needs libcst
        chain = list(self.found.scope_chain(found.scope))
        for position, scope in enumerate(chain):
            bindings = self._assignments_of(name.value, scope)
            if not bindings:
                continue
            visible = [b for b in bindings if self._visible(b, found)]
            if visible:
                return tuple(visible)
            # libcst: nothing of its own scope is bound before the read, so the read sees
            # what the enclosing scopes bind
            return self._resolved(name.value, chain[position + 1 :])
        return self._builtin(name.value)

    def scope_of(self, node: cst.CSTNode) -> Scope:
        current: cst.CSTNode = node
        while current is not self.tree:
            parent = self.found.parents.get(current)
            if parent is None:
                raise NeedScopes(f"no parent known for {type(current).__name__}")
            if _in_inner_field(parent, current):
                return parent
            current = parent
        return self.tree

    def assignments(self, scope: Scope) -> list[Binding]:
        names = self._bound_in.get(id(scope), set())
        ordered: list[tuple[tuple[int, str], Binding]] = []
        for name in names:
            for binding in self._assignments_of(name, scope):
                ordered.append(((self._binding_order[id(binding)], name), binding))
        return [binding for _, binding in sorted(ordered, key=lambda item: item[0])]

    def references(self, binding: Binding) -> list[cst.Name]:
        if "." in binding.name:
            raise NeedScopes(binding.name)  # libcst records `a.b.x` reads on the Attribute
        self._check_dotted(binding.name)
        everywhere = self.found.occurrences(binding.name)  # raises where libcst must answer
        if binding.name in self._declared:
            raise NeedScopes(binding.name)  # `global`/`nonlocal` of the name somewhere
        scope = binding.scope
        # Only reads in the binding's scope or below it can resolve to it: a function's local
        # is looked for in that function, not in each of a large module's uses of the name.
        found_in = everywhere if scope is None or scope is self.tree else self._below(binding)
        reads = [o for o in found_in if o.mode == LOAD]
        found = {id(o.node) for o in reads if self._sees(binding, o)}
        found |= {id(o.node) for o in self._shadowed_reads(binding, reads)}
        return [o.node for o in reads if id(o.node) in found]

    def _below(self, binding: Binding) -> list[Occurrence]:
        """The occurrences of the binding's name in its scope and the scopes inside it, in
        source order."""
        if self._scope_children is None:
            self._scope_children = {}
            for child, parent in self.found.scope_parents.items():
                self._scope_children.setdefault(id(parent), []).append(child)
        found: list[Occurrence] = []
        pending = [binding.scope]
        name = binding.name
        while pending:
            scope = pending.pop()
            found += self._in_scope.get((name, id(scope)), ())
            pending += self._scope_children.get(id(scope), ())
        found.sort(key=lambda occurrence: occurrence.order)
        return found

    def _sees(self, binding: Binding, read: Occurrence) -> bool:
        chain = self.found.scope_chain(read.scope)
        resolved = next((s for s in chain if self._assignments_of(binding.name, s)), None)
        return resolved is binding.scope and self._visible(binding, read)

    def _shadowed_reads(self, binding: Binding, reads: list[Occurrence]) -> list[Occurrence]:
        """libcst also gives a binding the reads of a nested scope that come before that
        scope's own binding of the name (they are "shadowed" up to the enclosing scope)."""
        found: list[Occurrence] = []
        for scope in {id(o.scope): o.scope for o in reads}.values():
            if scope is binding.scope or scope is self.tree:
                continue
            own = self._assignments_of(binding.name, scope)
            if not own or self._shadow_target(binding.name, scope) is not binding.scope:
                continue
            last = max(self._binding_index[id(b)] for b in own)
            found += [o for o in reads if o.scope is scope and o.index <= last]
        return found

    def _shadow_target(self, name: str, scope: Scope) -> Scope | None:
        """Where libcst sends the reads `scope` makes before binding `name`: the enclosing
        scope's bindings (a class included, only when it is the direct parent)."""
        parent = self.found.scope_parents[scope]
        if self._assignments_of(name, parent):
            return parent
        for outer in list(self.found.scope_chain(parent))[1:]:
            if self._assignments_of(name, outer):
                return outer
        return None

    def _visible(self, binding: Binding, read: Occurrence) -> bool:
        """libcst's rule: a binding of the read's own scope counts when made before it."""
        return binding.scope is not read.scope or self._binding_index[id(binding)] < read.index

    def _resolved(self, name: str, chain: Sequence[Scope]) -> tuple[Binding, ...]:
        for scope in chain:
            bindings = self._assignments_of(name, scope)
            if bindings:
                return tuple(bindings)
        return self._builtin(name)

    def _builtin(self, name: str) -> tuple[Binding, ...]:
        if not hasattr(builtins, name):
            return ()
        cached = self._builtins.get(name)
        if cached is None:
            cached = self._builtins[name] = Binding(name, None, None)
        return (cached,)

    # -- helpers ------------------------------------------------------------------------------
    def _occurrence(self, node: cst.Name) -> Occurrence | None:
        if self._by_node is None:
            self._by_node = {
                id(found.node): found for entries in self.found.names.values() for found in entries
            }
        return self._by_node.get(id(node))

    def _assignments_of(self, name: str, scope: Scope) -> list[Binding]:
        """The Binding objects of `name` in `scope`, made once so identity can be compared."""
        key = (name, id(scope))
        cached = self._bindings_cache.get(key)
        if cached is not None:
            return cached
        made: list[tuple[int, Binding]] = []
        if name in self._declared:
            raise NeedScopes(name)  # `global`/`nonlocal` move bindings between scopes
        for found in self._in_scope.get(key, ()):
            if found.mode == LOAD:
                continue
            binding = Binding(name, scope, self._binding_node(found.node))
            self._binding_index[id(binding)] = found.index
            self._binding_order[id(binding)] = found.order
            made.append((found.order, binding))
        for statement, owner, order in self.imports.get(name, ()):
            if owner is scope:
                binding = Binding(name, scope, statement)
                self._binding_index[id(binding)] = self.found.import_index[id(statement)]
                self._binding_order[id(binding)] = order
                made.append((order, binding))
        bindings = [binding for _, binding in sorted(made, key=lambda item: item[0])]
        self._bindings_cache[key] = bindings
        return bindings

    def _binding_node(self, name: cst.Name) -> cst.CSTNode:
        parent = self.found.parents.get(name)
        if isinstance(parent, cst.FunctionDef | cst.ClassDef | cst.Param) and parent.name is name:
            return parent
        return name

    def _bindings(self, name: str, scope: Scope) -> list[ImportStatement | None]:
        """What assigns `name` in `scope`: import statements, and None for any other binding."""
        bindings: list[ImportStatement | None] = []
        for found in self._in_scope.get((name, id(scope)), ()):
            if found.mode == LOAD:
                continue
            if found.mode == DECLARE:
                raise NeedScopes(name)
            bindings.append(None)
        bindings += [
            statement for statement, owner, _ in self.imports.get(name, ()) if owner is scope
        ]
        return bindings

    def _references(
        self, name: str, scope: Scope, after: int, statement: cst.CSTNode | None
    ) -> list[cst.CSTNode]:
        """Reads of the only binding of `name` in `scope`: those in `scope` after it (outside
        its own `statement`), and all those in nested scopes, which must not rebind it."""
        if isinstance(scope, cst.ClassDef) or name in self._dotted_heads:
            raise NeedScopes(name)
        nested = [owner for _, owner, _ in self.imports.get(name, ()) if owner is not scope]
        if any(self._encloses(scope, owner) for owner in nested):
            raise NeedScopes(name)
        references: list[cst.CSTNode] = []
        for found in self.found.occurrences(name):
            if found.scope is scope:
                if (
                    found.mode == LOAD
                    and found.order >= after
                    and not self._within(found, statement)
                ):
                    references.append(found.node)
            elif self._encloses(scope, found.scope):
                if found.mode != LOAD:
                    raise NeedScopes(name)
                references.append(found.node)
        return references

    def _encloses(self, outer: Scope, inner: Scope) -> bool:
        current = inner
        while current is not self.tree:
            current = self.found.scope_parents[current]
            if current is outer:
                return True
        return False

    def _within(self, found: Occurrence, statement: cst.CSTNode | None) -> bool:
        if statement is None:
            return False
        current: cst.CSTNode | None = found.node
        while current is not None and not isinstance(current, cst.BaseStatement):
            if current is statement:
                return True
            current = self.found.parents.get(current)
        return current is statement


class ScopedNames:
    """The same answers from libcst's `ScopeProvider`, for modules the walk cannot settle."""

    def __init__(self, tree: cst.Module) -> None:
        self.wrapper = MetadataWrapper(tree, unsafe_skip_copy=True)
        self.scopes = self.wrapper.resolve(ScopeProvider)
        self.positions = self.wrapper.resolve(PositionProvider)
        self._access_index: dict[int, Access] | None = None
        self._binding_cache: dict[tuple[str, int], Binding] = {}

    @property
    def bound_names(self) -> set[str]:
        return {
            assignment.name
            for scope in set(self.scopes.values())
            if scope is not None
            for assignment in scope.assignments
        }

    def import_references(
        self, statement: ImportStatement, alias: cst.ImportAlias
    ) -> list[tuple[str, list[cst.CSTNode]]]:
        scope = self.scopes[statement]
        assert scope is not None
        return [
            (assignment.name, self._in_source_order(assignment.references))
            for name in import_bound_names(alias)
            for assignment in scope.assignments[name]
            if isinstance(assignment, ImportAssignment) and assignment.node is statement
        ]

    def single_assignment_references(
        self, target: cst.Name, statement: cst.CSTNode
    ) -> tuple[bool, list[cst.CSTNode]] | None:
        scope = self.scopes[statement]
        assert scope is not None
        assignments = list(scope.assignments[target.value])
        if len(assignments) != 1:
            return None
        references = self._in_source_order(assignments[0].references)
        return isinstance(scope, GlobalScope), references

    def global_imports(self, name: cst.Name) -> list[ImportStatement] | None:
        scope = self.scopes.get(name)
        if scope is None:
            return None
        assignments = list(scope[name.value])
        if not assignments:
            return [] if hasattr(builtins, name.value) else None
        statements: list[ImportStatement] = []
        for assignment in assignments:
            if not isinstance(assignment, ImportAssignment):
                return None
            if not isinstance(assignment.scope, GlobalScope):
                return None
            statement = assignment.node
            assert isinstance(statement, (cst.Import, cst.ImportFrom))
            statements.append(statement)
        return statements

    def _in_source_order(self, accesses: Collection[Access]) -> list[cst.CSTNode]:
        """Sorted by position: a set of accesses has no stable order of its own."""

        def position(access: Access) -> tuple[int, int]:
            start = self.positions[access.node].start
            return start.line, start.column

        return [access.node for access in sorted(accesses, key=position)]

    # -- the binding API ----------------------------------------------------------------------
    @property
    def _accesses(self) -> dict[int, Access]:
        if self._access_index is None:
            self._access_index = {
                id(access.node): access
                for scope in {s for s in self.scopes.values() if s is not None}
                for access in scope.accesses
            }
        return self._access_index

    def is_read(self, node: cst.CSTNode) -> bool:
        return isinstance(node, cst.Name) and id(node) in self._accesses

    def referents(self, name: cst.Name) -> tuple[Binding, ...]:
        access = self._accesses.get(id(name))
        if access is None:
            return ()
        found = [self._binding(assignment) for assignment in access.referents]
        return tuple(sorted(found, key=self._binding_order))

    def scope_of(self, node: cst.CSTNode) -> Scope:
        scope = self.scopes.get(node)
        assert scope is not None
        owner = self._scope_node(scope)
        assert owner is not None
        return owner

    def assignments(self, scope: Scope) -> list[Binding]:
        libcst_scope = self._libcst_scope(scope)
        bindings = [self._binding(assignment) for assignment in libcst_scope.assignments]
        return sorted(bindings, key=lambda b: (*self._binding_order(b), b.name))

    def references(self, binding: Binding) -> list[cst.Name]:
        assert binding.scope is not None
        for assignment in self._libcst_scope(binding.scope).assignments[binding.name]:
            if getattr(assignment, "node", None) is binding.node:
                names = self._in_source_order(assignment.references)
                return [node for node in names if isinstance(node, cst.Name)]
        return []

    def _binding(self, assignment: object) -> Binding:
        key = (str(getattr(assignment, "name", "")), id(getattr(assignment, "node", assignment)))
        cached = self._binding_cache.get(key)
        if cached is None:
            scope = getattr(assignment, "scope", None)
            node = getattr(assignment, "node", None)
            owner = None if isinstance(scope, BuiltinScope) else self._scope_node(scope)
            cached = Binding(str(getattr(assignment, "name", "")), owner, node)
            self._binding_cache[key] = cached
        return cached

    def _binding_order(self, binding: Binding) -> tuple[int, int]:
        if binding.node is None:
            return (0, 0)
        start = self.positions[binding.node].start
        return start.line, start.column

    def _scope_node(self, scope: object) -> Scope | None:
        if isinstance(scope, GlobalScope):
            return self.wrapper.module
        node = getattr(scope, "node", None)
        return node if isinstance(node, cst.CSTNode) else None

    def _libcst_scope(self, scope: Scope) -> LibcstScope:
        for candidate in {s for s in self.scopes.values() if s is not None}:
            if self._scope_node(candidate) is scope:
                return candidate
        raise KeyError(f"no scope opened by {type(scope).__name__}")


NamesT = TypeVar("NamesT")


def resolve_names(tree: cst.Module, query: Callable[[Names], NamesT]) -> NamesT:
    """`query` answered from the walk, or from libcst where the walk is not certain."""
    try:
        return query(WalkedNames(walk(tree)))
    except NeedScopes:
        return query(ScopedNames(tree))


class _Resolver:
    """`Names` of one module: each question asked of the walk, and of libcst from the first
    question the walk cannot settle on (the two agree wherever the walk answers)."""

    def __init__(self, tree: cst.Module) -> None:
        self.tree = tree
        self._walked: WalkedNames | None = None
        self._scoped: ScopedNames | None = None

    def _ask(self, question: Callable[[Names], NamesT]) -> NamesT:
        if self._scoped is None:
            try:
                if self._walked is None:
                    self._walked = WalkedNames(walk(self.tree))
                return question(self._walked)
            except NeedScopes:
                self._scoped = ScopedNames(self.tree)
        return question(self._scoped)

    @property
    def bound_names(self) -> set[str]:
        return self._ask(lambda names: names.bound_names)

    def import_references(
        self, statement: ImportStatement, alias: cst.ImportAlias
    ) -> list[tuple[str, list[cst.CSTNode]]]:
        return self._ask(lambda names: names.import_references(statement, alias))

    def single_assignment_references(
        self, target: cst.Name, statement: cst.CSTNode
    ) -> tuple[bool, list[cst.CSTNode]] | None:
        return self._ask(lambda names: names.single_assignment_references(target, statement))

    def global_imports(self, name: cst.Name) -> list[ImportStatement] | None:
        return self._ask(lambda names: names.global_imports(name))

    def is_read(self, node: cst.CSTNode) -> bool:
        return self._ask(lambda names: names.is_read(node))

    def referents(self, name: cst.Name) -> tuple[Binding, ...]:
        return self._ask(lambda names: names.referents(name))

    def scope_of(self, node: cst.CSTNode) -> Scope:
        return self._ask(lambda names: names.scope_of(node))

    def assignments(self, scope: Scope) -> list[Binding]:
        return self._ask(lambda names: names.assignments(scope))

    def references(self, binding: Binding) -> list[cst.Name]:
        return self._ask(lambda names: names.references(binding))


@per_tree()
def module_names(tree: cst.Module) -> Names:
    """The resolver every codemod uses for one module (one per tree, shared)."""
    return _Resolver(tree)
