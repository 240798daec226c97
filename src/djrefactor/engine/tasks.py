"""Celery task names that must survive a move: the one engine helper for every codemod that
moves a module defining tasks (config-package's Celery app module, move-apps' app modules).

Celery names a task after the module defining it (`shop.tasks.send_receipt`) unless `name=` says
otherwise. Queued messages, beat schedules and `send_task()` calls carry that name, so after
the module moves the task keeps its old name, set explicitly with `name=`.
"""

from __future__ import annotations

from collections.abc import Collection

import libcst as cst

from djrefactor.analysis import patterns as m
from djrefactor.analysis.nodes import code


def is_task_decorator(decorator: cst.Decorator, apps: Collection[str] = ()) -> bool:
    """`@shared_task`, `@celery.shared_task`, `@app.task` (for the app variables in `apps`),
    with or without arguments."""
    node = decorator.decorator
    func = node.func if isinstance(node, cst.Call) else node
    app = m.Name(m.MatchIfTrue(lambda name: name in apps))
    return m.matches(
        func,
        m.Name("shared_task")
        | m.Attribute(attr=m.Name("shared_task"))
        | m.Attribute(value=app, attr=m.Name("task")),
    )


def _name_argument(name: str) -> cst.Arg:
    return cst.Arg(
        keyword=cst.Name("name"),
        value=cst.SimpleString(f'"{name}"'),
        equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
    )


def named(decorator: cst.Decorator, name: str) -> cst.Decorator:
    """The task decorator with `name="<name>"`, unless it already names the task."""
    node = decorator.decorator
    if not isinstance(node, cst.Call):
        return decorator.with_changes(decorator=cst.Call(func=node, args=[_name_argument(name)]))
    if any(arg.keyword is not None and arg.keyword.value == "name" for arg in node.args):
        return decorator
    args = list(node.args)
    if args:
        args[-1] = args[-1].with_changes(
            comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        )
    return decorator.with_changes(decorator=node.with_changes(args=[*args, _name_argument(name)]))


INDENT = "    "


def _newline(indent: str) -> cst.ParenthesizedWhitespace:
    return cst.ParenthesizedWhitespace(
        first_line=cst.TrailingWhitespace(), indent=True, last_line=cst.SimpleWhitespace(indent)
    )


def wrapped(decorator: cst.Decorator, width: int, line_length: int | None) -> cst.Decorator:
    """The decorator call split the way black splits it when `@...` would be longer than
    `line_length` at `width` columns of indentation: its arguments on one line of their own,
    else one per line with a trailing comma."""
    call = decorator.decorator
    if line_length is None or not isinstance(call, cst.Call) or not call.args:
        return decorator
    if width + 1 + len(code(call)) <= line_length:
        return decorator
    args = [arg.with_changes(comma=cst.MaybeSentinel.DEFAULT) for arg in call.args]
    joined = ", ".join(code(arg) for arg in args)
    last = _newline("")
    if width + len(INDENT) + len(joined) <= line_length:
        args = [
            a.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
            for a in args
        ]
        args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT, whitespace_after_arg=last)
    else:
        args = [a.with_changes(comma=cst.Comma(whitespace_after=_newline(INDENT))) for a in args]
        args[-1] = args[-1].with_changes(comma=cst.Comma(whitespace_after=last))
    split = call.with_changes(whitespace_before_args=_newline(INDENT), args=args)
    return decorator.with_changes(decorator=split)


class _PinTaskNames(cst.CSTTransformer):
    def __init__(self, module: str, apps: Collection[str], line_length: int | None) -> None:
        super().__init__()
        self.module = module
        self.apps = apps
        self.line_length = line_length
        self.pinned: list[str] = []
        self.depth = 0
        self.classes = 0

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self.classes += 1
        return True

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.ClassDef:
        self.classes -= 1
        return updated

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self.depth += 1
        return True

    def leave_FunctionDef(
        self, original: cst.FunctionDef, updated: cst.FunctionDef
    ) -> cst.FunctionDef:
        self.depth -= 1
        if self.depth:
            return updated
        name = f"{self.module}.{original.name.value}"
        width = len(INDENT) * self.classes
        decorators = [
            wrapped(named(d, name), width, self.line_length)
            if is_task_decorator(d, self.apps) and named(d, name) is not d
            else d
            for d in updated.decorators
        ]
        if any(new is not old for new, old in zip(decorators, updated.decorators, strict=True)):
            self.pinned.append(name)
        return updated.with_changes(decorators=decorators)


def pin_task_names(
    tree: cst.Module, module: str, apps: Collection[str] = (), line_length: int | None = None
) -> tuple[cst.Module, tuple[str, ...]]:
    """The tree of `module` with each module-level task named as Celery names it there
    (`<module>.<function>`), and those names; the tree is returned unchanged (the same object)
    when no task needed a name. A decorator growing past `line_length` is split."""
    transformer = _PinTaskNames(module, apps, line_length)
    updated = tree.visit(transformer)
    if not transformer.pinned:
        return tree, ()
    return updated, tuple(transformer.pinned)
