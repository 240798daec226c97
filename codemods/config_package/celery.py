"""Carry the project's Celery app into config/, the way cookiecutter-django lays it out.

`<pkg>/celery.py` becomes `config/celery_app.py` and the bootstrap `from .celery import app as
celery_app` moves from `<pkg>/__init__.py` to `config/__init__.py`: once settings live in
config/, nothing imports `<pkg>` when Django starts, and `.delay()` would go to Celery's default
app. Tasks defined in the moved module keep their names (`name=` is set to the old one), so
queued messages and beat schedules still resolve. `celery -A <pkg>` names the package whose
app moved, which no redirect can express: those options are rewritten here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import libcst as cst

from djrefactor.analysis import patterns as m
from djrefactor.analysis.imports import resolve_relative
from djrefactor.analysis.tree import findall
from djrefactor.discovery import CeleryApp
from djrefactor.engine import Note, Project, Redirect, pin_task_names

APP_MODULE = "celery_app"


@dataclass
class Carried:
    """What carrying the app asks for, merged into the step's Changes by `run`."""

    moves: dict[str, str] = field(default_factory=dict)
    writes: dict[str, str | cst.Module] = field(default_factory=dict)
    deletes: set[str] = field(default_factory=set)
    redirects: list[Redirect] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    bootstrap: list[cst.BaseStatement] = field(default_factory=list)
    """Statements for config/__init__.py (the import of the app, its `__all__`)."""
    bootstrap_header: list[cst.EmptyLine] = field(default_factory=list)


def carry_celery(project: Project, package: str, target: str, glue: set[str]) -> Carried:
    """The moves, writes and notes that put the app and its bootstrap into `target`."""
    app = project.facts.celery
    carried = Carried()
    if app is None:
        return carried
    movable = app.module.startswith(package + ".") and not app.path.endswith("__init__.py")
    new_module = f"{target}.{APP_MODULE}" if movable else app.module
    if movable:
        carried.moves[app.module] = new_module
        pinned, names = pin_task_names(project.tree(app.path), app.module, (app.variable,))
        if names:
            carried.writes[app.path] = pinned
            carried.notes.append(_pinned_note(app, new_module))
        carried.notes += _rewrite_app_options(project, package, new_module, carried)
    init = project.path_for(package)
    if app.bootstrap is not None and app.bootstrap == init:
        _take_bootstrap(project, app, init, package, target, new_module, glue, carried)
    return carried


# -- task names -----------------------------------------------------------------------------------
def _pinned_note(app: CeleryApp, new_module: str) -> Note:
    return Note(
        app.path,
        None,
        f"tasks defined in {app.module} keep their names ({app.module}.<task>, set with "
        f"name=) after the move to {new_module}, so queued messages and beat entries resolve",
    )


# -- celery -A <pkg> ------------------------------------------------------------------------------
def _app_option(package: str) -> re.Pattern[str]:
    """`-A pkg`, `--app pkg`, `--app=pkg`, `"-A", "pkg"` (exec form): the package itself."""
    return re.compile(
        r"""((?:^|(?<=[\s"'\[,]))(?:-A|--app)(?:[ \t]+|=|["'],[ \t]*["']))"""
        rf"({re.escape(package)})(?![\w.:])",
        re.MULTILINE,
    )


def _rewrite_app_options(
    project: Project, package: str, new_module: str, carried: Carried
) -> list[Note]:
    pattern = _app_option(package)
    notes = []
    for path in project.paths:
        if path.endswith(".py") or not project.mentions(path, package):
            continue
        text = project.text(path)
        lines = [text.count("\n", 0, match.start()) + 1 for match in pattern.finditer(text)]
        if not lines:
            continue
        carried.writes[path] = pattern.sub(lambda match: match.group(1) + new_module, text)
        notes.append(
            Note(
                path,
                lines[0],
                f"celery -A {package} now reads -A {new_module} (the app moved there); start "
                "workers and beat defined outside this repository the same way",
            )
        )
    return notes


