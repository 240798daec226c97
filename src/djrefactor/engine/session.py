"""Open a repository: git handle, configuration, the loaded Project and the chosen codemods; and
compute its plan, with what git needs beyond texts (modes, line endings, byte order marks)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from djrefactor.config import Options, read_config
from djrefactor.engine import cache
from djrefactor.engine.loading import django_folders, in_project, load_project, project_folder
from djrefactor.engine.planning import Progress, build_plan, quiet
from djrefactor.engine.registry import Codemod, available_codemods, select
from djrefactor.errors import DjrefactorError
from djrefactor.git import REGULAR, SUBMODULE, SYMLINK, Repository, parents
from djrefactor.model import FileChange, Note, Plan, Step
from djrefactor.project import Project
from djrefactor.similarity import pair_renames


@dataclass
class Session:
    """An opened repository: git handle, configuration and the loaded Project.

    `folder` is the Django project's folder relative to the repository root ('' for the root),
    `tracked` every path git tracks with its mode, `options` what the command line asked."""

    repo: Repository
    root: Path
    project: Project
    codemods: list[Codemod] = field(default_factory=list)
    folder: str = ""
    tracked: Mapping[str, str] = field(default_factory=dict)
    options: Options = field(default_factory=Options)


def open_session(
    path: Path,
    overrides: Options,
    progress: Progress = quiet,
) -> Session:
    repo = Repository.open(path)
    root = repo.root
    tracked = repo.tracked()
    if not tracked:
        raise DjrefactorError(_nothing_tracked(repo))
    folder = project_folder(root, tracked, _relative(path, root))
    others = [other for other in django_folders(root, tracked) if other != folder]
    config = read_config(root, root / folder if folder else None).overridden(overrides)
    project = load_project(root, in_project(tracked, folder, others), config, progress)
    if project.facts.manage_py is None and project.facts.settings_module is None:
        where = f"{folder}/" if folder else "the repository"
        raise DjrefactorError(
            f"no manage.py found in {where} (git tracks none); run djrefactor in a Django "
            "project, or name its settings module with --settings"
        )
    project.facts.require_settings()
    codemods = select(available_codemods(), config.only, config.skip)
    return Session(repo, root, project, codemods, folder, tracked, overrides)


def _nothing_tracked(repo: Repository) -> str:
    committed = repo.head().sha is not None
    missing = "tracks no files" if committed else "tracks no files and has no commits"
    return f"{repo.root}: git {missing}; add the project and commit it first (git add -A)"


def _relative(path: Path, root: Path) -> str:
    try:
        relative = path.resolve().relative_to(root.resolve())
    except ValueError:
        return ""
    return "" if str(relative) == "." else relative.as_posix()


def plan(path: Path, options: Options, progress: Progress = quiet) -> Planned:
    """Open the repository at `path` and compute its plan: what `djrefactor plan` shows."""
    session = open_session(path, options, progress)
    return Planned(session, finish_plan(session, cached_plan(session, progress)))


def cached_plan(session: Session, progress: Progress = quiet) -> Plan:
    """`build_plan` of the session; a step computed before on the same input is read from the
    step cache (see engine/cache.py)."""
    known = None
    if cache.enabled():
        folder = session.repo.common_dir / "djrefactor" / "cache"
        known = cache.StepCache(folder, session.project.config, session.folder)
    return build_plan(session.project, session.codemods, progress, known)


@dataclass(frozen=True)
class Planned:
    """A plan and the session it was computed in (`apply` commits it there)."""

    session: Session
    plan: Plan


def finish_plan(session: Session, plan: Plan) -> Plan:
    """The plan as git will store it: each file keeps its mode, line endings and byte order
    mark; files the plan cannot write are refused; notes for what git would hide. Renames are
    paired as git will show them (`git diff -M`)."""
    plan = paired(carry_traits(plan, session.project, session.tracked))
    _refuse_blocked(plan, session.project, session.tracked)
    notes = _ignored_notes(session.repo, plan) + _symlink_notes(session, plan)
    return replace(plan, notes=plan.notes + tuple(notes))


def paired(plan: Plan) -> Plan:
    steps = tuple(replace(step, files=pair_renames(step.files)) for step in plan.steps)
    return replace(plan, steps=steps, total=pair_renames(plan.total))


# -- modes, line endings, byte order marks -----------------------------------------------------
BOM = "\ufeff"
_BARE_LF = re.compile(r"(?<!\r)\n")


@dataclass(frozen=True)
class _Traits:
    mode: str
    crlf: bool
    bom: bool


def _traits(text: str, mode: str) -> _Traits:
    return _Traits(mode, _is_crlf(text), text.startswith(BOM))


def _is_crlf(text: str) -> bool:
    """Every line ends with CRLF (a file mixing both is left as it is)."""
    return "\r\n" in text and text.count("\n") == text.count("\r\n")


def _dominant_crlf(project: Project) -> bool:
    crlf = lf = 0
    for path in project.paths:
        text = project.text(path)
        if "\n" in text:
            crlf, lf = (crlf + 1, lf) if _is_crlf(text) else (crlf, lf + 1)
    return crlf > lf


def _dressed(text: str, traits: _Traits) -> str:
    if traits.crlf:
        text = _BARE_LF.sub("\r\n", text)
    if traits.bom and text and not text.startswith(BOM):
        text = BOM + text
    return text


def carry_traits(plan: Plan, original: Project, modes: Mapping[str, str]) -> Plan:
    """Each file's mode, CRLF endings and UTF-8 BOM follow it through every step (codemods
    build text with LF and libcst drops the BOM); new files take the project's usual ending."""
    new_file = _NewFileTraits(original)
    current: dict[str, _Traits] = {}
    gone: dict[str, _Traits] = {}

    def traits_of(path: str) -> _Traits:
        if path not in current:
            text = "" if path in original.opaque_paths else original.text(path)
            current[path] = _traits(text, modes.get(path, REGULAR))
        return current[path]

    steps = []
    for step in plan.steps:
        before = {c.old_path: traits_of(c.old_path) for c in step.files if c.old_path}
        for change in step.files:
            if change.old_path is not None and change.new_path != change.old_path:
                current.pop(change.old_path, None)
                if change.new_path is None:
                    gone[change.old_path] = before[change.old_path]
        files = []
        for change in step.files:
            if change.old_path is not None:
                traits = before[change.old_path]
            else:
                found = gone.pop(change.new_path, None) if change.new_path else None
                traits = found or new_file()
            if change.new_path is not None:
                current[change.new_path] = traits
            files.append(_dress(change, traits))
        steps.append(replace(step, files=tuple(files)))
    total = tuple(
        _dress(change, _total_traits(change, original, modes, new_file)) for change in plan.total
    )
    return replace(plan, steps=tuple(steps), total=total)


