"""The command line as users meet it: real git repositories, a real subprocess, exit codes, and
what lands on stdout (the product) versus stderr (everything else)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import MINI_DJANGO, git_run, make_repo


def djrefactor(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    return subprocess.run(
        [sys.executable, "-m", "djrefactor", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(root).parts
    }


def assert_one_line_error(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("error: "), result.stderr
    for word in words:
        assert word in lines[-1]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "project")


def test_list_names_every_codemod_in_pipeline_order(repo: Path) -> None:
    result = djrefactor("list", cwd=repo)
    assert result.returncode == 0
    names = [line.split()[0] for line in result.stdout.splitlines()]
    assert names[0] == "config-package"
    assert len(names) == len(set(names))
    for line in result.stdout.splitlines():
        assert len(line.split(maxsplit=1)) == 2, "each codemod has a summary on its line"


def test_plan_shows_the_diff_and_writes_nothing(repo: Path) -> None:
    before = tree_bytes(repo)
    head = git_run(repo, "rev-parse", "HEAD")
    result = djrefactor("plan", "--only", "config-package", ".", cwd=repo)
    assert result.returncode == 0, result.stderr
    assert "rename from mysite/settings.py" in result.stdout
    assert "rename to config/settings.py" in result.stdout
    assert '+ROOT_URLCONF = "config.urls"' in result.stdout
    assert "+web: gunicorn config.wsgi --log-file -" in result.stdout
    assert "config-package" in result.stderr  # the summary table goes to stderr
    assert "\x1b[" not in result.stdout  # no colour when stdout is not a terminal
    assert tree_bytes(repo) == before
    assert git_run(repo, "rev-parse", "HEAD") == head
    assert git_run(repo, "status", "--porcelain") == ""
    assert git_run(repo, "branch", "--list").split() == ["*", "main"]


def test_plan_out_writes_a_patch_git_apply_accepts(repo: Path, tmp_path: Path) -> None:
    patch = tmp_path / "restructure.patch"
    result = djrefactor("plan", "--out", str(patch), ".", cwd=repo)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    git_run(repo, "apply", "--check", str(patch))
    git_run(repo, "apply", "--index", str(patch))
    again = djrefactor("plan", ".", cwd=repo)
    assert again.returncode == 0
    assert "+++" not in again.stdout
    assert "nothing to do" in again.stderr


def test_plan_json_is_machine_readable(repo: Path) -> None:
    result = djrefactor("plan", "--json", "--only", "config-package", ".", cwd=repo)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["nothing_to_do"] is False
    [step] = data["steps"]
    assert step["name"] == "config-package"
    moves = {(f["old_path"], f["new_path"]) for f in step["files"] if f["kind"] == "move"}
    assert ("mysite/settings.py", "config/settings.py") in moves
    assert "rename from mysite/urls.py" in data["diff"]


def test_plan_stat_lists_files_without_the_diff(repo: Path) -> None:
    result = djrefactor("plan", "--stat", "--only", "config-package", ".", cwd=repo)
    assert result.returncode == 0
    assert "mysite/wsgi.py => config/wsgi.py" in result.stdout
    assert "@@" not in result.stdout


def test_plan_check_exits_1_when_there_is_work_and_0_when_not(repo: Path) -> None:
    assert djrefactor("plan", "--check", "--only", "config-package", ".", cwd=repo).returncode == 1
    assert djrefactor("apply", "--only", "config-package", ".", cwd=repo).returncode == 0
    result = djrefactor("plan", "--check", "--only", "config-package", ".", cwd=repo)
    assert result.returncode == 0
    assert "nothing to do" in result.stderr


def test_plan_from_a_subdirectory_finds_the_repository(repo: Path) -> None:
    result = djrefactor("plan", "--only", "config-package", "shop", cwd=repo)
    assert result.returncode == 0, result.stderr
    assert "rename to config/urls.py" in result.stdout


def test_apply_commits_each_step_on_a_new_branch_and_leaves_main_alone(repo: Path) -> None:
    main_before = git_run(repo, "rev-parse", "main")
    planned = djrefactor("plan", ".", cwd=repo).stdout
    result = djrefactor("apply", ".", cwd=repo)
    assert result.returncode == 0, result.stderr
    assert git_run(repo, "rev-parse", "--abbrev-ref", "HEAD").strip() == "djrefactor/restructure"
    assert git_run(repo, "rev-parse", "main") == main_before
    assert git_run(repo, "status", "--porcelain") == ""
    subjects = git_run(repo, "log", "--format=%s", "main..HEAD").splitlines()
    assert subjects and all(subject.startswith("djrefactor: ") for subject in subjects)
    assert subjects[-1] == "djrefactor: config-package"
    # what apply committed is exactly what plan showed
    committed = git_run(repo, "diff", "-M", "main", "HEAD", "--stat")
    for line in planned.splitlines():
        if line.startswith("diff --git"):
            new = line.split(" b/")[-1]
            assert new.split("/")[-1] in committed


def test_apply_with_a_branch_name_and_refusing_an_existing_one(repo: Path) -> None:
    assert djrefactor("apply", "--branch", "restructure", ".", cwd=repo).returncode == 0
    git_run(repo, "switch", "-q", "main")
    result = djrefactor("apply", "--branch", "restructure", ".", cwd=repo)
    assert_one_line_error(result, "already exists")
    assert git_run(repo, "rev-parse", "--abbrev-ref", "HEAD").strip() == "main"


def test_apply_refuses_an_invalid_branch_name(repo: Path) -> None:
    assert_one_line_error(
        djrefactor("apply", "--branch", "bad..name", ".", cwd=repo), "not a valid"
    )


def test_apply_refuses_a_dirty_tracked_tree(repo: Path) -> None:
    settings = repo / "mysite" / "settings.py"
    settings.write_text(settings.read_text() + "# local edit\n")
    before = tree_bytes(repo)
    assert_one_line_error(djrefactor("apply", ".", cwd=repo), "uncommitted changes", "settings.py")
    assert tree_bytes(repo) == before
    assert "djrefactor/restructure" not in git_run(repo, "branch", "--list")


def test_apply_ignores_untracked_files_that_are_not_in_the_way(repo: Path) -> None:
    (repo / "notes.txt").write_text("scratch\n")
    assert djrefactor("apply", "--only", "config-package", ".", cwd=repo).returncode == 0
    assert (repo / "notes.txt").read_text() == "scratch\n"


def test_apply_refuses_an_untracked_file_in_the_way(repo: Path) -> None:
    (repo / "config").mkdir()
    (repo / "config" / "urls.py").write_text("# someone's scratch file\n")
    result = djrefactor("apply", "--only", "config-package", ".", cwd=repo)
    assert_one_line_error(result, "config/urls.py")


def test_apply_refuses_a_detached_head(repo: Path) -> None:
    git_run(repo, "checkout", "-q", "--detach")
    assert_one_line_error(djrefactor("apply", ".", cwd=repo), "detached")


def test_verify_stops_at_the_step_that_breaks_the_command(repo: Path) -> None:
    main_before = git_run(repo, "rev-parse", "main")
    result = djrefactor(
        "apply", "--only", "config-package", "--verify", "test -f mysite/settings.py", ".", cwd=repo
    )
    assert_one_line_error(result, "config-package", "broke")
    assert git_run(repo, "rev-parse", "main") == main_before
    assert git_run(repo, "rev-parse", "djrefactor/restructure") == main_before
    assert git_run(repo, "status", "--porcelain") == ""
    assert (repo / "mysite" / "settings.py").exists()


def test_verify_that_keeps_passing_keeps_every_step(repo: Path) -> None:
    result = djrefactor("apply", "--only", "config-package", "--verify", "true", ".", cwd=repo)
    assert result.returncode == 0, result.stderr
    assert git_run(repo, "log", "--format=%s", "-1").strip() == "djrefactor: config-package"


def test_run_one_step_shows_its_diff_then_commits_on_the_current_branch(repo: Path) -> None:
    shown = djrefactor("run", "config-package", ".", cwd=repo)
    assert shown.returncode == 0
    assert "rename to config/wsgi.py" in shown.stdout
    assert git_run(repo, "status", "--porcelain") == ""
    committed = djrefactor("run", "config-package", ".", "--apply", cwd=repo)
    assert committed.returncode == 0, committed.stderr
    assert git_run(repo, "rev-parse", "--abbrev-ref", "HEAD").strip() == "main"
    assert git_run(repo, "log", "--format=%s", "-1").strip() == "djrefactor: config-package"
    assert (repo / "config" / "settings.py").exists()


def test_run_unknown_step_lists_the_valid_ones(repo: Path) -> None:
    assert_one_line_error(djrefactor("run", "split-everything", ".", cwd=repo), "config-package")


def test_unknown_only_name_is_a_usage_error(repo: Path) -> None:
    assert_one_line_error(djrefactor("plan", "--only", "nope", ".", cwd=repo), "nope")


def test_not_a_git_repository(tmp_path: Path) -> None:
    (tmp_path / "manage.py").write_text("print('hi')\n")
    assert_one_line_error(djrefactor("plan", ".", cwd=tmp_path), "not a git repository")


def test_missing_path(tmp_path: Path) -> None:
    assert_one_line_error(djrefactor("plan", "nowhere", cwd=tmp_path), "no such directory")


def test_repository_without_commits(tmp_path: Path) -> None:
    make_repo(tmp_path)
    git_run(tmp_path, "update-ref", "-d", "HEAD")
    assert_one_line_error(djrefactor("apply", ".", cwd=tmp_path), "no commits")


def test_no_settings_found(tmp_path: Path) -> None:
    make_repo(tmp_path, {"app.py": "print('not django')\n"})
    assert_one_line_error(djrefactor("plan", ".", cwd=tmp_path), "settings")


def test_explicit_settings_option_for_a_project_manage_py_does_not_name(tmp_path: Path) -> None:
    files = {
        path.replace("mysite/settings.py", "mysite/conf.py"): text.replace(
            '"mysite.settings"', "os.environ['SETTINGS']"
        )
        for path, text in MINI_DJANGO.items()
    }
    make_repo(tmp_path, files)
    assert_one_line_error(djrefactor("plan", ".", cwd=tmp_path), "--settings")
    result = djrefactor(
        "plan", "--settings", "mysite.conf", "--only", "config-package", ".", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "rename to config/conf.py" in result.stdout


def test_a_file_that_does_not_parse(tmp_path: Path) -> None:
    files = dict(MINI_DJANGO, **{"shop/models.py": "class Broken(:\n    pass\n"})
    make_repo(tmp_path, files)
    assert_one_line_error(djrefactor("plan", ".", cwd=tmp_path), "shop/models.py:1")


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    make_repo(tmp_path)
    (tmp_path / "shop" / "admin.py").write_bytes("# caf\xe9\nx = 1\n".encode("latin-1"))
    git_run(tmp_path, "add", "-A")
    git_run(tmp_path, "commit", "-q", "-m", "latin-1 file")
    before = tree_bytes(tmp_path)
    assert_one_line_error(djrefactor("apply", ".", cwd=tmp_path), "shop/admin.py", "UTF-8")
    assert tree_bytes(tmp_path) == before


def test_an_already_restructured_repository_is_nothing_to_do(repo: Path) -> None:
    assert djrefactor("apply", ".", cwd=repo).returncode == 0
    result = djrefactor("plan", ".", cwd=repo)
    assert result.returncode == 0
    assert result.stdout == ""
    assert "nothing to do" in result.stderr
    again = djrefactor("apply", "--branch", "second", ".", cwd=repo)
    assert again.returncode == 0
    assert "nothing to do" in again.stderr
    assert "second" not in git_run(repo, "branch", "--list")


def test_settings_from_pyproject_tool_table(tmp_path: Path) -> None:
    files = dict(MINI_DJANGO)
    files["pyproject.toml"] = (
        '[tool.djrefactor]\nbranch = "tidy/layout"\nonly = ["config-package"]\n'
    )
    make_repo(tmp_path, files)
    result = djrefactor("apply", ".", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert git_run(tmp_path, "rev-parse", "--abbrev-ref", "HEAD").strip() == "tidy/layout"
    assert git_run(tmp_path, "log", "--format=%s", "main..HEAD").splitlines() == [
        "djrefactor: config-package"
    ]


def test_a_broken_pyproject_table_is_a_clear_error(tmp_path: Path) -> None:
    files = dict(MINI_DJANGO, **{"pyproject.toml": "[tool.djrefactor]\nskip = 3\n"})
    make_repo(tmp_path, files)
    assert_one_line_error(djrefactor("plan", ".", cwd=tmp_path), "pyproject.toml")
