"""The command line as users meet it, through typer's CliRunner (in-process): exit codes, the
exact one-line message for each bad input, and what lands on stdout (the product) versus stderr
(everything else). Only what needs another process (no git on PATH, permissions, a read-only
filesystem) runs one."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from djrefactor import cli, git
from tests.helpers import MINI_DJANGO, git_run, make_repo
from tests.repo_state import files_state, repo_state

PYTHON = sys.executable
runner = CliRunner()


def djrefactor(*args: str, cwd: Path, env: dict[str, str | None] | None = None) -> Result:
    previous = Path.cwd()
    os.chdir(cwd)
    try:
        return runner.invoke(
            cli.app, list(args), env={"DJANGO_SETTINGS_MODULE": None, **(env or {})}
        )
    finally:
        os.chdir(previous)


def assert_error(result: Result, message: str) -> None:
    """Exit 2 and exactly `error: <message>` as the last line of stderr, no traceback."""
    assert result.exit_code == 2, (result.stderr, result.exception)
    assert isinstance(result.exception, SystemExit | None), result.exception
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1] == f"error: {message}"


def last_line(result: Result) -> str:
    return result.stderr.splitlines()[-1]


def current_branch(repo: Path) -> str:
    return git_run(repo, "rev-parse", "--abbrev-ref", "HEAD").strip()


def commit_all(repo: Path, message: str = "change") -> None:
    git_run(repo, "add", "-A")
    git_run(repo, "commit", "-qm", message)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "project")


# -- list, help, version -------------------------------------------------------------------------
def test_list_names_every_codemod_in_pipeline_order(repo: Path) -> None:
    result = djrefactor("list", cwd=repo)
    assert result.exit_code == 0
    names = [line.split()[0] for line in result.stdout.splitlines()]
    assert names == [
        "config-package",
        "split-settings",
        "extract-integrations",
        "extract-services",
        "move-apps",
        "add-layering-contract",
        "add-observability",
    ]
    for line in result.stdout.splitlines():
        assert len(line.split(maxsplit=1)) == 2, "each codemod has a summary on its line"


def test_version(repo: Path) -> None:
    result = djrefactor("--version", cwd=repo)
    assert (result.exit_code, result.stdout) == (0, "djrefactor 0.1.0\n")


def test_apply_help_shows_the_default_branch(repo: Path) -> None:
    result = djrefactor("apply", "--help", cwd=repo)
    assert result.exit_code == 0
    text = " ".join(result.stdout.replace("│", " ").split())
    assert (
        "--branch NAME New branch name (default: djrefactor/restructure, or [tool.djrefactor] "
        "branch)." in text
    )
    assert "--no-verify Do not run any test command." in text and "--plan FILE" in text


def test_help_works_without_git_on_path(tmp_path: Path) -> None:
    env = {"PATH": str(tmp_path), "HOME": str(tmp_path)}
    result = subprocess.run(
        [PYTHON, "-m", "djrefactor", "--help"], capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, result.stderr
    assert "apply" in result.stdout


def test_git_missing_from_path_is_one_line(repo: Path, tmp_path: Path) -> None:
    result = djrefactor("plan", ".", cwd=repo, env={"PATH": str(tmp_path)})
    assert_error(result, "git is not installed or not on PATH; install git first")


# -- plan ----------------------------------------------------------------------------------------
def test_plan_shows_the_diff_and_writes_nothing(repo: Path) -> None:
    before = repo_state(repo)
    result = djrefactor("plan", "--only", "config-package", ".", cwd=repo)
    assert result.exit_code == 0, result.stderr
    assert "rename from mysite/settings.py" in result.stdout
    assert "rename to config/settings.py" in result.stdout
    assert '+ROOT_URLCONF = "config.urls"' in result.stdout
    assert "+web: gunicorn config.wsgi --log-file -" in result.stdout
    assert "config-package" in result.stderr  # the summary table goes to stderr
    assert "\x1b[" not in result.stdout  # no colour when stdout is not a terminal
    assert repo_state(repo) == before


def test_plan_out_writes_a_patch_git_apply_accepts(repo: Path, tmp_path: Path) -> None:
    patch = tmp_path / "restructure.patch"
    result = djrefactor("plan", "--out", str(patch), ".", cwd=repo)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert f"wrote {patch}" in result.stderr.splitlines()
    git_run(repo, "apply", "--check", str(patch))
    git_run(repo, "apply", "--index", str(patch))
    again = djrefactor("plan", ".", cwd=repo)
    assert (again.exit_code, again.stdout, last_line(again)) == (0, "", "nothing to do")


def test_plan_out_dash_means_stdout(repo: Path) -> None:
    shown = djrefactor("plan", ".", cwd=repo).stdout
    result = djrefactor("plan", "--out", "-", ".", cwd=repo)
    assert result.exit_code == 0
    assert result.stdout == shown
    assert not (repo / "-").exists()


def test_plan_out_into_a_missing_folder(repo: Path, tmp_path: Path) -> None:
    target = tmp_path / "nowhere" / "p.patch"
    assert_error(
        djrefactor("plan", "--out", str(target), ".", cwd=repo),
        f"{target}: no such folder {target.parent}; create it first",
    )
    assert not target.parent.exists()


def test_plan_out_onto_a_folder(repo: Path, tmp_path: Path) -> None:
    assert_error(
        djrefactor("plan", "--out", str(tmp_path), ".", cwd=repo),
        f"{tmp_path}: is a folder; give the name of a file to write",
    )


def test_plan_json_is_machine_readable(repo: Path) -> None:
    result = djrefactor("plan", "--json", "--only", "config-package", ".", cwd=repo)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["nothing_to_do"] is False
    [step] = data["steps"]
    assert step["name"] == "config-package"
    moves = {(f["old_path"], f["new_path"]) for f in step["files"] if f["kind"] == "moved"}
    assert ("mysite/settings.py", "config/settings.py") in moves
    assert "rename from mysite/urls.py" in data["diff"]


def test_plan_json_with_out_file_keeps_stdout_json(repo: Path, tmp_path: Path) -> None:
    patch = tmp_path / "p.patch"
    result = djrefactor("plan", "--json", "--out", str(patch), ".", cwd=repo)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["diff"] == patch.read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ["--stat", "--json"],
            "--stat and --json are two views of the plan; pass one of them",
            id="--stat --json",
        ),
        pytest.param(
            ["--json", "--out", "-"],
            "--out - and --json both write to stdout; pass --out FILE",
            id="--json --out -",
        ),
        pytest.param(
            ["--stat", "--out", "-"],
            "--out - and --stat both write to stdout; pass --out FILE",
            id="--stat --out -",
        ),
    ],
)
def test_plan_options_that_clash_on_stdout(repo: Path, args: list[str], message: str) -> None:
    result = djrefactor("plan", *args, ".", cwd=repo)
    assert_error(result, message)
    assert result.stdout == ""


def test_plan_stat_lists_files_without_the_diff(repo: Path) -> None:
    result = djrefactor("plan", "--stat", "--only", "config-package", ".", cwd=repo)
    assert result.exit_code == 0
    assert " mysite/urls.py => config/urls.py | +0 -0" in result.stdout.splitlines()
    assert "@@" not in result.stdout


def test_plan_check_exits_1_when_there_is_work_and_0_when_not(repo: Path) -> None:
    assert djrefactor("plan", "--check", "--only", "config-package", ".", cwd=repo).exit_code == 1
    applied = djrefactor("apply", "--no-verify", "--only", "config-package", ".", cwd=repo)
    assert applied.exit_code == 0, applied.stderr
    result = djrefactor("plan", "--check", "--only", "config-package", ".", cwd=repo)
    assert (result.exit_code, last_line(result)) == (0, "nothing to do")


def test_plan_from_a_subdirectory_finds_the_repository(repo: Path) -> None:
    result = djrefactor("plan", "--only", "config-package", "shop", cwd=repo)
    assert result.exit_code == 0, result.stderr
    assert "rename to config/urls.py" in result.stdout


# -- apply ---------------------------------------------------------------------------------------
def test_apply_commits_each_step_on_a_new_branch_and_leaves_main_alone(
    repo: Path, tmp_path: Path
) -> None:
    main_before = git_run(repo, "rev-parse", "main")
    patch = tmp_path / "p.patch"
    djrefactor("plan", "--out", str(patch), ".", cwd=repo)
    result = djrefactor("apply", "--no-verify", ".", cwd=repo)
    assert result.exit_code == 0, result.stderr
    assert current_branch(repo) == "djrefactor/restructure"
    assert git_run(repo, "rev-parse", "main") == main_before
    assert git_run(repo, "status", "--porcelain", "--untracked-files=all") == ""
    subjects = git_run(repo, "log", "--format=%s", "main..HEAD").splitlines()
    assert subjects == ["djrefactor: split-settings", "djrefactor: config-package"]
    shas = git_run(repo, "log", "--format=%H", "main..HEAD").split()
    assert result.stderr.splitlines()[-11:] == [
        f"committed {shas[1][:10]} config-package",
        f"committed {shas[0][:10]} split-settings",
        "branch djrefactor/restructure has 2 commits and you are on it; main is untouched "
        "(`djrefactor undo` deletes the branch)",
        "",
        "next:",
        "  review each step:  git log -p main..djrefactor/restructure",
        "  review the whole:  git diff main...djrefactor/restructure",
        "  undo:              djrefactor undo",
        "  before deploying, operators must:",
        "    - production.py requires $DJANGO_SECRET_KEY, $DJANGO_ALLOWED_HOSTS in every "
        "deployment",
        "    - production.py redirects HTTP to HTTPS (SECURE_SSL_REDIRECT); behind a proxy that "
        "terminates TLS without a trusted X-Forwarded-Proto, set DJANGO_SECURE_SSL_REDIRECT=false "
        "(or trust the header), or requests loop",
    ]
    assert not any("operators:" in line for line in result.stderr.splitlines())
    # what apply committed is exactly what plan showed
    git_run(repo, "switch", "-q", "-c", "patched", "main")
    git_run(repo, "apply", "--index", str(patch))
    assert git_run(repo, "write-tree") == git_run(
        repo, "rev-parse", "djrefactor/restructure^{tree}"
    )


def test_apply_with_a_branch_name_and_refusing_an_existing_one(repo: Path) -> None:
    assert (
        djrefactor("apply", "--no-verify", "--branch", "restructure", ".", cwd=repo).exit_code == 0
    )
    git_run(repo, "switch", "-q", "main")
    before = repo_state(repo)
    result = djrefactor("apply", "--branch", "restructure", ".", cwd=repo)
    assert_error(
        result, "branch 'restructure' already exists; delete it or pass --branch with another name"
    )
    assert repo_state(repo) == before


@pytest.mark.parametrize(
    ("existing", "args", "message"),
    [
        pytest.param(
            "djrefactor",
            [],
            "branch 'djrefactor/restructure' cannot be created while branch 'djrefactor' exists "
            "(git keeps branches as files and folders); pass --branch with another name",
            id="a branch named djrefactor",
        ),
        pytest.param(
            "x",
            ["--branch", "x/sub"],
            "branch 'x/sub' cannot be created while branch 'x' exists (git keeps branches as "
            "files and folders); pass --branch with another name",
            id="--branch below an existing branch",
        ),
        pytest.param(
            None, ["--branch", "@{-1}"], "'@{-1}' is not a valid git branch name", id="@{-1}"
        ),
        pytest.param(
            None, ["--branch", "bad..name"], "'bad..name' is not a valid git branch name", id=".."
        ),
    ],
)
def test_apply_refuses_branch_names_git_cannot_create(
    repo: Path, existing: str | None, args: list[str], message: str
) -> None:
    if existing:
        git_run(repo, "branch", existing)
    before = repo_state(repo)
    assert_error(djrefactor("apply", *args, ".", cwd=repo), message)
    assert repo_state(repo) == before


def test_apply_refuses_a_dirty_tracked_tree(repo: Path) -> None:
    settings = repo / "mysite" / "settings.py"
    settings.write_text(settings.read_text() + "# local edit\n")
    before = repo_state(repo)
    assert_error(
        djrefactor("apply", ".", cwd=repo),
        "the working tree has uncommitted changes (mysite/settings.py); commit or stash them first",
    )
    assert repo_state(repo) == before


def test_apply_ignores_untracked_files_that_are_not_in_the_way(repo: Path) -> None:
    (repo / "notes.txt").write_text("scratch\n")
    result = djrefactor("apply", "--no-verify", "--only", "config-package", ".", cwd=repo)
    assert result.exit_code == 0
    assert (repo / "notes.txt").read_text() == "scratch\n"


def test_apply_refuses_an_untracked_file_in_the_way(repo: Path) -> None:
    (repo / "config").mkdir()
    (repo / "config" / "urls.py").write_text("# someone's scratch file\n")
    assert_error(
        djrefactor("apply", "--only", "config-package", ".", cwd=repo),
        "config/urls.py: an untracked file is in the way of a file the plan creates; move it "
        "away first",
    )


def test_apply_refuses_a_detached_head(repo: Path) -> None:
    git_run(repo, "checkout", "-q", "--detach")
    assert_error(
        djrefactor("apply", ".", cwd=repo),
        "HEAD is detached; check out a branch first (git switch <branch>)",
    )


def test_apply_refuses_while_index_lock_is_held(repo: Path) -> None:
    (repo / ".git" / "index.lock").write_text("")
    before = repo_state(repo)
    assert_error(
        djrefactor("apply", ".", cwd=repo),
        f"another git command is running ({repo}/.git/index.lock exists); wait for it, or "
        "delete that file if no git command is running",
    )
    assert repo_state(repo) == before


def test_a_full_disk_midway_changes_nothing(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = git._run
    blobs = []

    def full_disk(args, cwd, **kwargs):  # type: ignore[no-untyped-def]
        if args[0] == "hash-object":
            blobs.append(args)
            if len(blobs) == 3:
                stderr = (
                    b"error: unable to create temporary file: No space left on device\n"
                    b"fatal: git hash-object: unable to write object\n"
                )
                raise git.GitError(git.reason(args, stderr))
        return real(args, cwd, **kwargs)

    monkeypatch.setattr(git, "_run", full_disk)
    before = repo_state(repo)
    assert_error(
        djrefactor("apply", "--no-verify", ".", cwd=repo),
        "step config-package failed (unable to create temporary file: No space left on device); "
        "nothing changed: you are on main as before",
    )
    assert repo_state(repo) == before


@pytest.mark.parametrize("rule", ["config/", "services"])
def test_a_git_ignored_generated_path_is_committed_with_a_note(repo: Path, rule: str) -> None:
    (repo / ".gitignore").write_text(f"{rule}\n")
    files = {
        "shop/views.py": (
            "from django.db import transaction\nfrom django.http import HttpResponse\n\n"
            "from .models import Order\n\n\ndef buy(request):\n    with transaction.atomic():\n"
            "        order = Order.objects.create(user=request.user)\n"
            '        order.items.create(name="x")\n    return HttpResponse(order.pk)\n'
        ),
        "shop/models.py": (
            "from django.db import models\n\n\nclass Order(models.Model):\n    pass\n"
        ),
    }
    for path, text in files.items():
        (repo / path).write_text(text)
    commit_all(repo, "ignore a generated folder")
    result = djrefactor("apply", "--no-verify", ".", cwd=repo)
    assert result.exit_code == 0, result.stderr
    folder = rule.rstrip("/")
    notes = [line for line in result.stderr.splitlines() if line.startswith("note: .gitignore")]
    assert len(notes) == 1
    assert notes[0].startswith(f"note: .gitignore:1: `{rule}` makes git ignore {folder}/")
    assert notes[0].endswith(
        "which the plan creates; apply commits them anyway (git tracks a committed file); narrow "
        "the rule so that git status shows later changes there"
    )
    assert git_run(repo, "ls-files", folder) != ""
    assert git_run(repo, "status", "--porcelain", "--untracked-files=all", "--ignored") == ""


def test_verify_typo_is_an_error_and_applies_nothing(repo: Path) -> None:
    before = repo_state(repo)
    result = djrefactor("apply", "--verify", "pyest -q", ".", cwd=repo)
    assert_error(
        result,
        "--verify command `pyest -q` already fails before any change (exit 127); fix it or pass "
        "another one; nothing was applied",
    )
    assert "pyest: not found" in result.stderr  # the tail of its output, above the error
    assert repo_state(repo) == before


def test_verify_broken_by_the_first_step_leaves_no_branch(repo: Path) -> None:
    before = repo_state(repo)
    result = djrefactor(
        "apply", "--only", "config-package", "--verify", "test -f mysite/settings.py", ".", cwd=repo
    )
    assert_error(
        result,
        "step config-package broke `test -f mysite/settings.py`; nothing was applied: you are on "
        "main as before",
    )
    assert repo_state(repo) == before


def test_verify_broken_by_a_later_step_keeps_the_ones_before(repo: Path) -> None:
    result = djrefactor("apply", "--verify", "test ! -d config/settings", ".", cwd=repo)
    assert_error(
        result,
        "step split-settings broke `test ! -d config/settings`; branch djrefactor/restructure "
        "keeps the 1 step before it (config-package) and you are on it; main is untouched",
    )
    assert current_branch(repo) == "djrefactor/restructure"
    assert git_run(repo, "log", "--format=%s", "main..HEAD").splitlines() == [
        "djrefactor: config-package"
    ]
    assert git_run(repo, "status", "--porcelain", "--untracked-files=all") == ""


def test_verify_that_keeps_passing_keeps_every_step(repo: Path) -> None:
    result = djrefactor("apply", "--only", "config-package", "--verify", "true", ".", cwd=repo)
    assert result.exit_code == 0, result.stderr
    assert "`true` passed after every step" in result.stderr.splitlines()
    assert git_run(repo, "log", "--format=%s", "-1").strip() == "djrefactor: config-package"


def test_verify_and_no_verify_together_is_a_usage_error(repo: Path) -> None:
    assert_error(
        djrefactor("apply", "--verify", "true", "--no-verify", ".", cwd=repo),
        "--verify and --no-verify contradict each other; pass one of them",
    )


def test_the_projects_pytest_runs_by_default(repo: Path) -> None:
    (repo / "shop" / "test_ok.py").write_text("def test_ok():\n    assert True\n")
    commit_all(repo, "a test")
    result = djrefactor("apply", ".", cwd=repo)
    assert result.exit_code == 0, result.stderr
    assert f"`{PYTHON} -m pytest -x -q` passed after every step" in result.stderr.splitlines()


def test_a_detected_test_command_already_failing_only_warns(repo: Path) -> None:
    (repo / "shop" / "test_bad.py").write_text("def test_bad():\n    assert False\n")
    commit_all(repo, "a red suite")
    result = djrefactor("apply", ".", cwd=repo)
    assert result.exit_code == 0, result.stderr
    assert (
        f"warning: the test command `{PYTHON} -m pytest -x -q` already fails before any change "
        "(exit 1), so the steps were not verified; choose another with --verify CMD, or silence "
        "this with --no-verify"
    ) in result.stderr.splitlines()
    assert current_branch(repo) == "djrefactor/restructure"


# -- what apply commits is what the patch says ---------------------------------------------------
def patched_tree(repo: Path, patch: Path) -> str:
    git_run(repo, "switch", "-q", "-c", "patched", "main")
    git_run(repo, "apply", "--index", str(patch))
    tree = git_run(repo, "write-tree").strip()
    git_run(repo, "reset", "-q", "--hard")
    git_run(repo, "switch", "-q", "main")
    return tree


def plan_and_apply_trees(repo: Path, tmp_path: Path) -> tuple[str, str]:
    patch = tmp_path / "p.patch"
    assert djrefactor("plan", "--out", str(patch), ".", cwd=repo).exit_code == 0
    assert djrefactor("apply", "--no-verify", ".", cwd=repo).exit_code == 0
    applied = git_run(repo, "rev-parse", "HEAD^{tree}").strip()
    git_run(repo, "switch", "-q", "main")
    return patched_tree(repo, patch), applied


def test_symlinks_stay_symlinks_in_the_patch_and_on_the_branch(repo: Path, tmp_path: Path) -> None:
    (repo / "shared").mkdir()
    (repo / "shared" / "utils.py").write_text("U = 1\n")
    (repo / "utils_link.py").symlink_to("shared/utils.py")
    (repo / "mysite" / "urls_link.py").symlink_to("urls.py")
    (repo / "shop_alias").symlink_to("shop")
    commit_all(repo, "symlinks")
    patched, applied = plan_and_apply_trees(repo, tmp_path)
    assert patched == applied
    listing = git_run(repo, "ls-tree", applied, "--format=%(objectmode) %(path)").splitlines()
    assert {"120000 utils_link.py", "120000 shop_alias"} <= set(listing)
    shown = djrefactor("plan", ".", cwd=repo).stderr
    assert (
        "note: mysite/urls_link.py: symlink to mysite/urls.py; the plan moves it to config/urls.py:"
        " update the link" in shown.splitlines()
    )


def test_an_executable_moved_file_keeps_its_mode(repo: Path, tmp_path: Path) -> None:
    (repo / "mysite" / "wsgi.py").chmod(0o755)
    (repo / "manage.py").chmod(0o755)
    commit_all(repo, "executables")
    patched, applied = plan_and_apply_trees(repo, tmp_path)
    assert patched == applied
    assert git_run(repo, "ls-tree", applied, "config/wsgi.py").startswith("100755 ")


def test_a_crlf_project_stays_crlf(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "crlf")
    for path in git_run(repo, "ls-files").split():
        (repo / path).write_bytes((repo / path).read_bytes().replace(b"\n", b"\r\n"))
    commit_all(repo, "crlf")
    patched, applied = plan_and_apply_trees(repo, tmp_path)
    assert patched == applied
    git_run(repo, "switch", "-q", "djrefactor/restructure")
    for path in ("config/settings/development.py", "config/settings/base.py", "manage.py"):
        data = (repo / path).read_bytes()
        assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b""), path


def test_a_utf8_bom_is_kept(repo: Path, tmp_path: Path) -> None:
    for path in ("mysite/urls.py", "manage.py"):
        (repo / path).write_bytes(b"\xef\xbb\xbf" + (repo / path).read_bytes())
    commit_all(repo, "bom")
    patched, applied = plan_and_apply_trees(repo, tmp_path)
    assert patched == applied
    git_run(repo, "switch", "-q", "djrefactor/restructure")
    assert (repo / "config" / "urls.py").read_bytes().startswith(b"\xef\xbb\xbffrom django")
    assert (repo / "manage.py").read_bytes().startswith(b"\xef\xbb\xbf#!/usr/bin/env python")


# -- run, undo -----------------------------------------------------------------------------------
def test_run_one_step_shows_its_diff_then_commits_on_the_current_branch(repo: Path) -> None:
    before = git_run(repo, "rev-parse", "HEAD").strip()
    shown = djrefactor("run", "config-package", ".", cwd=repo)
    assert shown.exit_code == 0
    assert "rename to config/wsgi.py" in shown.stdout
    assert git_run(repo, "status", "--porcelain") == ""
    committed = djrefactor("run", "config-package", ".", "--apply", cwd=repo)
    assert committed.exit_code == 0, committed.stderr
    sha = git_run(repo, "rev-parse", "HEAD").strip()
    assert committed.stderr.splitlines()[-6:] == [
        f"committed {sha[:10]} config-package",
        f"main moved forward by 1 commit (it was at {before[:10]})",
        "",
        "next:",
        "  review:            git show HEAD",
        "  undo:              git reset --keep HEAD~1",
    ]
    assert current_branch(repo) == "main"
    assert git_run(repo, "log", "--format=%s", "-1").strip() == "djrefactor: config-package"
    assert git_run(repo, "status", "--porcelain", "--untracked-files=all") == ""
    assert (repo / "config" / "settings.py").exists()


def test_undo_deletes_the_branch_and_goes_back(repo: Path) -> None:
    before = repo_state(repo)
    assert djrefactor("apply", "--no-verify", ".", cwd=repo).exit_code == 0
    tip = git_run(repo, "rev-parse", "HEAD").strip()
    result = djrefactor("undo", cwd=repo)
    assert result.exit_code == 0, result.stderr
    assert last_line(result) == (
        f"deleted branch djrefactor/restructure (it was at {tip[:10]}, 2 commits on top of main);"
        " you are back on main"
    )
    after = repo_state(repo)
    assert after["files"] == before["files"] and after["refs"] == before["refs"]
    assert after["status"] == before["status"]
    assert_error(
        djrefactor("undo", cwd=repo),
        "nothing to undo: djrefactor has no record of a branch it created in this repository",
    )


def test_undo_from_another_branch_only_deletes(repo: Path) -> None:
    assert djrefactor("apply", "--no-verify", "--branch", "tidy", ".", cwd=repo).exit_code == 0
    git_run(repo, "switch", "-q", "-c", "elsewhere", "main")
    result = djrefactor("undo", cwd=repo)
    assert result.exit_code == 0
    assert last_line(result).endswith("on top of main); you are on elsewhere")
    assert git_run(repo, "branch", "--list", "tidy") == ""


def test_undo_refuses_a_branch_changed_since(repo: Path) -> None:
    assert djrefactor("apply", "--no-verify", ".", cwd=repo).exit_code == 0
    tip = git_run(repo, "rev-parse", "HEAD").strip()
    (repo / "extra.txt").write_text("mine\n")
    commit_all(repo, "my own work")
    now = git_run(repo, "rev-parse", "HEAD").strip()
    assert_error(
        djrefactor("undo", cwd=repo),
        f"branch djrefactor/restructure has changed since djrefactor created it ({tip[:10]} "
        f"then, {now[:10]} now); delete it yourself if you mean to (git branch -D "
        "djrefactor/restructure)",
    )
    assert current_branch(repo) == "djrefactor/restructure"


def test_undo_refuses_uncommitted_changes(repo: Path) -> None:
    assert djrefactor("apply", "--no-verify", ".", cwd=repo).exit_code == 0
    (repo / "manage.py").write_text("# edited\n")
    assert_error(
        djrefactor("undo", cwd=repo),
        "the working tree has uncommitted changes (manage.py); commit or stash them before undo "
        "leaves djrefactor/restructure",
    )


def test_undo_of_a_branch_deleted_by_hand(repo: Path) -> None:
    assert djrefactor("apply", "--no-verify", ".", cwd=repo).exit_code == 0
    git_run(repo, "switch", "-q", "main")
    git_run(repo, "branch", "-q", "-D", "djrefactor/restructure")
    assert_error(
        djrefactor("undo", cwd=repo),
        "nothing to undo: branch djrefactor/restructure no longer exists",
    )
    assert_error(
        djrefactor("undo", cwd=repo),
        "nothing to undo: djrefactor has no record of a branch it created in this repository",
    )


# -- bad input -----------------------------------------------------------------------------------
def test_run_unknown_step_lists_the_valid_ones(repo: Path) -> None:
    assert_error(
        djrefactor("run", "split-everything", ".", cwd=repo),
        "unknown codemod 'split-everything'; valid names: config-package, split-settings, "
        "extract-integrations, extract-services, move-apps, add-layering-contract, "
        "add-observability",
    )


def test_unknown_only_name_is_a_usage_error(repo: Path) -> None:
    assert_error(
        djrefactor("plan", "--only", "nope", ".", cwd=repo),
        "unknown codemod 'nope'; valid names: config-package, split-settings, "
        "extract-integrations, extract-services, move-apps, add-layering-contract, "
        "add-observability",
    )


def test_not_a_git_repository(tmp_path: Path) -> None:
    (tmp_path / "manage.py").write_text("print('hi')\n")
    assert_error(
        djrefactor("plan", ".", cwd=tmp_path),
        ".: not a git repository; run `git init` and commit the project first",
    )


def test_missing_path(tmp_path: Path) -> None:
    assert_error(djrefactor("plan", "nowhere", cwd=tmp_path), "nowhere: no such directory")


def test_dubious_ownership(repo: Path) -> None:
    assert_error(
        djrefactor("plan", ".", cwd=repo, env={"GIT_TEST_ASSUME_DIFFERENT_OWNER": "1"}),
        f"{repo}: git refuses this repository (detected dubious ownership: another user owns "
        f"it); if you trust it, run `git config --global --add safe.directory {repo}`",
    )


def test_repository_without_commits(tmp_path: Path) -> None:
    make_repo(tmp_path)
    git_run(tmp_path, "update-ref", "-d", "HEAD")
    assert_error(
        djrefactor("apply", ".", cwd=tmp_path),
        "the repository has no commits yet; commit the project first",
    )


def test_repository_with_nothing_tracked_or_committed(tmp_path: Path) -> None:
    git_run(tmp_path, "init", "-q")
    (tmp_path / "manage.py").write_text("import django\n")
    assert_error(
        djrefactor("plan", ".", cwd=tmp_path),
        f"{tmp_path}: git tracks no files and has no commits; add the project and commit it "
        "first (git add -A)",
    )


def test_no_manage_py(tmp_path: Path) -> None:
    make_repo(tmp_path, {"app.py": "print('not django')\n"})
    assert_error(
        djrefactor("plan", ".", cwd=tmp_path),
        "no manage.py found in the repository (git tracks none); run djrefactor in a Django "
        "project, or name its settings module with --settings",
    )


def test_explicit_settings_option_for_a_project_manage_py_does_not_name(tmp_path: Path) -> None:
    files = {
        path.replace("mysite/settings.py", "mysite/conf.py"): text.replace(
            '"mysite.settings"', "os.environ['SETTINGS']"
        )
        for path, text in MINI_DJANGO.items()
    }
    make_repo(tmp_path, files)
    assert_error(
        djrefactor("plan", ".", cwd=tmp_path),
        "no Django settings found: manage.py sets no DJANGO_SETTINGS_MODULE default; pass "
        "--settings or set [tool.djrefactor] settings",
    )
    result = djrefactor(
        "plan", "--settings", "mysite.conf", "--only", "config-package", ".", cwd=tmp_path
    )
    assert result.exit_code == 0, result.stderr
    assert "rename to config/conf.py" in result.stdout


def test_a_file_that_does_not_parse(tmp_path: Path) -> None:
    files = dict(MINI_DJANGO, **{"shop/models.py": "class Broken(:\n    pass\n"})
    make_repo(tmp_path, files)
    assert_error(
        djrefactor("plan", ".", cwd=tmp_path),
        "shop/models.py:1: cannot parse (invalid syntax); fix it or exclude it ([tool.djrefactor]"
        " exclude)",
    )


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    make_repo(tmp_path)
    (tmp_path / "shop" / "admin.py").write_bytes("# caf\xe9\nx = 1\n".encode("latin-1"))
    commit_all(tmp_path, "latin-1 file")
    before = repo_state(tmp_path)
    assert_error(
        djrefactor("apply", ".", cwd=tmp_path),
        "shop/admin.py:1: not UTF-8 (invalid continuation byte); re-encode it as UTF-8 or "
        "exclude it",
    )
    assert repo_state(tmp_path) == before


def test_an_already_restructured_repository_is_nothing_to_do(repo: Path) -> None:
    assert djrefactor("apply", "--no-verify", ".", cwd=repo).exit_code == 0
    result = djrefactor("plan", ".", cwd=repo)
    assert (result.exit_code, result.stdout, last_line(result)) == (0, "", "nothing to do")
    again = djrefactor("apply", "--branch", "second", ".", cwd=repo)
    assert (again.exit_code, last_line(again)) == (0, "nothing to do")
    assert git_run(repo, "branch", "--list", "second") == ""


def test_settings_from_pyproject_tool_table(tmp_path: Path) -> None:
    files = dict(MINI_DJANGO)
    files["pyproject.toml"] = (
        '[tool.djrefactor]\nbranch = "tidy/layout"\nonly = ["config-package"]\n'
    )
    make_repo(tmp_path, files)
    result = djrefactor("apply", "--no-verify", ".", cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    assert current_branch(tmp_path) == "tidy/layout"
    assert git_run(tmp_path, "log", "--format=%s", "main..HEAD").splitlines() == [
        "djrefactor: config-package"
    ]


@pytest.mark.parametrize(
    ("pyproject", "message"),
    [
        pytest.param(
            "[tool.djrefactor]\nskip = 3\n",
            "pyproject.toml: [tool.djrefactor] expects a list, got 3",
            id="a number for a list",
        ),
        pytest.param(
            "tool = 1\n",
            "pyproject.toml: [tool.djrefactor] must be a table of settings; fix it first",
            id="tool = 1",
        ),
        pytest.param(
            "[tool]\ndjrefactor = 3\n",
            "pyproject.toml: [tool.djrefactor] must be a table of settings; fix it first",
            id="a non-table [tool.djrefactor]",
        ),
        pytest.param(
            "[tool.djrefactor\n",
            "pyproject.toml: invalid TOML (Expected ']' at the end of a table declaration (at "
            "line 1, column 17)); fix it first",
            id="invalid TOML",
        ),
    ],
)
def test_a_broken_pyproject_table_is_a_clear_error(
    tmp_path: Path, pyproject: str, message: str
) -> None:
    make_repo(tmp_path, dict(MINI_DJANGO, **{"pyproject.toml": pyproject}))
    assert_error(djrefactor("plan", ".", cwd=tmp_path), message)


# -- two Django projects in one repository -------------------------------------------------------
def test_from_backend_only_backends_project_is_restructured(tmp_path: Path) -> None:
    files = {f"backend/{path}": text for path, text in MINI_DJANGO.items()}
    files.update({f"admin/{path}": text for path, text in MINI_DJANGO.items()})
    files["admin/shop/views.py"] += "\nfrom mysite.settings import DEBUG\n"
    files["Procfile"] = "web: cd backend && gunicorn mysite.wsgi\n"
    repo = make_repo(tmp_path / "mono", files)
    admin_before = {k: v for k, v in files_state(repo).items() if k.startswith("admin")}
    assert_error(
        djrefactor("plan", ".", cwd=repo),
        "the repository holds 2 Django projects (admin/manage.py, backend/manage.py); pass the "
        "folder of the one to restructure, e.g. `djrefactor plan admin`",
    )
    shown = djrefactor("plan", "--only", "config-package", ".", cwd=repo / "backend")
    assert shown.exit_code == 0, shown.stderr
    assert "rename to backend/config/settings.py" in shown.stdout
    assert "admin/" not in shown.stdout
    assert "+web: cd backend && gunicorn config.wsgi" in shown.stdout
    result = djrefactor("apply", "--no-verify", ".", cwd=repo / "backend" / "shop")
    assert result.exit_code == 0, result.stderr
    admin_after = {k: v for k, v in files_state(repo).items() if k.startswith("admin")}
    assert admin_after == admin_before


# -- permissions and read-only filesystems (another process: root reads anything) ---------------
def sandboxed(
    *command: str, cwd: Path, mount_read_only: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `command` where file permissions hold even for root (a user namespace), optionally
    with `mount_read_only` bind-mounted read-only."""
    if shutil.which("unshare") is None:
        pytest.skip("needs unshare(1)")
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    if mount_read_only is None:
        prefix = ["unshare", "-U"] if os.geteuid() == 0 else []
        argv = [*prefix, *command]
    else:
        script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"'
        argv = ["unshare", "-Urm", "sh", "-c", script, "sh", str(mount_read_only), *command]
    probe = subprocess.run([*argv[: argv.index(command[0])], "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("user namespaces are not available here")
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, env=env)


def assert_sandboxed_error(result: subprocess.CompletedProcess[str], message: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1] == f"error: {message}"


def test_an_unreadable_file(repo: Path) -> None:
    (repo / "shop" / "views.py").chmod(0)
    result = sandboxed(PYTHON, "-m", "djrefactor", "plan", ".", cwd=repo)
    (repo / "shop" / "views.py").chmod(0o644)
    assert_sandboxed_error(
        result,
        "shop/views.py: cannot read (Permission denied); make it readable or exclude it "
        "([tool.djrefactor] exclude)",
    )


def test_an_unreadable_folder(repo: Path) -> None:
    (repo / "shop").chmod(0)
    result = sandboxed(PYTHON, "-m", "djrefactor", "plan", ".", cwd=repo)
    (repo / "shop").chmod(0o755)
    assert_sandboxed_error(
        result,
        "shop/__init__.py: cannot read (Permission denied); make it readable or exclude it "
        "([tool.djrefactor] exclude)",
    )


def test_a_read_only_git_folder(repo: Path) -> None:
    before = repo_state(repo)
    git_dir = repo / ".git"
    subprocess.run(["chmod", "-R", "a-w", str(git_dir)], check=True)
    try:
        result = sandboxed(PYTHON, "-m", "djrefactor", "apply", ".", cwd=repo)
    finally:
        subprocess.run(["chmod", "-R", "u+w", str(git_dir)], check=True)
    assert_sandboxed_error(
        result,
        f"{git_dir}/objects is read-only; apply must write its commits there (plan writes nothing)",
    )
    assert repo_state(repo) == before


def test_plan_out_on_a_read_only_filesystem(repo: Path, tmp_path: Path) -> None:
    folder = tmp_path / "readonly"
    folder.mkdir()
    target = folder / "p.patch"
    command = [PYTHON, "-m", "djrefactor", "plan", "--out", str(target), "."]
    result = sandboxed(*command, cwd=repo, mount_read_only=folder)
    assert_sandboxed_error(result, f"{target}: cannot write (Read-only file system)")
    assert list(folder.iterdir()) == []


# -- a codemod's bug ------------------------------------------------------------------------------
def test_a_codemod_that_crashes_is_one_line_naming_it_and_the_file_it_read(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from djrefactor.engine import registry, session

    def broken(project):
        project.tree("shop/views.py")
        raise KeyError("x")

    crashing = registry.Codemod("broken", "crashes", "", (), broken)
    monkeypatch.setattr(session, "available_codemods", lambda: [crashing])
    result = djrefactor("plan", ".", cwd=repo)
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr
    line = last_line(result)
    assert line.startswith(
        "error: internal error in codemod broken while reading shop/views.py (KeyError: 'x' at "
    )
    assert line.endswith("please report it, or pass --skip broken to go on without it")


# -- the terminal: pager, colour, version, help ----------------------------------------------------
@pytest.fixture
def a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """stdout and stderr count as terminals (the one seam: terminal.is_terminal)."""
    from djrefactor import terminal

    monkeypatch.setattr(terminal, "is_terminal", lambda stream: True)


def test_on_a_terminal_the_diff_goes_through_the_pager_and_the_summary_comes_after(
    repo: Path, tmp_path: Path, a_terminal: None
) -> None:
    paged = tmp_path / "paged"
    env = {"GIT_PAGER": None, "PAGER": f"cat > {paged}", "LESS": None, "NO_COLOR": None}
    result = djrefactor("plan", "--only", "config-package", "--color=never", ".", cwd=repo, env=env)
    assert result.exit_code == 0, result.stderr
    plain = djrefactor(
        "plan", "--no-pager", "--color=never", "--only", "config-package", ".", cwd=repo
    )
    assert paged.read_text() == plain.stdout  # the whole diff, and only it, went to the pager
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == (
        "Plan: 1 step (1 created, 3 changed, 3 moved, 0 deleted in all); `djrefactor apply` "
        "makes one commit per step on branch djrefactor/restructure"
    )


def test_git_pager_wins_and_less_gets_frx(repo: Path, tmp_path: Path, a_terminal: None) -> None:
    seen = tmp_path / "seen"
    env = {"GIT_PAGER": f'echo "$LESS" > {seen}; cat > /dev/null', "PAGER": "false"}
    result = djrefactor("plan", "--only", "config-package", ".", cwd=repo, env=env)
    assert result.exit_code == 0, result.stderr
    assert seen.read_text() == "FRX\n"


def test_no_pager_writes_the_diff_to_stdout(repo: Path, tmp_path: Path, a_terminal: None) -> None:
    paged = tmp_path / "paged"
    env = {"PAGER": f"cat > {paged}", "GIT_PAGER": None}
    result = djrefactor(
        "plan", "--no-pager", "--color=never", "--only", "config-package", ".", cwd=repo, env=env
    )
    assert result.exit_code == 0
    assert result.stdout.startswith("diff --git ")
    assert not paged.exists()


def test_not_a_terminal_is_never_paged(repo: Path, tmp_path: Path) -> None:
    paged = tmp_path / "paged"
    result = djrefactor("plan", ".", cwd=repo, env={"PAGER": f"cat > {paged}", "GIT_PAGER": None})
    assert result.exit_code == 0
    assert result.stdout.startswith("diff --git ") and not paged.exists()


def test_the_pager_in_a_real_pseudo_terminal(repo: Path, tmp_path: Path) -> None:
    """A real terminal (pty), a real pager command: it gets the coloured diff."""
    import pty

    paged = tmp_path / "paged"
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "GIT_PAGER")}
    env.update(PAGER=f"cat > {paged}", TERM="xterm")
    command = [PYTHON, "-m", "djrefactor", "plan", "--only", "config-package", str(repo)]
    pid, fd = pty.fork()
    if pid == 0:  # the child: djrefactor with the pty as its terminal
        os.chdir(repo)
        os.execve(PYTHON, command, env)
    screen = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        screen += chunk
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, screen.decode()
    text = paged.read_text()
    assert text.startswith("\x1b[1mdiff --git ")
    assert "\x1b[32m+" in text and "\x1b[36m@@ " in text
    assert b"Plan: 1 step" in screen and b"diff --git" not in screen


