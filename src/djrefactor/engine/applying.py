"""Commit a Plan on a new branch, one commit per step, through `djrefactor.git`."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from djrefactor.engine.planning import Progress, quiet
from djrefactor.engine.session import Session
from djrefactor.errors import DjrefactorError
from djrefactor.git import FileWrite, GitError, Repository
from djrefactor.model import Plan, Step


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


def _writes(step: Step) -> list[FileWrite]:
    writes = []
    for change in step.files:
        if change.old_path and change.old_path != change.new_path:
            writes.append(FileWrite(change.old_path, None))
        if change.new_path:
            writes.append(FileWrite(change.new_path, change.new_text))
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
    progress: Progress = quiet,
) -> ApplyResult:
    """Commit `plan` step by step on a new `branch` (or the current one when None)."""
    repo = session.repo
    original = repo.preflight(branch, _created_paths(plan))
    if branch is not None:
        repo.create_branch(branch)
    on = branch or original
    steps = [step for step in plan.steps if step.files]
    commits: list[tuple[str, str]] = []
    baseline_ok = True
    if verify:
        progress(f"verify: {verify}", 0, len(steps))
        baseline_ok = run_command(verify, cwd)[0] == 0
    for index, step in enumerate(steps):
        progress(step.name, index, len(steps))
        before = repo.head_sha()
        try:
            sha = repo.commit(_writes(step), commit_message(step))
        except (OSError, GitError) as exc:
            _recover(repo, step, original, branch)
            raise DjrefactorError(_midway_message(step, exc, original, on, commits)) from None
        commits.append((step.name, sha))
        if verify and baseline_ok:
            code, output = run_command(verify, cwd)
            if code != 0:
                repo.reset_to(before)
                commits.pop()
                return ApplyResult(original, on, tuple(commits), step.name, output, False)
    progress("done", len(steps), len(steps))
    return ApplyResult(original, on, tuple(commits), baseline_failed=not baseline_ok)


def _recover(repo: Repository, step: Step, original: str, branch: str | None) -> None:
    repo.discard_uncommitted([write.path for write in _writes(step)])
    if branch is not None:
        repo.switch(original)


def _midway_message(
    step: Step, exc: Exception, original: str, branch: str, commits: Sequence[tuple[str, str]]
) -> str:
    reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
    done = ", ".join(name for name, _ in commits) or "none"
    return (
        f"step {step.name} failed ({reason}); you are back on {original}, unchanged; "
        f"branch {branch} holds the steps committed before it: {done}"
    )


def run_command(command: str, cwd: Path) -> tuple[int, str]:
    """Run a user's verify command through the shell; returns exit code and combined output."""
    completed = subprocess.run(
        command, shell=True, cwd=cwd, capture_output=True, text=True, check=False
    )
    return completed.returncode, completed.stdout + completed.stderr
