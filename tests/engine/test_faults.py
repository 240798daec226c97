"""Fault injection: apply on a small Django repository, with a failure injected at every git call
in turn (git failing, git not starting, Ctrl-C and SIGTERM arriving), at every file write, and
real signals sent to a real process at several points. After each, the repository is
byte-identical (refs, HEAD, index file, status, every file) or the user is on the complete
branch; no temporary folder or file is left behind; the error is one line."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from djrefactor import engine, git
from djrefactor.config import Options
from djrefactor.engine import Verification, saved
from djrefactor.engine.interrupts import raise_on_sigterm
from djrefactor.errors import DjrefactorError
from tests.helpers import git_run, make_repo
from tests.repo_state import files_state, git_quiet, on_complete_branch, repo_state

BRANCH = "djrefactor/restructure"
VERIFY = Verification("test -f manage.py", explicit=True)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The original repository, with an untracked and an ignored file beside the tracked ones."""
    root = make_repo(tmp_path_factory.mktemp("pristine") / "project")
    (root / ".gitignore").write_text("*.log\n")
    git_run(root, "add", ".gitignore")
    git_run(root, "commit", "-qm", "ignore logs")
    (root / "notes.txt").write_text("untracked\n")
    (root / "debug.log").write_text("ignored\n")
    return root


@pytest.fixture(scope="module")
def planned(pristine: Path) -> engine.Planned:
    return engine.plan(pristine, Options())


@pytest.fixture
def temp_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def fresh_copy(pristine: Path, target: Path) -> Path:
    shutil.copytree(pristine, target, symlinks=True)
    return target


def apply_copy(root: Path, planned: engine.Planned) -> engine.ApplyResult:
    return engine.apply_plan(git.Repository.open(root), planned.plan, BRANCH, VERIFY)


def apply_opened(repo: git.Repository, planned: engine.Planned) -> engine.ApplyResult:
    return engine.apply_plan(repo, planned.plan, BRANCH, VERIFY)


def git_calls(pristine: Path, planned: engine.Planned, tmp_path: Path) -> list[list[str]]:
    """Every git command a successful apply runs, in order."""
    calls: list[list[str]] = []
    real = git._run

    def recording(args, cwd, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(list(args))
        return real(args, cwd, **kwargs)

    root = fresh_copy(pristine, tmp_path / "dry-run")
    repo = git.Repository.open(root)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(git, "_run", recording)
        apply_opened(repo, planned)
    assert on_complete_branch(root, BRANCH, 2)
    return calls


def unchanged_or_complete(root: Path, before: dict[str, object], temp_root: Path) -> str:
    """'unchanged' (byte-identical) or 'complete' (on the whole branch, the untracked and
    ignored files as they were, nothing else untracked); fails otherwise. No temporary folder
    may remain."""
    assert list(temp_root.iterdir()) == []
    if repo_state(root) == before:
        return "unchanged"
    assert on_complete_branch(root, BRANCH, 2), repo_state(root)
    status = git_quiet(root, "status", "--porcelain", "--untracked-files=all", "--ignored")
    assert status.splitlines() == ["?? notes.txt", "!! debug.log"]
    after = files_state(root)
    assert after["notes.txt"] == before["files"]["notes.txt"]  # type: ignore[index]
    assert after["debug.log"] == before["files"]["debug.log"]  # type: ignore[index]
    return "complete"


Fault = Callable[[list[str]], None]


def git_fails(args: list[str]) -> None:
    raise git.GitError(git.reason(args, b"fatal: injected failure\n"))


def ctrl_c(args: list[str]) -> None:
    os.kill(os.getpid(), signal.SIGINT)


def sigterm(args: list[str]) -> None:
    os.kill(os.getpid(), signal.SIGTERM)


@pytest.fixture
def sigterm_raises() -> Iterator[None]:
    previous = signal.getsignal(signal.SIGTERM)
    raise_on_sigterm()
    yield
    signal.signal(signal.SIGTERM, previous)


def injector(at: int, fault: Fault, real: Callable[..., object]) -> Callable[..., object]:
    """git._run, with `fault` happening at the `at`-th call."""
    count = 0

    def injected(args, cwd, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal count
        count += 1
        if count == at:
            fault(list(args))
        return real(args, cwd, **kwargs)

    return injected


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param(git_fails, id="git fails"),
        pytest.param(ctrl_c, id="Ctrl-C"),
        pytest.param(sigterm, id="SIGTERM"),
    ],
)
def test_a_fault_at_every_git_call(
    pristine: Path,
    planned: engine.Planned,
    tmp_path: Path,
    temp_root: Path,
    fault: Fault,
    sigterm_raises: None,
) -> None:
    calls = git_calls(pristine, planned, tmp_path)
    assert len(calls) > 20
    publish = calls.index(next(c for c in calls if c[0] == "update-ref"))
    real = git._run
    for index, command in enumerate(calls):
        root = fresh_copy(pristine, tmp_path / f"run{index}")
        before = repo_state(root)
        injected = injector(index + 1, fault, real)
        repo = git.Repository.open(root)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(git, "_run", injected)
            try:
                apply_opened(repo, planned)
                message = ""
            except DjrefactorError as exc:
                message = exc.message
            except KeyboardInterrupt:
                pytest.fail(f"Ctrl-C escaped at git {command}")
        outcome = unchanged_or_complete(root, before, temp_root)
        where = f"{fault.__name__} at call {index} (git {command[0]}): {message}"
        assert message and "\n" not in message, where
        if index < publish:  # before the ref update nothing may have changed
            assert outcome == "unchanged", where
            assert message.endswith(("nothing changed", "you are on main as before")), where
        elif fault is git_fails:  # the ref update or checkout failed: rolled back
            assert (outcome, message.split(" (")[0]) == (
                "unchanged",
                f"creating branch {BRANCH} failed",
            ), where
        else:  # a signal while publishing is held back until the branch is complete
            assert outcome == "complete", where
            assert message == (
                f"interrupted after apply finished: {BRANCH} has the 2 commits and you are on it"
            ), where
        shutil.rmtree(root)


