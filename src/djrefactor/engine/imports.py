"""The one import editor: add the imports a file needs where isort would put them, and remove
the imports a change left unused.

Why: codemods ask (`Changes.imports`) and the engine edits, the way LibCST's codemods schedule
`AddImportsVisitor.add_needed_import` and `RemoveImportsVisitor.remove_unused_import` and its
framework performs them, so generated imports are in the project's isort order and a lint-clean
project gets no new unused imports. Both functions are pure, keep every untouched byte (existing
import lines are extended, never reordered or reformatted) and are idempotent.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import libcst as cst

from djrefactor.analysis.imports import resolve_relative
from djrefactor.analysis.nodes import code, dotted_expr, dotted_name
from djrefactor.analysis.tree import PUNCTUATION, children, per_tree
from djrefactor.engine.import_style import ImportStyle, Section
from djrefactor.model import ImportRequest

Statement = cst.SimpleStatementLine | cst.BaseCompoundStatement
AnyImport = cst.Import | cst.ImportFrom
_ImportT = TypeVar("_ImportT", cst.Import, cst.ImportFrom)
_SmallT = TypeVar("_SmallT", cst.SimpleStatementLine, cst.SimpleStatementSuite)
_BLANK = cst.EmptyLine()


# -- what is asked for --------------------------------------------------------------------------
@dataclass(frozen=True)
class _Wanted:
    """A request, parsed: `from <level dots><module> import name [as alias]` or `import module`."""

    level: int
    module: str | None
    name: str | None
    alias: str | None

    @property
    def local(self) -> str:
        if self.alias:
            return self.alias
        if self.name:
            return self.name
        return (self.module or "").split(".")[0]

    def key(self, absolute: str | None) -> tuple[str | None, ...]:
        """What the import binds, by meaning: equal keys are equivalent imports."""
        if self.name is None:
            return ("import", self.module, self.alias)
        return ("from", absolute, self.name, self.alias)

    def value(self, absolute: str | None) -> tuple[str | None, ...]:
        """What the local name refers to (`import a.b` and `import a` both bind module `a`)."""
        if self.name is None:
            return ("module", self.module if self.alias else self.local)
        return ("from", absolute, self.name)


def _wanted(request: ImportRequest) -> _Wanted:
    dots = len(request.module) - len(request.module.lstrip("."))
    module = request.module[dots:] or None
    parts = module.split(".") if module else []
    names = [*parts, *(item for item in (request.name, request.alias) if item is not None)]
    valid = all(part.isidentifier() and not keyword.iskeyword(part) for part in names)
    if not valid or (request.name is None and (dots or module is None)):
        raise ValueError(f"invalid import request {request}")
    default = request.name if request.name is not None else module
    alias = None if request.alias == default else request.alias
    return _Wanted(dots, module, request.name, alias)


def _wanted_of(node: AnyImport) -> Iterator[tuple[cst.ImportAlias, _Wanted]]:
    """Each alias of an existing import, as the request that would have written it."""
    if isinstance(node.names, cst.ImportStar):
        return
    if isinstance(node, cst.Import):
        for alias in node.names:
            module = dotted_name(alias.name)
            if module is not None:
                yield alias, _Wanted(0, module, None, _alias_name(alias, module))
        return
    module = dotted_name(node.module) if node.module is not None else None
    for alias in node.names:
        name = dotted_name(alias.name)
        if name is not None:
            yield alias, _Wanted(len(node.relative), module, name, _alias_name(alias, name))


def _alias_name(alias: cst.ImportAlias, default: str) -> str | None:
    if alias.asname is None or not isinstance(alias.asname.name, cst.Name):
        return None
    value = alias.asname.name.value
    return None if value == default else value


# -- adding -------------------------------------------------------------------------------------
def add_imports(
    tree: cst.Module,
    requests: Iterable[ImportRequest],
    style: ImportStyle,
    module_name: str | None,
    is_package: bool,
) -> cst.Module:
    """`tree` with every request it does not satisfy yet added where isort would put it.

    A request is satisfied by an existing module-level import of the same thing (a relative
    spelling of the same module counts). A request states what its local name must mean: a
    module-level import binding that name to something else is replaced. A request that clashes
    with a module-level definition or assignment is a codemod bug (ValueError).
    """
    wanted = list(dict.fromkeys(_wanted(request) for request in requests))
    if not wanted:
        return tree
    resolve = _Resolver(module_name, is_package)
    missing, replaced = _missing(tree, wanted, resolve)
    if not missing:
        return tree
    edited = tree
    if replaced:
        ancestors = {id(tree)} | _statement_ids(tree, replaced)
        edited = _remove_aliases(tree, replaced, ancestors, style)
    editor = _BlockEditor(edited, style)
    for statement in _statements(missing, style):
        editor.add(statement)
    newline = tree.has_trailing_newline or not tree.body  # an empty file gets a last newline
    return editor.result().with_changes(has_trailing_newline=newline)


@dataclass(frozen=True)
class _Resolver:
    module_name: str | None
    is_package: bool

    def absolute(self, wanted: _Wanted) -> str | None:
        if not wanted.level:
            return wanted.module
        resolved = resolve_relative(self.module_name, self.is_package, wanted.level, wanted.module)
        return resolved if resolved is not None else "." * wanted.level + (wanted.module or "")


def _missing(
    tree: cst.Module, wanted: Sequence[_Wanted], resolve: _Resolver
) -> tuple[list[_Wanted], set[int]]:
    """The requests not satisfied yet, and the existing aliases they replace (by id)."""
    have: set[tuple[str | None, ...]] = set()
    bound: dict[str, list[tuple[cst.ImportAlias, tuple[str | None, ...]]]] = {}
    for node in _module_imports(tree):
        for alias, existing in _wanted_of(node):
            absolute = resolve.absolute(existing)
            have.add(existing.key(absolute))
            bound.setdefault(existing.local, []).append((alias, existing.value(absolute)))
    defined = _module_definitions(tree)
    asked: dict[str, tuple[str | None, ...]] = {}
    missing: list[_Wanted] = []
    replaced: set[int] = set()
    for item in wanted:
        absolute = resolve.absolute(item)
        value = item.value(absolute)
        if asked.setdefault(item.local, value) != value:
            raise ValueError(f"conflicting import requests for the name {item.local!r}")
        if item.key(absolute) in have:
            continue
        if item.local in defined:
            raise ValueError(f"cannot import {item.local!r}: the module defines that name")
        replaced |= {id(alias) for alias, other in bound.get(item.local, ()) if other != value}
        have.add(item.key(absolute))
        missing.append(item)
    return missing, replaced


def _module_imports(tree: cst.Module) -> Iterator[AnyImport]:
    for statement in tree.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Import | cst.ImportFrom):
                    yield small


def _module_definitions(tree: cst.Module) -> set[str]:
    """Names bound at module level by a def, a class or a plain assignment."""
    names: set[str] = set()
    for statement in tree.body:
        if isinstance(statement, cst.FunctionDef | cst.ClassDef):
            names.add(statement.name.value)
        elif isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                targets: list[cst.BaseExpression] = []
                if isinstance(small, cst.Assign):
                    targets = [target.target for target in small.targets]
                elif isinstance(small, cst.AnnAssign) and small.value is not None:
                    targets = [small.target]
                names |= {target.value for target in targets if isinstance(target, cst.Name)}
    return names


def _statement_ids(tree: cst.Module, aliases: set[int]) -> set[int]:
    """The module-level lines and import nodes holding `aliases` (the path down to them)."""
    found: set[int] = set()
    for statement in tree.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if not isinstance(small, cst.Import | cst.ImportFrom):
                continue
            if any(id(alias) in aliases for alias, _ in _wanted_of(small)):
                found |= {id(statement), id(small)}
    return found


@dataclass(frozen=True)
class _NewStatement:
    """One import statement to write: `import module [as alias]` or `from ... import names`."""

    level: int
    module: str | None
    names: tuple[tuple[str, str | None], ...] | None  # None: `import module [as alias]`
    alias: str | None = None


def _statements(missing: Sequence[_Wanted], style: ImportStyle) -> list[_NewStatement]:
    """The requests grouped into statements the way isort groups them."""
    statements: list[_NewStatement] = []
    grouped: dict[tuple[int, str | None], list[tuple[str, str | None]]] = {}
    for item in missing:
        if item.name is None:
            statements.append(_NewStatement(0, item.module, None, item.alias))
            continue
        name = (item.name, item.alias)
        if style.force_single_line or (item.alias and not style.combine_as_imports):
            statements.append(_NewStatement(item.level, item.module, (name,)))
            continue
        grouped.setdefault((item.level, item.module), []).append(name)
    for (level, module), names in grouped.items():
        statements.append(_NewStatement(level, module, tuple(names)))
    return sorted(statements, key=lambda statement: _new_key(statement, style))


def _new_key(statement: _NewStatement, style: ImportStyle) -> tuple[object, ...]:
    names = sorted(statement.names or (), key=lambda name: _member_key(name[0], name[1], style))
    first = names[0] if names else None
    return _statement_key(statement.level, statement.module, first, statement.alias, style)


# -- isort's order ------------------------------------------------------------------------------
def _natural(text: str) -> tuple[str | int, ...]:
    """`mod2` before `mod10`, as isort's and ruff's natural order has it."""
    return tuple(
        int(part) if index % 2 else part for index, part in enumerate(re.split(r"(\d+)", text))
    )


def _member_key(name: str, alias: str | None, style: ImportStyle) -> tuple[object, ...]:
    """Names in a `from` import: CONSTANTS, Classes, then the rest (`order_by_type`)."""
    kind: tuple[int, ...] = ()
    if style.order_by_type:
        if len(name) > 1 and name.isupper():
            kind = (0,)
        elif name[:1].isupper():
            kind = (1,)
        else:
            kind = (2,)
    folded = () if style.case_sensitive else (_natural(name.lower()),)
    return (name != "*", *kind, *folded, _natural(name), _optional(alias))


def _optional(text: str | None) -> tuple[object, ...]:
    return () if text is None else (_natural(text),)


def _statement_key(
    level: int,
    module: str | None,
    first: tuple[str, str | None] | None,
    alias: str | None,
    style: ImportStyle,
) -> tuple[object, ...]:
    """isort's (and ruff's) order of statements within a section."""
    kind = () if style.force_sort_within_sections else (first is not None,)
    name = module or ""
    folded = () if style.case_sensitive else (_natural(name.lower()),)
    member = () if first is None else (_member_key(*first, style),)
    return (*kind, -level, *folded, _natural(name), member, _optional(alias))


def _line_import(line: cst.SimpleStatementLine) -> AnyImport:
    first = line.body[0]
    assert isinstance(first, cst.Import | cst.ImportFrom)
    return first


def _existing_key(line: cst.SimpleStatementLine, style: ImportStyle) -> tuple[object, ...]:
    node = _line_import(line)
    items = list(_wanted_of(node))
    if isinstance(node, cst.Import):
        wanted = items[0][1] if items else _Wanted(0, "", None, None)
        return _statement_key(0, wanted.module, None, wanted.alias, style)
    module = dotted_name(node.module) if node.module is not None else None
    first = (items[0][1].name or "", items[0][1].alias) if items else ("*", None)
    return _statement_key(len(node.relative), module, first, None, style)


def _section_of(line: cst.SimpleStatementLine, style: ImportStyle) -> Section:
    node = _line_import(line)
    if isinstance(node, cst.Import):
        return style.section(dotted_name(node.names[0].name) or "")
    module = dotted_name(node.module) if node.module is not None else None
    return style.section(module or "", len(node.relative))


# -- placing into the module's first import block -----------------------------------------------
class _BlockEditor:
    """The module's first import block (after the docstring), extended one statement at a time."""

    def __init__(self, tree: cst.Module, style: ImportStyle) -> None:
        self.tree = tree
        self.style = style
        body = list(tree.body)
        self.start = 1 if body and _is_docstring(body[0]) else 0
        end = self.start
        while end < len(body) and _is_import_line(body[end]):
            end += 1
        self.before: list[Statement] = body[: self.start]
        self.block: list[cst.SimpleStatementLine] = [
            line for line in body[self.start : end] if isinstance(line, cst.SimpleStatementLine)
        ]
        self.after: list[Statement] = body[end:]
        self.created = not self.block

    def add(self, statement: _NewStatement) -> None:
        if statement.names is not None and not self.style.force_single_line:
            index = self._mergeable(statement)
            if index is not None:
                self.block[index] = self._merge(self.block[index], statement)
                return
        self._insert(_render(statement, self.style, self.tree))

    def result(self) -> cst.Module:
        after = self.after
        if self.created and after:
            after = [_spaced(after[0], self._lines_after(after[0])), *after[1:]]
        return self.tree.with_changes(body=[*self.before, *self.block, *after])

    def _lines_after(self, statement: Statement) -> int:
        if self.style.lines_after_imports >= 0:
            return self.style.lines_after_imports
        return 2 if isinstance(statement, cst.FunctionDef | cst.ClassDef) else 1

    # -- merging into an existing `from M import ...`
    def _mergeable(self, statement: _NewStatement) -> int | None:
        aliased = any(alias for _, alias in statement.names or ())
        for index, line in enumerate(self.block):
            node = _line_import(line)
            if len(line.body) != 1 or not isinstance(node, cst.ImportFrom):
                continue
            if isinstance(node.names, cst.ImportStar) or len(node.relative) != statement.level:
                continue
            module = dotted_name(node.module) if node.module is not None else None
            if module != statement.module:
                continue
            has_alias = any(alias.asname is not None for alias in node.names)
            if self.style.combine_as_imports or not (aliased or has_alias):
                return index
        return None

    def _merge(
        self, line: cst.SimpleStatementLine, statement: _NewStatement
    ) -> cst.SimpleStatementLine:
        node = _line_import(line)
        assert isinstance(node, cst.ImportFrom) and not isinstance(node.names, cst.ImportStar)
        for name, alias in statement.names or ():
            key = _member_key(name, alias, self.style)
            names = node.names
            assert not isinstance(names, cst.ImportStar)
            index = next(
                (i for i, old in enumerate(names) if _alias_key(old, self.style) > key),
                len(names),
            )
            node = _insert_alias(node, index, _import_alias(name, alias))
        merged = line.with_changes(body=[node])
        if _is_vertical(node) or _width(merged, self.tree) <= self.style.line_length:
            return merged
        return _wrapped(merged, self.tree)

    # -- a new statement
    def _insert(self, line: cst.SimpleStatementLine) -> None:
        section = _section_of(line, self.style)
        key = _existing_key(line, self.style)
        same = [i for i, old in enumerate(self.block) if _section_of(old, self.style) == section]
        for index in same:
            if _existing_key(self.block[index], self.style) > key:
                self._insert_before(index, line)
                return
        if same:
            self.block.insert(same[-1] + 1, line)
            return
        later = [i for i, old in enumerate(self.block) if _section_of(old, self.style) > section]
        if later:
            self._insert_before(later[0], line)
        elif self.block:
            self.block.append(line.with_changes(leading_lines=[_BLANK]))
        else:
            leading = [_BLANK] if self.before else []
            self.block.append(line.with_changes(leading_lines=leading))

    def _insert_before(self, index: int, line: cst.SimpleStatementLine) -> None:
        """`line` goes above `block[index]`. When it opens its section it takes the blank lines
        that separate `block[index]` from what precedes, and the comments right above
        `block[index]` stay with it."""
        old = self.block[index]
        section = _section_of(line, self.style)
        previous = self.block[index - 1] if index else None
        if previous is not None and _section_of(previous, self.style) == section:
            self.block.insert(index, line)
            return
        lines = list(old.leading_lines)
        cut = max((i + 1 for i, empty in enumerate(lines) if empty.comment is None), default=0)
        attached = lines[cut:]
        new_section = _section_of(old, self.style) != section
        if new_section or (attached and self.style.newline_before_comments):
            attached = [_BLANK, *attached]
        self.block[index] = old.with_changes(leading_lines=attached)
        self.block.insert(index, line.with_changes(leading_lines=lines[:cut]))


