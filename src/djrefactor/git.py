"""Git: everything djrefactor asks of git, as git commands run by GitPython through one seam
(`_run`).

Commits are built off to the side: blobs go straight into the object database and trees are
made on a temporary index (`Builder`), so the user's index, working tree and refs change only in
`publish_branch` / `publish_on_current`: one ref update, then one checkout. It knows nothing
about Python code.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from types import FrameType, ModuleType
from typing import BinaryIO

from djrefactor.errors import DjrefactorError

SYMLINK = "120000"
SUBMODULE = "160000"
REGULAR = "100644"
# Read-only commands must not refresh the index behind the user's back (`git status` would).
_ENV = {"GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C", "LANGUAGE": "C"}
_NO_HOOKS = ("-c", "core.hooksPath=/dev/null")


class GitError(DjrefactorError):
    """A git command failed; `reason` is git's own one-line reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class FileWrite:
    """What one commit does to one path: write `text` with `mode`, put there the blob the
    parent commit holds at `source` (a rename of a file djrefactor does not read), or delete
    it (`text` and `source` None)."""

    path: str
    text: str | None
    mode: str = REGULAR
    source: str | None = None


@dataclass(frozen=True)
class Head:
    """Where HEAD is: `branch` None when detached, `sha` None before the first commit."""

    branch: str | None
    sha: str | None


def _run(
    args: Sequence[str],
    cwd: Path,
    *,
    input: bytes | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[bytes]:
    """Run one git command through GitPython: the only place djrefactor starts git (tests
    inject faults here).

    git runs in its own session, so a Ctrl-C at the terminal reaches djrefactor alone, which
    decides what to stop."""
    command = _gitpython()
    environment = {**os.environ, **_ENV, **(env or {})}
    stream = _fed(input) if input is not None else None
    try:
        with _until_git_returns():
            status, stdout, stderr = command.Git(str(cwd)).execute(
                ["git", *args],
                istream=stream,
                with_extended_output=True,
                with_exceptions=False,
                stdout_as_string=False,
                strip_newline_in_stdout=False,
                env=environment,
                start_new_session=True,
            )
    except command.exc.GitCommandNotFound:
        raise DjrefactorError("git is not installed or not on PATH; install git first") from None
    except OSError as exc:
        raise GitError(f"cannot run git: {exc.strerror or exc}") from None
    finally:
        if stream is not None:
            stream.close()
    output = stdout if isinstance(stdout, bytes) else str(stdout).encode("utf-8", "surrogateescape")
    errors = stderr.encode("utf-8", "replace") if isinstance(stderr, str) else bytes(stderr or b"")
    completed = subprocess.CompletedProcess(["git", *args], int(status or 0), output, errors)
    if check and completed.returncode != 0:
        raise GitError(reason(args, completed.stderr))
    return completed


def _fed(data: bytes) -> BinaryIO:
    """A pipe git reads `data` from (no temporary file: the disk may be full)."""
    read, write = os.pipe()

    def feed() -> None:
        with os.fdopen(write, "wb") as stream, suppress(BrokenPipeError):
            stream.write(data)

    threading.Thread(target=feed, daemon=True).start()
    return os.fdopen(read, "rb")


@contextmanager
def _until_git_returns() -> Iterator[None]:
    """A Ctrl-C or SIGTERM while git runs takes effect once git has returned, so that what git
    did is known when djrefactor decides what to undo (git itself runs in its own session)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []

    def hold(signum: int, frame: FrameType | None) -> None:
        received.append(signum)

    previous = {number: signal.signal(number, hold) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        for signum in received[:1]:
            signal.raise_signal(signum)


def _gitpython() -> ModuleType:
    """GitPython, imported on first use: without a git binary `--help` must still work, so
    its start-up check of the binary is quietened and git's absence is reported per command."""
    os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")
    import git

    return git


def reason(args: Sequence[str], stderr: bytes) -> str:
    """git's one-line reason: its first `fatal:`/`error:` line, without the prefix."""
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines()]
    lines = [line for line in lines if line]
    for line in lines:
        for prefix in ("fatal: ", "error: "):
            if line.startswith(prefix):
                return line.removeprefix(prefix).rstrip(".")
    command = next((arg for arg in args if not arg.startswith("-") and "=" not in arg), "")
    return lines[0].rstrip(".") if lines else f"git {command} failed"


