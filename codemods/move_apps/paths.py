"""Paths into a moving app's folder built in Python: `BASE_DIR / "shop" / "static"`,
`os.path.join(BASE_DIR, "shop", "templates")`. The engine follows dotted names, and folder paths
in config files, but a path put together in code is only strings, and `"shop"` alone may just
as well be the label: each one is a note, for a human to point at `apps/shop`.
"""

from __future__ import annotations

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from djrefactor.analysis import patterns as m
from djrefactor.engine import Note, Project

from .select import AppMove

_JOIN = m.Call(
    func=m.Attribute(value=m.Name("path") | m.Attribute(attr=m.Name("path")), attr=m.Name("join"))
)


class _PathStrings(cst.CSTVisitor):
    """Strings naming `folder` (or a path below it) as a path segment."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, folder: str) -> None:
        super().__init__()
        self.folder = folder
        self.lines: list[int] = []

    def _names_folder(self, node: cst.BaseExpression) -> bool:
        if not isinstance(node, cst.SimpleString):
            return False
        value = node.evaluated_value
        return isinstance(value, str) and (
            value == self.folder or value.startswith(self.folder + "/")
        )

    def _found(self, node: cst.CSTNode) -> None:
        self.lines.append(self.get_metadata(PositionProvider, node).start.line)

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if isinstance(node.operator, cst.Divide) and self._names_folder(node.right):
            self._found(node)

    def visit_Call(self, node: cst.Call) -> None:
        if m.matches(node, _JOIN) and any(self._names_folder(arg.value) for arg in node.args):
            self._found(node)


def path_notes(project: Project, move: AppMove) -> list[Note]:
    """A note at each path into the app's folder spelled in Python code outside the app."""
    root = project.source_root + "/" if project.source_root else ""
    folder = move.app.path.removeprefix(root)
    new = project.module_path(move.new).removeprefix(root)
    quoted = (f'"{folder}', f"'{folder}")
    notes = []
    for path in project.python_paths():
        if path.startswith(move.app.path + "/") or not project.mentions(path, *quoted):
            continue
        visitor = _PathStrings(folder)
        MetadataWrapper(project.tree(path), unsafe_skip_copy=True).visit(visitor)
        notes += [
            Note(
                path,
                line,
                f"a path into {folder}/ built in code; {move.old} now lives in "
                f"{new}/, so point it there by hand",
            )
            for line in visitor.lines
        ]
    return notes
