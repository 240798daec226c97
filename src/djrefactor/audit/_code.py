"""Reading one Python file the way the rules ask about it: what a dotted name resolves to through
the file's imports, its functions, its calls, and the line of a node (positions are computed only
for the files that have a finding).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from djrefactor.analysis.nodes import dotted_name
from djrefactor.analysis.tree import find_type
from djrefactor.project import Project


@dataclass(frozen=True)
class Function:
    """A module-level function or a method: `qualname` is `name` or `Class.name`."""

    qualname: str
    node: cst.FunctionDef
    cls: cst.ClassDef | None


class Source:
    """One Python file of the snapshot, for read-only questions."""

    def __init__(self, project: Project, path: str) -> None:
        self.path = path
        self.module = project.module_for(path)
        self.tree = project.tree(path)
        self.bound = _bound_names(project, path)
        self._positions: dict[cst.CSTNode, CodeRange] | None = None

    def line(self, node: cst.CSTNode) -> int:
        if self._positions is None:
            wrapper = MetadataWrapper(self.tree, unsafe_skip_copy=True)
            self._positions = dict(wrapper.resolve(PositionProvider))
        position = self._positions[node]
        return int(position.start.line)

    def origin(self, node: cst.BaseExpression) -> str | None:
        """The dotted name `node` refers to through the file's imports (`s.PaymentIntent` with
        `import stripe as s` -> `stripe.PaymentIntent`); None when no import binds its head."""
        dotted = dotted_name(node)
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        source = self.bound.get(head)
        if source is None:
            return None
        return f"{source}.{rest}" if rest else source

    def functions(self) -> Iterator[Function]:
        for statement in self.tree.body:
            if isinstance(statement, cst.FunctionDef):
                yield Function(statement.name.value, statement, None)
            elif isinstance(statement, cst.ClassDef):
                for inner in statement.body.body:
                    if isinstance(inner, cst.FunctionDef):
                        name = f"{statement.name.value}.{inner.name.value}"
                        yield Function(name, inner, statement)

    def classes(self) -> Iterator[cst.ClassDef]:
        for statement in self.tree.body:
            if isinstance(statement, cst.ClassDef):
                yield statement


def calls(node: cst.CSTNode) -> list[cst.Call]:
    return find_type(node, cst.Call)


def _bound_names(project: Project, path: str) -> dict[str, str]:
    """Local name -> the dotted name it stands for, from every import of the file."""
    bound: dict[str, str] = {}
    for imported in project.imports(path).names:
        if imported.name == "*":
            continue
        if imported.name is None and imported.local == imported.module.split(".")[0]:
            bound[imported.local] = imported.local  # `import a.b` binds `a`
        else:
            bound[imported.local] = imported.dotted
    return bound


def module_assignments(tree: cst.Module) -> Iterator[tuple[str, cst.BaseExpression, cst.CSTNode]]:
    """`NAME = value` (and `NAME: T = value`) statements at module level, with their line node."""
    for statement in tree.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Assign) and small.value is not None:
                for target in small.targets:
                    if isinstance(target.target, cst.Name):
                        yield target.target.value, small.value, statement
            elif (
                isinstance(small, cst.AnnAssign)
                and small.value is not None
                and isinstance(small.target, cst.Name)
            ):
                yield small.target.value, small.value, statement


def string_values(node: cst.CSTNode) -> list[str]:
    """Every string literal below `node`, evaluated."""
    found = []
    for string in find_type(node, cst.SimpleString):
        value = string.evaluated_value
        if isinstance(value, str):
            found.append(value)
    return found
