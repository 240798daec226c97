"""Apply one codemod's `Changes` to a snapshot: writes, deletes, module moves, then redirects.

A move carries the module's file to its new place (relative imports spelled absolute where the
move would break them) and implies a redirect of its dotted name; file paths of moved modules
named in config files follow too. A package moves as a whole: every file below it, the opaque
ones (images, binary fixtures) included as pure renames; relative imports inside it stay, those
reaching out of it are spelled absolute, and config files naming its folder follow.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Mapping

import libcst as cst
from libcst.helpers import get_full_name_for_node

from djrefactor.analysis.imports import (
    ImportStatements,
    code_and_import_statements,
    resolve_relative,
)
from djrefactor.analysis.nodes import dotted_expr, module_code
from djrefactor.discovery.files import is_config_file, is_settings_path
from djrefactor.engine.import_style import import_style
from djrefactor.engine.imports import add_imports, remove_unused_imports
from djrefactor.engine.redirects import redirect
from djrefactor.model import Changes, Redirect
from djrefactor.project import Project, is_python


class _Absolutize(cst.CSTTransformer):
    """Relative imports of a file that is about to move, spelled absolute from its old place,
    except those that still name the same module from the new place (it moves along)."""

    def __init__(self, module: str, new: str, moves: Mapping[str, str]) -> None:
        super().__init__()
        self.module = module
        self.new = new
        self.moves = moves

    def leave_ImportFrom(self, original: cst.ImportFrom, updated: cst.ImportFrom) -> cst.ImportFrom:
        if not updated.relative:
            return updated
        name = get_full_name_for_node(updated.module) if updated.module else None
        level = len(updated.relative)
        absolute = resolve_relative(self.module, False, level, name)
        if absolute is None:
            return updated
        if name and self.moves.get(absolute) == resolve_relative(self.new, False, level, name):
            return updated
        return updated.with_changes(module=dotted_expr(absolute), relative=[])


class _AbsolutizeOutside(cst.CSTTransformer):
    """Relative imports of a file whose whole package moves, spelled absolute where they reach
    out of that package (inside it, the same dots name the same module after the move)."""

    def __init__(self, module: str, is_package: bool, package: str) -> None:
        super().__init__()
        self.module = module
        self.is_package = is_package
        self.package = package

    def leave_ImportFrom(self, original: cst.ImportFrom, updated: cst.ImportFrom) -> cst.ImportFrom:
        if not updated.relative:
            return updated
        name = get_full_name_for_node(updated.module) if updated.module else None
        absolute = resolve_relative(self.module, self.is_package, len(updated.relative), name)
        if absolute is None or absolute == self.package or absolute.startswith(self.package + "."):
            return updated
        return updated.with_changes(module=dotted_expr(absolute), relative=[])


def _move_package(project: Project, old: str, new: str) -> tuple[Project, dict[str, str]]:
    """The snapshot with every file below package `old` moved below `new`, and the renames."""
    source = project.module_path(old) + "/"
    target = project.module_path(new) + "/"
    fixed = sorted(path for path in project.fixed_paths if path.startswith(source))
    if fixed:
        raise ValueError(f"cannot move package {old}: {fixed[0]} must stay where it is")
    texts: dict[str, str] = {}
    trees: dict[str, cst.Module] = {}
    renames: dict[str, str] = {}
    for path in [*project.paths, *sorted(project.opaque_paths)]:
        if not path.startswith(source):
            continue
        renames[path] = target + path[len(source) :]
        module = project.module_for(path)
        if module is None or not project.mentions(path, "from ."):
            continue
        tree = project.tree(path)
        absolute = tree.visit(_AbsolutizeOutside(module, path.endswith("__init__.py"), old))
        if not absolute.deep_equals(tree):
            texts[path], trees[path] = module_code(absolute), absolute
    snapshot = project.evolve(texts, trees, ()).renamed(renames)
    inits = dict.fromkeys(_missing_inits(snapshot, target + "__init__.py"), "")
    return snapshot.evolve(inits, {}, ()), renames


def _move_module(
    project: Project, old: str, new: str, moves: Mapping[str, str]
) -> tuple[dict[str, str], dict[str, cst.Module], dict[str, str]]:
    """Texts and trees at the new place, and the renames old path -> new path."""
    source = project.path_for(old)
    if source is None:
        raise ValueError(f"cannot move {old}: no such module")
    if source.endswith("__init__.py"):
        raise ValueError(f"cannot move package {old}: move its modules one by one")
    target = project.module_path(new) + ".py"
    tree = project.tree(source)
    if project.mentions(source, "from ."):
        tree = tree.visit(_Absolutize(old, new, moves))
    texts = {target: module_code(tree)}
    trees = {target: tree}
    for init in _missing_inits(project, target):
        texts[init] = ""
    return texts, trees, {source: target}


def _missing_inits(project: Project, target: str) -> list[str]:
    root = project.source_root
    parts = target.split("/")[:-1]
    missing = []
    for end in range(len(root.split("/")) if root else 0, len(parts)):
        init = "/".join(parts[: end + 1] + ["__init__.py"])
        if not project.exists(init):
            missing.append(init)
    return missing


def apply_changes(
    project: Project,
    changes: Changes,
    progress: Callable[[str, int, int], None] | None = None,
) -> tuple[Project, dict[str, str]]:
    """The snapshot after `changes`, and which paths were renamed to which; `progress` hears
    of each file the reference pass looks at."""
    texts: dict[str, str] = {}
    trees: dict[str, cst.Module] = {}
    for path, content in changes.writes.items():
        if isinstance(content, cst.Module):
            trees[path] = content
        else:
            texts[path] = content
    snapshot = _edit_imports(project, texts, trees, changes)
    renames: dict[str, str] = {}
    folders: dict[str, str] = {}
    redirects = {redirect.old: redirect for redirect in changes.redirects}
    for old, new in changes.moves.items():
        if snapshot.is_package(old):
            snapshot, moved = _move_package(snapshot, old, new)
            folders[snapshot.module_path(old)] = snapshot.module_path(new)
        else:
            moved_texts, moved_trees, moved = _move_module(snapshot, old, new, changes.moves)
            snapshot = snapshot.evolve(moved_texts, moved_trees, moved)
        renames.update(moved)
        redirects.setdefault(old, Redirect(old, new))
    folders.update(_emptied_folders(project, snapshot, renames, folders))
    module_files = {old: new for old, new in renames.items() if not _below(old, folders)}
    snapshot = _rename_folders(_rename_paths(snapshot, module_files), folders)
    return redirect(snapshot, list(redirects.values()), progress), renames


def _emptied_folders(
    before: Project, after: Project, renames: Mapping[str, str], folders: Mapping[str, str]
) -> dict[str, str]:
    """Folders whose every file moved, module by module, below one new folder (a settings
    package moved to config/settings/, its `__init__.py` written anew there): config files
    naming the folder (`omit = mysite/settings/*`) follow as they do a package move. The
    outermost such folder, and only one nothing is left in."""
    files = sorted({*before.paths, *before.opaque_paths})
    left = {*after.paths, *after.opaque_paths}
    found: dict[str, str] = {}
    candidates = sorted(
        {old.rsplit("/", depth)[0] for old in renames for depth in range(1, old.count("/") + 1)},
        key=lambda folder: folder.count("/"),
    )
    for folder in candidates:
        if _below(folder, {**folders, **found}) or folder in folders:
            continue
        target = _common_target(folder, _files_below(files, folder), renames, left)
        if target is not None and not any(path.startswith(folder + "/") for path in left):
            found[folder] = target
    return found


def _files_below(files: list[str], folder: str) -> list[str]:
    start = bisect.bisect_left(files, folder + "/")
    end = bisect.bisect_left(files, folder + "0")  # "0" sorts right after "/"
    return files[start:end]


def _common_target(
    folder: str, below: list[str], renames: Mapping[str, str], left: set[str]
) -> str | None:
    """The one folder every file of `folder` went to: moved there, or deleted with a file of
    its name written there; None when they went different ways."""
    targets: set[str] = set()
    deleted: list[str] = []
    for path in below:
        rest = path[len(folder) :]
        new = renames.get(path)
        if new is None:
            deleted.append(rest)
        elif new.endswith(rest) and len(new) > len(rest):
            targets.add(new[: -len(rest)])
        else:
            return None
    if len(targets) != 1:
        return None
    [target] = targets
    if target == folder or any(target + rest not in left for rest in deleted):
        return None
    return target


def _below(path: str, folders: Mapping[str, str]) -> bool:
    return any(path.startswith(folder + "/") for folder in folders)


def _edit_imports(
    previous: Project, texts: dict[str, str], trees: dict[str, cst.Module], changes: Changes
) -> Project:
    """The snapshot after the step's writes and deletes, with the imports each Python file the
    step writes (or asks imports for) needs added, and the ones the step left unused removed, in
    the project's own import order. A written tree is rendered once, after its import edits."""
    # What decides the import order (config files, which top-level names are first-party) is
    # read from the layout of the step's result; the written trees' texts are not needed for it.
    layout = previous.evolve({**texts, **dict.fromkeys(trees, "")}, {}, changes.deletes)
    written = [path for path in changes.writes if is_python(path) and layout.exists(path)]
    paths = sorted({*written, *changes.imports})
    if not paths:  # nothing written is Python: no placeholder in the layout
        return layout
    style = import_style(layout)
    rendered: dict[str, str] = {}
    statements: dict[str, ImportStatements] = {}
    kept_trees = dict(trees)
    for path in paths:
        if not layout.exists(path):
            raise ValueError(f"{path}: imports requested for a file that does not exist")
        tree = trees.get(path)
        if tree is None:
            tree = layout.tree(path) if path in texts else previous.tree(path)
        is_package = path.endswith("__init__.py")
        edited = add_imports(
            tree, changes.imports.get(path, ()), style, layout.module_for(path), is_package
        )
        before = previous.tree(path) if previous.exists(path) else None
        edited = remove_unused_imports(
            before, edited, style, is_package=is_package, is_settings=is_settings_path(path)
        )
        kept_trees[path] = edited
        if edited is not tree or path in trees:
            rendered[path], statements[path] = code_and_import_statements(edited)
    return previous.evolve({**texts, **rendered}, kept_trees, changes.deletes, statements)


