"""Module-level names of a views module for `extract-services`: what binds each one, and for an
import the absolute name it stands for. Read from the shared resolver's module-scope assignments,
so a name imported under a top-level `if` or `try` is known too (with the statement guarding it).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass

import libcst as cst

from djrefactor.analysis.imports import resolve_relative
from djrefactor.analysis.nodes import dotted_name
from djrefactor.analysis.scopes import Names
from djrefactor.analysis.tree import TreeIndex


@dataclass(frozen=True)
class Binding:
    """A module-level name: `statement` is the top-level statement that binds it; `origin` the
    absolute dotted name an import binds it to; `guarded` when the binding sits inside a
    top-level `if`/`try` rather than being the statement itself."""

    name: str
    statement: cst.BaseStatement
    origin: str | None
    guarded: bool

    @property
    def is_import(self) -> bool:
        return self.origin is not None


def module_bindings(
    tree: cst.Module, names: Names, index: TreeIndex, module: str | None, is_package: bool
) -> dict[str, Binding]:
    """Every module-level name of `tree`; a name bound twice keeps its last binding."""
    body = list(tree.body)
    starts = [_start(index, statement) for statement in body]
    found: dict[str, Binding] = {}
    for binding in names.assignments(tree):
        node = binding.node
        if node is None:
            continue
        position = index.span(node)
        if position is None:
            continue
        top = body[bisect_right(starts, position[0]) - 1]
        origin = None
        if isinstance(node, cst.Import | cst.ImportFrom):
            origin = import_origin(node, binding.name, module, is_package)
        found[binding.name] = Binding(binding.name, top, origin, _guarded(top, node))
    return found


def _start(index: TreeIndex, statement: cst.BaseStatement) -> int:
    span = index.span(statement)
    assert span is not None
    return span[0]


def _guarded(top: cst.BaseStatement, node: cst.CSTNode) -> bool:
    """Bound inside a compound statement that is not the definition itself."""
    return top is not node and not isinstance(top, cst.SimpleStatementLine)


def import_origin(
    node: cst.Import | cst.ImportFrom, local: str, module: str | None, is_package: bool
) -> str | None:
    """What `local` stands for after this import: `a.b` for `from a import b`, `a` for
    `import a.b` (it binds `a`), `a.b` for `import a.b as local`."""
    if isinstance(node, cst.Import):
        for alias in node.names:
            dotted = dotted_name(alias.name) or ""
            if _asname(alias) == local:
                return dotted
            if _asname(alias) is None and dotted.split(".")[0] == local:
                return local
        return None
    if isinstance(node.names, cst.ImportStar):
        return None
    base = dotted_name(node.module) if node.module else None
    source = resolve_relative(module, is_package, len(node.relative), base)
    for alias in node.names:
        if (_asname(alias) or dotted_name(alias.name)) == local:
            return f"{source}.{dotted_name(alias.name)}" if source else None
    return None


def _asname(alias: cst.ImportAlias) -> str | None:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return None


def import_sources(bindings: Mapping[str, Binding]) -> dict[str, str]:
    """Local name -> absolute origin, for the names imports bind."""
    return {name: b.origin for name, b in bindings.items() if b.origin is not None}