@pytest.mark.parametrize(
    ("args", "env", "coloured"),
    [
        pytest.param(["--color=always"], {}, True, id="--color=always on a pipe"),
        pytest.param([], {"FORCE_COLOR": "1"}, True, id="FORCE_COLOR"),
        pytest.param([], {}, False, id="auto on a pipe"),
        pytest.param(["--color=always"], {"NO_COLOR": "1"}, True, id="the flag beats NO_COLOR"),
    ],
)
def test_colour(repo: Path, args: list[str], env: dict[str, str], coloured: bool) -> None:
    result = djrefactor("plan", *args, "--only", "config-package", ".", cwd=repo, env=env)
    assert result.exit_code == 0
    assert ("\x1b[32m+" in result.stdout) is coloured


def test_no_color_on_a_terminal(repo: Path, a_terminal: None) -> None:
    env = {"NO_COLOR": "1", "PAGER": "cat", "GIT_PAGER": None}
    result = djrefactor("plan", "--only", "config-package", ".", cwd=repo, env=env)
    assert result.exit_code == 0
    assert "\x1b[" not in result.stdout and "\x1b[" not in result.stderr


def test_a_bad_color_is_a_usage_error(repo: Path) -> None:
    result = djrefactor("plan", "--color=sometimes", ".", cwd=repo)
    assert result.exit_code == 2
    assert "Invalid value for '--color'" in result.stderr
    assert "internal error" not in result.stderr


