"""Which local apps move to `apps/<name>/`, and a note for each one that stays, saying why."""

from __future__ import annotations

import sys
from dataclasses import dataclass

import libcst as cst

from djrefactor.analysis import patterns as m
from djrefactor.analysis.imports import ImportedName
from djrefactor.analysis.tree import findall
from djrefactor.discovery import App
from djrefactor.discovery.dependencies import declared_dependencies, normalise
from djrefactor.discovery.vendors import registry
from djrefactor.engine import Note, Project

from .appconfig import AppConfigs, find_app_configs

TARGET = "apps"
LAYERS = ("config", "services", "integrations", TARGET)


@dataclass(frozen=True)
class AppMove:
    """One app's move: its package, where it goes, its label and AppConfig, and the apps nested
    inside it (they move along and keep their labels too)."""

    app: App
    new: str
    configs: AppConfigs
    inner: tuple[tuple[App, AppConfigs], ...] = ()

    @property
    def old(self) -> str:
        return self.app.module


def select_moves(project: Project) -> tuple[list[AppMove], list[Note]]:
    """The apps to move (outermost first) and the notes for those left where they are."""
    if project.path_for(TARGET) and not project.is_package(TARGET):
        where = project.path_for(TARGET) or ""
        reason = f"{where} is a module named like the apps/ package; rename it, then run again"
        return [], [Note(where, None, f"apps not moved: {reason}")]
    apps = {app.module: app for app in project.facts.apps}
    moves: list[AppMove] = []
    notes: list[Note] = []
    taken: set[str] = set()
    for module in sorted(apps):
        app = apps[module]
        if _is_inner(module, apps) or _in_place(module):
            continue
        new = f"{TARGET}.{module.rsplit('.', 1)[-1]}"
        problem = _problem(project, app, new, taken)
        configs = find_app_configs(project, app) if problem is None else None
        if configs is not None and configs.problem:
            problem = configs.problem
        inner = _inner_apps(project, app, apps) if problem is None else []
        problem = problem or next((c.problem for _, c in inner if c.problem), None)
        if problem is not None or configs is None:
            notes.append(Note(app.path, None, f"{module} not moved to {TARGET}/: {problem}"))
            continue
        taken.add(new)
        moves.append(AppMove(app, new, configs, tuple(inner)))
    return moves, notes


def _in_place(module: str) -> bool:
    return module == TARGET or module.startswith(TARGET + ".")


def _is_inner(module: str, apps: dict[str, App]) -> bool:
    """An app inside another app's package moves with it."""
    parts = module.split(".")
    return any(".".join(parts[:end]) in apps for end in range(1, len(parts)))


def _inner_apps(project: Project, app: App, apps: dict[str, App]) -> list[tuple[App, AppConfigs]]:
    return [
        (inner, find_app_configs(project, inner))
        for module, inner in sorted(apps.items())
        if module.startswith(app.module + ".")
    ]


# -- why an app stays ------------------------------------------------------------------------------
def _problem(project: Project, app: App, new: str, taken: set[str]) -> str | None:
    checks = (_holds_glue, _is_layer, _shadows, _fixed_files, _clash, _binds_apps)
    for check in checks:
        problem = check(project, app, new, taken)
        if problem:
            return problem
    return None


def _holds_glue(project: Project, app: App, new: str, taken: set[str]) -> str | None:
    """The project package that is itself an app: its settings and urls must go first."""
    facts = project.facts
    glue = [facts.settings_module, facts.root_urlconf, facts.wsgi_application]
    glue.append(facts.celery.module if facts.celery else None)
    if any(name and name.startswith(app.module + ".") for name in glue):
        return (
            "it is the project package (settings, urls, wsgi) as well as an app; run "
            "config-package first (it moves the glue to config/), then move-apps moves the rest"
        )
    return None


def _is_layer(project: Project, app: App, new: str, taken: set[str]) -> str | None:
    if app.module.split(".")[0] in LAYERS:
        return "it is one of the target layout's own packages; it stays where it is"
    return None


def _shadows(project: Project, app: App, new: str, taken: set[str]) -> str | None:
    """A top-level app named like a standard-library or installed module: `import email`
    means this app today, and would mean the other module after the move."""
    name = app.module
    if "." in name:
        return None
    if name in sys.stdlib_module_names:
        kind = "a standard-library module"
    elif normalise(name) in declared_dependencies(project) or name in registry(()):
        kind = "a third-party package this project depends on"
    else:
        return None
    return (
        f"{name} is also the name of {kind}: at the top level the app shadows it, and after the "
        f"move `import {name}` would mean that module again, so imports of {name}.* cannot be "
        f"told apart; rename the app (or move it by hand, checking each import of {name})"
    )


def _fixed_files(project: Project, app: App, new: str, taken: set[str]) -> str | None:
    fixed = sorted(path for path in project.fixed_paths if path.startswith(app.path + "/"))
    if fixed:
        return (
            f"{fixed[0]} is a symlink, a submodule or excluded from djrefactor, and it must not "
            "move; move the app by hand"
        )
    return None


def _clash(project: Project, app: App, new: str, taken: set[str]) -> str | None:
    folder = project.module_path(new)
    below = folder + "/"
    occupied = (
        new in taken
        or project.path_for(new) is not None
        or any(path.startswith(below) for path in (*project.paths, *project.opaque_paths))
        or any(path == folder or path.startswith(below) for path in project.fixed_paths)
    )
    if occupied:
        return f"{folder} already exists; merge the two by hand"
    return None


# -- `import shop.models` becomes `import apps.shop.models`, which binds the name `apps` -----------
def _binds_apps(project: Project, app: App, new: str, taken: set[str]) -> str | None:
    top = app.module.split(".")[0]
    for path in project.python_paths():
        if not project.mentions(path, top) or "apps" not in project.words(path):
            continue
        imports = project.imports(path).names
        plain = [i for i in imports if i.name is None and i.local == top and _within(i, app)]
        if not plain:
            continue
        other = [i for i in imports if i.local == TARGET and not i.module.startswith(TARGET)]
        if other or _binds_name(project.tree(path), TARGET, top):
            module = plain[0].module
            parent, _, last = module.rpartition(".")
            instead = f"`from {parent} import {last}`" if parent else "a `from` import"
            return (
                f"{path}:{plain[0].line} `import {module}` would become `import "
                f"{new}{module[len(app.module) :]}`, which binds `{TARGET}`, a name this file "
                f"also uses (django.apps' registry, a migration's `apps`); import it with "
                f"{instead} first"
            )
    return None


def _within(imported: ImportedName, app: App) -> bool:
    return imported.module == app.module or imported.module.startswith(app.module + ".")


class _Bindings(cst.CSTVisitor):
    """Does a scope bind `name` (a parameter, an assignment) and spell `top` inside it?"""

    def __init__(self, name: str, top: str) -> None:
        super().__init__()
        self.name = name
        self.top = top
        self.found = False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        binds = findall(node.params, m.Param(name=m.Name(self.name))) or findall(
            node.body, m.AssignTarget(target=m.Name(self.name))
        )
        if binds and findall(node.body, m.Name(self.top)):
            self.found = True
        return not self.found

    def visit_Module(self, node: cst.Module) -> bool:
        if any(
            findall(statement, m.AssignTarget(target=m.Name(self.name)))
            for statement in node.body
            if not isinstance(statement, (cst.FunctionDef, cst.ClassDef))
        ):
            self.found = True
        return not self.found


def _binds_name(tree: cst.Module, name: str, top: str) -> bool:
    visitor = _Bindings(name, top)
    tree.visit(visitor)
    return visitor.found
