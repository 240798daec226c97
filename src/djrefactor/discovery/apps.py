"""The project's own Django apps: INSTALLED_APPS entries that are packages of this repository."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

import libcst as cst

from djrefactor.analysis import patterns as m
from djrefactor.analysis.tree import findall
from djrefactor.discovery.files import is_test_path
from djrefactor.project import Project

VIEW_MODULES = ("views", "api", "viewsets")


@dataclass(frozen=True)
class App:
    """A local Django app named in INSTALLED_APPS, with the files codemods care about."""

    module: str
    path: str
    views: tuple[str, ...]
    serializers: tuple[str, ...]
    models: tuple[str, ...]
    urls: tuple[str, ...]
    tests: tuple[str, ...]
    commands: tuple[str, ...]
    tasks: tuple[str, ...]

    @property
    def label(self) -> str:
        return self.module.rsplit(".", 1)[-1]


def _string_items(node: cst.BaseExpression, lists: dict[str, list[str]]) -> list[str]:
    if isinstance(node, (cst.List, cst.Tuple)):
        items: list[str] = []
        for element in node.elements:
            if isinstance(element, cst.StarredElement):
                items += _string_items(element.value, lists)
            elif isinstance(element.value, cst.SimpleString):
                value = element.value.evaluated_value
                if isinstance(value, str):
                    items.append(value)
        return items
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        return _string_items(node.left, lists) + _string_items(node.right, lists)
    if isinstance(node, cst.Name):
        return list(lists.get(node.value, []))
    return []


def installed_apps(project: Project, path: str) -> tuple[str, ...]:
    """INSTALLED_APPS as far as literals tell: lists, `+` of named lists, `+=` and `.append`."""
    lists: dict[str, list[str]] = {}
    for node in findall(
        project.tree(path),
        m.Assign(targets=[m.AssignTarget(m.Name())]) | m.AugAssign(target=m.Name()),
    ):
        if isinstance(node, cst.Assign):
            target = node.targets[0].target
            assert isinstance(target, cst.Name)
            lists[target.value] = _string_items(node.value, lists)
        elif isinstance(node, cst.AugAssign) and isinstance(node.operator, cst.AddAssign):
            assert isinstance(node.target, cst.Name)
            lists.setdefault(node.target.value, []).extend(_string_items(node.value, lists))
    return tuple(dict.fromkeys(lists.get("INSTALLED_APPS", [])))


def _app_module(project: Project, entry: str) -> str | None:
    """`shop` or `shop.apps.ShopConfig` -> `shop` when it is a package of this project."""
    parts = entry.split(".")
    for end in range(len(parts), 0, -1):
        module = ".".join(parts[:end])
        if project.is_package(module):
            return module
    return None


def local_apps(project: Project, installed: tuple[str, ...]) -> tuple[App, ...]:
    apps: list[App] = []
    for entry in installed:
        module = _app_module(project, entry)
        if module is None or any(app.module == module for app in apps):
            continue
        apps.append(_describe_app(project, module))
    return tuple(apps)


def _describe_app(project: Project, module: str) -> App:
    directory = project.module_path(module)
    own = [
        path[len(directory) + 1 :]
        for path in project.python_paths()
        if path.startswith(directory + "/")
    ]

    def named(*stems: str) -> tuple[str, ...]:
        return tuple(
            f"{directory}/{rel}"
            for rel in own
            if PurePosixPath(rel).parts[0] in {f"{stem}.py" for stem in stems}
            or (PurePosixPath(rel).parts[0] in stems and rel.endswith(".py") and "/" in rel)
        )

    return App(
        module=module,
        path=directory,
        views=tuple(p for p in named(*VIEW_MODULES) if not p.endswith("__init__.py")),
        serializers=named("serializers"),
        models=named("models"),
        urls=named("urls"),
        tests=tuple(f"{directory}/{rel}" for rel in own if is_test_path(rel)),
        commands=tuple(
            f"{directory}/{rel}"
            for rel in own
            if rel.startswith("management/commands/") and not rel.endswith("__init__.py")
        ),
        tasks=named("tasks"),
    )