def _text(completed: subprocess.CompletedProcess[bytes]) -> str:
    return completed.stdout.decode("utf-8", "surrogateescape").strip()


def _fields(completed: subprocess.CompletedProcess[bytes]) -> list[str]:
    return [
        part for part in completed.stdout.decode("utf-8", "surrogateescape").split("\0") if part
    ]


class Repository:
    """The user's repository, as the engine uses it."""

    def __init__(self, root: Path, git_dir: Path, common_dir: Path) -> None:
        self.root = root
        self.git_dir = git_dir
        self.common_dir = common_dir

    @staticmethod
    def open(path: Path) -> Repository:
        if not path.exists():
            raise DjrefactorError(f"{path}: no such directory")
        if not path.is_dir():
            raise DjrefactorError(f"{path}: not a directory; pass a folder of the project")
        try:
            found = _run(
                ["rev-parse", "--show-toplevel", "--absolute-git-dir", "--git-common-dir"], path
            )
        except GitError as exc:
            raise DjrefactorError(_open_error(path, exc.reason)) from None
        root, git_dir, common_dir = _text(found).splitlines()
        # older gits print the common dir relative to where they ran
        return Repository(Path(root), Path(git_dir), (path / common_dir).resolve())

    def git(self, *args: str, input: bytes | None = None) -> str:
        return _text(_run(args, self.root, input=input))

    # -- reading -------------------------------------------------------------------------------
    def tracked(self) -> dict[str, str]:
        """Every path git tracks, with its mode (`100644`, `100755`, `120000` symlink...)."""
        entries: dict[str, str] = {}
        for entry in _fields(_run(["ls-files", "-s", "-z"], self.root)):
            info, _, path = entry.partition("\t")
            entries.setdefault(path, info.split()[0])
        return entries

    def tracked_files(self) -> list[str]:
        """Files git tracks, as they are in the working tree (so `plan` sees uncommitted edits)."""
        return sorted(self.tracked())

    def head(self) -> Head:
        branch = _run(["symbolic-ref", "-q", "HEAD"], self.root, check=False)
        sha = _run(["rev-parse", "-q", "--verify", "HEAD^{commit}"], self.root, check=False)
        name = _text(branch).removeprefix("refs/heads/") if branch.returncode == 0 else None
        return Head(name, _text(sha) if sha.returncode == 0 else None)

    def branch_sha(self, branch: str) -> str | None:
        found = _run(
            ["rev-parse", "-q", "--verify", f"refs/heads/{branch}"], self.root, check=False
        )
        return _text(found) if found.returncode == 0 else None

    def changed_files(self) -> list[str]:
        """Tracked files with staged or unstaged changes (untracked files are not changes)."""
        status = _run(["status", "--porcelain=v1", "-z", "--untracked-files=no"], self.root)
        fields = _fields(status)
        changed, skip = [], False
        for field in fields:
            if skip:  # the source path of a rename entry
                skip = False
                continue
            changed.append(field[3:])
            skip = field[0] in "RC"
        return sorted(set(changed))

    def unmerged(self) -> bool:
        return bool(_fields(_run(["ls-files", "-u", "-z"], self.root)))

    def ignored(self, paths: Iterable[str]) -> list[tuple[str, str, int, str]]:
        """(path, ignore file, line, pattern) for each of `paths` that git ignores."""
        listed = "".join(f"{path}\0" for path in paths)
        if not listed:
            return []
        found = _run(
            ["check-ignore", "-v", "-z", "--no-index", "--stdin"],
            self.root,
            input=listed.encode("utf-8"),
            check=False,
        )
        if found.returncode not in (0, 1):
            raise GitError(reason(["check-ignore"], found.stderr))
        fields = found.stdout.decode("utf-8", "surrogateescape").split("\0")
        rules = []
        for index in range(0, len(fields) - 3, 4):
            source, line, pattern, path = fields[index : index + 4]
            if source and not pattern.startswith("!"):
                rules.append((path, source, int(line), pattern))
        return rules

    def has_identity(self) -> bool:
        return all(
            _run(["var", name], self.root, check=False).returncode == 0
            for name in ("GIT_AUTHOR_IDENT", "GIT_COMMITTER_IDENT")
        )

    def index_locked(self) -> bool:
        return (self.git_dir / "index.lock").exists()

    def read_only(self) -> Path | None:
        """The first folder git must write to for a new branch that it cannot write to."""
        for folder in (self.common_dir / "objects", self.common_dir / "refs" / "heads"):
            if folder.is_dir() and not os.access(folder, os.W_OK | os.X_OK):
                return folder
        return None

    def branch_problem(self, branch: str) -> str | None:
        """Why `branch` cannot be created, or None when it can."""
        valid = _run(["check-ref-format", f"refs/heads/{branch}"], self.root, check=False)
        if valid.returncode != 0 or branch.startswith("-") or branch == "HEAD":
            return f"{branch!r} is not a valid git branch name"
        listed = _run(["for-each-ref", "--format=%(refname)", "refs/heads/"], self.root)
        for ref in _text(listed).splitlines():
            name = ref.removeprefix("refs/heads/")
            if name == branch:
                return (
                    f"branch {branch!r} already exists; delete it or pass --branch with "
                    "another name"
                )
            if branch.startswith(name + "/") or name.startswith(branch + "/"):
                return (
                    f"branch {branch!r} cannot be created while branch {name!r} exists (git "
                    "keeps branches as files and folders); pass --branch with another name"
                )
        return None

    def symlink_target(self, path: str) -> str:
        return os.readlink(self.root / path)

    # -- building commits off to the side ------------------------------------------------------
    @contextmanager
    def builder(self, base: str) -> Iterator[Builder]:
        """A temporary index holding `base`'s tree, outside the repository; removed after."""
        folder = Path(tempfile.mkdtemp(prefix="djrefactor-"))
        try:
            builder = Builder(self, folder, base)
            builder.start()
            yield builder
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    # -- publishing: the only changes to the user's refs, index and working tree ----------------
    def publish_branch(self, branch: str, tip: str, head: Head) -> None:
        """Create `branch` at `tip` (it must not exist) and check it out; on failure nothing
        is left changed."""
        assert head.sha is not None
        zero = "0" * len(head.sha)
        self.git("update-ref", "-m", "djrefactor: apply", f"refs/heads/{branch}", tip, zero)
        try:
            _run([*_NO_HOOKS, "checkout", "-q", branch, "--"], self.root)
        except GitError as exc:
            if self.head().branch == branch:
                return  # the checkout is done; what failed came after it
            self._restore(head, tip, branch, exc)
            _run(["update-ref", "-d", f"refs/heads/{branch}", tip], self.root, check=False)
            raise

    def publish_on_current(self, branch: str, tip: str, head: Head) -> None:
        """Fast-forward the current `branch` from `head` to `tip`, index and working tree too."""
        assert head.sha is not None
        ref = f"refs/heads/{branch}"
        self.git("update-ref", "-m", "djrefactor: run", ref, tip, head.sha)
        try:
            _run(["read-tree", "-m", "-u", head.sha, tip], self.root)
        except GitError as exc:
            _run(["update-ref", ref, head.sha, tip], self.root, check=False)
            self._restore(head, tip, branch, exc)
            raise

    def _restore(self, head: Head, tip: str, branch: str, failure: GitError) -> None:
        """Undo a checkout of `tip` that failed midway (the index is untouched): remove the
        files only `tip` has (the preflight made sure none was there before), then write the
        changed tracked files back from the index."""
        assert head.sha is not None
        try:
            diff = ["diff-tree", "-r", "-z", "--name-only", "--no-renames", "--diff-filter=A"]
            for path in _fields(_run([*diff, head.sha, tip], self.root)):
                if os.path.lexists(self.root / path):
                    (self.root / path).unlink()
                    prune_empty_dirs((self.root / path).parent, self.root)
            changed = self.changed_files()
            if changed:
                listed = "".join(f"{path}\0" for path in changed).encode("utf-8")
                _run(["checkout-index", "-f", "-z", "--stdin"], self.root, input=listed)
        except (GitError, OSError) as exc:
            why = exc.reason if isinstance(exc, GitError) else exc.strerror or str(exc)
            raise DjrefactorError(
                f"checking out {branch} failed ({failure.reason}) and putting the working tree "
                f"back failed too ({why}); free some space, then run `git checkout -f "
                f"{head.branch}` to get {head.branch} back"
            ) from None

    def switch(self, branch: str) -> None:
        _run([*_NO_HOOKS, "checkout", "-q", branch, "--"], self.root)

    def delete_branch(self, branch: str, expected: str) -> None:
        self.git("update-ref", "-m", "djrefactor: undo", "-d", f"refs/heads/{branch}", expected)

    def count_commits(self, base: str, tip: str) -> int:
        return int(self.git("rev-list", "--count", f"{base}..{tip}"))


