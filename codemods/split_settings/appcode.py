"""App code that imports the settings module reads `django.conf.settings` instead.

`from mysite.settings import OPENAI_API_KEY` in app code would import one fixed module after the
split (development's), whatever DJANGO_SETTINGS_MODULE the process runs: production code would
read development values. Django exposes every UPPERCASE setting as `settings.NAME` for the
active module, so those imports become lookups. Other names (`_env_list`, helpers) are not
settings: they are imported from the split module that defines them (base.py). Settings
overlays (`from mysite.settings import *`) keep importing the module.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import Assignment, MetadataWrapper, ScopeProvider

from djrefactor.analysis import patterns as m
from djrefactor.analysis.imports import resolve_relative
from djrefactor.analysis.tree import findall
from djrefactor.discovery.files import is_migration
from djrefactor.engine import Note, Project

_SETTING = re.compile(r"^[A-Z][A-Z0-9_]*$")
_UPPERCASE_WORD = re.compile(r"\b[A-Z][A-Z0-9_]{2,}\b")


@dataclass
class AppCode:
    writes: dict[str, cst.Module] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)


def used_settings(project: Project, settings_path: str) -> frozenset[str]:
    """UPPERCASE settings the code outside the settings module reads."""
    names: set[str] = set()
    for path in project.python_paths():
        if path == settings_path or is_migration(path):
            continue
        names |= set(_UPPERCASE_WORD.findall(project.text(path)))
    return frozenset(names)


def _source(node: cst.ImportFrom, module: str | None, is_package: bool) -> str | None:
    name = cst.helpers.get_full_name_for_node(node.module) if node.module else None
    return resolve_relative(module, is_package, len(node.relative), name)


def _is_settings_file(path: str, tree: cst.Module, settings: str, module: str | None) -> bool:
    """A settings overlay: it star-imports the settings module (`local_settings`, `settings_ci`)."""
    for node in findall(tree, m.ImportFrom(names=m.ImportStar())):
        assert isinstance(node, cst.ImportFrom)
        if _source(node, module, False) == settings:
            return True
    return False


@dataclass
class _Plan:
    """What one file imports from the settings module."""

    names: dict[str, str] = field(default_factory=dict)
    """Local name -> setting, for `from settings import NAME [as local]`."""
    helpers: list[str] = field(default_factory=list)
    module_aliases: list[str] = field(default_factory=list)
    """Local names bound to the settings module itself (`from mysite import settings as s`)."""


class _Collect(cst.CSTVisitor):
    def __init__(self, settings: str, module: str | None, is_package: bool) -> None:
        super().__init__()
        self.settings, self.module, self.is_package = settings, module, is_package
        self.plan = _Plan()
        self.unsupported = False

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            name = cst.helpers.get_full_name_for_node(alias.name) or ""
            if name == self.settings or name.startswith(self.settings + "."):
                self.unsupported = True

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        source = _source(node, self.module, self.is_package)
        if source is None or isinstance(node.names, cst.ImportStar):
            return
        for alias in node.names:
            imported = cst.helpers.get_full_name_for_node(alias.name) or ""
            local = alias.asname.name if alias.asname else alias.name
            local_name = local.value if isinstance(local, cst.Name) else imported
            if source == self.settings:
                if _SETTING.match(imported):
                    self.plan.names[local_name] = imported
                else:
                    self.plan.helpers.append(imported)
            elif f"{source}.{imported}" == self.settings:
                self.plan.module_aliases.append(local_name)


class _Rewrite(cst.CSTTransformer):
    """Settings imports out, `NAME` -> `settings.NAME`, `from pkg import settings` -> django's."""

    def __init__(
        self,
        collect: _Collect,
        settings_name: str,
        base_names: Collection[str],
        uses: dict[cst.Name, str],
    ) -> None:
        super().__init__()
        self.collect = collect
        self.settings_name = settings_name
        self.base_names = base_names
        self.uses = uses

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def leave_ImportFrom(
        self, original: cst.ImportFrom, updated: cst.ImportFrom
    ) -> cst.ImportFrom | cst.RemovalSentinel:
        source = _source(original, self.collect.module, self.collect.is_package)
        if source is None or isinstance(original.names, cst.ImportStar):
            return updated
        if source == self.collect.settings:
            return self._settings_import(updated)
        if f"{source}" and any(
            f"{source}.{cst.helpers.get_full_name_for_node(a.name)}" == self.collect.settings
            for a in original.names
        ):
            return self._module_import(updated, source)
        return updated

    def _settings_import(self, node: cst.ImportFrom) -> cst.ImportFrom | cst.RemovalSentinel:
        assert not isinstance(node.names, cst.ImportStar)
        helpers = [
            alias
            for alias in node.names
            if not _SETTING.match(cst.helpers.get_full_name_for_node(alias.name) or "")
        ]
        if not helpers:
            return cst.RemovalSentinel.REMOVE
        helpers[-1] = helpers[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        home = (
            "base"
            if all(
                cst.helpers.get_full_name_for_node(alias.name) in self.base_names
                for alias in helpers
            )
            else "development"
        )
        target = f"{self.collect.settings}.{home}"
        return node.with_changes(module=cst.parse_expression(target), relative=[], names=helpers)

    def _module_import(self, node: cst.ImportFrom, source: str) -> cst.ImportFrom:
        assert not isinstance(node.names, cst.ImportStar)
        if len(node.names) != 1:
            return node
        return node.with_changes(module=cst.parse_expression("django.conf"), relative=[])

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        setting = self.uses.get(original)
        if setting is None:
            return updated
        return cst.Attribute(value=cst.Name(self.settings_name), attr=cst.Name(setting))


def _uses(tree: cst.Module, names: dict[str, str]) -> dict[cst.Name, str]:
    """Every Name node reading an imported setting (scope analysis: shadowing respected)."""
    wrapper = MetadataWrapper(tree, unsafe_skip_copy=True)
    scopes = wrapper.resolve(ScopeProvider)
    scope = scopes[tree]
    found: dict[cst.Name, str] = {}
    assert scope is not None
    for local, setting in names.items():
        for assignment in scope.assignments[local]:
            if not isinstance(assignment, Assignment) or not isinstance(
                assignment.node, cst.ImportFrom | cst.ImportAlias
            ):
                continue
            for access in assignment.references:
                if isinstance(access.node, cst.Name):
                    found[access.node] = setting
    return found


def _blockers(
    tree: cst.Module, collect: _Collect, project: Project, module: str | None
) -> str | None:
    if collect.unsupported:
        return "imports it with `import` (it becomes development.py's module)"
    for local in collect.plan.names:
        if findall(tree, m.AssignTarget(m.Name(local))) or findall(tree, m.Global()):
            return f"rebinds {local}"
        target = f"{module}.{local}"
        if any(project.mentions(path, target) for path in project.paths):
            return f"something patches {target}"
    for alias in collect.plan.module_aliases:
        attributes = {
            node.attr.value
            for node in findall(tree, m.Attribute(value=m.Name(alias)))
            if isinstance(node, cst.Attribute)
        }
        if any(not _SETTING.match(name) for name in attributes):
            return f"reads non-setting attributes of {alias}"
    return None


def _settings_name(tree: cst.Module) -> str:
    """`settings`, unless the file already uses that name for something else."""
    for node in findall(
        tree, m.ImportFrom(module=m.Attribute(value=m.Name("django"), attr=m.Name("conf")))
    ):
        assert isinstance(node, cst.ImportFrom)
        if not isinstance(node.names, cst.ImportStar) and any(
            m.matches(alias.name, m.Name("settings")) and alias.asname is None
            for alias in node.names
        ):
            return "settings"
    names = _NamesOutsideImports()
    tree.visit(names)
    return "django_settings" if "settings" in names.found else "settings"


class _NamesOutsideImports(cst.CSTVisitor):
    """Every variable name the module uses, import statements and attribute names aside."""

    def __init__(self) -> None:
        super().__init__()
        self.found: set[str] = set()

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)
        return False

    def visit_Name(self, node: cst.Name) -> None:
        self.found.add(node.value)


