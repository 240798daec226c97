"""Read-only facts about a Django project: settings module, project package, local apps.

Everything here is derived from a `Project` snapshot (its texts and libcst trees); nothing is
imported or executed, so discovery works on projects whose dependencies are not installed.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from djrefactor.analysis import patterns as m
from djrefactor.discovery.apps import App, installed_apps, local_apps
from djrefactor.discovery.celery import CeleryApp, find_celery_app
from djrefactor.discovery.files import is_reference_file, is_test_path
from djrefactor.discovery.settings import (
    SETTINGS_ENV,
    Overlay,
    find_settings,
    settings_default_in,
)
from djrefactor.discovery.versions import Versions, target_versions
from djrefactor.errors import DjrefactorError
from djrefactor.project import Project

SPLIT_MODULES = ("base", "production")

__all__ = [
    "SETTINGS_ENV",
    "App",
    "CeleryApp",
    "Facts",
    "Overlay",
    "Versions",
    "discover",
    "is_test_path",
    "settings_default_in",
]


@dataclass(frozen=True)
class Facts:
    """What discovery found. `settings_module` is None when the repo has no Django settings.

    `settings_package` is the package holding the settings module when that package is itself
    named `settings` (`mysite.settings` for `mysite.settings.base`); `overlay` is the git-ignored
    module manage.py names when discovery followed its template to the real settings.
    """

    manage_py: str | None
    settings_module: str | None
    settings_path: str | None
    settings_split: bool
    project_package: str | None
    root_urlconf: str | None
    wsgi_application: str | None
    installed_apps: tuple[str, ...]
    apps: tuple[App, ...]
    reference_files: tuple[str, ...]
    settings_package: str | None = None
    overlay: Overlay | None = None
    celery: CeleryApp | None = None
    versions: Versions = Versions()
    settings_problem: str = ""

    def require_settings(self) -> str:
        if self.settings_module is None:
            raise DjrefactorError(
                f"no Django settings found: {self.settings_problem or 'none named'}; "
                "pass --settings or set [tool.djrefactor] settings"
            )
        return self.settings_module


def discover(project: Project) -> Facts:
    manage_py = _find_manage_py(project)
    found = find_settings(project, manage_py)
    module = found.module
    split = bool(module) and _is_split(project, module or "")
    analysed = _analysed_settings_path(project, module, split)
    values = _settings_values(project, analysed) if analysed else {}
    installed = installed_apps(project, analysed) if analysed else ()
    package = _project_package(project, module)
    return Facts(
        manage_py=manage_py,
        settings_module=module,
        settings_path=found.path,
        settings_split=split,
        project_package=package,
        root_urlconf=values.get("ROOT_URLCONF"),
        wsgi_application=values.get("WSGI_APPLICATION"),
        installed_apps=installed,
        apps=local_apps(project, installed),
        reference_files=tuple(
            path for path in project.paths if not path.endswith(".py") and is_reference_file(path)
        ),
        settings_package=_settings_package(project, module),
        overlay=found.overlay,
        celery=find_celery_app(project, package) if module else None,
        versions=target_versions(project),
        settings_problem=found.problem,
    )


def _find_manage_py(project: Project) -> str | None:
    root = project.source_root
    path = f"{root}/manage.py" if root else "manage.py"
    return path if project.exists(path) else None


def _is_split(project: Project, settings_module: str) -> bool:
    package = settings_module if project.is_package(settings_module) else None
    if package is None and "." in settings_module:
        package = settings_module.rsplit(".", 1)[0]
    if package is None:
        return False
    return all(project.path_for(f"{package}.{name}") for name in SPLIT_MODULES)


def _analysed_settings_path(project: Project, module: str | None, split: bool) -> str | None:
    if module is None:
        return None
    if split:
        package = module if project.is_package(module) else module.rsplit(".", 1)[0]
        return project.path_for(f"{package}.base")
    return project.path_for(module)


def _settings_package(project: Project, module: str | None) -> str | None:
    """`mysite.settings` for `mysite.settings.base`, `mysite.settings` (a package) itself."""
    if not module:
        return None
    if project.is_package(module) and module.rsplit(".", 1)[-1] == "settings":
        return module
    parent = module.rsplit(".", 1)[0] if "." in module else ""
    if parent.rsplit(".", 1)[-1] == "settings" and project.is_package(parent):
        return parent
    return None


def _project_package(project: Project, module: str | None) -> str | None:
    if not module or "." not in module:
        return None
    holder = _settings_package(project, module) or module
    return holder.rsplit(".", 1)[0] if "." in holder else None


def _settings_values(project: Project, path: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for statement in project.tree(path).body:
        if not m.matches(
            statement,
            m.SimpleStatementLine(
                body=[m.Assign(targets=[m.AssignTarget(m.Name())], value=m.SimpleString())]
            ),
        ):
            continue
        assert isinstance(statement, cst.SimpleStatementLine)
        assign = statement.body[0]
        assert isinstance(assign, cst.Assign) and isinstance(assign.value, cst.SimpleString)
        target = assign.targets[0].target
        assert isinstance(target, cst.Name)
        value = assign.value.evaluated_value
        if isinstance(value, str):
            values[target.value] = value
    return values