def _is_docstring(statement: Statement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, cst.SimpleString | cst.ConcatenatedString)
    )


def _is_import_line(statement: Statement) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(small, cst.Import | cst.ImportFrom) for small in statement.body
    )


def _spaced(statement: Statement, blanks: int) -> Statement:
    """`statement` with exactly `blanks` blank lines above its own comments."""
    lines = list(statement.leading_lines)
    return statement.with_changes(leading_lines=[_BLANK] * blanks + lines[_blank_prefix(lines) :])


def _alias_key(alias: cst.ImportAlias, style: ImportStyle) -> tuple[object, ...]:
    name = dotted_name(alias.name) or ""
    return _member_key(name, _alias_name(alias, name), style)


def _import_alias(name: str, alias: str | None) -> cst.ImportAlias:
    asname = cst.AsName(name=cst.Name(alias)) if alias else None
    return cst.ImportAlias(name=dotted_expr(name), asname=asname)


# -- writing statements -------------------------------------------------------------------------
def _render(
    statement: _NewStatement, style: ImportStyle, tree: cst.Module
) -> cst.SimpleStatementLine:
    if statement.names is None:
        alias = _import_alias(statement.module or "", statement.alias)
        return cst.SimpleStatementLine(body=[cst.Import(names=[alias])])
    names = sorted(statement.names, key=lambda name: _member_key(name[0], name[1], style))
    node = cst.ImportFrom(
        module=dotted_expr(statement.module) if statement.module else None,
        names=[_import_alias(name, alias) for name, alias in names],
        relative=[cst.Dot()] * statement.level,
    )
    line = cst.SimpleStatementLine(body=[node])
    return line if _width(line, tree) <= style.line_length else _wrapped(line, tree)


