"""Commit a Plan, one commit per step, as one transaction.

Every commit is built off to the side (objects and a temporary index, never the user's index or
working tree), the test command runs on a temporary checkout of each, and only then is the
branch created in one ref update and checked out, with Ctrl-C and SIGTERM held back. Any failure
or signal before that leaves the repository as it was; after it, the user is on a complete
branch.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from djrefactor.engine.interrupts import Interrupted, deferred_signals
from djrefactor.engine.planning import Progress, quiet
from djrefactor.engine.undoing import record_branch
from djrefactor.errors import DjrefactorError
from djrefactor.git import Builder, FileWrite, GitError, Head, Repository, parents
from djrefactor.model import Plan, Step

TAIL_LINES = 15


class VerifyFailed(DjrefactorError):
    """The test command failed where it must pass; `output` is what it printed."""

    def __init__(self, message: str, output: str) -> None:
        super().__init__(message)
        self.output = output


# -- verification ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Verification:
    """The test command `apply` runs before the first step and after each step.

    `explicit` is True when the user named it (`--verify`): then a command that already fails
    before any change is an error; a detected one that fails is only warned about."""

    command: str | None
    explicit: bool = False


NO_VERIFICATION = Verification(None)


def choose_verification(
    repo: Repository, folder: str, command: str | None, off: bool
) -> Verification:
    """`--no-verify`, `--verify CMD`, or the project's own test command when evident."""
    if off:
        return NO_VERIFICATION
    if command:
        return Verification(command, explicit=True)
    return detect_verification(repo.root, folder, repo.tracked())


def detect_verification(root: Path, folder: str, tracked: Collection[str]) -> Verification:
    """pytest when the project configures it, else `manage.py test`, else nothing."""
    python = shlex.quote(sys.executable)
    if _pytest_configured(root, folder, tracked):
        return Verification(f"{python} -m pytest -x -q")
    if _join(folder, "manage.py") in tracked:
        return Verification(f"{python} manage.py test --noinput --failfast")
    return NO_VERIFICATION


_PYTEST_TABLES = {
    "pytest.ini": "",
    "pyproject.toml": "[tool.pytest.ini_options]",
    "setup.cfg": "[tool:pytest]",
    "tox.ini": "[pytest]",
}


