"""What each module's import statements name, read from its parsed imports: the import index.

Every import statement of a file (at module level or nested in a function, class, `if` or `try`)
with relative imports resolved to absolute module names. It is read from Python's own `ast`
(cheap: no libcst tree is built) or, for code this interpreter's grammar rejects, from the libcst
tree, so it is exact: the engine asks it which files a moved name can reach, and a file it leaves
out is a file whose references would silently keep the old name.
"""

from __future__ import annotations

import ast
from bisect import bisect_left
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

import libcst as cst

from djrefactor.analysis.nodes import dotted_name


def resolve_relative(
    module: str | None, is_package: bool, level: int, name: str | None
) -> str | None:
    """The absolute module a `from <level dots><name> import ...` in `module` refers to."""
    if level == 0:
        return name
    if module is None:
        return None
    package = module.split(".") if is_package else module.split(".")[:-1]
    if level - 1 >= len(package):  # above the top-level package: an ImportError in Python
        return None
    base = package[: len(package) - (level - 1)]
    parts = base + ([name] if name else [])
    return ".".join(parts) or None


@dataclass(frozen=True)
class ImportedName:
    """One name an import statement binds.

    `import a.b` -> module `a.b`, name None, local `a`; `import a.b as c` -> local `c`;
    `from a import b as c` -> module `a`, name `b`, local `c`; `from a import *` -> name `*`.
    `line` is the statement's first line; `top_level` is False inside a def, class or block."""

    module: str
    name: str | None
    local: str
    line: int
    top_level: bool

    @property
    def dotted(self) -> str:
        """The dotted name the import makes reachable (`a.b` for both `import a.b` and
        `from a import b`)."""
        return self.module if self.name in (None, "*") else f"{self.module}.{self.name}"


@dataclass(frozen=True)
class FileImports:
    """Every import of one file."""

    names: tuple[ImportedName, ...]

    def relation(self, dotted: str) -> tuple[bool, bool]:
        """(does an import name `dotted`, something inside it or a module it lives in;
        does one bind a module `dotted` lives in, so uses through that module must follow)."""
        bound, reached = self._bound, self._reached
        below = dotted + "."
        # `reached` is sorted: the names inside `dotted` follow it directly
        at = bisect_left(reached, dotted)
        inside = at < len(reached) and (reached[at] == dotted or reached[at].startswith(below))
        parts = dotted.split(".")
        above = any(".".join(parts[:end]) in bound for end in range(1, len(parts)))
        return inside or above, above

    @cached_property
    def _bound(self) -> frozenset[str]:
        return frozenset(imported.dotted for imported in self.names if imported.name != "*")

    @cached_property
    def _reached(self) -> list[str]:
        return sorted(self._bound | {imported.module for imported in self.names})

    def modules(self) -> frozenset[str]:
        return frozenset(imported.module for imported in self.names)


class ImportStatement(NamedTuple):
    """One import statement as `ast` reads it, in plain values (an `ast` node weighs several
    times more, and every file's are kept from loading on)."""

    module: str | None
    """`b` of `from ..b import c`; None for `from . import c` and for a plain `import`."""
    level: int
    """The dots of a relative `from` import; -1 for a plain `import`."""
    names: tuple[tuple[str, str | None], ...]
    """(name, asname) of each alias."""
    line: int
    top: bool
    """At the top level of the module."""


ImportStatements = tuple[ImportStatement, ...]
"""A file's import statements, in `ast.walk`'s order of statements."""


def file_imports(
    text: str,
    module: str | None,
    is_package: bool,
    tree: cst.Module | None = None,
    statements: ImportStatements | None = None,
) -> FileImports:
    """The imports of one Python file: from its `statements` when they were read already
    (`import_statements`), else from `ast`; `tree` is used when `ast` cannot parse the text
    (newer syntax than this interpreter's)."""
    if statements is None:
        try:
            parsed = ast.parse(text.removeprefix("\ufeff"))
        except SyntaxError:
            parsed = None
        if parsed is not None:
            statements = import_statements(parsed)
    if statements is not None:
        found = list(_from_statements(statements, module, is_package))
    else:
        found = list(_from_libcst(tree or cst.parse_module(text), module, is_package))
    return FileImports(tuple(found))


def import_statements(tree: ast.Module) -> ImportStatements:
    """The import statements of a parsed file (all a `FileImports` needs of its `ast`, so the
    parse that checked the file's syntax need not be repeated nor kept)."""
    top = {id(node) for node in tree.body}
    found: list[ImportStatement] = []
    for node in _statements(tree):
        if isinstance(node, ast.Import):
            module, level = None, -1
        elif isinstance(node, ast.ImportFrom):
            module, level = node.module, node.level
        else:
            continue
        names = tuple((alias.name, alias.asname) for alias in node.names)
        found.append(ImportStatement(module, level, names, node.lineno, id(node) in top))
    return tuple(found)


def _from_statements(
    statements: ImportStatements, module: str | None, is_package: bool
) -> Iterator[ImportedName]:
    for statement in statements:
        if statement.level < 0:
            for name, asname in statement.names:
                local = asname or name.split(".")[0]
                yield ImportedName(name, None, local, statement.line, statement.top)
            continue
        absolute = resolve_relative(module, is_package, statement.level, statement.module)
        if absolute is None:
            continue
        for name, asname in statement.names:
            yield ImportedName(absolute, name, asname or name, statement.line, statement.top)


_BLOCK_PARTS = (ast.stmt, ast.excepthandler, ast.match_case)


def _statements(tree: ast.Module) -> Iterator[ast.AST]:
    """The statements of `tree` (and the handlers and cases holding some), in `ast.walk`'s
    order: an import is a statement, so the expressions, most of the tree, are never entered."""
    todo: deque[ast.AST] = deque([tree])
    while todo:
        node = todo.popleft()
        yield node
        for name in node._fields:
            value = getattr(node, name, None)
            if type(value) is list and value and isinstance(value[0], _BLOCK_PARTS):
                todo.extend(value)


def _from_libcst(tree: cst.Module, module: str | None, is_package: bool) -> Iterator[ImportedName]:
    top = {id(statement.body[0]) for statement in _simple_lines(tree.body)}
    for node in _import_nodes(tree):
        line = 0  # positions would cost a metadata pass; the libcst path is rare
        if isinstance(node, cst.Import):
            for alias in node.names:
                name = dotted_name(alias.name) or ""
                local = _asname(alias) or name.split(".")[0]
                yield ImportedName(name, None, local, line, id(node) in top)
            continue
        relative = len(node.relative)
        base = dotted_name(node.module) if node.module else None
        absolute = resolve_relative(module, is_package, relative, base)
        if absolute is None:
            continue
        if isinstance(node.names, cst.ImportStar):
            yield ImportedName(absolute, "*", "*", line, id(node) in top)
            continue
        for alias in node.names:
            name = dotted_name(alias.name) or ""
            yield ImportedName(absolute, name, _asname(alias) or name, line, id(node) in top)


def _simple_lines(body: Iterable[cst.BaseStatement]) -> Iterator[cst.SimpleStatementLine]:
    for statement in body:
        if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
            yield statement


def _import_nodes(node: cst.CSTNode) -> Iterator[cst.Import | cst.ImportFrom]:
    if isinstance(node, cst.Import | cst.ImportFrom):
        yield node
        return
    if isinstance(node, cst.BaseExpression):
        return  # imports are statements: no need to walk expressions
    for child in node.children:
        yield from _import_nodes(child)


def _asname(alias: cst.ImportAlias) -> str | None:
    if alias.asname is None:
        return None
    return dotted_name(alias.asname.name)
