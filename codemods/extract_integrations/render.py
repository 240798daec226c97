"""Write an integration module: docstring, imports in isort's order, `__all__`, the keys set once,
re-exported names, the shared clients with their comments, helpers, then the wrappers.

Not a codemod. An existing module keeps what it has; only what it lacks is added.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable

import libcst as cst

from djrefactor.analysis.nodes import code

from .build import Integration, _Client

_GENERICS = re.compile(r"\b(dict|list|tuple|set|type)\[|\|")


def render(integration: Integration) -> cst.Module:
    text = _render_new(integration)
    if integration.existing is not None:
        return _merge(integration.existing.tree, cst.parse_module(text), integration)
    return cst.parse_module(text)


def _docstring(integration: Integration) -> str:
    return (
        f'"""{_capitalized(integration.title)}: every call the project makes '
        "to it goes through this module.\n\n"
        "Clients and keys are set up here, once, from settings; callers use the functions below\n"
        "(and the re-exported exceptions), so a change of provider or SDK version stays here.\n"
        '"""\n'
    )


def _capitalized(title: str) -> str:
    """`the insurance API` -> `The insurance API`; a module name stays as it is."""
    return title if "_" in title else title[:1].upper() + title[1:]


def _render_new(integration: Integration) -> str:
    definitions = _definitions(integration)
    body = "\n".join([*_module_state(integration), *definitions])
    imports = set(integration.imports)
    if re.search(r"\bAny\b", body):
        imports.add("from typing import Any")
    future = "from __future__ import annotations\n" if _needs_future(definitions) else ""
    parts = [_docstring(integration)]
    if future:
        parts.append(future)
    parts.append(_imports(imports))
    public = sorted(
        [*integration.reexports, *integration.wrappers, *_public_helpers(integration)],
        key=_name_key,
    )
    parts.append("__all__ = [\n" + "".join(f'    "{name}",\n' for name in public) + "]\n")
    state = _module_state(integration)
    text = "\n".join(parts + state)
    for definition in definitions:
        text += "\n\n" + definition
    return text


def _public_helpers(integration: Integration) -> list[str]:
    found = [name for name in integration.helpers if not name.startswith("_")]
    if any(client.helper == "build_client" for client in integration.clients.values()):
        found.append("build_client")
    return found


def _module_state(integration: Integration) -> list[str]:
    """Configuration, re-exports and shared clients: one block each."""
    blocks = []
    configs = [
        "".join(f"{comment}\n" for comment in comments) + f"{target} = {value}\n"
        for target, (value, comments) in integration.configs.items()
    ]
    if configs:
        blocks.append("".join(configs))
    assigned = [f"{name} = {value}\n" for name, value in integration.reexports.items() if value]
    if assigned:
        blocks.append("".join(assigned))
    for client in integration.clients.values():
        if client.instance:
            comments = "".join(f"{comment}\n" for comment in client.comments)
            blocks.append(f"{comments}{client.instance} = {client.construct}\n")
    return blocks


def _definitions(integration: Integration) -> list[str]:
    helpers = []
    for client in integration.clients.values():
        helpers += _client_helpers(client, integration.title)
    wrappers = [integration.wrappers[name] for name in sorted(integration.wrappers)]
    return helpers + list(integration.helpers.values()) + wrappers


def _client_helpers(client: _Client, title: str) -> list[str]:
    found = []
    if client.accessor:
        found.append(
            f"def {client.accessor}() -> {client.annotation}:\n"
            f'    """The shared client, looked up when called (tests may replace it)."""\n'
            f"    return {client.instance}\n"
        )
    article = "An" if title[:1].lower() in "aeiou" else "A"
    if client.helper == "build_client":
        found.append(
            f"def build_client() -> {client.annotation}:\n"
            f'    """{article} {title} client built from settings, for callers that keep one."""\n'
            f"    return {client.construct}\n"
        )
    elif client.helper:
        found.append(
            f"def {client.helper}() -> {client.annotation}:\n"
            f'    """{article} {title} client built from settings."""\n'
            f"    return {client.construct}\n"
        )
    return found


def _needs_future(definitions: Iterable[str]) -> bool:
    """`dict[str, Any]` and `X | None` in annotations need it before Python 3.10."""
    for definition in definitions:
        header = definition.split('"""', 1)[0]
        if _GENERICS.search(header):
            return True
    return False


def _imports(statements: Iterable[str]) -> str:
    stdlib: list[str] = []
    others: list[str] = []
    for statement in sorted(_merge_from_imports(statements), key=_import_key):
        top = statement.split()[1].split(".")[0]
        (stdlib if top in sys.stdlib_module_names else others).append(statement + "\n")
    return "\n".join("".join(group) for group in (stdlib, others) if group)


def _merge_from_imports(statements: Iterable[str]) -> set[str]:
    """`from m import a` and `from m import b` become `from m import a, b`."""
    merged: set[str] = set()
    names: dict[str, set[str]] = {}
    for statement in statements:
        if statement.startswith("from "):
            module, _, name = statement[len("from ") :].partition(" import ")
            names.setdefault(module, set()).add(name)
        else:
            merged.add(statement)
    for module, imported in names.items():
        line = f"from {module} import {', '.join(sorted(imported, key=_name_key))}"
        if len(line) > 88:
            inner = "".join(f"    {name},\n" for name in sorted(imported, key=_name_key))
            line = f"from {module} import (\n{inner})"
        merged.add(line)
    return merged


def _name_key(name: str) -> tuple[int, str]:
    return (0 if name.isupper() else 1 if name[:1].isupper() else 2, name)


def _import_key(statement: str) -> tuple[int, str]:
    return (0 if statement.startswith("import ") else 1, statement.split()[1].lower())


# -- an existing module -------------------------------------------------------------------------
def _merge(tree: cst.Module, new: cst.Module, integration: Integration) -> cst.Module:
    """Add what an existing integration module lacks; what it defines is kept as it is."""
    have = {code(statement).strip() for statement in tree.body}
    body = list(tree.body)
    last_import = max(
        (index for index, statement in enumerate(body) if _is_import(statement)), default=0
    )
    added_imports = [
        s for s in new.body if _is_import(s) and code(s).strip() not in have and not _is_future(s)
    ]
    existing = integration.existing
    defined = existing.names if existing else set()
    added = [
        statement
        for statement in new.body
        if not _is_import(statement)
        and _defines(statement) is not None
        and _defines(statement) not in defined
    ]
    body[last_import + 1 : last_import + 1] = added_imports
    return tree.with_changes(body=body + added)


def _is_import(statement: cst.CSTNode) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and isinstance(
        statement.body[0], (cst.Import, cst.ImportFrom)
    )


def _is_future(statement: cst.CSTNode) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and isinstance(statement.body[0], cst.ImportFrom)
        and code(statement.body[0].module or cst.Name("")) == "__future__"
    )


def _defines(statement: cst.CSTNode) -> str | None:
    if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
        return statement.name.value
    if isinstance(statement, cst.SimpleStatementLine) and isinstance(statement.body[0], cst.Assign):
        target = statement.body[0].targets[0].target
        if isinstance(target, cst.Name) and target.value != "__all__":
            return target.value
        if isinstance(target, cst.Attribute):
            return code(target)
    return None