def test_an_unknown_option_is_a_usage_error(repo: Path) -> None:
    result = djrefactor("plan", "--bogus", ".", cwd=repo)
    assert result.exit_code == 2
    assert "No such option: --bogus" in result.stderr
    assert "internal error" not in result.stderr


def test_version_comes_from_the_package(repo: Path) -> None:
    from djrefactor import __version__

    for args in (["--version"],):
        result = djrefactor(*args, cwd=repo)
        assert (result.exit_code, result.stdout) == (0, f"djrefactor {__version__}\n")


@pytest.mark.parametrize("command", ["", "list", "plan", "apply", "run", "undo", "audit"])
def test_h_is_help_everywhere_and_plain(repo: Path, command: str) -> None:
    result = djrefactor(*([command] if command else []), "-h", cwd=repo)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Usage: ")
    assert "<bool>" not in result.stdout and "<path>" not in result.stdout
    assert "╭" not in result.stdout  # no rich panels whose markup eats [brackets]


def test_run_takes_the_preview_options_of_plan(repo: Path) -> None:
    stat = djrefactor("run", "config-package", "--stat", ".", cwd=repo)
    assert stat.exit_code == 0
    assert " mysite/urls.py => config/urls.py | +0 -0" in stat.stdout.splitlines()
    data = json.loads(djrefactor("run", "config-package", "--json", ".", cwd=repo).stdout)
    assert [step["name"] for step in data["steps"]] == ["config-package"]
    assert djrefactor("run", "config-package", "--check", ".", cwd=repo).exit_code == 1
    assert_error(
        djrefactor("run", "config-package", "--apply", "--stat", ".", cwd=repo),
        "--apply commits the step; --stat, --json, --format, --out, --save and --check belong "
        "to its preview",
    )


