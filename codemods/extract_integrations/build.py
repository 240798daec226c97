"""Turn what `_integrations_scan` found into integration modules: one wrapper per operation.

Not a codemod. A wrapper passes its caller's arguments through unchanged (tests asserting on
the SDK call's arguments keep passing): positional arguments and keywords every call site uses
become explicit parameters, the rest goes through `*args` / `**kwargs`.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import libcst as cst

from djrefactor.discovery.vendors import POSITIONAL_NAMES, Vendor
from djrefactor.engine import Note, Project

from .scan import (
    Config,
    FileScan,
    GlobalClient,
    Operation,
    Reexport,
    Site,
    code,
    param_name,
    unique,
)

PACKAGE = "integrations"
PARAM_TYPES = {
    "url": "str",
    "to": "str",
    "body": "str",
    "bucket": "str",
    "key": "str",
    "method": "str",
    "client_method": "str",
    "filename": "str",
    "id": "str",
}

OpKey = tuple[str, str, str, str, tuple[str, ...]]


@dataclass(frozen=True)
class Signature:
    prefix: tuple[str, ...]
    positional: tuple[str, ...] | None
    keywords: tuple[str, ...]
    var_keywords: bool


@dataclass
class Integration:
    """One `integrations/<module>.py` being assembled."""

    module: str
    title: str
    imports: set[str] = field(default_factory=set)
    reexports: dict[str, str] = field(default_factory=dict)
    clients: dict[str, str] = field(default_factory=dict)
    configs: dict[str, list[str]] = field(default_factory=dict)
    wrappers: dict[str, str] = field(default_factory=dict)
    existing: frozenset[str] = frozenset()


@dataclass
class Build:
    """The integration modules, and the wrapper / client name each finding ended up with."""

    integrations: dict[str, Integration] = field(default_factory=dict)
    names: dict[OpKey, str] = field(default_factory=dict)
    client_names: dict[tuple[str, str], str] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)


def module_path(project: Project, module: str) -> str:
    return project.module_path(f"{PACKAGE}.{module}") + ".py"


def build(project: Project, scans: Sequence[FileScan], vendors: dict[str, Vendor]) -> Build:
    result = Build()

    def integration(module: str, vendor: str) -> Integration:
        if module not in result.integrations:
            title = vendors[vendor].title if vendors[vendor].integration == module else module
            result.integrations[module] = Integration(
                module, title, existing=_existing_names(project, module)
            )
        return result.integrations[module]

    for scan in scans:
        for _, client in scan.clients:
            _add_client(
                integration(client.module, client.binding.qualified.split(".")[0]), client, result
            )
        for reexport in scan.reexports:
            _add_reexport(
                integration(reexport.module, reexport.binding.qualified.split(".")[0]), reexport
            )
    configs = _configs(scans, result)
    for key, sites in _by_operation(scans).items():
        operation = sites[0].operation
        target = integration(operation.module, operation.receiver.vendor)
        _add_wrapper(target, key, sites, configs.get(operation.receiver.vendor, []), result)
    return result


def _existing_names(project: Project, module: str) -> frozenset[str]:
    path = module_path(project, module)
    if not project.exists(path):
        return frozenset()
    names = set()
    for statement in project.tree(path).body:
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            names.add(statement.name.value)
    return frozenset(names)


def _by_operation(scans: Iterable[FileScan]) -> dict[OpKey, list[Site]]:
    grouped: dict[OpKey, list[Site]] = {}
    for scan in scans:
        for site in scan.sites:
            grouped.setdefault(site.operation.key, []).append(site)
    return grouped


def _configs(scans: Iterable[FileScan], result: Build) -> dict[str, list[tuple[Config, str]]]:
    """Per vendor, the configuration lines every wrapper applies (first value wins)."""
    found: dict[str, dict[str, Config]] = {}
    for scan in scans:
        for _, config in scan.configs:
            first = found.setdefault(config.vendor, {}).setdefault(config.target, config)
            if first.value != config.value:
                result.notes.append(
                    Note(
                        scan.path,
                        None,
                        (
                            f"{config.target} is set to {config.value} here but to {first.value} "
                            "elsewhere; the integration uses the first, check it"
                        ),
                    )
                )
    return {
        vendor: [(config, f"{config.target} = {config.value}") for config in by_target.values()]
        for vendor, by_target in found.items()
    }


def _add_client(target: Integration, client: GlobalClient, result: Build) -> None:
    key = (target.module, client.construct)
    if key in result.client_names:
        return
    name = client.name
    counter = 2
    while name in target.clients or name in target.reexports:
        name, counter = f"{client.name}_{counter}", counter + 1
    target.clients[name] = client.construct
    target.imports |= {client.binding.statement, *client.imports}
    result.client_names[key] = name


def _add_reexport(target: Integration, reexport: Reexport) -> None:
    target.imports.add(reexport.binding.statement)
    if reexport.value != reexport.name:
        target.reexports.setdefault(reexport.name, reexport.value)
    else:
        target.reexports.setdefault(reexport.name, "")


def _add_wrapper(
    target: Integration,
    key: OpKey,
    sites: list[Site],
    configs: list[tuple[Config, str]],
    result: Build,
) -> None:
    operation = sites[0].operation
    name = _wrapper_name(target, operation)
    result.names[key] = name
    if name in target.existing:
        return
    receiver = operation.receiver
    target.imports |= {receiver.binding.statement, *receiver.imports}
    lines = [line for _, line in configs]
    for config, _ in configs:
        target.imports |= {config.binding.statement, *config.imports}
    target.wrappers[name] = _render_wrapper(
        name, operation, _signature(sites), lines, result, target
    )


def _wrapper_name(target: Integration, operation: Operation) -> str:
    taken = {*target.wrappers, *target.reexports, *target.clients}
    name = operation.name
    if name in target.existing or name not in taken:
        return name
    receiver = operation.receiver
    owner = receiver.name if receiver.kind == "global" else receiver.vendor
    return unique(f"{owner}_{operation.name}", sorted(taken))


def _signature(sites: Sequence[Site]) -> Signature:
    first = sites[0]
    prefix = first.operation.receiver.params
    if not first.keep_args:
        return Signature(prefix, (), (), False)
    counts = {_positional_count(site.call) for site in sites}
    starred = any(arg.star == "*" for site in sites for arg in site.call.args)
    keywords = [_keywords(site.call) for site in sites]
    common = [word for word in keywords[0] if all(word in others for others in keywords)]
    var_keywords = any(arg.star == "**" for site in sites for arg in site.call.args) or any(
        set(words) - set(common) for words in keywords
    )
    positional = None
    if len(counts) == 1 and not starred:
        positional = _positional_names(first, counts.pop(), [*prefix, *common])
    return Signature(prefix, positional, tuple(common), var_keywords)


def _positional_count(call: cst.Call) -> int:
    return sum(1 for arg in call.args if arg.keyword is None and not arg.star)


def _keywords(call: cst.Call) -> list[str]:
    return [arg.keyword.value for arg in call.args if arg.keyword is not None]


def _positional_names(site: Site, count: int, taken: list[str]) -> tuple[str, ...]:
    known = POSITIONAL_NAMES.get(site.operation.chain[-1] if site.operation.chain else "", ())
    values = [arg.value for arg in site.call.args if arg.keyword is None and not arg.star]
    names: list[str] = []
    for index in range(count):
        guess = known[index] if index < len(known) else param_name(values[index], index)
        names.append(unique(guess, [*taken, *names]))
    return tuple(names)


def _param(name: str) -> str:
    return f"{name}: {PARAM_TYPES.get(name, 'Any')}"


def _render_wrapper(
    name: str,
    operation: Operation,
    signature: Signature,
    configs: list[str],
    result: Build,
    target: Integration,
) -> str:
    params = [_param(p) for p in signature.prefix]
    call_args: list[str] = []
    if signature.positional is None:
        params.append("*args: Any")
        call_args.append("*args")
    else:
        params += [_param(p) for p in signature.positional]
        call_args += list(signature.positional)
        if signature.keywords:
            params.append("*")
    params += [_param(word) for word in signature.keywords]
    call_args += [f"{word}={word}" for word in signature.keywords]
    if signature.var_keywords:
        params.append("**kwargs: Any")
        call_args.append("**kwargs")
    body = [f"    {line}" for line in configs]
    receiver = operation.receiver
    callee = receiver.binding.expr
    if receiver.kind == "local":
        body.append(f"    client = {receiver.construct}")
        callee = "client"
    elif receiver.kind == "global":
        callee = result.client_names[(target.module, receiver.construct)]
    awaiting = "await " if operation.is_async else ""
    if not operation.chain:
        body[-1] = f"    return {receiver.construct}"
    else:
        dotted = ".".join((callee, *operation.chain))
        body.append(_wrap(f"    return {awaiting}{dotted}(", call_args, ")"))
    header = f"{'async ' if operation.is_async else ''}def {name}({', '.join(params)}) -> Any:"
    if len(header) > 100:
        inner = "".join(f"    {param},\n" for param in params)
        header = f"{'async ' if operation.is_async else ''}def {name}(\n{inner}) -> Any:"
    return "\n".join([header, *body]) + "\n"


def _wrap(opening: str, items: Sequence[str], closing: str) -> str:
    line = f"{opening}{', '.join(items)}{closing}"
    if len(line) <= 100:
        return line
    indent = " " * (len(opening) - len(opening.lstrip()) + 4)
    inner = "".join(f"{indent}{item},\n" for item in items)
    return f"{opening}\n{inner}{indent[:-4]}{closing}"


# -- rendering ---------------------------------------------------------------------------------
def render(project: Project, target: Integration) -> cst.Module:
    path = module_path(project, target.module)
    if project.exists(path):
        return _merge(project.tree(path), target)
    return cst.parse_module(_render_new(target))


def _docstring(target: Integration) -> str:
    return (
        f'"""{target.title}: the only module that talks to this provider.\n\n'
        "Callers use these wrappers (named for what the project does) and the re-exported\n"
        "classes and exceptions; clients and keys are set up here from settings, so a change of\n"
        'provider or SDK version stays in this file.\n"""\n'
    )


