"""References to a moved Django app that keeps its label: which strings name the package.

After `shop` -> `apps.shop` with the label kept, `"shop"` in `apps.get_model("shop", "Order")`,
`("shop", "0001_initial")`, `"shop.Order"`, `"shop.order"`, `"shop.add_order"` and
`reverse("shop:detail")` still name the label and must keep their text, while `"shop.urls"`,
`"shop.views.stripe"` (a `mock.patch` target) and INSTALLED_APPS' `"shop"` name the package and
must follow it. A string follows only where it names a module of the package or sits where
Django and its tools read module names (INSTALLED_APPS, loggers, `is_installed`, Celery's
`autodiscover_tasks`); in config files, the test, coverage and first-party settings that name
packages (`--cov=shop`, `testpaths`, `known_first_party`) follow too. Templates and data files
(fixtures' `"model": "shop.order"`) are never touched.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import libcst as cst

from djrefactor.analysis import patterns as m
from djrefactor.analysis.tree import findall
from djrefactor.model import Redirect
from djrefactor.project import Project

IMPORT = "import"
STRING = "string"
MODULE = "module"
"""A string where only a module name can be: INSTALLED_APPS, a logger, `import_module`."""
PATCH = "patch"
"""The target of `mock.patch` / `monkeypatch.setattr`: a module path and attribute."""

_MODULE_CALLS = ("getLogger", "is_installed", "import_module", "__import__", "autodiscover_tasks")
_PATCH_CALLS = ("patch", "setattr")
_LIST_METHODS = ("append", "insert", "extend", "remove", "index")
INSTALLED_APPS = "INSTALLED_APPS"


@dataclass(frozen=True)
class AppStrings:
    """What tells a moved app's module references from its label (see `Redirect.app`)."""

    old: str
    new: str
    modules: frozenset[str]
    """Names directly below the package that are its modules or subpackages."""
    names: frozenset[str]

    @property
    def labelled(self) -> bool:
        """Strings may start with the label: `old` is the label itself (no dots)."""
        return "." not in self.old

    @property
    def top(self) -> str:
        """The new top-level package, for settings listing top-level packages."""
        return self.new.split(".")[0]

    def follows(self, value: str, context: str) -> bool:
        """Does `value`, a reference at or below `old` found in `context`, name the package?"""
        if context == IMPORT:
            return True
        if value in self.names:
            return context == PATCH
        if not self.labelled or context == MODULE:
            return True
        if not value.startswith(self.old + "."):
            return False  # the label itself, or a URL namespace (`shop:detail`)
        return value[len(self.old) + 1 :].split(".")[0] in self.modules


def app_strings(project: Project, redirect: Redirect) -> AppStrings:
    """The rules for an app redirect, on the snapshot where its package already moved."""
    prefix = redirect.new + "."
    modules = set()
    for path in project.python_paths():
        module = project.module_for(path)
        if module is not None and module.startswith(prefix):
            modules.add(module[len(prefix) :].split(".")[0])
    return AppStrings(redirect.old, redirect.new, frozenset(modules), redirect.names)


