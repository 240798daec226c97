"""Which module-level names a settings statement reads and binds.

Settings modules are flat lists of assignments, so a syntactic view is enough: names loaded
anywhere in a statement (attribute names and keyword names excluded) and names it binds at
module level (assignment targets, imports, defs).
"""

from __future__ import annotations

import libcst as cst

from djrefactor.analysis.tree import replay


class _Reads(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        replay(node.value, self)
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        replay(node.value, self)
        return False

    def visit_AssignTarget(self, node: cst.AssignTarget) -> bool:
        return not isinstance(node.target, cst.Name)

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        replay(node.body, self)
        for decorator in node.decorators:
            replay(decorator, self)
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        replay(node.body, self)
        return False


def names_read(node: cst.CSTNode) -> set[str]:
    """Names the node may load (over-approximated: locals of a def count too)."""
    visitor = _Reads()
    replay(node, visitor)  # read-only: no node is rebuilt
    return visitor.names


def _import_names(node: cst.Import | cst.ImportFrom) -> set[str]:
    if isinstance(node.names, cst.ImportStar):
        return set()
    bound = set()
    for alias in node.names:
        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
            bound.add(alias.asname.name.value)
        elif isinstance(node, cst.Import):
            bound.add((cst.helpers.get_full_name_for_node(alias.name) or "").split(".")[0])
        elif isinstance(alias.name, cst.Name):
            bound.add(alias.name.value)
    return bound


def _target_names(target: cst.BaseExpression) -> set[str]:
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, (cst.Tuple, cst.List)):
        names: set[str] = set()
        for element in target.elements:
            names |= _target_names(element.value)
        return names
    return set()


def _small_binds(node: cst.BaseSmallStatement) -> set[str]:
    if isinstance(node, cst.Assign):
        names: set[str] = set()
        for target in node.targets:
            names |= _target_names(target.target)
        return names
    if isinstance(node, (cst.AnnAssign, cst.AugAssign)):
        return _target_names(node.target)
    if isinstance(node, (cst.Import, cst.ImportFrom)):
        return _import_names(node)
    return set()


def names_bound(statement: cst.BaseStatement) -> set[str]:
    """Module-level names the statement binds (through nested if/try blocks too)."""
    if isinstance(statement, cst.SimpleStatementLine):
        names: set[str] = set()
        for small in statement.body:
            names |= _small_binds(small)
        return names
    if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
        return {statement.name.value}
    names = set()
    for child in _blocks(statement):
        for inner in child:
            names |= names_bound(inner)
    return names


def _blocks(node: cst.CSTNode) -> list[list[cst.BaseStatement]]:
    blocks: list[list[cst.BaseStatement]] = []
    for child in node.children:
        if isinstance(child, cst.IndentedBlock):
            blocks.append([s for s in child.body if isinstance(s, cst.BaseStatement)])
        elif isinstance(child, cst.SimpleStatementSuite):
            blocks.append([cst.SimpleStatementLine(body=child.body)])
        elif isinstance(child, cst.If | cst.Else | cst.ExceptHandler | cst.Finally):
            blocks += _blocks(child)
    return blocks
