"""Git: preflight checks, the new branch, one commit per step. Knows nothing about Python code."""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import git

from djrefactor.errors import DjrefactorError


@dataclass(frozen=True)
class FileWrite:
    """What one commit does to one file: write `text` at `path`, or delete it (`text` None)."""

    path: str
    text: str | None


def open_repo(path: Path) -> git.Repo:
    if not path.exists():
        raise DjrefactorError(f"{path}: no such directory")
    try:
        repo = git.Repo(path, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise DjrefactorError(
            f"{path}: not a git repository; run `git init` and commit the project first"
        ) from None
    if repo.bare or repo.working_tree_dir is None:
        raise DjrefactorError(f"{path}: a bare git repository has no files to restructure")
    return repo


def root_of(repo: git.Repo) -> Path:
    assert repo.working_tree_dir is not None
    return Path(repo.working_tree_dir)


def tracked_files(repo: git.Repo) -> list[str]:
    """Files git tracks, as they are in the working tree (so `plan` sees uncommitted edits)."""
    output = repo.git.ls_files("-z")
    return [path for path in output.split("\0") if path]


def current_branch(repo: git.Repo) -> str:
    if not repo.head.is_valid():
        raise DjrefactorError("the repository has no commits yet; commit the project first")
    if repo.head.is_detached:
        raise DjrefactorError("HEAD is detached; check out a branch first (git switch <branch>)")
    return repo.active_branch.name


def preflight(repo: git.Repo, branch: str | None, created: Iterable[str]) -> str:
    """Refuse to start unless every apply precondition holds; returns the current branch."""
    original = current_branch(repo)
    if repo.is_dirty(index=True, working_tree=True, untracked_files=False):
        changed = sorted({item.a_path or "" for item in repo.index.diff(None)} | _staged(repo))
        shown = ", ".join(changed[:3]) + (" ..." if len(changed) > 3 else "")
        raise DjrefactorError(
            f"the working tree has uncommitted changes ({shown}); commit or stash them first"
        )
    if branch is not None:
        _check_branch_name(repo, branch)
    untracked = set(repo.untracked_files)
    clash = sorted(path for path in created if path in untracked)
    if clash:
        raise DjrefactorError(
            f"{clash[0]}: an untracked file is in the way of a file the plan creates; "
            "move it away first"
        )
    _check_identity(repo)
    return original


def _staged(repo: git.Repo) -> set[str]:
    return {item.a_path or "" for item in repo.index.diff("HEAD")}


def _check_branch_name(repo: git.Repo, branch: str) -> None:
    if branch in {head.name for head in repo.heads}:
        raise DjrefactorError(
            f"branch {branch!r} already exists; delete it or pass --branch with another name"
        )
    try:
        repo.git.check_ref_format("--branch", branch)
    except git.GitCommandError:
        raise DjrefactorError(f"{branch!r} is not a valid git branch name") from None


def _check_identity(repo: git.Repo) -> None:
    try:
        repo.git.var("GIT_COMMITTER_IDENT")
    except git.GitCommandError:
        raise DjrefactorError(
            "git has no committer identity; set user.name and user.email (git config) first"
        ) from None


def create_branch(repo: git.Repo, branch: str) -> None:
    repo.git.switch("-c", branch)


def switch(repo: git.Repo, branch: str) -> None:
    repo.git.switch(branch)


def commit(repo: git.Repo, writes: Iterable[FileWrite], message: str) -> str:
    """Write the files of one step and commit exactly them; returns the new commit's sha."""
    root = root_of(repo)
    touched: list[str] = []
    for write in writes:
        target = root / write.path
        if write.text is None:
            if target.exists():
                target.unlink()
                _prune_empty_dirs(target.parent, root)
        else:
            _write_atomically(target, write.text)
        touched.append(write.path)
    repo.git.add("-A", "--", *touched)
    repo.git.commit("--no-verify", "-q", "-m", message)
    return repo.head.commit.hexsha


def _write_atomically(target: Path, text: str) -> None:
    """Write `text` next to `target`, then rename over it: a crash never leaves half a file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    mode = target.stat().st_mode & 0o777 if target.exists() else 0o666 & ~_umask()
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(text.encode("utf-8"))
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _prune_empty_dirs(directory: Path, root: Path) -> None:
    while directory != root and directory.is_dir() and not any(directory.iterdir()):
        directory.rmdir()
        directory = directory.parent


def discard_uncommitted(repo: git.Repo, paths: Iterable[str]) -> None:
    """Undo a half-written step: restore tracked files, remove the new ones it wrote."""
    repo.git.reset("-q", "--hard")
    root = root_of(repo)
    untracked = set(repo.untracked_files)
    for path in paths:
        if path in untracked:
            (root / path).unlink(missing_ok=True)
            _prune_empty_dirs((root / path).parent, root)


def reset_to(repo: git.Repo, sha: str) -> None:
    repo.git.reset("-q", "--hard", sha)


def head_sha(repo: git.Repo) -> str:
    return repo.head.commit.hexsha


def run_command(command: str, cwd: Path) -> tuple[int, str]:
    """Run a user's verify command through the shell; returns exit code and combined output."""
    completed = subprocess.run(
        command, shell=True, cwd=cwd, capture_output=True, text=True, check=False
    )
    return completed.returncode, completed.stdout + completed.stderr
