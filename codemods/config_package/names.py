"""Strings that look like a moved module but name something else: logger and task names.

`logging.getLogger("mysite.settings")` and a LOGGING `loggers` key name a logger, and a beat
entry's `"task": "mysite.celery.cleanup"` names a task whose name stays as it was; rewriting
them with the module would silence LOGGING configuration or orphan queued tasks. A file whose
every reference to a moved module is such a name keeps its text (its redirect target is the old
name itself); a file that also imports the module cannot, and gets a note.
"""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst

from djrefactor.analysis import patterns as m
from djrefactor.analysis.imports import resolve_relative
from djrefactor.analysis.nodes import string_value
from djrefactor.analysis.tree import findall
from djrefactor.engine import Note, Project, Redirect

_LOGGER_CALL = m.Call(func=m.Name("getLogger") | m.Attribute(attr=m.Name("getLogger")))
_TASK_CALL = m.Call(func=m.Attribute(attr=m.Name("send_task") | m.Name("signature")))


class _References(cst.CSTVisitor):
    """Strings naming `old` (or below it), split into names (logger, task) and the rest."""

    def __init__(self, old: str, tasks: frozenset[str]) -> None:
        super().__init__()
        self.old = old
        self.tasks = tasks
        self.names: list[cst.SimpleString] = []
        self.others = 0
        self._named: set[int] = set()

    def _refers(self, node: cst.BaseExpression) -> bool:
        if not isinstance(node, cst.SimpleString):
            return False
        value = string_value(node)
        return isinstance(value, str) and (value == self.old or value.startswith(self.old + "."))

    def _mark(self, node: cst.BaseExpression) -> None:
        if self._refers(node):
            self._named.add(id(node))

    def visit_Call(self, node: cst.Call) -> None:
        if node.args and (m.matches(node, _LOGGER_CALL) or m.matches(node, _TASK_CALL)):
            self._mark(node.args[0].value)

    def visit_DictElement(self, node: cst.DictElement) -> None:
        loggers = m.SimpleString('"loggers"') | m.SimpleString("'loggers'")
        if m.matches(node.key, loggers) and isinstance(node.value, cst.Dict):
            for element in node.value.elements:
                if isinstance(element, cst.DictElement):
                    self._mark(element.key)
        if m.matches(node.key, m.SimpleString('"task"') | m.SimpleString("'task'")):
            value = node.value
            if isinstance(value, cst.SimpleString) and value.evaluated_value in self.tasks:
                self._mark(value)

    def leave_SimpleString(self, original: cst.SimpleString) -> None:
        if not self._refers(original):
            return
        if id(original) in self._named:
            self.names.append(original)
        else:
            self.others += 1


def _imports(tree: cst.Module, module: str | None, is_package: bool, old: str) -> bool:
    for node in findall(tree, m.Import() | m.ImportFrom()):
        if isinstance(node, cst.Import):
            dotted = [cst.helpers.get_full_name_for_node(alias.name) or "" for alias in node.names]
        else:
            assert isinstance(node, cst.ImportFrom)
            name = cst.helpers.get_full_name_for_node(node.module) if node.module else None
            base = resolve_relative(module, is_package, len(node.relative), name) or ""
            aliases = [] if isinstance(node.names, cst.ImportStar) else node.names
            dotted = [base] + [
                f"{base}.{cst.helpers.get_full_name_for_node(alias.name)}" for alias in aliases
            ]
        if any(d == old or d.startswith(old + ".") for d in dotted):
            return True
    return False


def keep_names(
    project: Project,
    moves: Mapping[str, str],
    tasks: frozenset[str],
    pinned: Mapping[str, str],
) -> tuple[list[Redirect], list[Note]]:
    """A redirect per moved module that keeps logger/task names as written, and notes for the
    files where they cannot be kept apart from real references. `pinned` maps files (at their
    new path) to the module whose task names they spell out on purpose."""
    redirects: list[Redirect] = []
    notes: list[Note] = []
    for old, new in moves.items():
        keep = {path: module for path, module in pinned.items() if module == old}
        for path in project.python_paths():
            if not project.mentions(path, old):
                continue
            tree = project.tree(path)
            visitor = _References(old, tasks)
            tree.visit(visitor)
            if not visitor.names:
                continue
            module = project.module_for(path)
            if visitor.others or _imports(tree, module, path.endswith("__init__.py"), old):
                notes.append(_mixed_note(path, old, new))
                continue
            keep[_new_path(project, path, moves)] = old
        if keep:
            redirects.append(Redirect(old, new, keep))
    return redirects, notes


def _new_path(project: Project, path: str, moves: Mapping[str, str]) -> str:
    module = project.module_for(path)
    if module is not None and module in moves:
        return project.module_path(moves[module]) + ".py"
    return path


def _mixed_note(path: str, old: str, new: str) -> Note:
    return Note(
        path,
        None,
        f"a logger or task name {old!r} here is rewritten to {new!r} with the module "
        "references of this file; check LOGGING and queued task names",
    )
