"""Git: preflight checks, the new branch, one commit per step. The only GitPython importer;
it knows nothing about Python code."""

from __future__ import annotations

import os
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


class GitError(DjrefactorError):
    """A git command failed while applying."""


class Repository:
    """The user's repository, as the engine uses it."""

    def __init__(self, repo: git.Repo) -> None:
        self._repo = repo

    @staticmethod
    def open(path: Path) -> Repository:
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
        return Repository(repo)

    @property
    def root(self) -> Path:
        assert self._repo.working_tree_dir is not None
        return Path(self._repo.working_tree_dir)

    def tracked_files(self) -> list[str]:
        """Files git tracks, as they are in the working tree (so `plan` sees uncommitted edits)."""
        output = self._repo.git.ls_files("-z")
        return [path for path in output.split("\0") if path]

    def current_branch(self) -> str:
        if not self._repo.head.is_valid():
            raise DjrefactorError("the repository has no commits yet; commit the project first")
        if self._repo.head.is_detached:
            raise DjrefactorError(
                "HEAD is detached; check out a branch first (git switch <branch>)"
            )
        return self._repo.active_branch.name

    def preflight(self, branch: str | None, created: Iterable[str]) -> str:
        """Refuse to start unless every apply precondition holds; returns the current branch."""
        repo = self._repo
        original = self.current_branch()
        if repo.is_dirty(index=True, working_tree=True, untracked_files=False):
            changed = sorted(
                {item.a_path or "" for item in repo.index.diff(None)}
                | {item.a_path or "" for item in repo.index.diff("HEAD")}
            )
            shown = ", ".join(changed[:3]) + (" ..." if len(changed) > 3 else "")
            raise DjrefactorError(
                f"the working tree has uncommitted changes ({shown}); commit or stash them first"
            )
        if branch is not None:
            self._check_branch_name(branch)
        untracked = set(repo.untracked_files)
        clash = sorted(path for path in created if path in untracked)
        if clash:
            raise DjrefactorError(
                f"{clash[0]}: an untracked file is in the way of a file the plan creates; "
                "move it away first"
            )
        self._check_identity()
        return original

    def _check_branch_name(self, branch: str) -> None:
        if branch in {head.name for head in self._repo.heads}:
            raise DjrefactorError(
                f"branch {branch!r} already exists; delete it or pass --branch with another name"
            )
        try:
            self._repo.git.check_ref_format("--branch", branch)
        except git.GitCommandError:
            raise DjrefactorError(f"{branch!r} is not a valid git branch name") from None

    def _check_identity(self) -> None:
        try:
            self._repo.git.var("GIT_COMMITTER_IDENT")
        except git.GitCommandError:
            raise DjrefactorError(
                "git has no committer identity; set user.name and user.email (git config) first"
            ) from None

    def create_branch(self, branch: str) -> None:
        self._repo.git.switch("-c", branch)

    def switch(self, branch: str) -> None:
        self._repo.git.switch(branch)

    def commit(self, writes: Iterable[FileWrite], message: str) -> str:
        """Write the files of one step and commit exactly them; returns the new commit's sha."""
        root = self.root
        touched: list[str] = []
        try:
            for write in writes:
                target = root / write.path
                if write.text is None:
                    if target.exists():
                        target.unlink()
                        _prune_empty_dirs(target.parent, root)
                else:
                    _write_atomically(target, write.text)
                touched.append(write.path)
            self._repo.git.add("-A", "--", *touched)
            self._repo.git.commit("--no-verify", "-q", "-m", message)
        except git.GitCommandError as exc:
            raise GitError(_git_reason(exc)) from None
        return self._repo.head.commit.hexsha

    def discard_uncommitted(self, paths: Iterable[str]) -> None:
        """Undo a half-written step: restore tracked files, remove the new ones it wrote."""
        self._repo.git.reset("-q", "--hard")
        root = self.root
        untracked = set(self._repo.untracked_files)
        for path in paths:
            if path in untracked:
                (root / path).unlink(missing_ok=True)
                _prune_empty_dirs((root / path).parent, root)

    def reset_to(self, sha: str) -> None:
        self._repo.git.reset("-q", "--hard", sha)

    def head_sha(self) -> str:
        return self._repo.head.commit.hexsha


def _git_reason(exc: git.GitCommandError) -> str:
    lines = [line.strip() for line in str(exc.stderr or "").splitlines() if line.strip()]
    lines = [line.removeprefix("stderr: ").strip("'") for line in lines]
    return next((line for line in lines if line.startswith(("fatal:", "error:"))), "") or (
        lines[0] if lines else f"git {exc.command[1] if len(exc.command) > 1 else ''} failed"
    )


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
