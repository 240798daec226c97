"""Build a Plan: run the codemods in order, each on the snapshot the previous one left, and
record each step's file changes and the total change from the original tree. Writes nothing.

A step computed before on the same input can be read back instead (`Steps`, the step cache of
engine/cache.py): the snapshot it leaves is its input with its file changes made."""

from __future__ import annotations

import traceback
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Protocol

from djrefactor.analysis.parsing import trim_heap
from djrefactor.engine.collection import collect_young, collected_at_end
from djrefactor.engine.formatting import format_step
from djrefactor.engine.moves import apply_changes
from djrefactor.engine.registry import Codemod
from djrefactor.errors import DjrefactorError
from djrefactor.model import FileChange, Plan, Step
from djrefactor.project import Project

Progress = Callable[[str, int, int], None]
"""Called as (label, done, total) while loading files and running codemods."""


def quiet(label: str, done: int, total: int) -> None:
    return None


def file_changes(
    before: Project, after: Project, renames: Mapping[str, str]
) -> tuple[FileChange, ...]:
    """What changed between two snapshots, with renames paired up."""
    changes: list[FileChange] = []
    # a file the step wrote and then moved with its package is new at its new place
    targets = {new for old, new in renames.items() if before.exists(old)}
    for path in before.paths:
        if after.exists(path):
            old, new = before.text(path), after.text(path)
            if old is not new and old != new:
                changes.append(FileChange(path, path, old, new))
        elif path in renames:
            changes.append(
                FileChange(path, renames[path], before.text(path), after.text(renames[path]))
            )
        else:
            changes.append(FileChange(path, None, before.text(path), ""))
    for path in after.paths:
        if not before.exists(path) and path not in targets:
            changes.append(FileChange(None, path, "", after.text(path)))
    for old in sorted(before.opaque_paths & renames.keys()):
        changes.append(FileChange(old, renames[old], "", "", opaque=True))
    return tuple(changes)


def _total(
    original: Project, final: Project, origin: Mapping[str, str | None]
) -> tuple[FileChange, ...]:
    kept = {source for source in origin.values() if source is not None}
    changes: list[FileChange] = []
    for path in final.paths:
        source = origin.get(path)
        if source is None and original.exists(path) and path not in kept:
            source = path  # deleted by one step, written again by a later one: an edit
            kept.add(path)
        new = final.text(path)
        if source is None:
            changes.append(FileChange(None, path, "", new))
        elif source != path or original.text(source) != new:
            changes.append(FileChange(source, path, original.text(source), new))
    for path in original.paths:
        if path not in kept:
            changes.append(FileChange(path, None, original.text(path), ""))
    for path in sorted(final.opaque_paths):
        source = origin.get(path)
        if source is not None and source != path:
            changes.append(FileChange(source, path, "", "", opaque=True))
    return tuple(changes)


# -- plans -------------------------------------------------------------------------------------
class Steps(Protocol):
    """Steps computed before: `key` names a step by everything it depends on."""

    def key(self, project: Project, codemod: Codemod) -> str: ...

    def recall(self, key: str) -> tuple[Step, dict[str, str]] | None: ...

    def keep(self, key: str, step: Step, renames: Mapping[str, str]) -> None: ...


CACHED = " (cached)"
"""The suffix of a step's progress label when the step is read back, not computed."""


def build_plan(
    project: Project,
    codemods: Sequence[Codemod],
    progress: Progress = quiet,
    known: Steps | None = None,
) -> Plan:
    """Run `codemods` in order, each on the snapshot the previous one left; a step `known`
    holds for its input is read back instead. Writes nothing (but to `known`)."""
    with collected_at_end(freeze=True):
        return _build_plan(project, codemods, progress, known)