def _width(line: cst.SimpleStatementLine, tree: cst.Module) -> int:
    text = tree.code_for_node(line.with_changes(leading_lines=()))
    return max(len(part) for part in text.splitlines() or [""])


def _wrapped(line: cst.SimpleStatementLine, tree: cst.Module) -> cst.SimpleStatementLine:
    """isort's vertical hanging indent with a trailing comma (black's and ruff's), the line's
    comment moved after the opening parenthesis as ruff puts it."""
    node = _line_import(line)
    assert isinstance(node, cst.ImportFrom) and not isinstance(node.names, cst.ImportStar)
    indented = _newline(tree.default_indent)
    names = [alias.with_changes(comma=cst.Comma(whitespace_after=indented)) for alias in node.names]
    names[-1] = names[-1].with_changes(comma=cst.Comma(whitespace_after=_newline("")))
    comment = line.trailing_whitespace.comment
    first_line = (
        cst.TrailingWhitespace(whitespace=cst.SimpleWhitespace("  "), comment=comment)
        if comment is not None
        else cst.TrailingWhitespace()
    )
    lpar = cst.LeftParen(whitespace_after=indented.with_changes(first_line=first_line))
    wrapped = node.with_changes(names=names, lpar=lpar, rpar=cst.RightParen())
    return line.with_changes(body=[wrapped], trailing_whitespace=cst.TrailingWhitespace())


