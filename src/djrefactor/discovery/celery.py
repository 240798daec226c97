"""The project's Celery app, and the package `__init__.py` that loads it when Django starts.

The standard bootstrap (Celery's "First steps with Django") is `<pkg>/celery.py` creating
`app = Celery(...)` and `<pkg>/__init__.py` doing `from .celery import app as celery_app`, so
that `@shared_task` binds to the project's app in every process that imports the package.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from djrefactor.analysis import patterns as m
from djrefactor.analysis.imports import resolve_relative
from djrefactor.analysis.tree import findall
from djrefactor.discovery.files import is_migration, is_test_path
from djrefactor.project import Project

_CELERY_CALL = m.Call(func=m.Name("Celery") | m.Attribute(attr=m.Name("Celery")))


@dataclass(frozen=True)
class CeleryApp:
    """`variable = Celery(...)` at the top of `module`; `bootstrap` imports it at start-up."""

    module: str
    path: str
    variable: str
    bootstrap: str | None


def _app_variable(tree: cst.Module) -> str | None:
    for statement in tree.body:
        if not m.matches(
            statement,
            m.SimpleStatementLine(body=[m.Assign(targets=[m.AssignTarget(m.Name())])]),
        ):
            continue
        assert isinstance(statement, cst.SimpleStatementLine)
        assign = statement.body[0]
        assert isinstance(assign, cst.Assign)
        if m.matches(assign.value, _CELERY_CALL):
            target = assign.targets[0].target
            assert isinstance(target, cst.Name)
            return target.value
    return None


def imports_app(project: Project, init: str, app: CeleryApp) -> bool:
    """Does this package `__init__.py` import the app (`from .celery import app ...`)?"""
    module = project.module_for(init)
    for node in findall(project.tree(init), m.ImportFrom()):
        assert isinstance(node, cst.ImportFrom)
        name = cst.helpers.get_full_name_for_node(node.module) if node.module else None
        source = resolve_relative(module, True, len(node.relative), name)
        if source == app.module and not isinstance(node.names, cst.ImportStar):
            return any(m.matches(alias.name, m.Name(app.variable)) for alias in node.names)
    return False


def find_celery_app(project: Project, package: str | None) -> CeleryApp | None:
    found: list[CeleryApp] = []
    for path in project.python_paths():
        if is_test_path(path) or is_migration(path) or not project.mentions(path, "Celery("):
            continue
        module = project.module_for(path)
        variable = _app_variable(project.tree(path))
        if module and variable:
            found.append(CeleryApp(module, path, variable, None))
    if not found:
        return None
    inside = [app for app in found if package and app.module.startswith(package + ".")]
    app = (inside or found)[0]
    inits = [path for path in project.python_paths() if path.endswith("__init__.py")]
    bootstrap = next(
        (
            init
            for init in inits
            if project.mentions(init, app.variable) and imports_app(project, init, app)
        ),
        None,
    )
    return CeleryApp(app.module, app.path, app.variable, bootstrap)
