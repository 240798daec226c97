"""Parents, name occurrences and scopes of one module, from a single plain walk of its tree.

Not a codemod: `_integrations_scan` asks it where names are bound and used. libcst's metadata
providers each rebuild the whole tree (and `extract-integrations` needed three of them per file),
which cost many times the parse; this walk only reads dataclass fields. It mirrors the scoping
of libcst's `ScopeProvider` (functions, lambdas, classes and comprehensions; decorators,
defaults, annotations, bases and a comprehension's first iterable belong to the enclosing
scope). Where a name is rebound in a way only a full scope analysis settles, it raises
`NeedScopes` and the scan asks libcst instead, so both give the same answer.
"""

from __future__ import annotations

import builtins
import dataclasses
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Protocol

import libcst as cst
from libcst.metadata import (
    Access,
    GlobalScope,
    ImportAssignment,
    MetadataWrapper,
    PositionProvider,
    ScopeProvider,
)

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
class Occurrence:
    node: cst.Name
    scope: Scope
    mode: int
    order: int


@dataclass
class ModuleNames:
    """What one walk of a module found; nodes are those of the tree it walked."""

    tree: cst.Module
    parents: dict[cst.CSTNode, cst.CSTNode] = field(default_factory=dict)
    scope_parents: dict[Scope, Scope] = field(default_factory=dict)
    names: dict[str, list[Occurrence]] = field(default_factory=dict)
    imports: list[tuple[cst.Import | cst.ImportFrom, Scope, int]] = field(default_factory=list)
    hint_strings: list[str] = field(default_factory=list)
    uses_type_parameters: bool = False

    def occurrences(self, name: str) -> list[Occurrence]:
        """Where `name` is bound or read, in source order; libcst's string annotations would
        add uses this walk does not see, so a name spelled in one needs libcst."""
        if self.uses_type_parameters or any(name in text for text in self.hint_strings):
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
_Item = tuple[cst.CSTNode, Scope, int, bool]
"""A node to visit: its scope, how a Name there is used, and whether strings there are hints."""

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

_FORMATTING: tuple[type[cst.CSTNode], ...] = (
    cst.BaseParenthesizableWhitespace,
    cst.EmptyLine,
    cst.TrailingWhitespace,
    cst.Newline,
    cst.Comment,
    cst.Comma,
    cst.Dot,
    cst.Colon,
    cst.Semicolon,
    cst.AssignEqual,
    cst.ImportStar,
    cst.LeftParen,
    cst.RightParen,
    cst.LeftSquareBracket,
    cst.RightSquareBracket,
    cst.LeftCurlyBrace,
    cst.RightCurlyBrace,
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


def walk(tree: cst.Module) -> ModuleNames:
    found = ModuleNames(tree)
    names = found.names
    stack: list[_Item] = [(tree, tree, LOAD, False)]
    order = 0
    while stack:
        node, scope, mode, hint = stack.pop()
        kind = type(node)
        if kind is cst.Name:
            if mode != SKIP:
                assert isinstance(node, cst.Name)
                names.setdefault(node.value, []).append(Occurrence(node, scope, mode, order))
                order += 1
            continue
        if kind in _SPECIAL:
            if _visit_special(found, node, scope, order):
                continue
            hint = hint or _starts_hint(node)
        stack.extend(reversed(_children(found, node, scope, mode, hint)))
    return found


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


def _visit_special(found: ModuleNames, node: cst.CSTNode, scope: Scope, order: int) -> bool:
    """Record what the walk needs beyond names; True when the children need no walk (the
    names of an import statement are listed with the statement)."""
    if isinstance(node, cst.Import | cst.ImportFrom):
        found.imports.append((node, scope, order))
        if not isinstance(node.names, cst.ImportStar):
            for alias in node.names:
                found.parents[alias] = node
        return True
    if type(node) in _INNER:
        found.scope_parents[node] = scope
    elif isinstance(node, _TYPE_PARAMETERS):
        found.uses_type_parameters = True
    return False


def _children(
    found: ModuleNames, node: cst.CSTNode, scope: Scope, mode: int, hint: bool
) -> list[_Item]:
    if hint and isinstance(node, cst.SimpleString | cst.ConcatenatedString):
        found.hint_strings.append(cst.Module([]).code_for_node(node))
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
        child_hint = hint or field_hint
        for child in values:
            if type(child) in _SKIPPED:
                continue
            parents[child] = node
            children.append((child, owner, child_mode, child_hint))
    return children


_UNPACKING_TYPES = frozenset(_UNPACKING)


def _starts_hint(node: cst.CSTNode) -> bool:
    """Where libcst reads string literals as type hints: annotations, subscripts of a name,
    `cast` / `NewType` / `TypeVar` calls (a superset: it only makes us defer to libcst)."""
    if isinstance(node, cst.Annotation):
        return True
    if isinstance(node, cst.Subscript):
        return isinstance(node.value, cst.Name)
    if isinstance(node, cst.Call):
        func = node.func
        name = func.attr if isinstance(func, cst.Attribute) else func
        return isinstance(name, cst.Name) and name.value in _HINT_CALLS
    return False


# -- resolution --------------------------------------------------------------------------------
ImportStatement = cst.Import | cst.ImportFrom


class Names(Protocol):
    """How `_integrations_scan` asks where a name is bound and read."""

    @property
    def bound_names(self) -> set[str]: ...

    def import_references(
        self, statement: ImportStatement, alias: cst.ImportAlias
    ) -> list[tuple[str, list[cst.CSTNode]]]: ...

    def single_assignment_references(
        self, target: cst.Name, statement: cst.CSTNode
    ) -> tuple[bool, list[cst.CSTNode]] | None: ...

    def global_imports(self, name: cst.Name) -> list[ImportStatement] | None: ...


class WalkedNames:
    """Name resolution from the walk, giving what libcst's `ScopeProvider` would give; raises
    `NeedScopes` where that is not certain (a name rebound in a nested scope, a `global`...)."""

    def __init__(self, found: ModuleNames) -> None:
        if found.uses_type_parameters:
            raise NeedScopes("type parameters")
        self.found = found
        self.tree = found.tree
        self.imports: dict[str, list[tuple[ImportStatement, Scope, int]]] = {}
        for statement, scope, order in found.imports:
            if isinstance(statement.names, cst.ImportStar):
                continue
            for alias in statement.names:
                for name in import_bound_names(alias):
                    self.imports.setdefault(name, []).append((statement, scope, order))

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

    # -- helpers ------------------------------------------------------------------------------
    def _occurrence(self, node: cst.Name) -> Occurrence | None:
        for found in self.found.names.get(node.value, ()):
            if found.node is node:
                return found
        return None

    def _bindings(self, name: str, scope: Scope) -> list[ImportStatement | None]:
        """What assigns `name` in `scope`: import statements, and None for any other binding."""
        bindings: list[ImportStatement | None] = []
        for found in self.found.names.get(name, ()):
            if found.scope is not scope or found.mode == LOAD:
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
        if isinstance(scope, cst.ClassDef) or any(
            bound.startswith(name + ".") for bound in self.imports
        ):
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