def _total_traits(
    change: FileChange, original: Project, modes: Mapping[str, str], new_file: Callable[[], _Traits]
) -> _Traits:
    if change.old_path is None:
        return new_file()
    text = "" if change.opaque else original.text(change.old_path)
    return _traits(text, modes.get(change.old_path, REGULAR))


class _NewFileTraits:
    """What a new file gets: mode 100644, no BOM, the project's dominant line ending."""

    def __init__(self, project: Project) -> None:
        self._project = project
        self._traits: _Traits | None = None

    def __call__(self) -> _Traits:
        if self._traits is None:
            self._traits = _Traits(REGULAR, _dominant_crlf(self._project), False)
        return self._traits


def _dress(change: FileChange, traits: _Traits) -> FileChange:
    return replace(
        change,
        old_text=_dressed(change.old_text, traits),
        new_text=_dressed(change.new_text, traits),
        mode=traits.mode,
    )


# -- what the plan cannot write, and what git would hide ----------------------------------------
def _refuse_blocked(plan: Plan, original: Project, tracked: Mapping[str, str]) -> None:
    """A step must not write over (or below) a tracked path djrefactor did not read: a symlink,
    a submodule, a binary or excluded file."""
    for step in plan.steps:
        for change in step.files:
            if change.new_path is None or change.new_path == change.old_path:
                continue
            for where in [*parents(change.new_path), change.new_path]:
                if where in tracked and not original.exists(where):
                    raise DjrefactorError(_blocked(step, change.new_path, where, tracked[where]))


def _blocked(step: Step, path: str, where: str, mode: str) -> str:
    kind = {SYMLINK: "symlink", SUBMODULE: "submodule"}.get(mode, "file djrefactor did not read")
    at = "there" if where == path else f"at {where}"
    return (
        f"{path}: step {step.name} writes this file, but git tracks a {kind} {at}, which "
        "djrefactor leaves as it is; move it out of the way or skip the step (--skip)"
    )


def _created(plan: Plan) -> list[str]:
    return sorted(c.new_path for c in plan.total if c.new_path and c.new_path != c.old_path)


def _ignored_notes(repo: Repository, plan: Plan) -> list[Note]:
    rules: dict[tuple[str, int, str], list[str]] = {}
    for path, source, line, pattern in repo.ignored(_created(plan)):
        rules.setdefault((source, line, pattern), []).append(path)
    notes = []
    for (source, line, pattern), paths in sorted(rules.items()):
        more = f" and {len(paths) - 1} more" if len(paths) > 1 else ""
        notes.append(
            Note(
                source,
                line,
                f"`{pattern}` makes git ignore {paths[0]}{more}, which the plan creates; apply "
                "commits them anyway (git tracks a committed file); narrow the rule so that "
                "git status shows later changes there",
            )
        )
    return notes


def _symlink_notes(session: Session, plan: Plan) -> list[Note]:
    moved = {c.old_path: c.new_path for c in plan.total if c.old_path and c.old_path != c.new_path}
    if not moved:
        return []
    notes = []
    for link in _links(session):
        target = os.path.normpath(
            os.path.join(str(PurePosixPath(link).parent), session.repo.symlink_target(link))
        )
        if target in moved:
            where = f"moves it to {moved[target]}" if moved[target] else "deletes it"
            notes.append(
                Note(link, None, f"symlink to {target}; the plan {where}: update the link")
            )
    return notes


def _links(session: Session) -> Iterable[str]:
    for path, mode in session.tracked.items():
        if mode == SYMLINK and os.path.islink(session.root / path):
            yield path
