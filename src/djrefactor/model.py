"""The plain data that flows analysis -> diff -> apply.

A codemod returns `Changes`; the engine turns each codemod's `Changes` into a `Step` holding the
concrete `FileChange`s, and the ordered steps form a `Plan`. `plan` renders a Plan as a diff,
`apply` commits the very same Plan, so the preview is what gets committed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import libcst as cst

Source = str | cst.Module
"""New content for a file: text, or (for Python) a libcst tree the engine keeps for later steps."""


@dataclass(frozen=True)
class Note:
    """Something a codemod left alone, and what a human should do about it."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}" if where else self.message


@dataclass(frozen=True)
class Redirect:
    """A dotted name now lives elsewhere: every reference to `old` (or below it) must say `new`.

    The engine rewrites imports (absolute, relative, aliased) in every Python file and string
    references (settings, `mock.patch` targets, pytest.ini, Procfile...) everywhere.
    `per_path` sends the references of chosen files to another target, e.g. settings references in
    wsgi.py to the production module while manage.py gets the development one.

    `app`: `old` is a Django app package that keeps its label (`shop` -> `apps.shop`, label
    `shop`), so a string that may be the label (`"shop"`, `"shop.Order"`, `"shop.order"`,
    `"shop.add_order"`, `"shop:detail"`) keeps its text; strings follow the package only where
    they name one of its modules (`"shop.urls"`), an INSTALLED_APPS entry, a logger, or sit in
    a test, coverage or first-party setting of a config file. `names`: dotted strings below
    `old` that name something other than a module (a Celery task whose name is kept, a
    `label.model` sharing a module's name); they keep their text except as `mock.patch` targets.
    """

    old: str
    new: str
    per_path: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    app: bool = False
    names: frozenset[str] = frozenset()

    def target_for(self, path: str) -> str:
        return self.per_path.get(path, self.new)


@dataclass(frozen=True)
class ImportRequest:
    """An import a file needs: `from module import name [as alias]`, or `import module [as
    alias]` when `name` is None. `module` may be relative (`.models`, `..base`, `.`).

    Codemods ask; the engine adds what is missing where the project's isort or ruff would put it.
    """

    module: str
    name: str | None = None
    alias: str | None = None


@dataclass(frozen=True)
class Changes:
    """What one codemod asks for. Codemods never touch the disk; the engine applies this.

    Order of application: `writes` and `deletes` first, then `imports` (path -> the imports
    that file needs; the engine also drops the imports the step left unused in every Python file
    it writes), then `moves` (a module moved with its file: `old.module -> new.module`; a package
    moves with every file below it, those djrefactor does not read included; either implies a
    Redirect), then every redirect.
    """

    writes: Mapping[str, Source] = field(default_factory=lambda: MappingProxyType({}))
    deletes: frozenset[str] = frozenset()
    imports: Mapping[str, tuple[ImportRequest, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    moves: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    redirects: tuple[Redirect, ...] = ()
    notes: tuple[Note, ...] = ()

    @staticmethod
    def none(notes: tuple[Note, ...] = ()) -> Changes:
        """Nothing to do (possibly with notes saying why)."""
        return Changes(notes=notes)

    @property
    def is_empty(self) -> bool:
        return not (self.writes or self.deletes or self.imports or self.moves or self.redirects)


@dataclass(frozen=True)
class FileChange:
    """One file's change in one step. `old_path` is None for a new file, `new_path` None for a
    deleted one; both set and different for a rename. `mode` is the file's git mode (`100755`
    for an executable), the same before and after: djrefactor never changes a mode.
    `opaque`: a file djrefactor does not read (binary, too large, under a skipped folder), only
    ever renamed with the package holding it: both texts are empty and git keeps its blob."""

    old_path: str | None
    new_path: str | None
    old_text: str
    new_text: str
    mode: str = "100644"
    opaque: bool = False

    @property
    def kind(self) -> str:
        if self.old_path is None:
            return "create"
        if self.new_path is None:
            return "delete"
        if self.old_path != self.new_path:
            return "move"
        return "edit"


@dataclass(frozen=True)
class Step:
    """One codemod's contribution to the plan: one commit when applied."""

    name: str
    summary: str
    files: tuple[FileChange, ...]
    notes: tuple[Note, ...]

    def count(self, kind: str) -> int:
        return sum(change.kind == kind for change in self.files)


@dataclass(frozen=True)
class Plan:
    """The ordered steps for one repository, plus the whole change from the original tree."""

    root: str
    steps: tuple[Step, ...]
    total: tuple[FileChange, ...]
    notes: tuple[Note, ...] = ()
    """About the plan as a whole rather than one step (paths git ignores, symlinks)."""

    @property
    def is_empty(self) -> bool:
        return not any(step.files for step in self.steps)
