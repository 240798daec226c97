"""`djrefactor.git` against real repositories: opening (and what git refuses), branch names,
commits built on a temporary index that never touch the user's index or working tree, and a
checkout that fails midway being rolled back."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from djrefactor import git
from djrefactor.errors import DjrefactorError
from djrefactor.git import FileWrite, Repository
from tests.helpers import git_run, make_repo
from tests.repo_state import repo_state


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "project")


def error_of(call, *args) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(DjrefactorError) as raised:
        call(*args)
    return raised.value.message


# -- opening -------------------------------------------------------------------------------------
def test_open_from_a_subfolder_finds_the_root(repo: Path) -> None:
    opened = Repository.open(repo / "shop")
    assert opened.root == repo
    assert opened.git_dir == opened.common_dir == repo / ".git"


def test_open_errors(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    (tmp_path / "file.txt").write_text("x")
    plain, missing, file = tmp_path / "plain", tmp_path / "nowhere", tmp_path / "file.txt"
    assert error_of(Repository.open, plain) == (
        f"{plain}: not a git repository; run `git init` and commit the project first"
    )
    assert error_of(Repository.open, missing) == f"{missing}: no such directory"
    assert error_of(Repository.open, file) == (
        f"{file}: not a directory; pass a folder of the project"
    )


def test_a_bare_repository_has_no_files(tmp_path: Path) -> None:
    git_run(tmp_path, "init", "-q", "--bare", "bare.git")
    bare = tmp_path / "bare.git"
    assert error_of(Repository.open, bare) == (
        f"{bare}: a bare git repository has no files to restructure"
    )


def test_dubious_ownership_is_one_line_with_the_fix(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_TEST_ASSUME_DIFFERENT_OWNER", "1")
    assert error_of(Repository.open, repo) == (
        f"{repo}: git refuses this repository (detected dubious ownership: another user owns "
        f"it); if you trust it, run `git config --global --add safe.directory {repo}`"
    )


def test_git_missing_from_path(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(repo))
    assert error_of(Repository.open, repo) == (
        "git is not installed or not on PATH; install git first"
    )


def test_reason_is_gits_first_fatal_or_error_line() -> None:
    stderr = (
        b"hint: something\nfatal: Unable to create '/r/.git/index.lock': File exists.\n\n"
        b"Another git process seems to be running in this repository\n"
    )
    assert git.reason(["checkout"], stderr) == "Unable to create '/r/.git/index.lock': File exists"
    assert git.reason(["checkout", "-q"], b"") == "git checkout failed"
    assert git.reason(["x"], b"warning: odd\n") == "warning: odd"


# -- reading -------------------------------------------------------------------------------------
def test_tracked_paths_with_modes(repo: Path) -> None:
    (repo / "manage.py").chmod(0o755)
    (repo / "link.py").symlink_to("manage.py")
    git_run(repo, "add", "-A")
    tracked = Repository.open(repo).tracked()
    assert (tracked["manage.py"], tracked["link.py"], tracked["shop/views.py"]) == (
        "100755",
        "120000",
        "100644",
    )


def test_head_on_a_branch_detached_and_unborn(repo: Path, tmp_path: Path) -> None:
    opened = Repository.open(repo)
    sha = git_run(repo, "rev-parse", "HEAD").strip()
    assert opened.head() == git.Head("main", sha)
    git_run(repo, "checkout", "-q", "--detach")
    assert opened.head() == git.Head(None, sha)
    git_run(tmp_path, "init", "-q", "-b", "trunk", "fresh")
    assert Repository.open(tmp_path / "fresh").head() == git.Head("trunk", None)


def test_changed_files_lists_staged_unstaged_and_renamed(repo: Path) -> None:
    opened = Repository.open(repo)
    assert opened.changed_files() == []
    (repo / "untracked.txt").write_text("x")
    assert opened.changed_files() == []
    (repo / "Procfile").write_text("web: x\n")
    git_run(repo, "mv", "shop/urls.py", "shop/routes.py")
    assert opened.changed_files() == ["Procfile", "shop/routes.py"]


def test_looking_never_rewrites_the_index(repo: Path) -> None:
    os.utime(repo / "shop" / "views.py")  # a stale stat: `git status` would refresh the index
    before = (repo / ".git" / "index").read_bytes()
    opened = Repository.open(repo)
    opened.changed_files()
    opened.tracked()
    assert (repo / ".git" / "index").read_bytes() == before


@pytest.mark.parametrize(
    ("existing", "name", "problem"),
    [
        pytest.param(
            "main",
            "main",
            "branch 'main' already exists; delete it or pass --branch with another name",
            id="existing",
        ),
        pytest.param(
            "djrefactor",
            "djrefactor/restructure",
            "branch 'djrefactor/restructure' cannot be created while branch 'djrefactor' exists "
            "(git keeps branches as files and folders); pass --branch with another name",
            id="a branch where the folder would be",
        ),
        pytest.param(
            "x/sub/deeper",
            "x/sub",
            "branch 'x/sub' cannot be created while branch 'x/sub/deeper' exists (git keeps "
            "branches as files and folders); pass --branch with another name",
            id="branches below it",
        ),
        pytest.param(None, "@{-1}", "'@{-1}' is not a valid git branch name", id="@{-1}"),
        pytest.param(None, "bad..name", "'bad..name' is not a valid git branch name", id=".."),
        pytest.param(None, "-x", "'-x' is not a valid git branch name", id="leading dash"),
        pytest.param(None, "HEAD", "'HEAD' is not a valid git branch name", id="HEAD"),
        pytest.param("x", "x-y/sub", None, id="a prefix that is not a folder"),
    ],
)
def test_branch_problems(repo: Path, existing: str | None, name: str, problem: str | None) -> None:
    if existing and existing != "main":
        git_run(repo, "branch", existing)
    assert Repository.open(repo).branch_problem(name) == problem


def test_ignored_paths_name_the_rule(repo: Path) -> None:
    (repo / ".gitignore").write_text("*.log\nservices\n!keep.log\n")
    found = Repository.open(repo).ignored(["services/a.py", "a.log", "keep.log", "ok.py"])
    assert found == [
        ("services/a.py", ".gitignore", 2, "services"),
        ("a.log", ".gitignore", 1, "*.log"),
    ]
    assert Repository.open(repo).ignored([]) == []


# -- building ------------------------------------------------------------------------------------
def test_builder_commits_modes_deletes_and_a_file_becoming_a_folder(
    repo: Path, tmp_path: Path
) -> None:
    opened = Repository.open(repo)
    before = repo_state(repo)
    head = opened.head()
    assert head.sha is not None
    with opened.builder(head.sha) as builder:
        first = builder.commit(
            [
                FileWrite("Procfile", None),
                FileWrite("Procfile/web.sh", "gunicorn x\n", "100755"),
                FileWrite("shop/views.py", None),
                FileWrite("shop/pages.py", "P = 1\r\n", "100644"),
            ],
            "djrefactor: one\n",
        )
        second = builder.commit([FileWrite("a.txt", "a\n")], "djrefactor: two\n")
        checked_out = builder.checkout(second)
        assert (checked_out / "Procfile" / "web.sh").read_text() == "gunicorn x\n"
        assert os.access(checked_out / "Procfile" / "web.sh", os.X_OK)
        folder = builder.folder
    assert not folder.exists()
    assert repo_state(repo) == before
    assert git_run(repo, "rev-parse", f"{second}~1").strip() == first
    listing = git_run(repo, "ls-tree", "-r", first, "--format=%(objectmode) %(path)")
    assert "100755 Procfile/web.sh" in listing.splitlines()
    assert "shop/views.py" not in listing
    blob = subprocess.run(
        ["git", "cat-file", "blob", f"{first}:shop/pages.py"], cwd=repo, capture_output=True
    )
    assert blob.stdout == b"P = 1\r\n"
    assert git_run(repo, "log", "--format=%s", "-1", second).strip() == "djrefactor: two"


def built(opened: Repository, *writes: FileWrite) -> str:
    head = opened.head()
    assert head.sha is not None
    with opened.builder(head.sha) as builder:
        return builder.commit(writes, "djrefactor: test\n")


def test_publish_branch_creates_and_checks_out(repo: Path) -> None:
    opened = Repository.open(repo)
    tip = built(opened, FileWrite("new/a.txt", "a\n"))
    opened.publish_branch("restructure", tip, opened.head())
    assert opened.head() == git.Head("restructure", tip)
    assert (repo / "new" / "a.txt").read_text() == "a\n"
    assert opened.changed_files() == []


def test_a_checkout_failing_midway_is_rolled_back(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened = Repository.open(repo)
    tip = built(opened, FileWrite("new/a.txt", "a\n"), FileWrite("shop/views.py", "V = 2\n"))
    before = repo_state(repo)
    real = git._run

    def half_checkout(args, cwd, **kwargs):  # type: ignore[no-untyped-def]
        if "checkout" in args:  # git wrote some files, then the disk filled up
            (repo / "new").mkdir()
            (repo / "new" / "a.txt").write_text("a\n")
            (repo / "shop" / "views.py").write_text("V = 2\n")
            raise git.GitError("unable to write new index file")
        return real(args, cwd, **kwargs)

    monkeypatch.setattr(git, "_run", half_checkout)
    with pytest.raises(git.GitError):
        opened.publish_branch("restructure", tip, opened.head())
    assert repo_state(repo) == before


def test_a_checkout_that_cannot_be_rolled_back_says_how_to_recover(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened = Repository.open(repo)
    tip = built(opened, FileWrite("shop/views.py", "V = 2\n"))
    real = git._run

    def stuck(args, cwd, **kwargs):  # type: ignore[no-untyped-def]
        if "checkout" in args:
            (repo / "shop" / "views.py").write_text("")
            raise git.GitError("unable to write file shop/views.py")
        if args[0] == "checkout-index":
            raise git.GitError("unable to write file shop/views.py")
        return real(args, cwd, **kwargs)

    monkeypatch.setattr(git, "_run", stuck)
    with pytest.raises(DjrefactorError) as raised:
        opened.publish_branch("restructure", tip, opened.head())
    assert raised.value.message == (
        "checking out restructure failed (unable to write file shop/views.py) and putting the "
        "working tree back failed too (unable to write file shop/views.py); free some space, "
        "then run `git checkout -f main` to get main back"
    )
    assert opened.branch_sha("restructure") == tip  # every step is kept


def test_publish_on_current_fast_forwards_and_rolls_back(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened = Repository.open(repo)
    head = opened.head()
    tip = built(opened, FileWrite("a.txt", "a\n"))
    before = repo_state(repo)
    real = git._run

    def no_read_tree(args, cwd, **kwargs):  # type: ignore[no-untyped-def]
        if args[0] == "read-tree" and "-m" in args:
            raise git.GitError("Unable to create '.git/index.lock': File exists")
        return real(args, cwd, **kwargs)

    monkeypatch.setattr(git, "_run", no_read_tree)
    with pytest.raises(git.GitError):
        opened.publish_on_current("main", tip, head)
    assert repo_state(repo) == before
    monkeypatch.setattr(git, "_run", real)
    opened.publish_on_current("main", tip, head)
    assert opened.head() == git.Head("main", tip)
    assert (repo / "a.txt").read_text() == "a\n"
    assert opened.changed_files() == []
