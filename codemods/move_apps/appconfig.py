"""Each moved app's AppConfig: `name` says where the package now lives, `label` what it was.

Django derives an app's label from the last part of its name, and migrations, table names,
content types, permissions and `"shop.Order"` strings all use that label: setting it explicitly
keeps every one of them valid. An app without an AppConfig gets one in `apps.py`, where Django's
default discovery finds it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from djrefactor.analysis import patterns as m
from djrefactor.analysis.naming import camel
from djrefactor.analysis.tree import findall
from djrefactor.discovery import App
from djrefactor.engine import Project

APPS_MODULE = "apps"
"""Django looks for an app's AppConfig in `<app>/apps.py`."""


@dataclass(frozen=True)
class AppConfigs:
    """Where the app's AppConfig is: `path` (None: there is none, one is created), the classes
    there that name the app, its label, and what stops the move (`problem`)."""

    module: str
    path: str | None
    label: str
    classes: tuple[str, ...] = field(default=())
    problem: str | None = None


def _config_module(project: Project, app: App) -> str:
    """The module INSTALLED_APPS (or `default_app_config`) names for the app's AppConfig."""
    for entry in project.facts.installed_apps:
        if not entry.startswith(app.module + "."):
            continue
        parent = entry.rsplit(".", 1)[0]
        if project.path_for(entry) is None and project.path_for(parent) is not None:
            return parent
    init = project.path_for(app.module)
    if init is not None and project.mentions(init, "default_app_config"):
        for value in _string_assignments(project.tree(init), "default_app_config"):
            named = value.evaluated_value
            if isinstance(named, str) and "." in named:
                return named.rsplit(".", 1)[0]
    return f"{app.module}.{APPS_MODULE}"


def _string_assignments(node: cst.CSTNode, name: str) -> list[cst.SimpleString]:
    found = []
    for assign in findall(
        node, m.Assign(targets=[m.AssignTarget(m.Name(name))], value=m.SimpleString())
    ):
        assert isinstance(assign, cst.Assign) and isinstance(assign.value, cst.SimpleString)
        found.append(assign.value)
    return found


def _classes(tree: cst.Module) -> list[cst.ClassDef]:
    return [statement for statement in tree.body if isinstance(statement, cst.ClassDef)]


def _class_value(node: cst.ClassDef, name: str) -> str | None:
    for statement in node.body.body:
        for value in _string_assignments(statement, name):
            evaluated = value.evaluated_value
            return evaluated if isinstance(evaluated, str) else None
    return None


def find_app_configs(project: Project, app: App) -> AppConfigs:
    """The app's AppConfig classes, or what is in the way of editing them."""
    module = _config_module(project, app)
    path = project.path_for(module)
    default_label = app.module.rsplit(".", 1)[-1]
    if path is None:
        if module != f"{app.module}.{APPS_MODULE}":
            return AppConfigs(module, None, default_label, problem=f"{module} does not exist")
        return AppConfigs(module, None, default_label)
    named = [c for c in _classes(project.tree(path)) if _class_value(c, "name") == app.module]
    if not named:
        problem = (
            f"no AppConfig in {path} sets name = {app.module!r} (computed, or absent); set it "
            "by hand"
        )
        return AppConfigs(module, path, default_label, problem=problem)
    if any(not isinstance(c.body, cst.IndentedBlock) for c in named):
        problem = f"the AppConfig in {path} is written on one line; split it, then run again"
        return AppConfigs(module, path, default_label, problem=problem)
    label = _class_value(named[0], "label") or default_label
    return AppConfigs(module, path, label, tuple(c.name.value for c in named))


# -- the edit --------------------------------------------------------------------------------------
def _string(like: cst.SimpleString | None, value: str) -> cst.SimpleString:
    quote = like.quote if like is not None and len(like.quote) == 1 else '"'
    return cst.SimpleString(f"{quote}{value}{quote}")


class _Rename(cst.CSTTransformer):
    """`name = "shop"` -> `name = "apps.shop"` in the app's AppConfig classes, with
    `label = "shop"` after it when the class sets no label."""

    def __init__(self, configs: AppConfigs, old: str, new: str) -> None:
        super().__init__()
        self.configs = configs
        self.old = old
        self.new = new

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.ClassDef:
        if updated.name.value not in self.configs.classes:
            return updated
        has_label = _class_value(updated, "label") is not None
        body: list[cst.BaseStatement | cst.BaseSmallStatement] = []
        for statement in updated.body.body:
            names = _string_assignments(statement, "name")
            if not names or names[0].evaluated_value != self.old:
                body.append(statement)
                continue
            assert isinstance(statement, cst.SimpleStatementLine)
            assign = statement.body[0]
            assert isinstance(assign, cst.Assign)
            value = _string(names[0], self.new)
            body.append(statement.with_changes(body=[assign.with_changes(value=value)]))
            if not has_label:
                body.append(_label_line(names[0], self.configs.label))
        return updated.with_changes(body=updated.body.with_changes(body=body))


def _label_line(like: cst.SimpleString, label: str) -> cst.SimpleStatementLine:
    return cst.SimpleStatementLine(
        body=[cst.Assign(targets=[cst.AssignTarget(cst.Name("label"))], value=_string(like, label))]
    )


def renamed_config(project: Project, configs: AppConfigs, old: str, new: str) -> cst.Module:
    """The AppConfig module with the app's classes naming `new` and keeping the label."""
    assert configs.path is not None
    return project.tree(configs.path).visit(_Rename(configs, old, new))


def new_config(new: str, label: str) -> str:
    """An `apps.py` for an app that had no AppConfig (Django finds it by default)."""
    name = f"{camel(label)}Config"
    return (
        "from django.apps import AppConfig\n\n\n"
        f"class {name}(AppConfig):\n"
        f'    name = "{new}"\n'
        f'    label = "{label}"\n'
    )