# -- the JSON document and GitHub annotations ------------------------------------------------------
def test_plan_json_follows_its_schema(repo: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is in the test extra")
    from djrefactor import __version__

    schema = json.loads((Path(cli.__file__).parent / "plan.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    result = djrefactor("plan", "--json", ".", cwd=repo)
    data = json.loads(result.stdout)
    jsonschema.validate(data, schema)
    assert data["schema_version"] == 1
    assert data["tool"] == {"name": "djrefactor", "version": __version__}
    assert "root" not in data and str(repo) not in result.stdout
    assert list(data["counts"]) == ["created", "changed", "moved", "deleted", "notes"]
    assert data["counts"]["notes"] == len(data["notes"])
    empty = djrefactor("plan", "--json", "--skip", "config-package,split-settings", ".", cwd=repo)
    jsonschema.validate(json.loads(empty.stdout), schema)


def test_format_github_annotates_the_notes_in_the_checked_out_tree(repo: Path) -> None:
    (repo / "mysite" / "urls_link.py").symlink_to("urls.py")
    commit_all(repo, "a symlink")
    result = djrefactor("plan", "--check", "--format", "github", ".", cwd=repo)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert (
        "::warning file=mysite/urls_link.py,title=djrefactor::symlink to mysite/urls.py; the "
        "plan moves it to config/urls.py: update the link"
    ) in lines
    assert lines[-1].startswith("::notice title=djrefactor::Plan: 2 steps (")
    assert all(line.startswith(("::warning ", "::notice ")) for line in lines)
    assert "note" not in result.stderr.split("djrefactor plan")[0]  # the notes are annotations


def test_notes_name_the_final_path(repo: Path) -> None:
    result = djrefactor("plan", ".", cwd=repo)
    notes = [line for line in result.stderr.splitlines() if line.startswith("note [split")]
    assert notes and all("mysite/settings.py" not in line for line in notes)
    assert any(line.startswith("note [split-settings]: config/settings/") for line in notes)


def test_pr_description_from_plan_and_in_the_last_commit(repo: Path, tmp_path: Path) -> None:
    planned = tmp_path / "planned.md"
    assert djrefactor("plan", "--pr-description", str(planned), ".", cwd=repo).exit_code == 0
    text = planned.read_text()
    assert text.startswith("# Restructure the project with djrefactor\n")
    assert "## Before deploying, operators must" in text
    assert text.count("```mermaid\nflowchart LR\n") == 2
    applied = tmp_path / "applied.md"
    result = djrefactor("apply", "--no-verify", "--pr-description", str(applied), ".", cwd=repo)
    assert result.exit_code == 0, result.stderr
    assert applied.read_text() == text
    assert f"wrote the pull request description to {applied}" in result.stderr.splitlines()
    message = git_run(repo, "log", "-1", "--format=%B")
    assert message.startswith("djrefactor: split-settings\n")
    assert text in message
    assert text not in git_run(repo, "log", "-1", "--skip=1", "--format=%B")
