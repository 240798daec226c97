"""Names and module-level bindings for `extract-services`: what a views module imports and
defines, and what a service function is called."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst
from libcst.helpers import get_full_name_for_node

from djrefactor.analysis.imports import resolve_relative
from djrefactor.analysis.naming import snake

VERBS = {
    "perform_create": "create",
    "create": "create",
    "perform_update": "update",
    "update": "update",
    "partial_update": "update",
    "perform_destroy": "delete",
    "destroy": "delete",
}
HTTP_VERBS = {
    "post": "submit",
    "put": "replace",
    "patch": "update",
    "delete": "delete",
    "get": "load",
    "form_valid": "save",
}
SUFFIXES = ("ViewSet", "APIView", "GenericAPIView", "View", "Serializer", "Form", "Mixin")


@dataclass(frozen=True)
class Binding:
    """A top-level name of a module: an import (with its absolute origin) or a definition."""

    name: str
    statement: cst.BaseStatement
    origin: str | None


def top_level_bindings(
    tree: cst.Module, module: str | None, is_package: bool
) -> dict[str, Binding]:
    bindings: dict[str, Binding] = {}
    for statement in tree.body:
        for name, origin in _bound(statement, module, is_package):
            bindings[name] = Binding(name, statement, origin)
    return bindings


def _bound(
    statement: cst.BaseStatement, module: str | None, is_package: bool
) -> Iterator[tuple[str, str | None]]:
    if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
        yield statement.name.value, None
        return
    if not isinstance(statement, cst.SimpleStatementLine):
        return
    for small in statement.body:
        if isinstance(small, cst.Import):
            for alias in small.names:
                dotted = get_full_name_for_node(alias.name) or ""
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    yield alias.asname.name.value, dotted
                else:
                    yield dotted.split(".")[0], dotted.split(".")[0]
        elif isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
            source = absolute_source(small, module, is_package)
            for alias in small.names:
                imported = get_full_name_for_node(alias.name) or ""
                local = alias.asname.name if alias.asname else alias.name
                if isinstance(local, cst.Name):
                    yield local.value, f"{source}.{imported}" if source else None
        elif isinstance(small, (cst.Assign, cst.AnnAssign)):
            targets = small.targets if isinstance(small, cst.Assign) else [small]
            for target in targets:
                if isinstance(target.target, cst.Name):
                    yield target.target.value, None


def absolute_source(node: cst.ImportFrom, module: str | None, is_package: bool) -> str | None:
    name = get_full_name_for_node(node.module) if node.module else None
    return resolve_relative(module, is_package, len(node.relative), name)


def is_import(binding: Binding) -> bool:
    return binding.origin is not None


def _stem(class_name: str) -> str:
    for suffix in SUFFIXES:
        if class_name.endswith(suffix) and class_name != suffix:
            return snake(class_name[: -len(suffix)])
    return snake(class_name)


def service_name(class_name: str | None, method: str) -> str:
    """`book_appointment` -> `book_appointment`; `CancelAppointmentView.post` ->
    `cancel_appointment`; `OrderViewSet.perform_create` -> `create_order`;
    `OrderViewSet.refund` (an action) -> `refund_order`."""
    if class_name is None:
        return method.lstrip("_") or "workflow"
    stem = _stem(class_name)
    verb = VERBS.get(method)
    if verb is None and method not in HTTP_VERBS:
        verb = method.lstrip("_")
    if verb is not None:
        return stem if stem.startswith(verb + "_") or stem == verb else f"{verb}_{stem}"
    if "_" in stem:
        return stem
    return f"{HTTP_VERBS[method]}_{stem}"


def unique(name: str, taken: set[str]) -> str:
    candidate, number = name, 2
    while candidate in taken:
        candidate = f"{name}_{number}"
        number += 1
    taken.add(candidate)
    return candidate