def _newline(indent: str) -> cst.ParenthesizedWhitespace:
    return cst.ParenthesizedWhitespace(indent=True, last_line=cst.SimpleWhitespace(indent))


def _is_vertical(node: cst.ImportFrom) -> bool:
    """A parenthesised import whose names start on the line after the parenthesis."""
    return node.lpar is not None and isinstance(
        node.lpar.whitespace_after, cst.ParenthesizedWhitespace
    )


def _insert_alias(node: cst.ImportFrom, index: int, alias: cst.ImportAlias) -> cst.ImportFrom:
    """`alias` inserted at `index`, in the layout of its neighbours."""
    names = list(node.names) if not isinstance(node.names, cst.ImportStar) else []
    if not _is_vertical(node):
        return node.with_changes(names=_insert_inline(names, index, alias))
    assert node.lpar is not None and node.rpar is not None
    if index < len(names):
        gap = node.lpar.whitespace_after if index == 0 else _comma_after(names[index - 1])
        above, below = _split_gap(gap)
        names.insert(index, alias.with_changes(comma=cst.Comma(whitespace_after=below)))
        if index == 0:
            return node.with_changes(
                lpar=node.lpar.with_changes(whitespace_after=above), names=names
            )
        names[index - 1] = _with_comma_after(names[index - 1], above)
        return node.with_changes(names=names)
    return _append_vertical(node, names, alias)


def _append_vertical(
    node: cst.ImportFrom, names: list[cst.ImportAlias], alias: cst.ImportAlias
) -> cst.ImportFrom:
    """`alias` as the last line of a parenthesised import, with or without trailing comma as
    the import had it; the last name keeps its comment."""
    assert node.lpar is not None and node.rpar is not None
    last = names[-1]
    separator_like = node.lpar.whitespace_after
    closing = last.comma.whitespace_after if isinstance(last.comma, cst.Comma) else None
    if closing is None:  # no trailing comma: the line break before `)` is the parenthesis'
        closing = node.rpar.whitespace_before
        node = node.with_changes(rpar=node.rpar.with_changes(whitespace_before=_clean(closing)))
        new = alias
    else:
        new = alias.with_changes(comma=cst.Comma(whitespace_after=_clean(closing)))
    names[-1] = _with_comma_after(last, _reindent(closing, separator_like))
    return node.with_changes(names=[*names, new])


