"""Read-only facts about a Django project: settings module, project package, local apps.

Everything here is derived from a `Project` snapshot (its texts and libcst trees); nothing is
imported or executed, so discovery works on projects whose dependencies are not installed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

import libcst as cst
import libcst.matchers as m

from djrefactor.discovery.files import is_reference_file, is_test_path
from djrefactor.errors import DjrefactorError
from djrefactor.project import Project

SETTINGS_ENV = "DJANGO_SETTINGS_MODULE"
SPLIT_MODULES = ("base", "production")
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


@dataclass(frozen=True)
class Facts:
    """What discovery found. `settings_module` is None when the repo has no Django settings."""

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

    def require_settings(self) -> str:
        if self.settings_module is None:
            raise DjrefactorError(
                "no Django settings found: manage.py sets no DJANGO_SETTINGS_MODULE default; "
                "pass --settings or set [tool.djrefactor] settings"
            )
        return self.settings_module


def discover(project: Project) -> Facts:
    manage_py = _find_manage_py(project)
    settings_module = project.config.settings or _settings_from(project, manage_py)
    settings_path = project.path_for(settings_module) if settings_module else None
    if settings_module and settings_path is None:
        raise DjrefactorError(
            f"settings module {settings_module!r} not found under "
            f"{project.source_root or 'the repository root'}; pass --settings"
        )
    split = bool(settings_module) and _is_split(project, settings_module or "")
    analysed = _analysed_settings_path(project, settings_module, split)
    values = _settings_values(project, analysed) if analysed else {}
    installed = _installed_apps(project, analysed) if analysed else ()
    return Facts(
        manage_py=manage_py,
        settings_module=settings_module,
        settings_path=settings_path,
        settings_split=split,
        project_package=_project_package(settings_module, split),
        root_urlconf=values.get("ROOT_URLCONF"),
        wsgi_application=values.get("WSGI_APPLICATION"),
        installed_apps=installed,
        apps=tuple(_local_apps(project, installed)),
        reference_files=tuple(
            path for path in project.paths if not path.endswith(".py") and is_reference_file(path)
        ),
    )


def _find_manage_py(project: Project) -> str | None:
    root = project.source_root
    path = f"{root}/manage.py" if root else "manage.py"
    return path if project.exists(path) else None


def settings_default_in(tree: cst.Module) -> str | None:
    """The module a file defaults DJANGO_SETTINGS_MODULE to (`os.environ.setdefault(...)`)."""
    for call in m.findall(tree, m.Call(args=[m.Arg(m.SimpleString()), m.Arg(m.SimpleString())])):
        assert isinstance(call, cst.Call)
        key = call.args[0].value
        value = call.args[1].value
        if isinstance(key, cst.SimpleString) and key.evaluated_value == SETTINGS_ENV:
            assert isinstance(value, cst.SimpleString)
            evaluated = value.evaluated_value
            return evaluated if isinstance(evaluated, str) else None
    return None


def _settings_from(project: Project, manage_py: str | None) -> str | None:
    candidates = [manage_py] if manage_py else []
    candidates += [
        path for path in project.python_paths() if path.endswith(("/wsgi.py", "/asgi.py"))
    ]
    for path in candidates:
        if path and project.mentions(path, SETTINGS_ENV):
            found = settings_default_in(project.tree(path))
            if found:
                return found
    return None


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


def _project_package(settings_module: str | None, split: bool) -> str | None:
    if not settings_module or "." not in settings_module:
        return None
    parts = settings_module.split(".")
    return ".".join(parts[:-2] if split and len(parts) > 2 else parts[:-1]) or None


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


def _installed_apps(project: Project, path: str) -> tuple[str, ...]:
    """INSTALLED_APPS as far as literals tell: lists, `+` of named lists, `+=` and `.append`."""
    lists: dict[str, list[str]] = {}
    for node in m.findall(
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


def _local_apps(project: Project, installed: tuple[str, ...]) -> list[App]:
    apps: list[App] = []
    for entry in installed:
        module = _app_module(project, entry)
        if module is None or any(app.module == module for app in apps):
            continue
        apps.append(_describe_app(project, module))
    return apps


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
