"""Strings below a moved app that are names, not modules: its Celery tasks and its models.

Celery names a task after its module (`shop.tasks.send_receipt`); after the move that would be
`apps.shop.tasks.send_receipt`, and messages already queued, beat entries and `send_task()`
calls would name a task no worker knows. Each task keeps its name (`name=` is set), and the
strings spelling it stay as they are. A model label such as `shop.order` (a fixture's `"model"`,
a migration's `to=`) stays too, even when the app has a module of the same name.
"""

from __future__ import annotations

from pathlib import PurePosixPath

import libcst as cst

from djrefactor.discovery.files import is_migration, is_test_path
from djrefactor.engine import Project, Source, pin_task_names
from djrefactor.engine.import_style import import_style

from .select import AppMove


def _celery_variables(project: Project, path: str) -> tuple[str, ...]:
    """Names the file binds to the project's Celery app (`app` in `@app.task`)."""
    celery = project.facts.celery
    if celery is None:
        return ()
    return tuple(
        imported.local
        for imported in project.imports(path).names
        if imported.module == celery.module and imported.name == celery.variable
    )


def pin_tasks(project: Project, move: AppMove, writes: dict[str, Source]) -> tuple[str, ...]:
    """Pin the name of every task defined in the app (its written text if it has one); the
    names pinned."""
    pinned: list[str] = []
    line_length = import_style(project).line_length
    for path in project.python_paths():
        if not path.startswith(move.app.path + "/") or is_migration(path) or is_test_path(path):
            continue
        if not project.mentions(path, "task"):
            continue
        module = project.module_for(path)
        if module is None:
            continue
        written = writes.get(path)
        tree = written if isinstance(written, cst.Module) else project.tree(path)
        variables = _celery_variables(project, path)
        updated, names = pin_task_names(tree, module, variables, line_length)
        if names:
            writes[path] = updated
            pinned += names
    return tuple(pinned)


def label_models(project: Project, move: AppMove) -> frozenset[str]:
    """`shop.order` for each model `Order` when the app also has a module `shop/order.py`."""
    if move.configs.label != move.old:
        return frozenset()  # strings starting with the label do not start with the module
    children = {
        PurePosixPath(path[len(move.app.path) + 1 :]).parts[0].removesuffix(".py")
        for path in project.python_paths()
        if path.startswith(move.app.path + "/")
    }
    found = set()
    for path in move.app.models:
        for statement in project.tree(path).body:
            if isinstance(statement, cst.ClassDef):
                lowered = statement.name.value.lower()
                if lowered in children:
                    found.add(f"{move.old}.{lowered}")
    return frozenset(found)