def _pytest_configured(root: Path, folder: str, tracked: Collection[str]) -> bool:
    # the project's folder, then each one above it: where pytest looks for its configuration
    for where in [*reversed(parents(f"{folder}/-")), ""] if folder else [""]:
        for name, table in _PYTEST_TABLES.items():
            path = _join(where, name)
            if path in tracked and table in _read(root / path):
                return True
    return False


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _join(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


def run_command(command: str, cwd: Path) -> tuple[int, str]:
    """Run a test command through the shell in its own process group; returns the exit code
    and the combined output. Interrupted, the whole group is killed."""
    process = subprocess.Popen(
        command,
        shell=True,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate()
    except BaseException:
        _kill_group(process)
        raise
    return process.returncode, output.decode("utf-8", "replace")


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def tail(output: str, lines: int = TAIL_LINES) -> str:
    return "\n".join(output.rstrip().splitlines()[-lines:])


# -- apply -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ApplyResult:
    """What `apply` did: the branch and its commits per step, and what verification said.

    `broken_by` is the step that broke the test command (it and the steps after it were left
    out); `unverified` the detected test command that already failed before any change, so
    that nothing was verified."""

    original: str
    branch: str
    new_branch: bool
    base: str
    commits: tuple[tuple[str, str], ...]
    verify_command: str | None = None
    broken_by: str | None = None
    verify_output: str = ""
    unverified: str | None = None
    unverified_exit: int = 0
    warnings: tuple[str, ...] = ()


@dataclass
class _Built:
    commits: list[tuple[str, str]]
    command: str | None
    broken_by: str | None = None
    output: str = ""
    unverified: str | None = None
    unverified_exit: int = 0


def commit_message(step: Step) -> str:
    lines = [f"djrefactor: {step.name}", "", f"{step.summary[:1].upper()}{step.summary[1:]}."]
    counts = [f"{step.count(kind)} {label}" for kind, label in _KINDS if step.count(kind)]
    lines += ["", "Files: " + ", ".join(counts)]
    if step.notes:
        lines += ["", "Left for a human:"] + [f"- {note}" for note in step.notes]
    return "\n".join(lines) + "\n"


_KINDS = (("create", "created"), ("edit", "changed"), ("move", "moved"), ("delete", "deleted"))


def writes(step: Step) -> list[FileWrite]:
    """What the step's commit does to each path; an opaque file is renamed with its blob."""
    found = []
    for change in step.files:
        if change.old_path and change.old_path != change.new_path:
            found.append(FileWrite(change.old_path, None))
        if change.new_path and change.opaque:
            found.append(FileWrite(change.new_path, None, change.mode, source=change.old_path))
        elif change.new_path:
            found.append(FileWrite(change.new_path, change.new_text, change.mode))
    return found


def apply_plan(
    repo: Repository,
    plan: Plan,
    branch: str | None,
    verification: Verification = NO_VERIFICATION,
    folder: str = "",
    progress: Progress = quiet,
    description: str | None = None,
) -> ApplyResult:
    """Commit `plan` step by step on a new `branch` (on the current one when None);
    `description` (the pull request's) ends the last commit's message."""
    steps = [step for step in plan.steps if step.files]
    as_before = "nothing changed"
    try:
        head = _checked(repo, branch, plan)
        as_before = f"nothing changed: you are on {head.branch} as before"
        with _side(repo, head, as_before) as builder:
            built = _build(builder, steps, verification, folder, progress, as_before, description)
    except KeyboardInterrupt as stop:
        raise Interrupted(stop, f"interrupted; {as_before}") from None
    original = head.branch or ""
    if built.broken_by is not None and not built.commits:
        raise VerifyFailed(
            f"step {built.broken_by} broke `{built.command}`; nothing was applied: you are on "
            f"{original} as before",
            built.output,
        )
    target = branch or original
    if not built.commits:  # a plan with nothing to do: no commit, no branch
        return ApplyResult(original, target, branch is not None, head.sha or "", ())
    warnings = _publish(repo, target, branch is not None, built, head, as_before)
    progress("done", len(steps), len(steps))
    return ApplyResult(
        original,
        target,
        branch is not None,
        head.sha or "",
        tuple(built.commits),
        built.command,
        built.broken_by,
        built.output,
        built.unverified,
        built.unverified_exit,
        warnings,
    )


def _checked(repo: Repository, branch: str | None, plan: Plan) -> Head:
    try:
        return preflight(repo, branch, plan)
    except GitError as exc:
        raise DjrefactorError(
            f"checking the repository failed ({exc.reason}); nothing changed"
        ) from None


@contextmanager
def _side(repo: Repository, head: Head, as_before: str) -> Iterator[Builder]:
    assert head.sha is not None
    try:
        with repo.builder(head.sha) as builder:
            yield builder
    except GitError as exc:
        raise DjrefactorError(f"preparing the commits failed ({exc.reason}); {as_before}") from None
    except OSError as exc:
        raise DjrefactorError(
            f"preparing the commits failed ({exc.strerror or exc}); {as_before}"
        ) from None


def _build(
    builder: Builder,
    steps: Sequence[Step],
    verification: Verification,
    folder: str,
    progress: Progress,
    as_before: str,
    description: str | None = None,
) -> _Built:
    built = _Built([], verification.command)
    total = len(steps)
    if built.command is not None:
        progress(f"test before any step: {built.command}", 0, total)
        code, output = _verify(builder, builder.tip, built.command, folder, as_before)
        if code != 0 and verification.explicit:
            raise VerifyFailed(
                f"--verify command `{built.command}` already fails before any change (exit "
                f"{code}); fix it or pass another one; nothing was applied",
                output,
            )
        if code != 0:
            built.unverified, built.unverified_exit, built.command = built.command, code, None
    for index, step in enumerate(steps):
        progress(f"commit {step.name}", index, total)
        last = index == total - 1 and description is not None
        sha = _commit(builder, step, as_before, f"\n{description}" if last else "")
        if built.command is not None:
            progress(f"test after {step.name}: {built.command}", index + 1, total)
            code, output = _verify(builder, sha, built.command, folder, as_before)
            if code != 0:
                built.broken_by, built.output = step.name, output
                return built
        built.commits.append((step.name, sha))
    return built


def _commit(builder: Builder, step: Step, as_before: str, trailer: str = "") -> str:
    try:
        return builder.commit(writes(step), commit_message(step) + trailer)
    except GitError as exc:
        raise DjrefactorError(f"step {step.name} failed ({exc.reason}); {as_before}") from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise DjrefactorError(f"step {step.name} failed ({reason}); {as_before}") from None


def _verify(
    builder: Builder, sha: str, command: str, folder: str, as_before: str
) -> tuple[int, str]:
    try:
        tree = builder.checkout(sha)
        return run_command(command, tree / folder if folder else tree)
    except (GitError, OSError) as exc:
        why = exc.reason if isinstance(exc, GitError) else exc.strerror or str(exc)
        raise DjrefactorError(f"running `{command}` failed ({why}); {as_before}") from None


def _publish(
    repo: Repository, branch: str, new: bool, built: _Built, head: Head, as_before: str
) -> tuple[str, ...]:
    """The one change to the user's repository: the ref, then the checkout, signals held."""
    tip = built.commits[-1][1]
    warnings: list[str] = []
    with deferred_signals() as received:
        try:
            if new:
                repo.publish_branch(branch, tip, head)
            else:
                repo.publish_on_current(branch, tip, head)
        except (GitError, OSError) as exc:
            why = exc.reason if isinstance(exc, GitError) else exc.strerror or str(exc)
            doing = f"creating branch {branch}" if new else f"updating {branch}"
            raise DjrefactorError(f"{doing} failed ({why}); {as_before}") from None
        if new:
            try:
                record_branch(repo, branch, head, tip)
            except (OSError, DjrefactorError) as exc:
                warnings.append(f"could not record {branch} for `djrefactor undo` ({exc})")
    if received:
        count = len(built.commits)
        raise Interrupted(
            received[0],
            f"interrupted after apply finished: {branch} has the {count} "
            f"commit{'s' if count != 1 else ''} and you are on it",
        )
    return tuple(warnings)


# -- preflight ---------------------------------------------------------------------------------
def preflight(repo: Repository, branch: str | None, plan: Plan) -> Head:
    """Refuse to start unless every apply precondition holds; returns where HEAD is."""
    head = repo.head()
    if head.sha is None:
        raise DjrefactorError("the repository has no commits yet; commit the project first")
    if head.branch is None:
        raise DjrefactorError("HEAD is detached; check out a branch first (git switch <branch>)")
    if repo.unmerged():
        raise DjrefactorError("the index has unresolved conflicts; finish or abort the merge first")
    changed = repo.changed_files()
    if changed:
        shown = ", ".join(changed[:3]) + (" ..." if len(changed) > 3 else "")
        raise DjrefactorError(
            f"the working tree has uncommitted changes ({shown}); commit or stash them first"
        )
    if branch is not None:
        problem = repo.branch_problem(branch)
        if problem:
            raise DjrefactorError(problem)
    if repo.index_locked():
        raise DjrefactorError(
            f"another git command is running ({repo.git_dir / 'index.lock'} exists); wait for "
            "it, or delete that file if no git command is running"
        )
    read_only = repo.read_only()
    if read_only is not None:
        raise DjrefactorError(
            f"{read_only} is read-only; apply must write its commits there (plan writes nothing)"
        )
    _refuse_in_the_way(repo, plan)
    if not repo.has_identity():
        raise DjrefactorError(
            "git has no committer identity; set user.name and user.email (git config) first"
        )
    return head


def _refuse_in_the_way(repo: Repository, plan: Plan) -> None:
    tracked = repo.tracked()
    for change in plan.total:
        if change.new_path is None or change.new_path == change.old_path:
            continue
        for where in [*parents(change.new_path), change.new_path]:
            full = repo.root / where
            last = where == change.new_path
            if where in tracked or not os.path.lexists(full):
                continue
            if last or full.is_symlink() or not full.is_dir():
                raise DjrefactorError(
                    f"{where}: an untracked file is in the way of a file the plan creates; "
                    "move it away first"
                )
