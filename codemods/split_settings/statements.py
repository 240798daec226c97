"""Statement-level helpers shared by the split: docstrings, imports, the names they bind."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Sequence

import libcst as cst

from djrefactor.analysis import patterns as m

from .names import names_bound, names_read

FALLBACK_IMPORTS = {
    "os": "import os",
    "ImproperlyConfigured": "from django.core.exceptions import ImproperlyConfigured",
    "Csv": "from decouple import Csv",
    "config": "from decouple import config",
    "environ": "import environ",
}
"""Imports for names generated code uses that the old settings may never have imported."""


def body(tree: cst.Module) -> list[cst.BaseStatement]:
    statements: list[cst.BaseStatement] = list(tree.body)
    if statements and is_docstring(statements[0]):
        statements = statements[1:]
    return statements


def is_docstring(statement: cst.BaseStatement) -> bool:
    return m.matches(statement, m.SimpleStatementLine(body=[m.Expr(m.SimpleString())]))


def is_import(statement: cst.BaseStatement) -> bool:
    return m.matches(statement, m.SimpleStatementLine(body=[m.Import() | m.ImportFrom()]))


def leading(statement: cst.BaseStatement) -> Sequence[cst.EmptyLine]:
    lines: Sequence[cst.EmptyLine] = getattr(statement, "leading_lines", ())
    return lines


def alias_binding(node: cst.Import | cst.ImportFrom, alias: cst.ImportAlias) -> str:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    dotted = cst.helpers.get_full_name_for_node(alias.name) or ""
    return dotted.split(".")[0] if isinstance(node, cst.Import) else dotted


def imports(statements: Iterable[cst.BaseStatement]) -> dict[str, cst.SimpleStatementLine]:
    """Name -> a one-alias import statement binding it, from top-level imports."""
    found: dict[str, cst.SimpleStatementLine] = {}
    for statement in statements:
        if not is_import(statement):
            continue
        assert isinstance(statement, cst.SimpleStatementLine)
        node = statement.body[0]
        assert isinstance(node, cst.Import | cst.ImportFrom)
        if isinstance(node.names, cst.ImportStar):
            continue
        for alias in node.names:
            single = node.with_changes(names=[alias.with_changes(comma=cst.MaybeSentinel.DEFAULT)])
            if isinstance(single, cst.ImportFrom):
                single = single.with_changes(lpar=None, rpar=None)
            found[alias_binding(node, alias)] = cst.SimpleStatementLine(body=[single])
    return found


def reads(statements: Iterable[cst.BaseStatement]) -> set[str]:
    names: set[str] = set()
    for statement in statements:
        if not is_import(statement):
            names |= names_read(statement)
    return names


def bound(statements: Iterable[cst.BaseStatement]) -> set[str]:
    return set().union(*(names_bound(statement) for statement in statements))


class _OneLevelUp(cst.CSTTransformer):
    def leave_ImportFrom(self, original: cst.ImportFrom, updated: cst.ImportFrom) -> cst.ImportFrom:
        if not updated.relative:
            return updated
        return updated.with_changes(relative=[cst.Dot(), *updated.relative])


def one_level_up(statement: cst.BaseStatement) -> cst.BaseStatement:
    updated = statement.visit(_OneLevelUp())
    assert isinstance(updated, cst.BaseStatement)
    return updated


def code_of(tree: cst.Module, statements: Sequence[cst.BaseStatement]) -> str:
    """The statements' source in the original module's formatting (quotes, newlines)."""
    return tree.with_changes(header=[], body=statements, footer=[]).code if statements else ""


def _group(line: str) -> int:
    """isort's sections: standard library, third party, then the settings package."""
    if line.startswith("from ."):
        return 2
    module = line.split()[1].split(".")[0]
    return 0 if module in sys.stdlib_module_names else 1


def _by_type(name: str) -> tuple[int, str]:
    """isort's order_by_type: CONSTANTS, then Classes, then functions and variables."""
    kind = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
    return kind, name.lower()


def _merged(lines: Iterable[str]) -> list[str]:
    """`from a import x` and `from a import y` -> `from a import x, y` (isort's force merge)."""
    names: dict[str, list[str]] = {}
    kept: list[str] = []
    for line in lines:
        match = re.fullmatch(r"from (\S+) import ([\w, ]+)", line)
        if match is None or line.startswith("from ."):
            kept.append(line)
            continue
        names.setdefault(match.group(1), []).extend(n.strip() for n in match.group(2).split(","))
    for module, imported in names.items():
        unique = sorted(dict.fromkeys(imported), key=_by_type)
        kept.append(f"from {module} import {', '.join(unique)}")
    return kept


def sorted_imports(lines: Iterable[str]) -> str:
    """Import lines grouped and ordered the way isort's defaults put them."""
    unique = _merged(dict.fromkeys(line.rstrip("\n") for line in lines))
    groups: list[list[str]] = [[], [], []]
    for line in sorted(unique):
        groups[_group(line)].append(line)
    for group in groups[:2]:
        group.sort(key=lambda line: (line.startswith("from "), line.split()[1].lower()))
    return "\n\n".join("\n".join(group) for group in groups if group) + "\n"
