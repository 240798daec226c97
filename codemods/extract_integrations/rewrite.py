"""Rewrite one caller module: wrapper calls for SDK calls, re-exported names, imports.

Not a codemod. Vendor imports whose every use moved are removed; the wrappers and re-exported
names are imported `from integrations.<module>` after the module's absolute imports.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

import libcst as cst

from .build import PACKAGE, Build
from .scan import FileScan, code

_AnyImport = cst.Import | cst.ImportFrom
_Import = TypeVar("_Import", cst.Import, cst.ImportFrom)


@dataclass(frozen=True)
class Imported:
    """A name this caller now imports from an integration module (`local` when aliased)."""

    module: str
    name: str
    local: str

    @property
    def alias(self) -> str:
        return self.name if self.local == self.name else f"{self.name} as {self.local}"


def imported_names(scan: FileScan, result: Build) -> list[Imported]:
    """What the caller imports, aliased where the plain name is already taken in the file."""
    taken = scan.bound_names - set(scan.removed_names)
    found: dict[tuple[str, str], Imported] = {}
    for site in scan.sites:
        name = result.names[site.operation.key]
        local = name if name not in taken else f"{site.operation.module}_{name}"
        found.setdefault(
            (site.operation.module, name), Imported(site.operation.module, name, local)
        )
    for reexport in scan.reexports:
        local = reexport.local
        if reexport.node is not None and local in taken:
            local = reexport.module.title().replace("_", "") + reexport.name
        key = (reexport.module, reexport.name)
        found.setdefault(key, Imported(reexport.module, reexport.name, local))
    return list(found.values())


def rewrite(
    tree: cst.Module,
    scan: FileScan,
    result: Build,
    names: Sequence[Imported],
    first_party: Callable[[str], bool],
) -> cst.Module:
    local = {(item.module, item.name): item.local for item in names}
    calls = {
        site.call: (
            local[(site.operation.module, result.names[site.operation.key])],
            site.prefix,
            site.keep_args,
        )
        for site in scan.sites
    }
    attributes = {
        reexport.node: local[(reexport.module, reexport.name)]
        for reexport in scan.reexports
        if reexport.node is not None
    }
    updated = tree.visit(_CallSites(calls, attributes, scan))
    return _add_imports(updated, names, first_party)


class _CallSites(cst.CSTTransformer):
    def __init__(
        self,
        calls: Mapping[cst.Call, tuple[str, tuple[cst.BaseExpression, ...], bool]],
        attributes: Mapping[cst.Attribute, str],
        scan: FileScan,
    ) -> None:
        super().__init__()
        self.calls = calls
        self.attributes = attributes
        self.scan = scan
        self.emptied_imports: set[cst.CSTNode] = set()
        # The emptied line nodes themselves, kept alive until their block drops them: an id()
        # would be reused by a node built later in the walk and drop an unrelated line.
        self.emptied_lines: set[cst.SimpleStatementLine] = set()

    def on_visit(self, node: cst.CSTNode) -> bool:
        # A subtree with nothing to rewrite is kept as it is (its own leave_* still runs).
        return node in self.scan.enclosing and super().on_visit(node)

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if original not in self.calls:
            return updated
        name, prefix, keep_args = self.calls[original]
        kept = list(updated.args) if keep_args else []
        comma: cst.Comma | cst.MaybeSentinel = cst.MaybeSentinel.DEFAULT
        if kept and isinstance(updated.whitespace_before_args, cst.ParenthesizedWhitespace):
            comma = cst.Comma(whitespace_after=updated.whitespace_before_args)
        args = [cst.Arg(value, comma=comma) for value in prefix] + kept
        return updated.with_changes(func=cst.Name(name), args=args)

    def leave_Attribute(
        self, original: cst.Attribute, updated: cst.Attribute
    ) -> cst.BaseExpression:
        name = self.attributes.get(original)
        return updated if name is None else cst.Name(name)

    def leave_Import(self, original: cst.Import, updated: cst.Import) -> cst.Import:
        return self._drop_aliases(original, updated)

    def leave_ImportFrom(self, original: cst.ImportFrom, updated: cst.ImportFrom) -> cst.ImportFrom:
        return self._drop_aliases(original, updated)

    def _drop_aliases(self, original: _AnyImport, updated: _Import) -> _Import:
        if isinstance(original.names, cst.ImportStar) or isinstance(updated.names, cst.ImportStar):
            return updated
        kept = [
            new
            for old, new in zip(original.names, updated.names, strict=True)
            if old not in self.scan.removed_aliases
        ]
        if len(kept) == len(updated.names):
            return updated
        if not kept:
            self.emptied_imports.add(original)
            return updated
        kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        if isinstance(updated, cst.ImportFrom) and len(kept) == 1:
            return updated.with_changes(names=kept, lpar=None, rpar=None)
        return updated.with_changes(names=kept)

    def leave_SimpleStatementLine(
        self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine:
        gone = self.scan.removed_statements | self.emptied_imports
        body = [
            new for old, new in zip(original.body, updated.body, strict=True) if old not in gone
        ]
        if not body:
            self.emptied_lines.add(updated)
            return updated
        if len(body) == len(updated.body):
            return updated
        body[-1] = body[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
        return updated.with_changes(body=body)

    def leave_IndentedBlock(
        self, original: cst.IndentedBlock, updated: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        body = self._without_emptied(updated.body)
        if not body:
            body = [cst.SimpleStatementLine(body=[cst.Pass()])]
        return updated.with_changes(body=body)

    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        return updated.with_changes(body=self._without_emptied(updated.body))

    def _without_emptied(self, statements: Sequence[cst.BaseStatement]) -> list[cst.BaseStatement]:
        """Drop emptied lines; one that opened a group hands its blank line to the next."""
        body: list[cst.BaseStatement] = []
        blank: cst.EmptyLine | None = None
        for statement in statements:
            leading = list(getattr(statement, "leading_lines", ()))
            starts_blank = bool(leading) and leading[0].comment is None
            if statement in self.emptied_lines:
                blank = blank or (leading[0] if starts_blank else None)
                continue
            if blank is not None and body and not starts_blank:
                statement = statement.with_changes(leading_lines=[blank, *leading])
            blank = None
            body.append(statement)
        return body


# -- imports -----------------------------------------------------------------------------------
def _add_imports(
    tree: cst.Module, names: Sequence[Imported], first_party: Callable[[str], bool]
) -> cst.Module:
    """`from integrations.x import ...` joins the first-party group, or opens its own."""
    if not names:
        return tree
    statements = _import_statements(names)
    body = list(tree.body)
    index, before_relative = _import_position(body)
    if index and not (not before_relative and _is_first_party(body[index - 1], first_party)):
        statements[0] = statements[0].with_changes(leading_lines=[cst.EmptyLine()])
    if before_relative:
        relative = body[index]
        assert isinstance(relative, cst.SimpleStatementLine)
        if not relative.leading_lines:
            body[index] = relative.with_changes(leading_lines=[cst.EmptyLine()])
    elif index < len(body) and index and not getattr(body[index], "leading_lines", ()):
        body[index] = body[index].with_changes(leading_lines=[cst.EmptyLine()])
    body[index:index] = statements
    return tree.with_changes(body=body)


def _is_first_party(statement: cst.BaseStatement, first_party: Callable[[str], bool]) -> bool:
    if not isinstance(statement, cst.SimpleStatementLine):
        return False
    small = statement.body[0]
    if isinstance(small, cst.ImportFrom) and small.module is not None and not small.relative:
        return first_party(code(small.module).split(".")[0])
    if isinstance(small, cst.Import):
        return first_party(code(small.names[0].name).split(".")[0])
    return False


def _import_statements(names: Sequence[Imported]) -> list[cst.SimpleStatementLine]:
    by_module: dict[str, list[Imported]] = {}
    for item in names:
        by_module.setdefault(item.module, []).append(item)
    statements = []
    for module in sorted(by_module):
        aliases = [item.alias for item in sorted(by_module[module], key=_name_order)]
        line = f"from {PACKAGE}.{module} import {', '.join(aliases)}"
        if len(line) > 100:
            inner = "".join(f"    {alias},\n" for alias in aliases)
            line = f"from {PACKAGE}.{module} import (\n{inner})"
        statement = cst.parse_statement(line + "\n")
        assert isinstance(statement, cst.SimpleStatementLine)
        statements.append(statement)
    return statements


def _name_order(item: Imported) -> tuple[int, str]:
    name = item.name
    return (0 if name.isupper() else 1 if name[:1].isupper() else 2, name)


def _import_position(body: Sequence[cst.BaseStatement]) -> tuple[int, bool]:
    """Where the new imports go: before the first relative import of the header, else after
    the header's last import (or after the docstring)."""
    position = 0
    for index, statement in enumerate(body):
        if not isinstance(statement, cst.SimpleStatementLine):
            break
        small = statement.body[0]
        if isinstance(small, cst.ImportFrom) and small.relative:
            return index, True
        if isinstance(small, (cst.Import, cst.ImportFrom)):
            position = index + 1
        elif (
            index == 0 and isinstance(small, cst.Expr) and isinstance(small.value, cst.SimpleString)
        ):
            position = 1
        else:
            break
    return position, False
