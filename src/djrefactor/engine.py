"""The engine: load the repo once, run the codemods in order on a shared workspace, build a Plan,
and hand the same Plan to git. It knows the codemod protocol, never a codemod by name.

A codemod is a module in `djrefactor.codemods` with a docstring, `SUMMARY: str`,
`AFTER: tuple[str, ...]` (codemods that must run first) and `run(project: Project) -> Changes`.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import tomllib
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import ModuleType
from typing import Any

import git
import libcst as cst
from libcst.helpers import get_full_name_for_node

from djrefactor import gitops
from djrefactor.discovery import Facts
from djrefactor.errors import DjrefactorError
from djrefactor.model import Changes, FileChange, Note, Plan, Redirect, Source, Step
from djrefactor.references import (
    dotted_expr,
    import_relation,
    import_targets_pass,
    imported_names,
    may_refer,
    resolve_relative,
    text_pass,
)
from djrefactor.workspace import Config, Project, is_python, load_project

__all__ = [
    "Changes",
    "Codemod",
    "Config",
    "DjrefactorError",
    "Facts",
    "Note",
    "Plan",
    "Project",
    "Redirect",
    "Source",
    "Step",
]

Progress = Callable[[str, int, int], None]
"""Called as (label, done, total) while loading files and running codemods."""


def _quiet(label: str, done: int, total: int) -> None:
    return None


# -- codemods ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Codemod:
    """A codemod module as the engine sees it: name, one-line summary, ordering, entry point."""

    name: str
    summary: str
    doc: str
    after: tuple[str, ...]
    run: Callable[[Project], Changes]


def _as_name(module_name: str) -> str:
    return module_name.replace("_", "-")


def _load(module: ModuleType, name: str) -> Codemod:
    return Codemod(
        name=_as_name(name),
        summary=str(module.SUMMARY),
        doc=(module.__doc__ or "").strip(),
        after=tuple(_as_name(dep) for dep in getattr(module, "AFTER", ())),
        run=module.run,
    )


def available_codemods() -> list[Codemod]:
    """Every codemod in `djrefactor.codemods`, in pipeline order (AFTER first, then by name)."""
    package = importlib.import_module("djrefactor.codemods")
    found = []
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
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
    wanted = [_as_name(name) for name in only]
    skipped = [_as_name(name) for name in skip]
    unknown = [name for name in wanted + skipped if name not in names]
    if unknown:
        raise UsageError(f"unknown codemod {unknown[0]!r}; valid names: {', '.join(names)}")
    return [c for c in codemods if (not wanted or c.name in wanted) and c.name not in skipped]


class UsageError(DjrefactorError):
    """Bad command-line usage (an unknown codemod name...)."""


# -- configuration -----------------------------------------------------------------------------
CONFIG_KEYS = {"settings", "vendors", "exclude", "branch", "skip", "only"}


def read_config(root: Path, project_root: Path | None = None) -> Config:
    """`[tool.djrefactor]` from the repo's pyproject.toml (or the manage.py folder's)."""
    table: dict[str, object] = {}
    for folder in dict.fromkeys([root, project_root or root]):
        table.update(_tool_table(folder / "pyproject.toml"))
    unknown = sorted(set(table) - CONFIG_KEYS)
    if unknown:
        raise DjrefactorError(
            f"pyproject.toml: unknown [tool.djrefactor] key {unknown[0]!r}; "
            f"valid keys: {', '.join(sorted(CONFIG_KEYS))}"
        )
    return Config(
        settings=_str_or_none(table.get("settings")),
        vendors=_strings(table.get("vendors")),
        exclude=_strings(table.get("exclude")),
        branch=str(table.get("branch") or Config.branch),
        only=_strings(table.get("only")),
        skip=_strings(table.get("skip")),
    )


def _tool_table(path: Path) -> dict[str, object]:
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DjrefactorError(f"{path.name}: invalid TOML ({exc}); fix it first") from None
    table = data.get("tool", {}).get("djrefactor", {})
    return dict(table) if isinstance(table, dict) else {}


def _str_or_none(value: object) -> str | None:
    return str(value) if value else None


def _strings(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    if isinstance(value, list):
        return tuple(str(item) for item in value)
    raise DjrefactorError(f"pyproject.toml: [tool.djrefactor] expects a list, got {value!r}")


# -- workspace ---------------------------------------------------------------------------------
@dataclass
class Session:
    """An opened repository: git handle, configuration and the loaded Project."""

    repo: git.Repo
    root: Path
    project: Project
    codemods: list[Codemod] = field(default_factory=list)


def open_session(
    path: Path,
    overrides: Mapping[str, Any],
    progress: Progress = _quiet,
) -> Session:
    repo = gitops.open_repo(path)
    root = gitops.root_of(repo)
    config = read_config(root, path.resolve() if path.resolve() != root else None)
    config = replace(config, **{key: value for key, value in overrides.items() if value})
    progress("reading files", 0, 1)
    project = load_project(root, gitops.tracked_files(repo), config)
    progress("reading files", 1, 1)
    project.facts.require_settings()
    codemods = select(available_codemods(), config.only, config.skip)
    return Session(repo=repo, root=root, project=project, codemods=codemods)


# -- applying Changes to a snapshot ------------------------------------------------------------
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
    texts = {target: tree.code}
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


def apply_changes(project: Project, changes: Changes) -> tuple[Project, dict[str, str]]:
    """The snapshot after `changes`, and which paths were renamed to which."""
    texts: dict[str, str] = {}
    trees: dict[str, cst.Module] = {}
    for path, content in changes.writes.items():
        if isinstance(content, cst.Module):
            texts[path], trees[path] = content.code, content
        else:
            texts[path] = content
    snapshot = project.evolve(texts, trees, changes.deletes)
    renames: dict[str, str] = {}
    redirects = {redirect.old: redirect for redirect in changes.redirects}
    for old, new in changes.moves.items():
        moved_texts, moved_trees, moved = _move_module(snapshot, old, new, changes.moves)
        snapshot = snapshot.evolve(moved_texts, moved_trees, moved)
        renames.update(moved)
        redirects.setdefault(old, Redirect(old, new))
    snapshot = _rename_paths(snapshot, renames)
    return _redirect(snapshot, list(redirects.values())), renames


def _rename_paths(project: Project, renames: Mapping[str, str]) -> Project:
    """File paths of moved modules named in config files (setup.cfg per-file-ignores, tox,
    Dockerfile COPY...) follow the move."""
    if not renames:
        return project
    patterns = [
        (re.compile(rf"(?<![\w./-]){re.escape(old)}(?![\w/])"), new) for old, new in renames.items()
    ]
    texts: dict[str, str] = {}
    for path in project.paths:
        if is_python(path):
            continue
        text = project.text(path)
        new_text = text
        for pattern, new in patterns:
            new_text = pattern.sub(new, new_text)
        if new_text != text:
            texts[path] = new_text
    return project.evolve(texts, {}, ())


def _redirect(project: Project, redirects: Sequence[Redirect]) -> Project:
    if not redirects:
        return project
    keep = _modules_below(project, [redirect.old for redirect in redirects])
    texts: dict[str, str] = {}
    trees: dict[str, cst.Module] = {}
    lasts = [(redirect, redirect.old.rsplit(".", 1)[-1]) for redirect in redirects]
    for path in project.paths:
        text = project.text(path)
        # A reference to `a.b.c` always contains the word `c`: one set lookup per redirect name
        # instead of substring searches of every redirect in every file.
        words = set(_WORD.findall(text))
        present = [redirect for redirect, last in lasts if last in words]
        if not present:
            continue
        if not is_python(path):
            targets = [(r.old, r.target_for(path)) for r in present if may_refer(text, r)]
            new_text = text_pass(text, targets, keep) if targets else text
            if new_text != text:
                texts[path] = new_text
            continue
        # Python: only what the file imports or spells out can refer to a moved name.
        module = project.module_for(path)
        is_package = path.endswith("__init__.py")
        names = imported_names(text, module, is_package)
        targets, follow = [], False
        for redirect in present:
            imported, binds_parent = import_relation(names, redirect.old)
            if imported or _spelled_in(text, redirect.old):
                targets.append((redirect.old, redirect.target_for(path)))
                follow = follow or binds_parent
        if not targets:
            continue
        updated = import_targets_pass(project.tree(path), module, is_package, targets, keep, follow)
        if updated is not None and updated.code != text:
            texts[path], trees[path] = updated.code, updated
    return project.evolve(texts, trees, ())


_WORD = re.compile(r"\w+")


def _spelled_in(text: str, dotted: str) -> bool:
    """`a.b.c` written out in `text`, also as `a.b:c` (entry points, gunicorn targets)."""
    parent, _, last = dotted.rpartition(".")
    return dotted in text or bool(parent) and f"{parent}:{last}" in text


def _modules_below(project: Project, olds: Sequence[str]) -> frozenset[str]:
    """Modules that now exist below a redirected name: `old` became a package (settings.py ->
    settings/base.py...), and references to its new submodules must stay as they are."""
    prefixes = tuple(old + "." for old in olds)
    found = set()
    for path in project.python_paths():
        module = project.module_for(path)
        if module is not None and module.startswith(prefixes):
            found.add(module)
    return frozenset(found)


def file_changes(
    before: Project, after: Project, renames: Mapping[str, str]
) -> tuple[FileChange, ...]:
    """What changed between two snapshots, with renames paired up."""
    changes: list[FileChange] = []
    targets = set(renames.values())
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
    return tuple(changes)


# -- plans -------------------------------------------------------------------------------------
def build_plan(project: Project, codemods: Sequence[Codemod], progress: Progress = _quiet) -> Plan:
    """Run `codemods` in order, each on the snapshot the previous one left. Writes nothing."""
    original = project
    origin: dict[str, str | None] = {path: path for path in project.paths}
    steps: list[Step] = []
    for index, codemod in enumerate(codemods):
        progress(codemod.name, index, len(codemods))
        try:
            changes = codemod.run(project)
            after, renames = apply_changes(project, changes)
        except DjrefactorError:
            raise
        except Exception as exc:  # a codemod bug must not cost the user the other steps
            steps.append(Step(codemod.name, codemod.summary, (), (_crash_note(codemod, exc),)))
            continue
        files = file_changes(project, after, renames)
        steps.append(Step(codemod.name, codemod.summary, files, changes.notes))
        origin = _follow(origin, project, after, renames)
        project = after
    progress("done", len(codemods), len(codemods))
    return Plan(str(original.root), tuple(steps), _total(original, project, origin))


def _crash_note(codemod: Codemod, exc: Exception) -> Note:
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    reason = f"{type(exc).__name__}: {exc}".strip().splitlines()[0]
    return Note(
        "",
        None,
        f"{codemod.name} hit an internal error and was skipped, changing nothing "
        f"({reason}{where}); please report it with the file that triggers it",
    )


def _follow(
    origin: Mapping[str, str | None], before: Project, after: Project, renames: Mapping[str, str]
) -> dict[str, str | None]:
    back = {new: old for old, new in renames.items()}
    followed: dict[str, str | None] = {}
    for path in after.paths:
        previous = back.get(path, path if before.exists(path) else None)
        followed[path] = origin.get(previous) if previous is not None else None
    return followed


# -- apply -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ApplyResult:
    """What `apply` did: the branch, the commits per step, and where --verify stopped it."""

    original: str
    branch: str
    commits: tuple[tuple[str, str], ...]
    broken_by: str | None = None
    verify_output: str = ""
    baseline_failed: bool = False


def commit_message(step: Step) -> str:
    lines = [f"djrefactor: {step.name}", "", f"{step.summary[:1].upper()}{step.summary[1:]}."]
    counts = [f"{step.count(kind)} {label}" for kind, label in _KINDS if step.count(kind)]
    lines += ["", "Files: " + ", ".join(counts)]
    if step.notes:
        lines += ["", "Left for a human:"] + [f"- {note}" for note in step.notes]
    return "\n".join(lines) + "\n"


_KINDS = (("create", "created"), ("edit", "changed"), ("move", "moved"), ("delete", "deleted"))


def _writes(step: Step) -> list[gitops.FileWrite]:
    writes = []
    for change in step.files:
        if change.old_path and change.old_path != change.new_path:
            writes.append(gitops.FileWrite(change.old_path, None))
        if change.new_path:
            writes.append(gitops.FileWrite(change.new_path, change.new_text))
    return writes


def _created_paths(plan: Plan) -> set[str]:
    return {
        c.new_path
        for step in plan.steps
        for c in step.files
        if c.new_path and c.kind in ("create", "move")
    }


def apply_plan(
    session: Session,
    plan: Plan,
    branch: str | None,
    verify: str | None,
    cwd: Path,
    progress: Progress = _quiet,
) -> ApplyResult:
    """Commit `plan` step by step on a new `branch` (or the current one when None)."""
    repo = session.repo
    original = gitops.preflight(repo, branch, _created_paths(plan))
    if branch is not None:
        gitops.create_branch(repo, branch)
    on = branch or original
    steps = [step for step in plan.steps if step.files]
    commits: list[tuple[str, str]] = []
    baseline_ok = True
    if verify:
        progress(f"verify: {verify}", 0, len(steps))
        baseline_ok = gitops.run_command(verify, cwd)[0] == 0
    for index, step in enumerate(steps):
        progress(step.name, index, len(steps))
        before = gitops.head_sha(repo)
        try:
            sha = gitops.commit(repo, _writes(step), commit_message(step))
        except (OSError, git.GitCommandError) as exc:
            _recover(repo, step, original, branch)
            raise DjrefactorError(_midway_message(step, exc, original, on, commits)) from None
        commits.append((step.name, sha))
        if verify and baseline_ok:
            code, output = gitops.run_command(verify, cwd)
            if code != 0:
                gitops.reset_to(repo, before)
                commits.pop()
                return ApplyResult(original, on, tuple(commits), step.name, output, False)
    progress("done", len(steps), len(steps))
    return ApplyResult(original, on, tuple(commits), baseline_failed=not baseline_ok)


def _recover(repo: git.Repo, step: Step, original: str, branch: str | None) -> None:
    gitops.discard_uncommitted(repo, [write.path for write in _writes(step)])
    if branch is not None:
        gitops.switch(repo, original)


def _midway_message(
    step: Step, exc: Exception, original: str, branch: str, commits: Sequence[tuple[str, str]]
) -> str:
    reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
    done = ", ".join(name for name, _ in commits) or "none"
    return (
        f"step {step.name} failed ({reason}); you are back on {original}, unchanged; "
        f"branch {branch} holds the steps committed before it: {done}"
    )
