"""Write an integration module: docstring, imports in isort's order, `__all__`, the keys set once,
re-exported names, the shared clients with their comments, helpers, then the wrappers.

Not a codemod. An existing module keeps what it has; only what it lacks is added.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import libcst as cst

from djrefactor.analysis.nodes import code
from djrefactor.engine import ImportRequest

from .build import Integration, _Client
from .source import ProjectContext

_GENERICS = re.compile(r"\b(dict|list|tuple|set|type)\[|\|")


def render(
    integration: Integration, context: ProjectContext
) -> tuple[cst.Module, tuple[ImportRequest, ...]]:
    """The module, and the imports it needs (the engine adds them in the project's order)."""
    text = _render_new(integration)
    needed = _imports_of(integration, text, context.needs_future_annotations())
    imports = tuple(sorted(map(import_request, needed), key=str))
    if integration.existing is not None:
        return _merge(integration.existing.tree, cst.parse_module(text), integration), imports
    return cst.parse_module(text), imports


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


def _imports_of(integration: Integration, text: str, future: bool) -> set[str]:
    imports = set(integration.imports)
    if re.search(r"\bAny\b", text.split('"""', 2)[-1]):
        imports.add("from typing import Any")
    if future and _needs_future(_definitions(integration)):
        imports.add("from __future__ import annotations")
    return imports


def import_request(statement: str) -> ImportRequest:
    """`from m import n as a` / `import m as a` as the engine's request."""
    if statement.startswith("from "):
        module, _, rest = statement[len("from ") :].partition(" import ")
        name, _, alias = rest.partition(" as ")
        return ImportRequest(module, name, alias or None)
    module, _, alias = statement[len("import ") :].partition(" as ")
    return ImportRequest(module, None, alias or None)


def _render_new(integration: Integration) -> str:
    definitions = _definitions(integration)
    parts = [_docstring(integration)]
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


def _name_key(name: str) -> tuple[int, str]:
    return (0 if name.isupper() else 1 if name[:1].isupper() else 2, name)


# -- an existing module -------------------------------------------------------------------------
def _merge(tree: cst.Module, new: cst.Module, integration: Integration) -> cst.Module:
    """Add what an existing integration module lacks; what it defines is kept as it is."""
    existing = integration.existing
    defined = existing.names if existing else set()
    added = [
        statement
        for statement in new.body
        if not _is_import(statement)
        and _defines(statement) is not None
        and _defines(statement) not in defined
    ]
    return tree.with_changes(body=[*tree.body, *added])


def _is_import(statement: cst.CSTNode) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and isinstance(
        statement.body[0], (cst.Import, cst.ImportFrom)
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
