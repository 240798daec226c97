"""Which module-level names a rewritten views module still reads, for `extract-services`.

Why: after the rewrite the view must import the moved helpers it still calls and drop the
imports nothing reads any more. libcst's ScopeProvider answers that, but it builds every access
and assignment of the module again; here the rewrite's own walk records, per scope, the names
bound and read (function, lambda, class and comprehension bodies are scopes of their own), and
the reads are resolved the way Python does once the walk is done.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterator
from dataclasses import dataclass, field

import libcst as cst

BUILTINS = frozenset(dir(builtins))
Target = cst.BaseExpression | cst.BaseAssignTargetExpression


@dataclass
class _Scope:
    kind: str
    parent: _Scope | None
    bound: set[str] = field(default_factory=set)
    reads: set[str] = field(default_factory=set)
    declared_global: set[str] = field(default_factory=set)
    declared_nonlocal: set[str] = field(default_factory=set)


@dataclass
class NameUses:
    """Every scope met so far; `module` is the outermost."""

    module: _Scope = field(default_factory=lambda: _Scope("module", None))
    scopes: list[_Scope] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.scopes.append(self.module)

    def open(self, kind: str, parent: _Scope) -> _Scope:
        scope = _Scope(kind, parent)
        self.scopes.append(scope)
        return scope

    def global_reads(self) -> set[str]:
        """Names read somewhere that resolve to a module-level binding."""
        return {name for scope, name in self._reads() if self._resolve(scope, name) == "global"}

    def unresolved(self) -> frozenset[str]:
        """Names read somewhere that nothing binds, builtins aside."""
        return frozenset(
            name
            for scope, name in self._reads()
            if name not in BUILTINS and self._resolve(scope, name) is None
        )

    def _reads(self) -> Iterator[tuple[_Scope, str]]:
        for scope in self.scopes:
            for name in scope.reads:
                yield scope, name

    def _resolve(self, scope: _Scope, name: str) -> str | None:
        current: _Scope | None = scope
        while current is not None:
            if current.kind == "module" or name in current.declared_global:
                return "global" if name in self.module.bound else None
            own = current is scope or current.kind != "class"
            if own and (name in current.bound or name in current.declared_nonlocal):
                return "local"
            current = current.parent
        return None


class NameCollector(cst.CSTVisitor):
    """Records bindings and reads into `uses`, starting in `scope`, leaving out `skipped`.

    It needs only `on_visit` and `on_leave`, so a `TreeIndex` can replay it; names that are
    neither reads nor bindings (attributes, keywords, import paths) are remembered as ignored.
    `scopes` keeps the scope each block of `watched` sits in."""

    def __init__(
        self,
        uses: NameUses,
        scope: _Scope,
        skipped: frozenset[int] = frozenset(),
        watched: frozenset[int] = frozenset(),
    ) -> None:
        super().__init__()
        self.uses = uses
        self.scope = scope
        self.skipped = skipped
        self.watched = watched
        self.scopes: dict[int, _Scope] = {}
        self.ignored: set[int] = set()
        self.pending: dict[int, _Scope] = {}
        self.stack: list[tuple[int, _Scope]] = []
        self.annotations = 0

    def on_visit(self, node: cst.CSTNode) -> bool:
        if id(node) in self.skipped:
            return False
        if id(node) in self.watched:
            self.scopes[id(node)] = self.scope
        self._enter(node)  # a body: what it reads belongs to its own scope
        super().on_visit(node)
        self._enter(node)  # a comprehension: its scope opens once it is seen
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        if id(original_node) in self.skipped:
            return
        while self.stack and self.stack[-1][0] == id(original_node):
            self.scope = self.stack.pop()[1]
        super().on_leave(original_node)

    def _enter(self, node: cst.CSTNode) -> None:
        inner = self.pending.pop(id(node), None)
        if inner is not None:
            self.stack.append((id(node), self.scope))
            self.scope = inner

    def _bind(self, names: Iterator[cst.Name], scope: _Scope | None = None) -> None:
        scope = scope or self.scope
        for name in names:
            self.ignored.add(id(name))
            if name.value in scope.declared_global:
                self.uses.module.bound.add(name.value)
            else:
                scope.bound.add(name.value)

    def _ignore(self, node: cst.CSTNode | None) -> None:
        if isinstance(node, cst.Name):
            self.ignored.add(id(node))
        elif isinstance(node, cst.Attribute):
            self._ignore(node.value)
            self.ignored.add(id(node.attr))

    def visit_Name(self, node: cst.Name) -> None:
        if id(node) not in self.ignored:
            self.scope.reads.add(node.value)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.ignored.add(id(node.attr))

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self.ignored.add(id(node.keyword))

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            self._ignore(alias.name)
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self._bind(iter([alias.asname.name]))
            else:
                self.scope.bound.add(_first(alias.name))  # `import a.b` binds `a`

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self._ignore(node.module)
        if isinstance(node.names, cst.ImportStar):
            return
        for alias in node.names:
            self._ignore(alias.name)
            local = alias.asname.name if alias.asname is not None else alias.name
            if isinstance(local, cst.Name):
                self._bind(iter([local]))

    def visit_Global(self, node: cst.Global) -> None:
        for item in node.names:
            self.ignored.add(id(item.name))
            self.scope.declared_global.add(item.name.value)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        for item in node.names:
            self.ignored.add(id(item.name))
            self.scope.declared_nonlocal.add(item.name.value)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._bind(iter([node.name]))
        inner = self.uses.open("function", self.scope)
        self._bind(_parameter_names(node.params), inner)
        self.pending[id(node.body)] = inner

    def visit_Lambda(self, node: cst.Lambda) -> None:
        inner = self.uses.open("function", self.scope)
        self._bind(_parameter_names(node.params), inner)
        self.pending[id(node.body)] = inner

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._bind(iter([node.name]))
        self.pending[id(node.body)] = self.uses.open("class", self.scope)

    def visit_ListComp(self, node: cst.ListComp) -> None:
        self._open_comprehension(node)

    def visit_SetComp(self, node: cst.SetComp) -> None:
        self._open_comprehension(node)

    def visit_DictComp(self, node: cst.DictComp) -> None:
        self._open_comprehension(node)

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> None:
        self._open_comprehension(node)

    def _open_comprehension(self, node: cst.CSTNode) -> None:
        self.pending[id(node)] = self.uses.open("comprehension", self.scope)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._bind(_target_names(node.target))

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._bind(_target_names(target.target))

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._bind(_target_names(node.target))

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.target, cst.Name):
            self.scope.bound.add(node.target.value)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        scope: _Scope | None = self.scope
        while scope is not None and scope.kind == "comprehension":
            scope = scope.parent
        self._bind(_target_names(node.target), scope)

    def visit_For(self, node: cst.For) -> None:
        self._bind(_target_names(node.target))

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._bind(_target_names(node.asname.name))

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None:
            self._bind(_target_names(node.name.name))

    def visit_Annotation(self, node: cst.Annotation) -> None:
        self.annotations += 1

    def leave_Annotation(self, original_node: cst.Annotation) -> None:
        self.annotations -= 1

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        """A string annotation (`"Order"`) reads the names written in it."""
        value = node.evaluated_value
        if not self.annotations or not isinstance(value, str):
            return
        try:
            expression = cst.parse_expression(value)
        except cst.ParserSyntaxError:
            return
        expression.visit(NameCollector(self.uses, self.scope))


def _first(node: cst.BaseExpression) -> str:
    while isinstance(node, cst.Attribute):
        node = node.value
    return node.value if isinstance(node, cst.Name) else ""


def _parameter_names(params: cst.Parameters) -> Iterator[cst.Name]:
    for param in (*params.posonly_params, *params.params, *params.kwonly_params):
        yield param.name
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            yield star.name


def _target_names(node: Target) -> Iterator[cst.Name]:
    if isinstance(node, cst.Name):
        yield node
    elif isinstance(node, cst.Tuple | cst.List):
        for element in node.elements:
            yield from _target_names(element.value)
    elif isinstance(node, cst.StarredElement):
        yield from _target_names(node.value)
