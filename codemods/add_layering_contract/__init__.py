"""Write the layering contract in import-linter's format, and check it on the restructured tree.

Why: the layers only hold if CI says so (LAYOUT: "layering holds after the move"). Once
`services/` and `integrations/` exist, `lint-imports` enforces three contracts: integrations
import nothing from services or apps; services never import views or serializers; vendor SDKs
are imported only in integrations/ (tests may import them to build their errors).
Before: no contract, or a `[tool.importlinter]` with the team's own contracts.
After: `[tool.importlinter]` in pyproject.toml (`.importlinter` when the project has no
pyproject.toml; setup.cfg or `.importlinter` when the configuration already lives there) with
the `djrefactor-*` contracts merged in beside the team's; root packages it listed and
`ignore_imports` it added stay. Every import that still breaks a contract, and every HTTP module
a service imports (import-linter cannot name `django.http`), is a note with `file:line`.
"""

from __future__ import annotations

from dataclasses import dataclass

from djrefactor.discovery.layering import Layering, has_layers, layering, violations
from djrefactor.engine import Changes, Note, Project

from . import ini_file, toml_file
from .options import refuses_externals, up_to_date, wanted

SUMMARY = "write the layering contract for lint-imports and check it on the new layout"
AFTER: tuple[str, ...] = ("move-apps",)  # the contract names the final packages

COMMENT = """\
Layering contract (djrefactor add-layering-contract), checked by `lint-imports`.
The djrefactor-* contracts follow the layout when djrefactor runs again; ignore_imports
added to them stay. `djrefactor plan` also checks that services import no HTTP module
(django.http, django.shortcuts...), which import-linter cannot name."""


@dataclass(frozen=True)
class Update:
    text: str | None
    note: str | None = None


def run(project: Project) -> Changes:
    if not has_layers(project):
        return Changes.none()
    notes = [
        Note(v.path, v.line, f"layering contract broken: {v.reason}") for v in violations(project)
    ]
    path = config_path(project)
    current = project.text(path) if project.exists(path) else ""
    if path.endswith("pyproject.toml"):
        update = _update_toml(current, layering(project))
    else:
        update = _update_ini(current, layering(project))
    if update.note:
        notes.append(Note(path, None, update.note))
    if update.text is None:
        return Changes.none(tuple(notes))
    return Changes(writes={path: update.text}, notes=tuple(notes))


def config_path(project: Project) -> str:
    """Where import-linter will read the contract: the file already holding its configuration
    (INI files first, as import-linter looks), else pyproject.toml, else `.importlinter`."""

    def at(name: str) -> str:
        return f"{project.source_root}/{name}" if project.source_root else name

    for name in ("setup.cfg", ".importlinter"):
        path = at(name)
        parser = ini_file.read(project.text(path)) if project.exists(path) else None
        if parser is not None and ini_file.session_of(parser) is not None:
            return path
    pyproject = at("pyproject.toml")
    return pyproject if project.exists(pyproject) else at(".importlinter")


def _cannot_merge(block: str) -> str:
    return f"the layering contract could not be merged here; add it by hand:\n{block}"


def _update_toml(text: str, stated: Layering) -> Update:
    data = toml_file.read(text)
    if data is None:
        return Update(None, "not valid TOML; the layering contract was not written")
    session = toml_file.table(data)
    new: str | None
    if session is None:
        target = wanted(stated, {}, {})
        new = toml_file.appended(text, target, COMMENT)
    else:
        if refuses_externals(session):
            return Update(None, _refused())
        contracts = toml_file.contracts_by_id(session)
        target = wanted(stated, session, contracts)
        if up_to_date(target, session, contracts):
            return Update(None)
        new = toml_file.edited(text, target)
    if new is None or not toml_file.says(new, data, target):
        return Update(None, _cannot_merge(toml_file.render_table(target, COMMENT)))
    return Update(new)


def _update_ini(text: str, stated: Layering) -> Update:
    parser = ini_file.read(text)
    if parser is None:
        return Update(None, "not a valid INI file; the layering contract was not written")
    session = ini_file.session_of(parser)
    new: str | None
    if session is None:
        target = wanted(stated, {}, {})
        new = ini_file.appended(text, target, COMMENT)
    else:
        if refuses_externals(session):
            return Update(None, _refused())
        contracts = ini_file.contracts_by_id(parser)
        target = wanted(stated, session, contracts)
        if up_to_date(target, session, contracts):
            return Update(None)
        new = ini_file.edited(text, target)
    if new is None or not ini_file.says(new, parser, target):
        return Update(None, _cannot_merge(ini_file.render_file(target, COMMENT)))
    return Update(new)


def _refused() -> str:
    return (
        "include_external_packages is false: the vendor contract needs it; set it to true "
        "(it only adds the outside packages to the graph) and run djrefactor again"
    )
