"""The in-memory repository every codemod reads: each file read once, each tree parsed once.

A `Project` is a snapshot. The engine applies a step's changes by making a new snapshot that
shares every untouched text and tree with the previous one, so the next codemod sees the previous
one's result without any file being read or parsed again.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

import libcst as cst

from djrefactor.analysis import parsing
from djrefactor.analysis.imports import FileImports, ImportStatements, file_imports
from djrefactor.config import Config
from djrefactor.errors import DjrefactorError

if TYPE_CHECKING:
    from djrefactor.discovery import Facts

Discover = Callable[["Project"], "Facts"]
"""How a snapshot learns its facts; the engine passes discovery's `discover`."""


def is_python(path: str) -> bool:
    return path.endswith(".py")


class Project:
    """A read-only snapshot of the repository: paths, texts, parsed trees and discovered facts.

    Codemods ask it for trees (`tree(path)`) instead of parsing text, for module <-> path mapping
    (`module_for`, `path_for`) and for `facts` (settings module, apps, reference files...).

    Tracked files it holds no text for: `opaque_paths` (binary, over the size limit, under a
    skipped folder such as node_modules), which a package move carries as they are, and
    `fixed_paths` (symlinks, submodules, excluded paths), which must stay where they are.
    """

    def __init__(
        self,
        root: Path,
        texts: Mapping[str, str],
        config: Config,
        trees: Mapping[str, cst.Module] | None = None,
        discover: Discover | None = None,
        opaque_paths: Iterable[str] = (),
        fixed_paths: Iterable[str] = (),
        import_statements: Mapping[str, ImportStatements] | None = None,
    ) -> None:
        self.root = root
        self.config = config
        self.opaque_paths = frozenset(opaque_paths)
        self.fixed_paths = frozenset(fixed_paths)
        self._texts = dict(texts)
        self._trees: dict[str, cst.Module] = dict(trees or {})
        self._discover = discover
        self._imports: dict[str, FileImports] = {}
        self._import_statements = dict(import_statements or {})
        """What loading read of each file's imports (its syntax check's `ast`)."""
        self._words: dict[str, frozenset[str]] = {}
        self.last_read: str | None = None
        """The file a codemod read last: the one a crash report names."""

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
        self.last_read = path
        try:
            return self._texts[path]
        except KeyError:
            raise DjrefactorError(f"{path}: no such file in the project") from None

    def tree(self, path: str) -> cst.Module:
        """The libcst tree of a Python file, parsed at most once for all codemods."""
        self.last_read = path
        cached = self._trees.get(path)
        if cached is not None:
            return cached
        tree = parse_module(path, self.text(path))
        self._trees[path] = tree
        return tree

    def imports(self, path: str) -> FileImports:
        """What the Python file's import statements name (read once per snapshot and file)."""
        cached = self._imports.get(path)
        if cached is None:
            module = self.module_for(path)
            cached = file_imports(
                self.text(path),
                module,
                path.endswith("__init__.py"),
                self._trees.get(path),
                self._import_statements.get(path),
            )
            self._imports[path] = cached
        return cached

    def words(self, path: str) -> frozenset[str]:
        """Every identifier-like word of the file (a reference to `a.b.c` contains `c`)."""
        cached = self._words.get(path)
        if cached is None:
            cached = self._words[path] = frozenset(_WORD.findall(self.text(path)))
        return cached

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
        """What discovery finds in this snapshot (computed once, on first use)."""
        if self._discover is None:
            raise RuntimeError("this snapshot was made without discovery")
        return self._discover(self)

    # -- snapshots (engine use) -------------------------------------------------------------
    def evolve(
        self,
        texts: Mapping[str, str],
        trees: Mapping[str, cst.Module],
        removed: Iterable[str],
        import_statements: Mapping[str, ImportStatements] | None = None,
    ) -> Project:
        """A new snapshot with `texts` written (and their `trees` known, and the
        `import_statements` of those that were read on the way) and `removed` gone."""
        gone = set(removed)
        new_texts = {path: text for path, text in self._texts.items() if path not in gone}
        new_texts.update(texts)
        new_trees = {
            path: tree
            for path, tree in self._trees.items()
            if path not in gone and path not in texts
        }
        new_trees.update(trees)
        evolved = self._successor(new_texts, new_trees, self.opaque_paths)
        kept = [path for path in self._texts if path not in gone and path not in texts]
        evolved._imports = {path: self._imports[path] for path in kept if path in self._imports}
        evolved._import_statements = {
            path: self._import_statements[path] for path in kept if path in self._import_statements
        }
        evolved._import_statements.update(
            (path, found) for path, found in (import_statements or {}).items() if path in texts
        )
        evolved._words = {path: self._words[path] for path in kept if path in self._words}
        return evolved

    def renamed(self, renames: Mapping[str, str]) -> Project:
        """A new snapshot with files moved (`old path -> new path`), text and opaque ones alike;
        a text file keeps its text, its tree, its words and its import statements."""
        texts = {renames.get(path, path): text for path, text in self._texts.items()}
        trees = {renames.get(path, path): tree for path, tree in self._trees.items()}
        opaque = {renames.get(path, path) for path in self.opaque_paths}
        evolved = self._successor(texts, trees, opaque)
        evolved._imports = {p: i for p, i in self._imports.items() if p not in renames}
        evolved._import_statements = {
            renames.get(path, path): found for path, found in self._import_statements.items()
        }
        evolved._words = {renames.get(path, path): words for path, words in self._words.items()}
        return evolved

    def _successor(
        self, texts: dict[str, str], trees: dict[str, cst.Module], opaque: Iterable[str]
    ) -> Project:
        return Project(
            self.root, texts, self.config, trees, self._discover, opaque, self.fixed_paths
        )


_WORD = re.compile(r"\w+")


def parse_module(path: str, text: str) -> cst.Module:
    try:
        return parsing.parse_module(text)
    except cst.ParserSyntaxError as exc:
        raise DjrefactorError(
            f"{path}:{exc.raw_line}: cannot parse ({exc.message.splitlines()[0]}); "
            "fix it or exclude it"
        ) from None
