"""The imports the service modules of `extract-services` need, as requests to the engine's import
editor: exactly what the views module binds each needed name to, made absolute. A name imported
under a top-level `if`/`try` comes with that whole block (its condition included), and a star
import the moved code may read is carried as written; the editor takes neither."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import libcst as cst

from djrefactor.analysis.imports import resolve_relative
from djrefactor.analysis.nodes import code, dotted_expr, dotted_name
from djrefactor.engine import ImportRequest

from .bindings import Binding, import_origin


def import_requests(
    needed: Sequence[str], bindings: Mapping[str, Binding], module: str | None, is_package: bool
) -> tuple[list[ImportRequest], list[cst.BaseCompoundStatement]]:
    """Requests for `needed` names as the views module imports them, and the guarded blocks."""
    requests: list[ImportRequest] = []
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
            requests += _requests_from(small, name, module, is_package)
    return requests, guarded


def _requests_from(
    small: cst.BaseSmallStatement, name: str, module: str | None, is_package: bool
) -> list[ImportRequest]:
    if isinstance(small, cst.Import):
        return [
            ImportRequest(code(alias.name), None, _asname(alias))
            for alias in small.names
            if _binds(alias, name)
        ]
    if not isinstance(small, cst.ImportFrom) or isinstance(small.names, cst.ImportStar):
        return []
    origin = import_origin(small, name, module, is_package) or ""
    source = origin.rsplit(".", 1)[0]
    return [
        ImportRequest(source, code(alias.name), _asname(alias))
        for alias in small.names
        if _binds(alias, name)
    ]


def module_request(origin: str) -> ImportRequest:
    """`a.b.c` read as `b.c` through its module: `from a import b` (`import a` at the top)."""
    module = origin.rpartition(".")[0]
    package, _, last = module.rpartition(".")
    return ImportRequest(package, last) if package else ImportRequest(module)


def star_import(source: str) -> cst.SimpleStatementLine:
    return cst.SimpleStatementLine(
        body=[cst.ImportFrom(module=dotted_expr(source), names=cst.ImportStar())]
    )


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


def _asname(alias: cst.ImportAlias) -> str | None:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return None


def _binds(alias: cst.ImportAlias, name: str) -> bool:
    if alias.asname is not None:
        return isinstance(alias.asname.name, cst.Name) and alias.asname.name.value == name
    return code(alias.name).split(".")[0] == name