def _rename_paths(project: Project, renames: Mapping[str, str]) -> Project:
    """File paths of moved modules named in config files (setup.cfg per-file-ignores, tox,
    Dockerfile COPY...) follow the move."""
    if not renames:
        return project
    patterns = [
        (old, re.compile(rf"(?<![\w./-]){re.escape(old)}(?![\w/])"), new)
        for old, new in renames.items()
    ]
    texts: dict[str, str] = {}
    for path in project.paths:
        if is_python(path):
            continue
        text = project.text(path)
        new_text = text
        for old, pattern, new in patterns:
            if old in new_text:  # a substring test is far cheaper than the pattern's search
                new_text = pattern.sub(new, new_text)
        if new_text != text:
            texts[path] = new_text
    return project.evolve(texts, {}, ())


def _rename_folders(project: Project, folders: Mapping[str, str]) -> Project:
    """Folder paths of moved packages named in config files (`omit = shop/migrations/*`,
    `exclude = ./shop/`, `per-file-ignores = shop/views.py:E501`) follow the move; templates
    and data files are left alone (`"shop/base.html"` names a template, not a folder). Files
    inside the source root also name folders relative to it."""
    if not folders:
        return project
    root = project.source_root + "/" if project.source_root else ""
    texts: dict[str, str] = {}
    for path in project.paths:
        if is_python(path) or not is_config_file(path):
            continue
        text = project.text(path)
        new_text = text
        for old, new in folders.items():
            if old + "/" in new_text:
                new_text = _folder_pattern(old).sub(rf"\g<1>{new}/", new_text)
            inside = old.removeprefix(root)
            if root and path.startswith(root) and inside + "/" in new_text:
                relative = _folder_pattern(inside)
                new_text = relative.sub(rf"\g<1>{new.removeprefix(root)}/", new_text)
        if new_text != text:
            texts[path] = new_text
    return project.evolve(texts, {}, ())


def _folder_pattern(folder: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w./-])(\./)?{re.escape(folder)}/")