def _insert_inline(
    names: list[cst.ImportAlias], index: int, alias: cst.ImportAlias
) -> list[cst.ImportAlias]:
    space = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    if index < len(names):
        return [*names[:index], alias.with_changes(comma=space), *names[index:]]
    last = names[-1]
    return [*names[:-1], last.with_changes(comma=space), alias.with_changes(comma=last.comma)]


def _comma_after(alias: cst.ImportAlias) -> cst.BaseParenthesizableWhitespace:
    """The whitespace after a name that is followed by another; a generated alias whose comma
    is left to libcst's default is written `, `."""
    if isinstance(alias.comma, cst.Comma):
        return alias.comma.whitespace_after
    return cst.SimpleWhitespace(" ")


def _with_comma_after(
    alias: cst.ImportAlias, whitespace: cst.BaseParenthesizableWhitespace
) -> cst.ImportAlias:
    comma = alias.comma if isinstance(alias.comma, cst.Comma) else cst.Comma()
    return alias.with_changes(comma=comma.with_changes(whitespace_after=whitespace))


def _split_gap(
    gap: cst.BaseParenthesizableWhitespace,
) -> tuple[cst.BaseParenthesizableWhitespace, cst.BaseParenthesizableWhitespace]:
    """The whitespace between two names split for a name between them: the comment of the
    line above stays above, own-line comments stay right above the name that follows."""
    if not isinstance(gap, cst.ParenthesizedWhitespace):
        return gap, gap
    return gap.with_changes(empty_lines=()), _clean(gap).with_changes(empty_lines=gap.empty_lines)


def _clean(whitespace: cst.BaseParenthesizableWhitespace) -> cst.BaseParenthesizableWhitespace:
    """The same line break and indentation, without comments."""
    if not isinstance(whitespace, cst.ParenthesizedWhitespace):
        return whitespace
    return whitespace.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=())


def _reindent(
    whitespace: cst.BaseParenthesizableWhitespace, like: cst.BaseParenthesizableWhitespace
) -> cst.BaseParenthesizableWhitespace:
    """`whitespace` (with its comments) ending in the indentation of `like`."""
    if not isinstance(whitespace, cst.ParenthesizedWhitespace) or not isinstance(
        like, cst.ParenthesizedWhitespace
    ):
        return like
    return whitespace.with_changes(indent=like.indent, last_line=like.last_line)


# -- removing -----------------------------------------------------------------------------------
def remove_unused_imports(
    before: cst.Module | None,
    after: cst.Module,
    style: ImportStyle,
    *,
    is_package: bool = False,
    is_settings: bool = False,
) -> cst.Module:
    """`after` without the imports it no longer reads: aliases whose name `before` read and
    nothing in `after` reads (anywhere: a function-local import counts the same). With `before`
    None (a generated file) every unused import goes, except in a package's `__init__.py`
    (`is_package`), whose imports are re-exports.

    Kept always: `from __future__`, star imports, imports carrying `# noqa`, UPPERCASE names a
    settings module imports (`is_settings`: Django reads them as settings), and names read in
    any way (attribute chains, `__all__`, string annotations, type comments). A statement whose
    last alias goes is removed, its comments moving to the next statement; a block left empty
    gets `pass`.
    """
    if before is after:
        return after
    scan = _scan(after)
    unread = {
        id(alias): (wanted.local, path)
        for node, path in scan.imports
        for alias, wanted in _wanted_of(node)
        if wanted.local not in scan.reads
        and not (is_settings and wanted.local.isupper() and _binds_global(path))
    }
    if not unread:
        return after
    read_before = _scan(before).reads if before is not None else frozenset[str]()
    generated = before is None and not is_package
    drop = {alias for alias, (local, _) in unread.items() if generated or local in read_before}
    if not drop:
        return after
    ancestors = {id(node) for alias in drop for node in unread[alias][1]}
    return _remove_aliases(after, drop, ancestors, style)


def _binds_global(path: Sequence[cst.CSTNode]) -> bool:
    return not any(isinstance(node, cst.FunctionDef | cst.ClassDef) for node in path)


@dataclass
class _Scan:
    reads: set[str]
    imports: list[tuple[AnyImport, tuple[cst.CSTNode, ...]]]


