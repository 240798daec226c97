"""The codemods: found by walking `djrefactor.codemods`, ordered by `AFTER`, selected by name.

A codemod is a module (or package) in `djrefactor.codemods` with a docstring, `SUMMARY: str`,
`AFTER: tuple[str, ...]` (codemods that must run first) and `run(project: Project) -> Changes`.
Its name is its module name with dashes; modules starting with `_` are skipped. A codemod with
`OPT_IN = True` runs only when named in `only` (command line or configuration).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from types import ModuleType

from djrefactor.errors import UsageError
from djrefactor.model import Changes
from djrefactor.project import Project

PACKAGE = "djrefactor.codemods"


@dataclass(frozen=True)
class Codemod:
    """A codemod module as the engine sees it: name, one-line summary, ordering, entry point."""

    name: str
    summary: str
    doc: str
    after: tuple[str, ...]
    run: Callable[[Project], Changes]
    opt_in: bool = False


def as_name(module_name: str) -> str:
    return module_name.replace("_", "-")


def _load(module: ModuleType, name: str) -> Codemod:
    return Codemod(
        name=as_name(name),
        summary=str(module.SUMMARY),
        doc=(module.__doc__ or "").strip(),
        after=tuple(as_name(dep) for dep in getattr(module, "AFTER", ())),
        run=module.run,
        opt_in=bool(getattr(module, "OPT_IN", False)),
    )


def available_codemods() -> list[Codemod]:
    """Every codemod in `djrefactor.codemods`, in pipeline order (AFTER first, then by name)."""
    package = importlib.import_module(PACKAGE)
    found = []
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{PACKAGE}.{info.name}")
        found.append(_load(module, info.name))
    return order(found)


def order(codemods: Iterable[Codemod]) -> list[Codemod]:
    pending = {codemod.name: codemod for codemod in codemods}
    for codemod in pending.values():
        unknown = [dep for dep in codemod.after if dep not in pending]
        if unknown:
            raise ValueError(f"codemod {codemod.name} runs AFTER unknown {unknown}")
    ordered: list[Codemod] = []
    done: set[str] = set()
    while pending:
        ready = sorted(name for name, c in pending.items() if set(c.after) <= done)
        if not ready:
            raise ValueError(f"codemods {sorted(pending)} have circular AFTER")
        ordered.append(pending.pop(ready[0]))
        done.add(ready[0])
    return ordered


def select(codemods: Sequence[Codemod], only: Iterable[str], skip: Iterable[str]) -> list[Codemod]:
    names = [codemod.name for codemod in codemods]
    wanted = [as_name(name) for name in only]
    skipped = [as_name(name) for name in skip]
    unknown = [name for name in wanted + skipped if name not in names]
    if unknown:
        raise UsageError(f"unknown codemod {unknown[0]!r}; valid names: {', '.join(names)}")
    return [
        c
        for c in codemods
        if (c.name in wanted if wanted else not c.opt_in) and c.name not in skipped
    ]