def _build_plan(
    project: Project, codemods: Sequence[Codemod], progress: Progress, known: Steps | None
) -> Plan:
    original = project
    origin: dict[str, str | None] = {path: path for path in (*project.paths, *project.opaque_paths)}
    steps: list[Step] = []
    computed = 0
    for index, codemod in enumerate(codemods):
        key = known.key(project, codemod) if known is not None else ""
        found = known.recall(key) if known is not None else None
        if found is not None:
            progress(codemod.name + CACHED, index, len(codemods))
            step, renames = found
            after = replayed(project, step, renames)
        else:
            progress(codemod.name, index, len(codemods))
            step, after, renames = _step(project, codemod, _within(progress, codemod.name))
            computed += 1
            if known is not None:
                known.keep(key, step, renames)
        steps.append(step)
        origin = _follow(origin, project, after, renames)
        project = after
        if found is None:
            collect_young()  # the cycles the step made (see engine/collection.py)
            trim_heap()  # what the step made on the way is freed by now
    done = "done" if computed or not codemods else "done (cached plan)"
    progress(done, len(codemods), len(codemods))
    return Plan(str(original.root), tuple(steps), _total(original, project, origin))


def replayed(before: Project, step: Step, renames: Mapping[str, str]) -> Project:
    """The snapshot `step` left `before` in, made again from its file changes: its files moved
    (`renames`, text and opaque ones alike), written and deleted."""
    written = {
        change.new_path: change.new_text
        for change in step.files
        if change.new_path is not None and not change.opaque
    }
    removed = [
        change.old_path
        for change in step.files
        if change.new_path is None and change.old_path is not None
    ]
    return before.renamed(renames).evolve(written, {}, removed)


def _step(
    project: Project, codemod: Codemod, within: Progress
) -> tuple[Step, Project, dict[str, str]]:
    """One codemod's step. Its own function so that what the step made on the way (the
    codemod's trees, the snapshots between) is freed before the next codemod runs."""
    try:
        changes = codemod.run(project)
        within(PHASES[0], 0, 1)
        after, renames = apply_changes(project, changes, within)
    except DjrefactorError:
        raise
    except Exception as exc:
        # Not caught: a codemod's bug is a bug (tests see it, the cli reports it in one
        # line). Only the context a report needs is added on the way out.
        exc.add_note(crash_context(codemod.name, project.last_read))
        raise
    within(PHASES[1], 0, 1)
    after, formatted = format_step(project, after, renames, within)
    within(PHASES[2], 0, 1)
    files = file_changes(project, after, renames)
    return Step(codemod.name, codemod.summary, files, changes.notes + formatted), after, renames


PHASES = ("editing", "formatting", "comparing")
"""The engine's phases of a step after the codemod's own run, each announced to `progress` as
`<step>: <phase>` (the reference pass inside editing reports `<step>: references in <file>`)."""


def _within(progress: Progress, step: str) -> Progress:
    """Per-file progress inside a step, labelled with the step."""

    def update(label: str, done: int, total: int) -> None:
        progress(f"{step}: {label}", done, total)

    return update


CRASHED = "djrefactor: codemod "


def crash_context(name: str, reading: str | None) -> str:
    """The note an unexpected exception leaves the engine with: which codemod, which input."""
    return f"{CRASHED}{name}" + (f" was reading {reading}" if reading else "")


def describe_crash(exc: BaseException) -> str:
    """One line for a bug: what failed, where in djrefactor, which codemod and input, and what
    the user can do (report it, or skip that codemod)."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    reason = f"{type(exc).__name__}: {exc}".strip().splitlines()[0]
    context = next(
        (note for note in getattr(exc, "__notes__", ()) if note.startswith(CRASHED)), None
    )
    if context is None:
        return f"internal error ({reason}{where}); please report it"
    name, _, reading = context.removeprefix(CRASHED).partition(" was reading ")
    source = f" while reading {reading}" if reading else ""
    return (
        f"internal error in codemod {name}{source} ({reason}{where}); "
        f"please report it, or pass --skip {name} to go on without it"
    )


def _follow(
    origin: Mapping[str, str | None], before: Project, after: Project, renames: Mapping[str, str]
) -> dict[str, str | None]:
    back = {new: old for old, new in renames.items()}
    followed: dict[str, str | None] = {}
    for path in after.paths:
        previous = back.get(path, path if before.exists(path) else None)
        followed[path] = origin.get(previous) if previous is not None else None
    for path in after.opaque_paths:
        followed[path] = origin.get(back.get(path, path))
    return followed