_STRING_FUNCTIONS = frozenset({"cast", "TypeVar", "NewType", "ForwardRef"})
_TYPE_COMMENT = re.compile(r"#\s*type:")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@per_tree()
def _scan(tree: cst.Module) -> _Scan:
    """Every name `tree` reads, and its removable imports with the nodes above each.

    A plain walk over the node fields: libcst's visitors rebuild every node they pass. The
    common nodes are told apart by their exact class (libcst's leaf classes have no subclasses;
    an `isinstance` against them costs an abstract-base-class check per node)."""
    scan = _Scan(set(), [])
    reads = scan.reads
    path: list[cst.CSTNode] = []
    stack: list[tuple[cst.CSTNode, bool, int]] = [(tree, False, 0)]
    while stack:
        node, strings, depth = stack.pop()
        del path[depth:]
        kind = type(node)
        if kind is cst.Import or kind is cst.ImportFrom:
            assert isinstance(node, cst.Import | cst.ImportFrom)
            if not _protected(node, path[-1] if path else None):
                scan.imports.append((node, (*path, node)))
            continue
        path.append(node)
        depth += 1
        if kind is cst.Name:
            reads.add(node.value)  # type: ignore[attr-defined]  # a Name
        elif kind is cst.SimpleString or kind is cst.FormattedStringText:
            if strings:
                reads.update(_IDENTIFIER.findall(node.value))  # type: ignore[attr-defined]
        elif kind is cst.Comment:
            if _TYPE_COMMENT.match(node.value):  # type: ignore[attr-defined]  # a Comment
                reads.update(_IDENTIFIER.findall(node.value))  # type: ignore[attr-defined]
        elif kind in _SPECIAL:
            stack.extend(
                (child, child_strings, depth)
                for child, child_strings in _SPECIAL[kind](node, strings)
            )
        else:
            stack.extend((child, strings, depth) for child in _children(node))
    return scan


def _protected(node: AnyImport, line: cst.CSTNode | None) -> bool:
    """`from __future__`, star imports and imports with a `# noqa` are never removed. A comment
    sits after the statement's line or, in `from x import (...)`, between the parentheses; only
    then is the statement rendered to look for one."""
    if isinstance(node.names, cst.ImportStar) or _is_future(node):
        return True
    if isinstance(line, cst.SimpleStatementLine | cst.SimpleStatementSuite):
        comment = line.trailing_whitespace.comment
        if comment is not None and "noqa" in comment.value.lower():
            return True
    if isinstance(node, cst.ImportFrom) and node.lpar is not None:
        return "noqa" in code(node).lower()
    return False


def _is_future(node: AnyImport) -> bool:
    return (
        isinstance(node, cst.ImportFrom)
        and not node.relative
        and node.module is not None
        and dotted_name(node.module) == "__future__"
    )


# Tokens and whitespace without names or comments in them: most of a tree, never worth a visit.
_INERT: frozenset[type[cst.CSTNode]] = PUNCTUATION | frozenset(
    {
        cst.SimpleWhitespace,
        cst.Newline,
        cst.Integer,
        cst.Float,
        cst.Imaginary,
        cst.Ellipsis,
        cst.Asynchronous,
        cst.Await,
    }
)


