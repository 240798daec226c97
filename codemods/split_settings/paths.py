"""Paths computed from `__file__` in a settings module that moves one folder deeper.

`settings.py` becomes `settings/base.py`, so every "folder of this file" computation needs one
more step up to reach the same folder: `dirname(f)` -> `dirname(dirname(f))`,
`Path(f).parent` -> `Path(f).parent.parent`, `Path(f).parents[n]` -> `Path(f).parents[n + 1]`.
"""

from __future__ import annotations

import libcst as cst
from libcst.helpers import get_full_name_for_node

from djrefactor.analysis import patterns as m
from djrefactor.analysis.tree import findall

FILE = m.Name("__file__")
_ABSOLUTE = ("abspath", "realpath", "normpath")
_PATH_METHODS = ("resolve", "absolute")


def _tail(node: cst.BaseExpression) -> str:
    name = get_full_name_for_node(node) or ""
    return name.rsplit(".", 1)[-1]


def _is_file_string(node: cst.BaseExpression) -> bool:
    """`__file__`, `os.path.abspath(__file__)`, `realpath(__file__)`..."""
    if m.matches(node, FILE):
        return True
    if isinstance(node, cst.Call) and _tail(node.func) in _ABSOLUTE and len(node.args) == 1:
        return _is_file_string(node.args[0].value)
    return False


def _is_file_path(node: cst.BaseExpression) -> bool:
    """`Path(__file__)`, `pathlib.Path(__file__).resolve()`, `.absolute()`..."""
    if not isinstance(node, cst.Call):
        return False
    if _tail(node.func) == "Path" and len(node.args) == 1:
        return _is_file_string(node.args[0].value)
    func = node.func
    if isinstance(func, cst.Attribute) and func.attr.value in _PATH_METHODS and not node.args:
        return _is_file_path(func.value)
    return False


def _is_dirname(node: cst.Call) -> bool:
    return _tail(node.func) == "dirname" and len(node.args) == 1


class DeepenFilePaths(cst.CSTTransformer):
    """Add one `dirname`/`.parent` step to every directory computed from `__file__`."""

    def __init__(self) -> None:
        super().__init__()
        self.adjusted = 0

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if _is_dirname(original) and _is_file_string(original.args[0].value):
            self.adjusted += 1
            inner = updated.with_changes(args=[cst.Arg(original.args[0].value)])
            return updated.with_changes(args=[updated.args[0].with_changes(value=inner)])
        return updated

    def leave_Attribute(
        self, original: cst.Attribute, updated: cst.Attribute
    ) -> cst.BaseExpression:
        if original.attr.value == "parent" and _is_file_path(original.value):
            self.adjusted += 1
            return cst.Attribute(value=updated, attr=cst.Name("parent"))
        return updated

    def leave_Subscript(
        self, original: cst.Subscript, updated: cst.Subscript
    ) -> cst.BaseExpression:
        if not m.matches(
            original,
            m.Subscript(
                value=m.Attribute(attr=m.Name("parents")),
                slice=[m.SubscriptElement(m.Index(m.Integer()))],
            ),
        ):
            return updated
        assert isinstance(original.value, cst.Attribute)
        if not _is_file_path(original.value.value):
            return updated
        index = updated.slice[0].slice
        assert isinstance(index, cst.Index) and isinstance(index.value, cst.Integer)
        self.adjusted += 1
        deeper = cst.Integer(str(int(index.value.value) + 1))
        return updated.with_changes(
            slice=[updated.slice[0].with_changes(slice=index.with_changes(value=deeper))]
        )


def mentions_file(node: cst.CSTNode) -> bool:
    return bool(findall(node, FILE))


def deepen(statement: cst.BaseStatement) -> tuple[cst.BaseStatement, bool]:
    """The statement with `__file__` paths one level deeper, and whether every use was handled."""
    uses = len(findall(statement, FILE))
    if not uses:
        return statement, True
    transformer = DeepenFilePaths()
    updated = statement.visit(transformer)
    assert isinstance(updated, cst.BaseStatement)
    return updated, transformer.adjusted >= uses