def test_failing_to_record_the_branch_for_undo_is_only_a_warning(
    pristine: Path,
    planned: engine.Planned,
    tmp_path: Path,
    temp_root: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = fresh_copy(pristine, tmp_path / "copy")

    def full(path: Path, data: bytes) -> None:
        raise DjrefactorError(f"{path}: cannot write (No space left on device)")

    monkeypatch.setattr("djrefactor.engine.undoing.write_file", full)
    done = apply_copy(root, planned)
    record = root / ".git" / "djrefactor" / "branches.json"
    assert done.warnings == (
        f"could not record {BRANCH} for `djrefactor undo` ({record}: cannot write (No space left "
        "on device))",
    )
    assert on_complete_branch(root, BRANCH, 2)


def test_no_temporary_folder_is_a_one_line_error(
    pristine: Path, planned: engine.Planned, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = fresh_copy(pristine, tmp_path / "copy")
    before = repo_state(root)

    def no_space(*args: object, **kwargs: object) -> str:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(git.tempfile, "mkdtemp", no_space)
    with pytest.raises(DjrefactorError) as raised:
        apply_copy(root, planned)
    assert raised.value.message == (
        "preparing the commits failed (No space left on device); nothing changed: you are on "
        "main as before"
    )
    assert repo_state(root) == before


@pytest.mark.parametrize("where", ["mkstemp", "write", "replace"])
def test_a_file_write_failing_leaves_no_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    target = tmp_path / "out" / "plan.patch"
    target.parent.mkdir()
    target.write_bytes(b"the previous patch\n")

    def no_space(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    if where == "write":
        real_fdopen = os.fdopen

        class Full:
            def __init__(self, *args: object, **kwargs: object) -> None:
                self.stream = real_fdopen(*args, **kwargs)  # type: ignore[call-overload]

            def __enter__(self) -> Full:
                return self

            def __exit__(self, *exc: object) -> None:
                self.stream.close()

            def write(self, data: bytes) -> None:
                self.stream.write(data[:10])
                no_space()

        monkeypatch.setattr(saved.os, "fdopen", Full)
    else:
        monkeypatch.setattr(saved.tempfile if where == "mkstemp" else saved.os, where, no_space)
    with pytest.raises(DjrefactorError) as raised:
        saved.write_file(target, b"a new patch\n")
    assert raised.value.message == f"{target}: cannot write (No space left on device)"
    assert sorted(p.name for p in target.parent.iterdir()) == ["plan.patch"]
    assert target.read_bytes() == b"the previous patch\n"


# -- real signals to a real process --------------------------------------------------------------
SIGNAL_AT_CALL = """
import os, signal, sys
from djrefactor import cli, engine, git
at, number = int(sys.argv[1]), getattr(signal, sys.argv[2])
real_run, real_apply, count = git._run, engine.apply_plan, None
def injected(args, cwd, **kwargs):
    global count
    if count is not None:
        count += 1
        if count == at:
            os.kill(os.getpid(), number)
    return real_run(args, cwd, **kwargs)
def applying(*args, **kwargs):
    global count
    count = 0
    return real_apply(*args, **kwargs)
git._run, engine.apply_plan = injected, applying
sys.argv = ["djrefactor", *sys.argv[3:]]
cli.main()
"""


def run_cli(root: Path, *args: str, temp: Path | None = None) -> subprocess.Popen[str]:
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    if temp is not None:
        environment["TMPDIR"] = str(temp)
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
    )


@pytest.mark.parametrize(("name", "code"), [("SIGINT", 130), ("SIGTERM", 143)])
def test_real_signals_at_several_points(
    pristine: Path,
    planned: engine.Planned,
    tmp_path: Path,
    temp_root: Path,
    name: str,
    code: int,
) -> None:
    calls = git_calls(pristine, planned, tmp_path)
    publish = calls.index(next(c for c in calls if c[0] == "update-ref"))
    points = {"preflight": 0, "building": publish // 2, "ref": publish, "checkout": publish + 1}
    for label, point in points.items():
        root = fresh_copy(pristine, tmp_path / label)
        before = repo_state(root)
        command = [str(point + 1), name, "apply", "--verify", VERIFY.command or "", "."]
        process = run_cli(root, "-c", SIGNAL_AT_CALL, *command, temp=temp_root)
        _, stderr = process.communicate(timeout=120)
        assert process.returncode == code, (label, stderr)
        assert "Traceback" not in stderr
        last = stderr.splitlines()[-1]
        outcome = unchanged_or_complete(root, before, temp_root)
        if point < publish:
            assert outcome == "unchanged", label
            assert last in (
                "interrupted; nothing changed",  # before HEAD was even read
                "interrupted; nothing changed: you are on main as before",
            ), label
        else:
            assert (outcome, last) == (
                "complete",
                f"interrupted after apply finished: {BRANCH} has the 2 commits and you are on it",
            ), label


@pytest.mark.parametrize(("name", "code"), [("SIGINT", 130), ("SIGTERM", 143)])
def test_a_signal_during_a_long_test_command_changes_nothing(
    pristine: Path, tmp_path: Path, name: str, code: int
) -> None:
    root = fresh_copy(pristine, tmp_path / "copy")
    before = repo_state(root)
    marker = tmp_path / "started"
    command = f"touch {marker}; sleep 60"
    process = run_cli(root, "-m", "djrefactor", "apply", "--verify", command, ".")
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists()
    started = time.monotonic()
    process.send_signal(getattr(signal, name))
    _, stderr = process.communicate(timeout=30)
    assert time.monotonic() - started < 10, "the test command was killed, not waited for"
    assert process.returncode == code
    assert stderr.splitlines()[-1] == "interrupted; nothing changed: you are on main as before"
    assert repo_state(root) == before


# -- a real full disk ----------------------------------------------------------------------------
FULL_DISK = r"""
set -e
mnt=$1; source=$2; python=$3; free=$4
mount -t tmpfs -o size=8m tmpfs "$mnt"
cp -a "$source" "$mnt/project"
mkdir "$mnt/tmp"
cd "$mnt/project"
state() {
    cat .git/HEAD; git for-each-ref; sha256sum .git/index
    git --no-optional-locks status --porcelain=v2 --untracked-files=all --ignored
    find . -path ./.git -prune -o -type f -print0 | sort -z | xargs -0 sha256sum
}
before=$(state)
available=$(df --output=avail -B1 "$mnt" | tail -1)
head -c $((available - free)) /dev/zero > "$mnt/filler" 2> /dev/null || true
set +e
TMPDIR="$mnt/tmp" "$python" -m djrefactor apply --no-verify . 2> "$mnt.err"
echo "exit $?"
rm -f "$mnt/filler"
[ "$before" = "$(state)" ] && echo unchanged
[ "$(git symbolic-ref --short HEAD)" = djrefactor/restructure ] &&
    [ "$(git status --porcelain --untracked-files=all)" = "?? notes.txt" ] && echo complete
ls -A "$mnt/tmp"
"""


def test_a_really_full_disk_at_every_stage(pristine: Path, tmp_path: Path) -> None:
    """Less and less free space on a small tmpfs (in a user and mount namespace): the objects,
    the temporary index, the ref's log, the checkout's files and the new index fail in turn."""
    if shutil.which("unshare") is None:
        pytest.skip("needs unshare(1)")
    if subprocess.run(["unshare", "-Urm", "true"], capture_output=True).returncode != 0:
        pytest.skip("user and mount namespaces are not available here")
    script, mount = tmp_path / "full.sh", tmp_path / "mnt"
    script.write_text(FULL_DISK)
    mount.mkdir()
    outcomes = set()
    for free in range(4096, 160_000, 16_000):
        command = ["unshare", "-Urm", "bash", str(script), str(mount), str(pristine)]
        result = subprocess.run(
            [*command, sys.executable, str(free)], capture_output=True, text=True, timeout=120
        )
        lines = result.stdout.splitlines()
        stderr = Path(f"{mount}.err").read_text()
        assert "Traceback" not in stderr
        if lines[0] == "exit 2":
            assert lines[1:] == ["unchanged"], (free, result.stdout, stderr)
            message = stderr.splitlines()[-1]
            assert message.startswith("error: ") and message.endswith(
                "; nothing changed: you are on main as before"
            ), message
            outcomes.add(message.split(" failed")[0])
        else:
            assert lines == ["exit 0", "complete"], (free, result.stdout, stderr)
            outcomes.add("complete")
    assert {"error: step config-package", "complete"} <= outcomes, outcomes
