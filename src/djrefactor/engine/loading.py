"""Read the files git tracks into a `Project`: every text file, strict UTF-8 and syntax-checked
for Python; and decide which Django project of the repository is the one to restructure."""

from __future__ import annotations

import ast
import fnmatch
import os
import stat
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path, PurePosixPath

import libcst as cst

from djrefactor.analysis.imports import ImportStatements, import_statements
from djrefactor.config import Config
from djrefactor.discovery import discover
from djrefactor.discovery.files import is_reference_file
from djrefactor.engine.collection import collected_at_end
from djrefactor.errors import DjrefactorError
from djrefactor.project import Project, is_python

SKIPPED_DIRS = frozenset(
    {
        "node_modules",
        ".venv",
        "venv",
        "env",
        "__pycache__",
        "site-packages",
        ".tox",
        "build",
        "dist",
    }
)
MAX_TEXT_BYTES = 1 << 20
"""Larger non-Python files are data, not something that names a module."""


def new_project(
    root: Path,
    texts: dict[str, str],
    config: Config,
    trees: dict[str, cst.Module] | None = None,
    opaque: Iterable[str] = (),
    fixed: Iterable[str] = (),
    imports: Mapping[str, ImportStatements] | None = None,
) -> Project:
    """A snapshot of `texts` (and of the tracked files it cannot read) whose facts come from
    discovery."""
    return Project(root, texts, config, trees, discover, opaque, fixed, imports)


def check_syntax(path: str, text: str) -> cst.Module | ImportStatements:
    """Fail early (before any codemod) on a file the codemods' parser cannot read.

    `ast` (this interpreter's grammar) answers first because it is cheap, and what it read of
    the file's imports is returned so that the text is not parsed by `ast` again. Code it
    rejects that libcst accepts (a newer Python's syntax, such as PEP 701 f-strings on 3.11)
    is fine, and its libcst tree is returned so that it is not parsed twice."""
    try:
        # A UTF-8 BOM is valid in a source file but not in the str that ast.parse takes.
        return import_statements(ast.parse(text.removeprefix("\ufeff"), filename=path))
    except SyntaxError as exc:
        error = exc
    try:
        return cst.parse_module(text)
    except cst.ParserSyntaxError:
        raise DjrefactorError(
            f"{path}:{error.lineno}: cannot parse ({error.msg}); fix it or exclude it "
            "([tool.djrefactor] exclude)"
        ) from None


def decode(path: str, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DjrefactorError(
            f"{path}:{line}: not UTF-8 ({exc.reason}); re-encode it as UTF-8 or exclude it"
        ) from None


def _in_skipped_folder(path: str) -> bool:
    return any(part in SKIPPED_DIRS for part in PurePosixPath(path).parts[:-1])


def load_project(
    root: Path,
    tracked: Iterable[str],
    config: Config,
    progress: Callable[[str, int, int], None] | None = None,
) -> Project:
    """Read every tracked text file into a Project.

    Python and reference files (those that name modules: pytest.ini, Procfile...) must be
    readable UTF-8 and Python must parse; other files are read when they are text (UTF-8, no
    NUL byte, at most 1 MiB) and are opaque otherwise, as are files under skipped folders:
    a package move carries them as they are. Symlinks, submodules and excluded paths are never
    read and stay where they are: git carries them as they are."""
    texts: dict[str, str] = {}
    trees: dict[str, cst.Module] = {}
    imports: dict[str, ImportStatements] = {}
    opaque: list[str] = []
    fixed: list[str] = []
    paths = list(tracked)
    with collected_at_end():  # a file's `ast` is freed once checked; no cycles to look for
        for index, path in enumerate(paths):
            if progress is not None and index % 32 == 0:  # often enough for a person
                progress(f"reading {path}", index, len(paths))
            if _is_excluded(path, config.exclude):
                fixed.append(path)
                continue
            if _in_skipped_folder(path):
                opaque.append(path)
                continue
            text = _read_text(root, path)
            if text is None:
                (opaque if _is_regular(root / path) else fixed).append(path)
                continue
            if is_python(path):
                checked = check_syntax(path, text)
                if isinstance(checked, cst.Module):
                    trees[path] = checked
                else:
                    imports[path] = checked
            texts[path] = text
    return new_project(root, texts, config, trees, opaque, fixed, imports)


def _is_excluded(path: str, exclude: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(path, pattern) for pattern in exclude)


def _is_regular(full: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(full).st_mode)
    except OSError:
        return False


def _read_text(root: Path, path: str) -> str | None:
    strict = is_python(path) or is_reference_file(path)
    try:
        info = os.lstat(root / path)
        if not stat.S_ISREG(info.st_mode) or (not strict and info.st_size > MAX_TEXT_BYTES):
            return None
        data = (root / path).read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        if not strict:
            return None
        raise DjrefactorError(
            f"{path}: cannot read ({exc.strerror}); make it readable or exclude it "
            "([tool.djrefactor] exclude)"
        ) from None
    if strict:
        return decode(path, data)
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


# -- which project -----------------------------------------------------------------------------
def project_folder(root: Path, tracked: Iterable[str], start: str) -> str:
    """The folder of the Django project to restructure, relative to the repository root.

    It is the one whose manage.py is at or above `start`; failing that, the only (or the one
    shallowest) manage.py of the repository; '' when there is none."""
    folders = django_folders(root, tracked)
    for folder in sorted(folders, key=len, reverse=True):
        if _contains(folder, start):
            return folder
    if not folders:
        return ""
    shallowest = min(folder.count("/") if folder else -1 for folder in folders)
    top = sorted(f for f in folders if (f.count("/") if f else -1) == shallowest)
    if len(top) > 1:
        shown = ", ".join(f"{folder}/manage.py" for folder in top[:3])
        raise DjrefactorError(
            f"the repository holds {len(top)} Django projects ({shown}); pass the folder of "
            f"the one to restructure, e.g. `djrefactor plan {top[0]}`"
        )
    return top[0]


def django_folders(root: Path, tracked: Iterable[str]) -> list[str]:
    """Folders holding a tracked manage.py that is Django's (it names Django)."""
    folders = []
    for path in tracked:
        if PurePosixPath(path).name != "manage.py":
            continue
        try:
            text = (root / path).read_bytes()
        except OSError:
            continue
        if b"django" in text.lower():
            parent = str(PurePosixPath(path).parent)
            folders.append("" if parent == "." else parent)
    return folders


def in_project(paths: Iterable[str], folder: str, others: Iterable[str]) -> list[str]:
    """The paths that belong to the project in `folder`: those whose nearest enclosing Django
    project folder is `folder`, or that are in no project folder at all (shared files)."""
    projects = sorted(set(others) | {folder}, key=len, reverse=True)
    kept = []
    for path in paths:
        owner = next((candidate for candidate in projects if _contains(candidate, path)), None)
        if owner is None or owner == folder:
            kept.append(path)
    return kept


def _contains(folder: str, path: str) -> bool:
    return not folder or path == folder or path.startswith(folder + "/")
