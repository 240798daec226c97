"""Which settings module the project runs, and why none was found when none is.

The module comes from `--settings` / `[tool.djrefactor] settings`, else from the
`DJANGO_SETTINGS_MODULE` default of manage.py (or wsgi.py / asgi.py). A default that names a
git-ignored overlay (`mysite.local_settings`, copied by each developer from a committed
`local_settings.py.tmpl`) is followed through the template's star import to the real module.
A configured module that config-package has moved is followed to `config.<rest>`.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from djrefactor.analysis import patterns as m
from djrefactor.analysis.imports import resolve_relative
from djrefactor.analysis.tree import findall
from djrefactor.errors import DjrefactorError
from djrefactor.project import Project

SETTINGS_ENV = "DJANGO_SETTINGS_MODULE"
MOVED_TO = "config"
TEMPLATE_SUFFIXES = (".tmpl", ".template", ".example", ".sample", ".dist", ".in")


@dataclass(frozen=True)
class Overlay:
    """A settings module manage.py names that git does not track, and its committed template."""

    module: str
    template: str


@dataclass(frozen=True)
class FoundSettings:
    module: str | None
    path: str | None
    overlay: Overlay | None
    problem: str
    """Why no module was found, for the one-line error (empty when one was)."""


def settings_default_in(tree: cst.Module) -> str | None:
    """The module a file defaults DJANGO_SETTINGS_MODULE to (`os.environ.setdefault(...)`)."""
    for call in findall(tree, m.Call(args=[m.Arg(m.SimpleString()), m.Arg(m.SimpleString())])):
        assert isinstance(call, cst.Call)
        key = call.args[0].value
        value = call.args[1].value
        if isinstance(key, cst.SimpleString) and key.evaluated_value == SETTINGS_ENV:
            assert isinstance(value, cst.SimpleString)
            evaluated = value.evaluated_value
            return evaluated if isinstance(evaluated, str) else None
    return None


def find_settings(project: Project, manage_py: str | None) -> FoundSettings:
    configured = project.config.settings
    if configured:
        return _configured(project, configured)
    named, source = _named_default(project, manage_py)
    if named is None:
        return FoundSettings(None, None, None, _nothing_named(project, manage_py))
    path = project.path_for(named)
    if path is not None:
        return FoundSettings(named, path, None, "")
    overlay = _overlay(project, named)
    if overlay is not None:
        real, template = overlay
        return FoundSettings(real, project.path_for(real), Overlay(named, template), "")
    raise DjrefactorError(
        f"{source}: DJANGO_SETTINGS_MODULE defaults to {named!r}, which git does not track "
        "(a git-ignored overlay?) and no committed template of it imports the real settings; "
        "pass --settings with the real settings module"
    )


def _configured(project: Project, module: str) -> FoundSettings:
    path = project.path_for(module)
    if path is not None:
        return FoundSettings(module, path, None, "")
    moved = f"{MOVED_TO}.{module.split('.', 1)[1]}" if "." in module else None
    if moved and project.path_for(moved):
        return FoundSettings(moved, project.path_for(moved), None, "")
    raise DjrefactorError(
        f"settings module {module!r} not found under "
        f"{project.source_root or 'the repository root'}; pass --settings"
    )


def _named_default(project: Project, manage_py: str | None) -> tuple[str | None, str]:
    candidates = [manage_py] if manage_py else []
    candidates += [
        path for path in project.python_paths() if path.endswith(("/wsgi.py", "/asgi.py"))
    ]
    for path in candidates:
        if path and project.mentions(path, SETTINGS_ENV):
            found = settings_default_in(project.tree(path))
            if found:
                return found, path
    return None, ""


def _nothing_named(project: Project, manage_py: str | None) -> str:
    if manage_py is None:
        return "no manage.py found (nor a wsgi.py or asgi.py naming DJANGO_SETTINGS_MODULE)"
    return f"{manage_py} sets no DJANGO_SETTINGS_MODULE default"


def _template_candidates(project: Project, module: str) -> list[str]:
    base = project.module_path(module)
    found = []
    for suffix in TEMPLATE_SUFFIXES:
        found += [f"{base}.py{suffix}", f"{base}{suffix}", f"{base}{suffix}.py"]
    found += [f"{base}_example.py", f"{base}_template.py"]
    return [path for path in found if project.exists(path)]


def _overlay(project: Project, module: str) -> tuple[str, str] | None:
    """(the real settings module, the template) for an untracked overlay module."""
    for template in _template_candidates(project, module):
        try:
            tree = cst.parse_module(project.text(template))
        except cst.ParserSyntaxError:
            continue
        for node in findall(tree, m.ImportFrom(names=m.ImportStar())):
            assert isinstance(node, cst.ImportFrom)
            name = cst.helpers.get_full_name_for_node(node.module) if node.module else None
            real = resolve_relative(module, False, len(node.relative), name)
            if real and real != module and project.path_for(real):
                return real, template
    return None
