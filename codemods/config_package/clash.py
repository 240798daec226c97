"""A `config` module or package that is already there: merge it safely, or leave the step.

`config/` must never shadow what the project has. A `config.py` becomes `config/__init__.py`
(the same names for its importers) and an existing `config/` package keeps its modules, but
only when importing it cannot run project or Django code before the settings are loaded:
`config/__init__.py` is imported first whenever `config.settings` is.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from djrefactor.analysis import patterns as m
from djrefactor.analysis.tree import findall
from djrefactor.engine import Project


@dataclass(frozen=True)
class Existing:
    """What is in the way: the file holding `config`'s top-level code, its text, and whether
    the step must stop (with the reason)."""

    path: str | None
    text: str
    blocked: str | None


def _imported_roots(tree: cst.Module) -> set[str]:
    roots = set()
    for node in findall(tree, m.Import() | m.ImportFrom()):
        if isinstance(node, cst.Import):
            names = [cst.helpers.get_full_name_for_node(alias.name) or "" for alias in node.names]
        else:
            assert isinstance(node, cst.ImportFrom)
            if node.relative:
                names = ["."]
            else:
                module = node.module
                names = [cst.helpers.get_full_name_for_node(module) or "" if module else ""]
        roots |= {name.split(".")[0] for name in names}
    return roots


def _unsafe_import(project: Project, path: str, target: str) -> str | None:
    """The first import that could load Django or the project before settings do."""
    for root in sorted(_imported_roots(project.tree(path))):
        if root == "django":
            return "django"
        if root != target and root != "." and (project.path_for(root) or project.is_package(root)):
            return root
    return None


def existing_config(project: Project, target: str) -> Existing:
    if project.is_package(target):
        init = project.path_for(target)
        assert init is not None
        unsafe = _unsafe_import(project, init, target)
        reason = (
            f"{init} imports {unsafe}, and importing {target}.settings would run it first; "
            "merge by hand"
            if unsafe
            else None
        )
        return Existing(init, project.text(init), reason)
    module = project.path_for(target)
    if module is None:
        return Existing(None, "", None)
    unsafe = _unsafe_import(project, module, target)
    if unsafe:
        return Existing(
            module,
            "",
            f"{module} imports {unsafe}; as {target}/__init__.py it would run before the "
            f"settings load, so rename it (or merge it into {target}/ by hand)",
        )
    return Existing(module, project.text(module), None)