# -- the bootstrap in <pkg>/__init__.py -----------------------------------------------------------
def _binds_app(statement: cst.BaseStatement, module: str, package: str) -> bool:
    """`from .celery import app as celery_app` in the package's `__init__.py`."""
    if not m.matches(statement, m.SimpleStatementLine(body=[m.ImportFrom()])):
        return False
    assert isinstance(statement, cst.SimpleStatementLine)
    node = statement.body[0]
    assert isinstance(node, cst.ImportFrom)
    name = cst.helpers.get_full_name_for_node(node.module) if node.module else None
    source = resolve_relative(package, True, len(node.relative), name)
    return source == module and not isinstance(node.names, cst.ImportStar)


def _bound_names(statement: cst.BaseStatement) -> set[str]:
    assert isinstance(statement, cst.SimpleStatementLine)
    node = statement.body[0]
    assert isinstance(node, cst.ImportFrom) and not isinstance(node.names, cst.ImportStar)
    names = set()
    for alias in node.names:
        bound = alias.asname.name if alias.asname else alias.name
        if isinstance(bound, cst.Name):
            names.add(bound.value)
    return names


def _all_of(statement: cst.BaseStatement, names: set[str]) -> bool:
    """`__all__ = ("celery_app",)` listing only names the bootstrap binds."""
    if not m.matches(
        statement,
        m.SimpleStatementLine(body=[m.Assign(targets=[m.AssignTarget(m.Name("__all__"))])]),
    ):
        return False
    strings = findall(statement, m.SimpleString())
    values = {s.evaluated_value for s in strings if isinstance(s, cst.SimpleString)}
    return bool(values) and values <= names


def _import_of(new_module: str, target: str, statement: cst.BaseStatement) -> cst.BaseStatement:
    """The bootstrap import, now naming the app where it lives (relative inside config/)."""
    assert isinstance(statement, cst.SimpleStatementLine)
    node = statement.body[0]
    assert isinstance(node, cst.ImportFrom)
    if new_module.startswith(target + "."):
        rest = new_module[len(target) + 1 :]
        moved = node.with_changes(module=cst.parse_expression(rest), relative=[cst.Dot()])
    else:
        moved = node.with_changes(module=cst.parse_expression(new_module), relative=[])
    return statement.with_changes(body=[moved])


def _take_bootstrap(
    project: Project,
    app: CeleryApp,
    init: str,
    package: str,
    target: str,
    new_module: str,
    glue: set[str],
    carried: Carried,
) -> None:
    tree = project.tree(init)
    body = list(tree.body)
    taken = [s for s in body if _binds_app(s, app.module, package)]
    if not taken:
        return
    names = set().union(*(_bound_names(s) for s in taken))
    taken += [s for s in body if _all_of(s, names)]
    kept = [s for s in body if s not in taken]
    if body and body[0] is taken[0]:
        carried.bootstrap_header = [line for line in tree.header if not _is_shebang(line)]
        header = [line for line in tree.header if _is_shebang(line)]
    else:
        header = list(tree.header)
    carried.bootstrap = [
        _import_of(new_module, target, s) if _binds_app(s, app.module, package) else s
        for s in taken
    ]
    carried.redirects += [
        Redirect(f"{package}.{name}", f"{target}.{name}") for name in sorted(names)
    ]
    if not kept and _package_is_empty(project, package, init, glue | set(carried.moves)):
        carried.deletes.add(init)
    elif not kept and not header:
        carried.writes[init] = ""
    else:
        carried.writes[init] = tree.with_changes(header=header, body=kept)
    carried.notes.append(
        Note(
            init,
            None,
            f"the Celery bootstrap moved to {target}/__init__.py: importing {target}.settings "
            "loads the app, so `.delay()` and CELERY_* settings keep working in web processes",
        )
    )


def _is_shebang(line: cst.EmptyLine) -> bool:
    return line.comment is not None and line.comment.value.startswith(("#!", "# -*-"))


def _package_is_empty(project: Project, package: str, init: str, leaving: set[str]) -> bool:
    """No other module stays in the package, and INSTALLED_APPS does not name it."""
    directory = project.module_path(package) + "/"
    staying = [
        path
        for path in project.python_paths()
        if path.startswith(directory) and path != init and project.module_for(path) not in leaving
    ]
    return not staying and package not in project.facts.installed_apps