# -- where a Python string sits --------------------------------------------------------------------
def _last_name(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return None


def _strings(node: cst.CSTNode) -> list[cst.SimpleString]:
    return [s for s in findall(node, m.SimpleString()) if isinstance(s, cst.SimpleString)]


class StringContexts(cst.CSTVisitor):
    """The context of every string of a module that is not a plain string (by node id)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: dict[int, str] = {}

    def _mark(self, nodes: list[cst.SimpleString], context: str) -> None:
        for node in nodes:
            self.found.setdefault(id(node), context)

    def visit_Call(self, node: cst.Call) -> None:
        name = _last_name(node.func)
        if name in _PATCH_CALLS and node.args:
            self._mark(_strings(node.args[0].value)[:1], PATCH)
        elif name in _MODULE_CALLS and node.args:
            whole = name == "autodiscover_tasks"
            self._mark(_strings(node.args[0].value)[: None if whole else 1], MODULE)
        elif (
            name in _LIST_METHODS
            and isinstance(node.func, cst.Attribute)
            and _last_name(node.func.value) == INSTALLED_APPS
        ):
            for arg in node.args:
                self._mark(_strings(arg.value), MODULE)
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value == INSTALLED_APPS:
                self._mark(_strings(arg.value), MODULE)

    def visit_Assign(self, node: cst.Assign) -> None:
        if any(_last_name(target.target) == INSTALLED_APPS for target in node.targets):
            self._mark(_strings(node.value), MODULE)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if _last_name(node.target) == INSTALLED_APPS:
            self._mark(_strings(node.value), MODULE)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None and _last_name(node.target) == INSTALLED_APPS:
            self._mark(_strings(node.value), MODULE)

    def visit_DictElement(self, node: cst.DictElement) -> None:
        if _is_string(node.key, "loggers") and isinstance(node.value, cst.Dict):
            for element in node.value.elements:
                if isinstance(element, cst.DictElement) and isinstance(
                    element.key, cst.SimpleString
                ):
                    self._mark([element.key], MODULE)

    def visit_Subscript(self, node: cst.Subscript) -> None:
        """`LOGGING["loggers"]["shop"]`: the logger's name."""
        inner = node.value
        if not isinstance(inner, cst.Subscript) or len(inner.slice) != 1 or len(node.slice) != 1:
            return
        key = inner.slice[0].slice
        name = node.slice[0].slice
        if (
            isinstance(key, cst.Index)
            and _is_string(key.value, "loggers")
            and isinstance(name, cst.Index)
            and isinstance(name.value, cst.SimpleString)
        ):
            self._mark([name.value], MODULE)


def _is_string(node: cst.BaseExpression, value: str) -> bool:
    return isinstance(node, cst.SimpleString) and node.evaluated_value == value


def string_contexts(tree: cst.Module) -> dict[int, str]:
    visitor = StringContexts()
    tree.visit(visitor)
    return visitor.found


# -- config files: settings that name packages --------------------------------------------------
_KEY = re.compile(r"^([A-Za-z_][\w.-]*)\s*[=:]\s*(.*)$")
_SECTION = re.compile(r"^\s*\[+([^\]]+)\]+\s*$")
_FIRST_PARTY_KEYS = (
    "known_first_party",
    "known-first-party",
    "known_local_folder",
    "known-local-folder",
)
_MODULE_KEYS = ("source", "source_pkgs", "source-pkgs")
_PATH_KEYS = ("testpaths",)
_IMPORTLINTER_TOP_KEYS = ("root_packages", "root_package")
_IMPORTLINTER_MODULE_KEYS = ("source_modules", "forbidden_modules", "modules")
_COMMANDS = (
    re.compile(r"--(?:cov|source)(?:=|[ \t]+)"),
    re.compile(r"\bmanage\.py[ \t]+test[ \t]+"),
)


def _replacement(app: AppStrings, section: str, key: str | None) -> str | None:
    """What a bare app name becomes as a value of `key` (None: it stays)."""
    if key in _FIRST_PARTY_KEYS:
        return app.top
    if key in _MODULE_KEYS:
        return app.new
    if key in _PATH_KEYS:
        return app.new.replace(".", "/")
    if "importlinter" in section and key in _IMPORTLINTER_TOP_KEYS:
        return app.top
    if "importlinter" in section and key in _IMPORTLINTER_MODULE_KEYS:
        return app.new
    return None


def _bare(name: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w./@-]){re.escape(name)}(?![\w/@-]|\.\w)")


def config_names(text: str, app: AppStrings) -> str:
    """Bare app names in a config file's package settings and test commands, rewritten."""
    bare = _bare(app.old)
    if not bare.search(text):
        return text
    lines = text.split("\n")
    section, key = "", None
    for index, line in enumerate(lines):
        header = _SECTION.match(line)
        if header:
            section, key = header.group(1), None
            continue
        start = 0
        keyed = _KEY.match(line)
        if keyed:
            key, start = keyed.group(1).strip("\"'"), keyed.start(2)
        elif line.strip() and not line[:1].isspace() and not line.lstrip().startswith(("]", "#")):
            key = None
        new = _replacement(app, section, key)
        if new is not None and bare.search(line, start):
            value = bare.sub(new, line[start:])
            lines[index] = line[:start] + (_dedupe(value, new) if new == app.top else value)
        lines[index] = _in_commands(lines[index], bare, app.new)
    return "\n".join(lines)


_COMMAND_WORDS = re.compile(r"[^\s;&|#]+(?:[ \t]+[^\s;&|#-][^\s;&|#]*)*")


def _in_commands(line: str, bare: re.Pattern[str], new: str) -> str:
    """`--cov=shop`, `--source shop`, `manage.py test shop other`: module names."""
    for command in _COMMANDS:
        for found in reversed(list(command.finditer(line))):
            rest = line[found.end() :]
            words = _COMMAND_WORDS.match(rest)
            span = words.end() if words else 0
            line = line[: found.end()] + bare.sub(new, rest[:span]) + rest[span:]
    return line


def _dedupe(value: str, top: str) -> str:
    """`known_first_party = apps,apps` (two apps moved) -> `apps`; `["apps", "apps"]` too."""
    seen = False

    def once(found: re.Match[str]) -> str:
        nonlocal seen
        if seen:
            return ""
        seen = True
        return found.group(0)

    item = re.compile(rf"""(\s*,\s*)?(["']?)(?<![\w./-]){re.escape(top)}\2(?![\w./-])""")
    return item.sub(once, value)


def follows_in_text(app: AppStrings, value: str, glob: bool) -> bool:
    """A dotted reference in a config file: `shop.views` (a module), `shop.*` (a glob)."""
    if glob and value == app.old:
        return True
    return app.follows(value, STRING)


def redirect_apps(project: Project, redirects: Iterable[Redirect]) -> dict[str, AppStrings]:
    """The string rules of each app redirect, by its old name."""
    return {r.old: app_strings(project, r) for r in redirects if r.app}
