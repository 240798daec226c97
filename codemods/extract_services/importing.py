"""Import lines for the service modules `extract-services` writes: the imports the moved code
needs, exactly as the views module binds them but absolute, merged per module and ordered the
way isort does (future, standard library, other packages, the project's own)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import libcst as cst

from djrefactor.analysis.imports import resolve_relative
from djrefactor.analysis.nodes import code, dotted_expr, dotted_name

from .bindings import Binding, import_origin


@dataclass(frozen=True)
class ImportLine:
    """An import for a service module; `key` sorts `import x` before `from x import y`, and a
    star import apart from the named imports of the same module."""

    local: bool
    key: str
    line: cst.SimpleStatementLine

    @property
    def group(self) -> int:
        """isort's sections: future, standard library, other packages, the project's own."""
        top = self.key.lstrip("~*").split(".")[0]
        if top == "__future__":
            return -1
        if self.local:
            return 2
        return 0 if top in sys.stdlib_module_names else 1


def _line(node: cst.BaseSmallStatement) -> cst.SimpleStatementLine:
    return cst.SimpleStatementLine(body=[node])


def import_lines(
    needed: Sequence[str],
    bindings: Mapping[str, Binding],
    module: str | None,
    is_package: bool,
    is_local: Callable[[str], bool],
) -> tuple[list[ImportLine], list[cst.BaseCompoundStatement]]:
    """Imports of `needed` names exactly as the views module binds them, made absolute; a name
    imported under a top-level `if`/`try` brings that whole block, condition included."""
    lines: list[ImportLine] = []
    guarded: list[cst.BaseCompoundStatement] = []
    for name in needed:
        binding = bindings[name]
        statement = binding.statement
        if binding.guarded:
            absolute = statement.visit(_Absolute(module, is_package))
            assert isinstance(absolute, cst.BaseCompoundStatement)
            guarded.append(absolute)
            continue
        assert isinstance(statement, cst.SimpleStatementLine)
        for small in statement.body:
            lines += _names_from(small, name, module, is_package, is_local)
    return lines, guarded


def _names_from(
    small: cst.BaseSmallStatement,
    name: str,
    module: str | None,
    is_package: bool,
    is_local: Callable[[str], bool],
) -> list[ImportLine]:
    if isinstance(small, cst.Import):
        return [
            ImportLine(is_local(code(a.name)), code(_bare(a)), _line(cst.Import([_bare(a)])))
            for a in small.names
            if _binds(a, name)
        ]
    if not isinstance(small, cst.ImportFrom) or isinstance(small.names, cst.ImportStar):
        return []
    origin = import_origin(small, name, module, is_package) or ""
    source = origin.rsplit(".", 1)[0]
    aliases = [_bare(a) for a in small.names if _binds(a, name)]
    if not aliases:
        return []
    node = cst.ImportFrom(module=dotted_expr(source), names=_commas(aliases))
    return [ImportLine(is_local(source), "~" + source, _line(node))]


class _Absolute(cst.CSTTransformer):
    def __init__(self, module: str | None, is_package: bool) -> None:
        super().__init__()
        self.module = module
        self.is_package = is_package

    def leave_ImportFrom(
        self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
    ) -> cst.ImportFrom:
        if not updated_node.relative:
            return updated_node
        base = dotted_name(updated_node.module) if updated_node.module else None
        source = resolve_relative(self.module, self.is_package, len(updated_node.relative), base)
        if source is None:
            return updated_node
        return updated_node.with_changes(module=dotted_expr(source), relative=[])


def star_line(source: str, is_local: Callable[[str], bool]) -> ImportLine:
    node = cst.ImportFrom(module=dotted_expr(source), names=cst.ImportStar())
    return ImportLine(is_local(source), "*" + source, _line(node))


def name_line(
    source: str, name: str, is_local: Callable[[str], bool], asname: str | None = None
) -> ImportLine:
    """`from source import name [as asname]`."""
    alias = cst.ImportAlias(
        cst.Name(name), asname=cst.AsName(cst.Name(asname)) if asname and asname != name else None
    )
    node = cst.ImportFrom(module=dotted_expr(source), names=[alias])
    return ImportLine(
        is_local(source) if source != "__future__" else False, "~" + source, _line(node)
    )


def _merged(imports: Sequence[ImportLine]) -> list[ImportLine]:
    """`from a import x` and `from a import y` become `from a import x, y`."""
    merged: dict[str, ImportLine] = {}
    for entry in imports:
        known = merged.get(entry.key)
        if known is None or not entry.key.startswith("~"):
            merged.setdefault(entry.key, entry)
            continue
        first, second = known.line.body[0], entry.line.body[0]
        assert isinstance(first, cst.ImportFrom) and isinstance(second, cst.ImportFrom)
        assert not isinstance(first.names, cst.ImportStar)
        assert not isinstance(second.names, cst.ImportStar)
        aliases = {code(_bare(a)): _bare(a) for a in [*first.names, *second.names]}
        names = _commas([aliases[key] for key in sorted(aliases, key=_by_type)])
        merged[entry.key] = ImportLine(
            entry.local, entry.key, _line(first.with_changes(names=names))
        )
    return list(merged.values())


def ordered_imports(
    imports: Sequence[ImportLine], guarded: Sequence[cst.BaseCompoundStatement] = ()
) -> list[cst.SimpleStatementLine | cst.BaseCompoundStatement]:
    """Future, standard library, other packages, the project's own; a blank line between
    (isort), then the guarded import blocks."""
    entries = sorted(_merged(imports), key=_order)
    lines: list[cst.SimpleStatementLine | cst.BaseCompoundStatement] = []
    for index, entry in enumerate(entries):
        blank = index > 0 and entry.group != entries[index - 1].group
        lines.append(entry.line.with_changes(leading_lines=[cst.EmptyLine()] if blank else []))
    for statement in guarded:
        lines.append(statement.with_changes(leading_lines=[cst.EmptyLine()]))
    return lines


def _by_type(name: str) -> tuple[int, str]:
    """isort's order-by-type: CONSTANTS, then Classes, then functions."""
    bare = name.split(" ", 1)[0]
    kind = 0 if bare.isupper() and len(bare) > 1 else 1 if bare[:1].isupper() else 2
    return kind, bare.lower()


def _order(entry: ImportLine) -> tuple[int, int, str]:
    plain = 0 if not entry.key.startswith(("~", "*")) else 1
    return entry.group, plain, entry.key.lstrip("~*").lower()


def _commas(aliases: list[cst.ImportAlias]) -> list[cst.ImportAlias]:
    return [
        alias.with_changes(
            comma=cst.MaybeSentinel.DEFAULT
            if i == len(aliases) - 1
            else cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        )
        for i, alias in enumerate(aliases)
    ]


def _bare(alias: cst.ImportAlias) -> cst.ImportAlias:
    return alias.with_changes(comma=cst.MaybeSentinel.DEFAULT)


def _binds(alias: cst.ImportAlias, name: str) -> bool:
    if alias.asname is not None:
        return isinstance(alias.asname.name, cst.Name) and alias.asname.name.value == name
    return code(alias.name).split(".")[0] == name


def from_import(
    source: str, names: Sequence[str], asname: str | None = None
) -> cst.SimpleStatementLine:
    aliases = [
        cst.ImportAlias(
            cst.Name(name),
            asname=cst.AsName(cst.Name(asname)) if asname and asname != name else None,
        )
        for name in names
    ]
    return _line(cst.ImportFrom(module=dotted_expr(source), names=_commas(aliases)))
