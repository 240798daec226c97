"""The in-memory repository every codemod reads: each file read once, each tree parsed once.

A `Project` is a snapshot. The engine applies a step's changes by making a new snapshot that
shares every untouched text and tree with the previous one, so the next codemod sees the previous
one's result without any file being read or parsed again.
"""

from __future__ import annotations

import ast
import fnmatch
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

import libcst as cst

from djrefactor.errors import DjrefactorError

if TYPE_CHECKING:
    from djrefactor.discovery import Facts

REFERENCE_FILE_PATTERNS = (
    "pytest.ini",
    "tox.ini",
    "setup.cfg",
    "pyproject.toml",
    ".coveragerc",
    "Procfile*",
    "Dockerfile*",
    "*.Dockerfile",
    "docker-compose*.yml",
    "docker-compose*.yaml",
    "compose*.yml",
    "compose*.yaml",
    ".env*",
    "env.example",
    "Makefile",
    "app.json",
    "fly.toml",
    "render.yaml",
    "*.service",
    "uwsgi.ini",
    "gunicorn.conf.py",
)
"""Non-Python files that commonly name Python modules (settings, wsgi, urls...)."""

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


def is_reference_file(path: str) -> bool:
    name = PurePosixPath(path).name
    if path.startswith(".github/workflows/") and name.endswith((".yml", ".yaml")):
        return True
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in REFERENCE_FILE_PATTERNS)


def is_python(path: str) -> bool:
    return path.endswith(".py")


@dataclass(frozen=True)
class Config:
    """`[tool.djrefactor]` of the project's pyproject.toml, merged with command-line options."""

    settings: str | None = None
    vendors: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    branch: str = "djrefactor/restructure"
    only: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()
    extra: Mapping[str, object] = field(default_factory=dict)


class Project:
    """A read-only snapshot of the repository: paths, texts, parsed trees and discovered facts.

    Codemods ask it for trees (`tree(path)`) instead of parsing text, for module <-> path mapping
    (`module_for`, `path_for`) and for `facts` (settings module, apps, reference files...).
    """

    def __init__(
        self,
        root: Path,
        texts: Mapping[str, str],
        config: Config,
        trees: Mapping[str, cst.Module] | None = None,
    ) -> None:
        self.root = root
        self.config = config
        self._texts = dict(texts)
        self._trees: dict[str, cst.Module] = dict(trees or {})

    # -- files ------------------------------------------------------------------------------
    @cached_property
    def paths(self) -> tuple[str, ...]:
        """Every file, sorted (a snapshot never changes, so this is computed once)."""
        return tuple(sorted(self._texts))

    def python_paths(self) -> Iterator[str]:
        return (path for path in self.paths if is_python(path))

    def exists(self, path: str) -> bool:
        return path in self._texts

    def text(self, path: str) -> str:
        try:
            return self._texts[path]
        except KeyError:
            raise DjrefactorError(f"{path}: no such file in the project") from None

    def tree(self, path: str) -> cst.Module:
        """The libcst tree of a Python file, parsed at most once for all codemods."""
        cached = self._trees.get(path)
        if cached is not None:
            return cached
        tree = parse_module(path, self.text(path))
        self._trees[path] = tree
        return tree

    def mentions(self, path: str, *words: str) -> bool:
        """Cheap textual prefilter before any parse: does the file contain any of `words`?"""
        text = self._texts.get(path, "")
        return any(word in text for word in words)

    # -- modules ----------------------------------------------------------------------------
    @cached_property
    def source_root(self) -> str:
        """The folder Python imports are relative to: the one holding manage.py ('' = root)."""
        candidates = [path for path in self._texts if PurePosixPath(path).name == "manage.py"]
        if not candidates:
            return ""
        best = min(candidates, key=lambda path: (path.count("/"), path))
        parent = str(PurePosixPath(best).parent)
        return "" if parent == "." else parent

    def module_for(self, path: str) -> str | None:
        """`pkg/mod.py` -> `pkg.mod`, `pkg/__init__.py` -> `pkg`; None outside the source root."""
        if not is_python(path):
            return None
        rel = path
        if self.source_root:
            prefix = self.source_root + "/"
            if not path.startswith(prefix):
                return None
            rel = path[len(prefix) :]
        parts = list(PurePosixPath(rel).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        return ".".join(parts) or None

    def path_for(self, module: str) -> str | None:
        """The file defining `module` (module file or package `__init__.py`), if it exists."""
        base = self.module_path(module)
        for candidate in (base + ".py", base + "/__init__.py"):
            if candidate in self._texts:
                return candidate
        return None

    def module_path(self, module: str) -> str:
        """Where `module` lives or would live, without suffix: `a.b` -> `<root>/a/b`."""
        rel = "/".join(module.split("."))
        return f"{self.source_root}/{rel}" if self.source_root else rel

    def is_package(self, module: str) -> bool:
        return self.module_path(module) + "/__init__.py" in self._texts

    @cached_property
    def facts(self) -> Facts:
        from djrefactor.discovery import discover

        return discover(self)

    # -- snapshots (engine use) -------------------------------------------------------------
    def evolve(
        self,
        texts: Mapping[str, str],
        trees: Mapping[str, cst.Module],
        removed: Iterable[str],
    ) -> Project:
        """A new snapshot with `texts` written (and their `trees` known) and `removed` gone."""
        gone = set(removed)
        new_texts = {path: text for path, text in self._texts.items() if path not in gone}
        new_texts.update(texts)
        new_trees = {
            path: tree
            for path, tree in self._trees.items()
            if path not in gone and path not in texts
        }
        new_trees.update(trees)
        return Project(self.root, new_texts, self.config, new_trees)


def parse_module(path: str, text: str) -> cst.Module:
    try:
        return cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        raise DjrefactorError(
            f"{path}:{exc.raw_line}: cannot parse ({exc.message.splitlines()[0]}); "
            "fix it or exclude it"
        ) from None


def check_syntax(path: str, text: str) -> None:
    """Fail early (before any codemod) on a file Python itself cannot parse."""
    try:
        # A UTF-8 BOM is valid in a source file but not in the str that ast.parse takes.
        ast.parse(text.removeprefix("\ufeff"), filename=path)
    except SyntaxError as exc:
        raise DjrefactorError(
            f"{path}:{exc.lineno}: cannot parse ({exc.msg}); fix it or exclude it "
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
            check_syntax(path, text)
        texts[path] = text
    return Project(root, texts, config)