def _rewrite(
    project: Project, path: str, settings: str, base_names: Collection[str]
) -> tuple[cst.Module | None, str | None, list[str]]:
    module = project.module_for(path)
    tree = project.tree(path)
    collect = _Collect(settings, module, path.endswith("__init__.py"))
    tree.visit(collect)
    plan = collect.plan
    if not (plan.names or plan.helpers or plan.module_aliases or collect.unsupported):
        return None, None, []
    blocked = _blockers(tree, collect, project, module)
    if blocked:
        return None, blocked, []
    name = _settings_name(tree)
    updated = tree.visit(_Rewrite(collect, name, base_names, _uses(tree, plan.names)))
    if plan.names:
        # libcst.codemod imports libcst.matchers (0.3 s): only when an import is added this way
        from libcst.codemod import CodemodContext
        from libcst.codemod.visitors import AddImportsVisitor

        context = CodemodContext()
        AddImportsVisitor.add_needed_import(
            context, "django.conf", "settings", None if name == "settings" else name
        )
        updated = AddImportsVisitor(context).transform_module(updated)
    return updated, None, sorted(set(plan.names.values()))


def settings_lookups(
    project: Project, settings: str, folder: str, base_names: Collection[str]
) -> AppCode:
    found = AppCode()
    for path in project.python_paths():
        if (
            path.startswith(folder + "/")
            or is_migration(path)
            or not project.imports(path).relation(settings)[0]  # no import reaches the module
        ):
            continue
        tree = project.tree(path)
        if _is_settings_file(path, tree, settings, project.module_for(path)):
            continue
        updated, blocked, names = _rewrite(project, path, settings, base_names)
        if blocked:
            found.notes.append(
                Note(
                    path,
                    None,
                    f"imports {settings} directly but {blocked}: read django.conf.settings by hand",
                )
            )
        if updated is None:
            continue
        found.writes[path] = updated
        if names:
            found.notes.append(
                Note(
                    path,
                    None,
                    f"reads {', '.join(names)} through django.conf.settings (the active "
                    f"settings) instead of importing {settings}",
                )
            )
    return found
