"""The settings modules as the rules read them: the shared one, production, development."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

import libcst as cst

from djrefactor.audit._code import module_assignments
from djrefactor.project import Project

DEVELOPMENT_NAMES = ("development", "dev", "local")


@dataclass(frozen=True)
class Settings:
    """`base` is what every environment shares (`base.py`, or the one settings module);
    `production` and `development` exist only in a split layout. `paths` is every settings file."""

    base: str
    production: str | None
    development: str | None
    paths: tuple[str, ...]

    @property
    def split(self) -> bool:
        return self.production is not None


def settings_of(project: Project) -> Settings | None:
    facts = project.facts
    if facts.settings_module is None or facts.settings_path is None:
        return None
    if not facts.settings_split:
        return Settings(facts.settings_path, None, None, (facts.settings_path,))
    module = facts.settings_module
    package = module if project.is_package(module) else module.rsplit(".", 1)[0]
    folder = project.module_path(package)
    paths = tuple(
        path
        for path in project.python_paths()
        if PurePosixPath(path).parent == PurePosixPath(folder) and not path.endswith("__init__.py")
    )
    base = project.path_for(f"{package}.base")
    production = project.path_for(f"{package}.production")
    development = next(
        (found for name in DEVELOPMENT_NAMES if (found := project.path_for(f"{package}.{name}"))),
        None,
    )
    assert base is not None and production is not None  # what facts.settings_split means
    return Settings(base, production, development, paths)


def assigned(
    project: Project, path: str, name: str
) -> tuple[cst.BaseExpression, cst.CSTNode] | None:
    """The last module-level `name = value` of the file: (value, statement)."""
    found = None
    for target, value, statement in module_assignments(project.tree(path)):
        if target == name:
            found = (value, statement)
    return found


def production_value(
    project: Project, settings: Settings, name: str
) -> tuple[str, cst.BaseExpression, cst.CSTNode] | None:
    """The value production runs with: production's own assignment, else the shared one."""
    for path in (settings.production, settings.base):
        if path is None:
            continue
        found = assigned(project, path, name)
        if found is not None:
            return path, found[0], found[1]
    return None
