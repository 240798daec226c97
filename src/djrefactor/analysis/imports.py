"""What each module's import statements name, read from its parsed imports: the import index.

Every import statement of a file (at module level or nested in a function, class, `if` or `try`)
with relative imports resolved to absolute module names. It is read from Python's own `ast`
(cheap: no libcst tree is built) or, for code this interpreter's grammar rejects, from the libcst
tree, so it is exact: the engine asks it which files a moved name can reach, and a file it leaves
out is a file whose references would silently keep the old name. For a tree a step wrote, they are
read while its code is generated (`code_and_import_statements`): the same statements, no parse.
"""

from __future__ import annotations

import ast
from bisect import bisect_left
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

import libcst as cst

from djrefactor.analysis.nodes import NEWLINE, Codegen, dotted_name


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
    (`import_statements`), else from `ast`; from the libcst tree (`tree`, or a parse) when
    `ast` cannot parse the text (newer syntax than this interpreter's)."""
    if statements is None:
        try:
            statements = import_statements(ast.parse(text.removeprefix("\ufeff")))
        except SyntaxError:
            statements = code_and_import_statements(tree or cst.parse_module(text))[1]
    return FileImports(tuple(_from_statements(statements, module, is_package)))


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


def code_and_import_statements(tree: cst.Module) -> tuple[str, ImportStatements]:
    """`module_code(tree)`, and the `import_statements` of the `ast` its text parses to: for a
    tree a step wrote, whose text is generated anyway, its imports need no second parse. The
    import statements are found where the code generation meets them, which gives their lines;
    they are put in `ast.walk`'s order (level by level of nested blocks, in source order within
    a level)."""
    state = _ImportLines(default_indent=tree.default_indent, default_newline=tree.default_newline)
    tree._codegen(state)
    text = "".join(state.tokens)
    lines: dict[int, int] = {}
    line, offset, token = 1, 0, 0
    for key, at in state.starts:  # in the order the code met them
        end = offset + sum(len(t) for t in state.tokens[token:at])
        line += len(NEWLINE.findall(text, offset, end))
        offset, token = end, at
        lines[key] = line
    found: list[tuple[int, int, ImportStatement]] = []
    for order, (node, depth) in enumerate(_import_nodes_with_depth(tree)):
        if isinstance(node, cst.Import):
            module, level = None, -1
        else:
            module = dotted_name(node.module) if node.module is not None else None
            level = len(node.relative)
        names: tuple[tuple[str, str | None], ...] = (
            (("*", None),)
            if isinstance(node.names, cst.ImportStar)
            else tuple((dotted_name(a.name) or "", _asname(a)) for a in node.names)
        )
        statement = ImportStatement(module, level, names, lines[id(node)], depth == 1)
        found.append((depth, order, statement))
    found.sort(key=lambda item: item[:2])
    return text, tuple(statement for _, _, statement in found)


class _ImportLines(Codegen):
    """Code generation that notes where each import statement starts in its tokens."""

    __slots__ = ("starts",)

    def __init__(self, default_indent: str, default_newline: str) -> None:
        super().__init__(default_indent=default_indent, default_newline=default_newline)
        self.starts: list[tuple[int, int]] = []

    def before_codegen(self, node: cst.CSTNode) -> None:
        kind = type(node)
        if kind is cst.Import or kind is cst.ImportFrom:
            self.starts.append((id(node), len(self.tokens)))


def _import_nodes_with_depth(
    tree: cst.Module,
) -> Iterator[tuple[cst.Import | cst.ImportFrom, int]]:
    """Every import statement of `tree` in source order, with its level as `ast` nests blocks:
    1 at the top, one more inside each statement's block, two inside an `except` or `case`
    (their handler is a level of its own); `else:` and `finally:` are no level (in `ast` they
    are lists of their statement), an `elif` is an `if` inside the `else` list."""
    stack: list[tuple[cst.CSTNode, int]] = [(statement, 1) for statement in reversed(tree.body)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, cst.SimpleStatementLine | cst.SimpleStatementSuite):
            for small in node.body:
                if isinstance(small, cst.Import | cst.ImportFrom):
                    yield small, depth
            continue
        for child, inner in reversed(list(_blocks(node, depth))):
            stack.append((child, inner))


def _blocks(node: cst.CSTNode, depth: int) -> Iterator[tuple[cst.CSTNode, int]]:
    """The statements (and handlers) directly inside a compound statement, with their level."""
    for name in ("body", "handlers", "cases", "orelse", "finalbody"):
        value = getattr(node, name, None)
        if value is None:
            continue
        if name in ("handlers", "cases"):
            for handler in value:
                yield from ((s, depth + 2) for s in _suite(handler.body))
        elif isinstance(value, cst.If):  # elif
            yield value, depth + 1
        elif isinstance(value, cst.Else | cst.Finally):
            yield from ((s, depth + 1) for s in _suite(value.body))
        elif isinstance(value, cst.BaseSuite):
            yield from ((s, depth + 1) for s in _suite(value))


def _suite(suite: cst.BaseSuite) -> Sequence[cst.CSTNode]:
    if isinstance(suite, cst.IndentedBlock):
        return suite.body
    assert isinstance(suite, cst.SimpleStatementSuite)
    return [suite]


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


def _asname(alias: cst.ImportAlias) -> str | None:
    if alias.asname is None:
        return None
    return dotted_name(alias.asname.name)