def _render_new(target: Integration) -> str:
    parts = [_docstring(target), _imports(target.imports | {"from typing import Any"})]
    public = sorted([*target.reexports, *target.wrappers], key=_name_key)
    parts.append("__all__ = [\n" + "".join(f'    "{name}",\n' for name in public) + "]\n")
    assigned = [f"{name} = {value}\n" for name, value in target.reexports.items() if value]
    if assigned:
        parts.append("".join(assigned))
    if target.clients:
        parts.append("".join(f"{name} = {value}\n" for name, value in target.clients.items()))
    text = "\n".join(parts)
    for wrapper in target.wrappers.values():
        text += "\n\n" + wrapper
    return text


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
        merged.add(f"from {module} import {', '.join(sorted(imported, key=_name_key))}")
    return merged


def _name_key(name: str) -> tuple[int, str]:
    return (0 if name.isupper() else 1 if name[:1].isupper() else 2, name)


def _import_key(statement: str) -> tuple[int, str]:
    return (0 if statement.startswith("import ") else 1, statement.split()[1].lower())


def _merge(tree: cst.Module, target: Integration) -> cst.Module:
    """Add what an existing integration module lacks; what it defines is kept as it is."""
    have = {code(statement).strip() for statement in tree.body}
    new = cst.parse_module(_render_new(target))
    body = list(tree.body)
    last_import = max(
        (index for index, statement in enumerate(body) if _is_import(statement)), default=0
    )
    added_imports = [s for s in new.body if _is_import(s) and code(s).strip() not in have]
    defined = target.existing | _assigned_names(tree)
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


def _defines(statement: cst.CSTNode) -> str | None:
    if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
        return statement.name.value
    if isinstance(statement, cst.SimpleStatementLine) and isinstance(statement.body[0], cst.Assign):
        target = statement.body[0].targets[0].target
        if isinstance(target, cst.Name) and target.value != "__all__":
            return target.value
    return None


def _assigned_names(tree: cst.Module) -> frozenset[str]:
    return frozenset(name for name in map(_defines, tree.body) if name is not None)
