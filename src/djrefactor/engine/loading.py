"""Read the files git tracks into a `Project`: strict UTF-8, every Python file syntax-checked."""

from __future__ import annotations

import ast
import fnmatch
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

import libcst as cst

from djrefactor.config import Config
from djrefactor.discovery import discover
from djrefactor.discovery.files import is_reference_file
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


def new_project(
    root: Path,
    texts: dict[str, str],
    config: Config,
    trees: dict[str, cst.Module] | None = None,
) -> Project:
    """A snapshot of `texts` whose facts come from discovery."""
    return Project(root, texts, config, trees, discover)


def check_syntax(path: str, text: str) -> cst.Module | None:
    """Fail early (before any codemod) on a file the codemods' parser cannot read.

    `ast` (this interpreter's grammar) answers first because it is cheap; code it rejects that
    libcst accepts (a newer Python's syntax, such as PEP 701 f-strings on 3.11) is fine, and
    its tree is returned so that it is not parsed twice."""
    try:
        # A UTF-8 BOM is valid in a source file but not in the str that ast.parse takes.
        ast.parse(text.removeprefix("\ufeff"), filename=path)
        return None
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


def is_skipped(path: str, exclude: Iterable[str]) -> bool:
    parts = PurePosixPath(path).parts
    if any(part in SKIPPED_DIRS for part in parts[:-1]):
        return True
    return any(fnmatch.fnmatchcase(path, pattern) for pattern in exclude)


def load_project(root: Path, tracked: Iterable[str], config: Config) -> Project:
    """Read every tracked Python and reference file (UTF-8, syntax-checked) into a Project."""
    texts: dict[str, str] = {}
    trees: dict[str, cst.Module] = {}
    for path in tracked:
        if is_skipped(path, config.exclude):
            continue
        if not (is_python(path) or is_reference_file(path)):
            continue
        full = root / path
        if not full.is_file():
            continue
        text = decode(path, full.read_bytes())
        if is_python(path):
            tree = check_syntax(path, text)
            if tree is not None:
                trees[path] = tree
        texts[path] = text
    return new_project(root, texts, config, trees)