def _children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The child nodes worth walking; of whitespace lines only their comments (told apart by
    exact class: these leaf classes have no subclasses)."""
    found: list[cst.CSTNode] = []
    for child in children(node):
        kind = type(child)
        if kind in _INERT:
            continue
        if kind is cst.EmptyLine or kind is cst.TrailingWhitespace:
            comment = child.comment  # type: ignore[attr-defined]  # a whitespace line
            if comment is not None:
                found.append(comment)
            continue
        found.append(child)
    return found


def _except(node: cst.CSTNode, *skipped: object) -> Iterator[cst.CSTNode]:
    return (child for child in _children(node) if not any(child is skip for skip in skipped))


def _stores(target: cst.BaseExpression) -> Iterator[cst.CSTNode]:
    """What a binding target reads: nothing for a plain name, the object for `a.b = ...`."""
    if isinstance(target, cst.Name):
        return
    if isinstance(target, cst.Tuple | cst.List):
        for element in target.elements:
            yield from _stores(element.value)
    elif isinstance(target, cst.StarredElement):
        yield from _stores(target.value)
    else:
        yield target


def _is_all(target: cst.BaseExpression) -> bool:
    return isinstance(target, cst.Name) and target.value == "__all__"


Children = Iterator[tuple[cst.CSTNode, bool]]


def _attribute(node: cst.Attribute, strings: bool) -> Children:
    yield node.value, strings


def _arg(node: cst.Arg, strings: bool) -> Children:
    yield node.value, strings


def _function(node: cst.FunctionDef, strings: bool) -> Children:
    yield from ((child, strings) for child in _except(node, node.name))


def _class(node: cst.ClassDef, strings: bool) -> Children:
    yield from ((child, strings) for child in _except(node, node.name))


def _param(node: cst.Param, strings: bool) -> Children:
    yield from ((child, strings) for child in _except(node, node.name))


def _annotation(node: cst.Annotation, strings: bool) -> Children:
    yield node.annotation, True


def _assign(node: cst.Assign, strings: bool) -> Children:
    for target in node.targets:
        yield from ((child, strings) for child in _stores(target.target))
    yield node.value, any(_is_all(target.target) for target in node.targets)


def _ann_assign(node: cst.AnnAssign, strings: bool) -> Children:
    yield from ((child, strings) for child in _stores(node.target))
    yield node.annotation, True
    if node.value is not None:
        alias = "TypeAlias" in code(node.annotation.annotation)
        yield node.value, alias or _is_all(node.target)


def _aug_assign(node: cst.AugAssign, strings: bool) -> Children:
    yield node.target, strings
    yield node.value, _is_all(node.target)


def _for(node: cst.For, strings: bool) -> Children:
    yield from ((child, strings) for child in _stores(node.target))
    yield from ((child, strings) for child in _except(node, node.target))


def _comp_for(node: cst.CompFor, strings: bool) -> Children:
    yield from ((child, strings) for child in _stores(node.target))
    yield from ((child, strings) for child in _except(node, node.target))


def _as_name(node: cst.AsName, strings: bool) -> Children:
    yield from ((child, strings) for child in _stores(node.name))


def _named_expr(node: cst.NamedExpr, strings: bool) -> Children:
    yield from ((child, strings) for child in _stores(node.target))
    yield node.value, strings


def _declaration(node: cst.Global | cst.Nonlocal, strings: bool) -> Children:
    return iter(())


def _call(node: cst.Call, strings: bool) -> Children:
    func = node.func
    named = func.attr.value if isinstance(func, cst.Attribute) else dotted_name(func)
    typing = named in _STRING_FUNCTIONS
    exports = isinstance(func, cst.Attribute) and _is_all(func.value)
    yield func, strings
    for arg in node.args:
        yield arg, strings or typing or exports


_SPECIAL: dict[type[cst.CSTNode], Callable[[Any, bool], Children]] = {
    cst.Attribute: _attribute,
    cst.Arg: _arg,
    cst.FunctionDef: _function,
    cst.ClassDef: _class,
    cst.Param: _param,
    cst.Annotation: _annotation,
    cst.Assign: _assign,
    cst.AnnAssign: _ann_assign,
    cst.AugAssign: _aug_assign,
    cst.For: _for,
    cst.CompFor: _comp_for,
    cst.AsName: _as_name,
    cst.NamedExpr: _named_expr,
    cst.Global: _declaration,
    cst.Nonlocal: _declaration,
    cst.Call: _call,
}


# -- taking aliases out -------------------------------------------------------------------------
def _remove_aliases(
    tree: cst.Module, drop: set[int], ancestors: set[int], style: ImportStyle
) -> cst.Module:
    """`tree` without the aliases in `drop` (ids), walking only down `ancestors`."""
    result = tree.visit(_AliasRemover(drop, ancestors, style.newline_before_comments))
    assert isinstance(result, cst.Module)
    return result


class _AliasRemover(cst.CSTTransformer):
    def __init__(self, drop: set[int], ancestors: set[int], newline_before_comments: bool) -> None:
        super().__init__()
        self.drop = drop
        self.ancestors = ancestors
        self.newline_before_comments = newline_before_comments
        self.emptied: set[int] = set()

    def on_visit(self, node: cst.CSTNode) -> bool:
        return id(node) in self.ancestors

    def leave_Import(self, original_node: cst.Import, updated_node: cst.Import) -> cst.Import:
        return self._without(original_node, updated_node)

    def leave_ImportFrom(
        self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
    ) -> cst.ImportFrom:
        return self._without(original_node, updated_node)

    def _without(self, original: AnyImport, updated: _ImportT) -> _ImportT:
        if id(original) not in self.ancestors or isinstance(original.names, cst.ImportStar):
            return updated
        gone = [index for index, alias in enumerate(original.names) if id(alias) in self.drop]
        if len(gone) == len(original.names):
            self.emptied.add(id(original))
            return updated
        for index in reversed(gone):
            updated = _drop_alias(updated, index)
        return updated

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine:
        return self._small(original_node, updated_node)

    def leave_SimpleStatementSuite(
        self, original_node: cst.SimpleStatementSuite, updated_node: cst.SimpleStatementSuite
    ) -> cst.SimpleStatementSuite:
        kept = self._small(original_node, updated_node)
        if id(original_node) in self.emptied:
            return kept.with_changes(body=[cst.Pass()])
        return kept

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        if id(original_node) not in self.ancestors:
            return updated_node
        body, carry = self._statements(original_node.body, updated_node.body)
        if not body:
            leading = _comments_from(carry)
            return updated_node.with_changes(
                body=[cst.SimpleStatementLine(body=[cst.Pass()], leading_lines=leading)]
            )
        return updated_node.with_changes(
            body=body, footer=[*_comments_from(carry), *updated_node.footer]
        )

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        body, carry = self._statements(original_node.body, updated_node.body)
        footer = [*_comments_from(carry), *updated_node.footer]
        empty = not (body or footer or updated_node.header)  # an empty file, not a blank line
        return updated_node.with_changes(
            body=body,
            footer=footer,
            has_trailing_newline=updated_node.has_trailing_newline and not empty,
        )

    def _small(self, original: _SmallT, updated: _SmallT) -> _SmallT:
        if id(original) not in self.ancestors:
            return updated
        pairs = zip(original.body, updated.body, strict=True)
        kept = [new for old, new in pairs if id(old) not in self.emptied]
        if not kept:
            self.emptied.add(id(original))
            return updated
        if len(kept) < len(updated.body):
            kept[-1] = kept[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
        return updated.with_changes(body=kept)

    def _statements(
        self, original: Sequence[cst.CSTNode], updated: Sequence[cst.CSTNode]
    ) -> tuple[list[Statement], list[cst.EmptyLine]]:
        """The statements kept, each removed line's comments moved to the next one; what is
        left over when the last lines go."""
        kept: list[Statement] = []
        carry: list[cst.EmptyLine] | None = None  # None: the previous line was kept
        for old, new in zip(original, updated, strict=True):
            assert isinstance(new, cst.SimpleStatementLine | cst.BaseCompoundStatement)
            if id(old) in self.emptied and isinstance(new, cst.SimpleStatementLine):
                carry = [*(carry or ()), *new.leading_lines, *_line_comments(new)]
                continue
            if carry is not None:
                spaced = self.newline_before_comments and bool(kept) and _is_import_line(kept[-1])
                leading = _merged(carry, new.leading_lines, new, at_start=not kept, spaced=spaced)
                new = new.with_changes(leading_lines=leading)
                carry = None
            kept.append(new)
        return kept, carry or []


def _line_comments(line: cst.SimpleStatementLine) -> list[cst.EmptyLine]:
    """The comments inside a removed line (in its parentheses, at its end) as own lines."""
    comments: list[cst.Comment] = []
    stack: list[cst.CSTNode] = [line.trailing_whitespace, *reversed(line.body)]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Comment):
            comments.append(node)
        stack += reversed(node.children)  # in source order: the comments keep theirs
    return [cst.EmptyLine(comment=comment) for comment in comments]


def _comments_from(lines: Sequence[cst.EmptyLine]) -> list[cst.EmptyLine]:
    """`lines` from the first comment on (blank lines above it dropped)."""
    return list(lines[_blank_prefix(lines) :])


def _merged(
    carry: Sequence[cst.EmptyLine],
    own: Sequence[cst.EmptyLine],
    next_line: Statement,
    at_start: bool,
    spaced: bool,
) -> list[cst.EmptyLine]:
    """Leading lines of the statement after removed ones: the wider blank-line separation of
    the two (none at the start of a block), the removed lines' comments, then its own comments.
    Above an import the comments stay together, as isort keeps the comments above an import,
    after a blank line when they follow an import and the style wants one (`spaced`)."""
    own_blanks = _blank_prefix(own)
    carry_blanks = _blank_prefix(carry)
    moved = list(carry[carry_blanks:])
    if moved and moved[-1].comment is None and not _is_import_line(next_line):
        # comments a blank line kept apart from the removed lines stay apart: the removed
        # lines' separation above them, the statement's own below
        comments = moved[: len(moved) - _blank_suffix(moved)]
        below = [*own[:own_blanks], *[_BLANK] * (_blank_suffix(moved) - own_blanks)]
        above = [] if at_start else list(carry[:carry_blanks])
        return [*above, *comments, *below, *own[own_blanks:]]
    commented = False
    if _is_import_line(next_line):
        moved = [line for line in moved if line.comment is not None]
        commented = bool(moved) or own_blanks < len(own)
    blanks = 0 if at_start else max(carry_blanks, own_blanks, int(spaced and commented))
    if blanks > own_blanks + carry_blanks:
        carry = [*carry[:carry_blanks], _BLANK, *carry[carry_blanks:]]
        carry_blanks += 1
    spacing = [*own[:own_blanks], *carry[:carry_blanks]][:blanks]
    return [*spacing, *moved, *own[own_blanks:]]


def _blank_prefix(lines: Sequence[cst.EmptyLine]) -> int:
    return next((i for i, line in enumerate(lines) if line.comment is not None), len(lines))


def _blank_suffix(lines: Sequence[cst.EmptyLine]) -> int:
    return _blank_prefix(list(reversed(lines)))


def _drop_alias(node: _ImportT, index: int) -> _ImportT:
    """`node` without its alias at `index`, the comments around it kept."""
    names = list(node.names) if not isinstance(node.names, cst.ImportStar) else []
    removed = names.pop(index)
    lpar = node.lpar if isinstance(node, cst.ImportFrom) else None
    rpar = node.rpar if isinstance(node, cst.ImportFrom) else None
    before = _comma_after(names[index - 1]) if index else (lpar.whitespace_after if lpar else None)
    after = removed.comma.whitespace_after if isinstance(removed.comma, cst.Comma) else None
    last_without_comma = index == len(names) and after is None
    if last_without_comma and rpar is not None:
        after = rpar.whitespace_before
    merged = _merge_gap(before, after)
    if last_without_comma:
        previous = names[index - 1]
        if merged is None or not isinstance(merged, cst.ParenthesizedWhitespace):
            names[index - 1] = previous.with_changes(comma=cst.MaybeSentinel.DEFAULT)
            return node.with_changes(names=names)
        names[index - 1] = _with_comma_after(previous, merged)
        assert rpar is not None
        return node.with_changes(
            names=names, rpar=rpar.with_changes(whitespace_before=cst.SimpleWhitespace(""))
        )
    if merged is None:
        return node.with_changes(names=names)
    if index == 0:
        assert lpar is not None
        return node.with_changes(names=names, lpar=lpar.with_changes(whitespace_after=merged))
    names[index - 1] = _with_comma_after(names[index - 1], merged)
    return node.with_changes(names=names)


def _merge_gap(
    before: cst.BaseParenthesizableWhitespace | None,
    after: cst.BaseParenthesizableWhitespace | None,
) -> cst.BaseParenthesizableWhitespace | None:
    """One whitespace for the two around a removed name: the comment on the line before stays,
    the removed line's comment becomes an own-line comment, the layout leading on is `after`'s."""
    if not isinstance(after, cst.ParenthesizedWhitespace):
        return before
    if not isinstance(before, cst.ParenthesizedWhitespace):
        return after
    moved = []
    if after.first_line.comment is not None:
        indent = before.last_line.value
        moved = [
            cst.EmptyLine(whitespace=cst.SimpleWhitespace(indent), comment=after.first_line.comment)
        ]
    return after.with_changes(
        first_line=before.first_line,
        empty_lines=[*before.empty_lines, *moved, *after.empty_lines],
    )