class Builder:
    """Commits built on a temporary index: objects are written, nothing else changes."""

    def __init__(self, repo: Repository, folder: Path, base: str) -> None:
        self.repo = repo
        self.folder = folder
        self.tip = base
        self._env = {"GIT_INDEX_FILE": str(folder / "index")}

    def _git(self, *args: str, input: bytes | None = None) -> str:
        return _text(_run(args, self.repo.root, input=input, env=self._env))

    def start(self) -> None:
        self._git("read-tree", self.tip)

    def commit(self, writes: Iterable[FileWrite], message: str) -> str:
        """Commit `writes` on top of the last commit; returns the new commit's sha."""
        entries: list[str] = []
        zero = "0" * len(self.tip)
        writes = list(writes)
        blobs = self._blobs([write.source for write in writes if write.source is not None])
        for write in writes:
            if write.source is not None:
                entries.append(f"{write.mode} {blobs[write.source]}\t{write.path}\0")
                continue
            if write.text is None:
                entries.append(f"0 {zero}\t{write.path}\0")
                continue
            blob = self._git(
                "hash-object", "-w", f"--path={write.path}", "--stdin",
                input=write.text.encode("utf-8"),
            )  # fmt: skip
            entries.append(f"{write.mode} {blob}\t{write.path}\0")
        # deletions first: a file may become a folder of the same name
        entries.sort(key=lambda entry: not entry.startswith("0 "))
        self._git("update-index", "-z", "--index-info", input="".join(entries).encode("utf-8"))
        tree = self._git("write-tree")
        self.tip = self._git("commit-tree", tree, "-p", self.tip, "-F", "-", input=message.encode())
        return self.tip

    def _blobs(self, paths: Sequence[str]) -> dict[str, str]:
        """The blob the temporary index holds at each of `paths` (the last commit's)."""
        if not paths:
            return {}
        listed = _run(
            ["--literal-pathspecs", "ls-files", "-s", "-z", "--", *paths],
            self.repo.root,
            env=self._env,
        )
        blobs = {}
        for entry in _fields(listed):
            info, _, path = entry.partition("\t")
            blobs[path] = info.split()[1]
        missing = [path for path in paths if path not in blobs]
        if missing:
            raise GitError(f"{missing[0]} is not in the commit being built on")
        return blobs

    def checkout(self, sha: str) -> Path:
        """`sha`'s files in a folder of their own (for a test command); later calls update it."""
        tree = self.folder / "tree"
        tree.mkdir(exist_ok=True)
        env = {"GIT_INDEX_FILE": str(self.folder / "tree-index")}
        _run([f"--work-tree={tree}", "read-tree", "--reset", "-u", sha], self.repo.root, env=env)
        return tree


def _open_error(path: Path, why: str) -> str:
    if "dubious ownership" in why:
        top = why.rsplit(" at ", 1)[-1].strip("'") if " at " in why else str(path)
        return (
            f"{top}: git refuses this repository (detected dubious ownership: another user owns "
            f"it); if you trust it, run `git config --global --add safe.directory {top}`"
        )
    if "not a git repository" in why:
        return f"{path}: not a git repository; run `git init` and commit the project first"
    if "must be run in a work tree" in why:
        return f"{path}: a bare git repository has no files to restructure"
    return f"{path}: git cannot open this repository ({why})"


def prune_empty_dirs(directory: Path, root: Path) -> None:
    while directory != root and directory.is_dir() and not any(directory.iterdir()):
        directory.rmdir()
        directory = directory.parent


def parents(path: str) -> list[str]:
    """`a/b/c.py` -> [`a`, `a/b`]."""
    parts = PurePosixPath(path).parts[:-1]
    return ["/".join(parts[: index + 1]) for index in range(len(parts))]
