"""Saved plans: `plan --save FILE` records the plan with the commit, tracked files and
configuration it came from; `apply --plan FILE` commits exactly that, without recomputing, and
refuses when any of them changed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from djrefactor import __version__
from djrefactor.engine import session as session_module
from tests.helpers import git_run, make_repo
from tests.repo_state import repo_state
from tests.test_cli import assert_error, djrefactor, last_line


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "project")


@pytest.fixture
def saved(repo: Path, tmp_path: Path) -> Path:
    file = tmp_path / "plan.json"
    result = djrefactor("plan", "--save", str(file), ".", cwd=repo)
    assert result.exit_code == 0, result.stderr
    assert last_line(result) == (
        f"saved the plan to {file}; `djrefactor apply --plan {file}` commits it"
    )
    return file


def test_the_saved_document(saved: Path, repo: Path) -> None:
    document = json.loads(saved.read_text())
    assert (document["format"], document["version"], document["djrefactor"]) == (
        "djrefactor-plan",
        1,
        __version__,
    )
    assert document["head"] == git_run(repo, "rev-parse", "HEAD").strip()
    assert document["folder"] == ""
    assert set(document["tree"]) == set(git_run(repo, "ls-files").split())
    [first, second, *_] = document["plan"]["steps"]
    assert (first["name"], second["name"]) == ("config-package", "split-settings")
    change = next(c for c in first["files"] if c["new_path"] == "config/settings.py")
    assert (change["old_path"], change["mode"]) == ("mysite/settings.py", "100644")
    assert 'ROOT_URLCONF = "config.urls"' in change["new_text"]


def test_apply_of_a_saved_plan_commits_what_apply_would(
    repo: Path, saved: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = make_repo(tmp_path / "twin")
    assert djrefactor("apply", "--no-verify", ".", cwd=other).exit_code == 0

    def no_planning(*args: object) -> None:
        raise AssertionError("a saved plan is applied without recomputing it")

    monkeypatch.setattr(session_module, "build_plan", no_planning)
    result = djrefactor("apply", "--no-verify", "--plan", str(saved), ".", cwd=repo)
    assert result.exit_code == 0, result.stderr
    assert git_run(repo, "rev-parse", "HEAD^{tree}") == git_run(other, "rev-parse", "HEAD^{tree}")
    assert git_run(repo, "log", "--format=%B", "main..HEAD") == git_run(
        other, "log", "--format=%B", "main..HEAD"
    )
    assert git_run(repo, "rev-parse", "--abbrev-ref", "HEAD").strip() == "djrefactor/restructure"


def test_a_saved_plan_is_verified_like_any_other(repo: Path, saved: Path) -> None:
    result = djrefactor(
        "apply", "--verify", "test ! -d config/settings", "--plan", str(saved), ".", cwd=repo
    )
    assert_error(
        result,
        "step split-settings broke `test ! -d config/settings`; branch djrefactor/restructure "
        "keeps the 1 step before it (config-package) and you are on it; main is untouched",
    )


def test_refused_when_head_moved(repo: Path, saved: Path) -> None:
    before = git_run(repo, "rev-parse", "HEAD").strip()
    (repo / "notes.txt").write_text("n\n")
    git_run(repo, "add", "notes.txt")
    git_run(repo, "commit", "-qm", "more")
    now = git_run(repo, "rev-parse", "HEAD").strip()
    state = repo_state(repo)
    assert_error(
        djrefactor("apply", "--plan", str(saved), ".", cwd=repo),
        f"{saved}: HEAD moved since the plan was saved (it was {before[:10]}, it is {now[:10]}); "
        "run `djrefactor plan --save` again",
    )
    assert repo_state(repo) == state


def test_refused_when_a_tracked_file_changed(repo: Path, saved: Path) -> None:
    (repo / "shop" / "views.py").write_text("# edited\n")
    assert_error(
        djrefactor("apply", "--plan", str(saved), ".", cwd=repo),
        f"{saved}: shop/views.py changed since the plan was saved; run `djrefactor plan --save` "
        "again",
    )


def test_refused_when_the_configuration_changed(repo: Path, tmp_path: Path) -> None:
    (repo / "pyproject.toml").write_text('[tool.djrefactor]\nvendors = ["mailgun"]\n')
    file = tmp_path / "plan.json"
    assert djrefactor("plan", "--save", str(file), ".", cwd=repo).exit_code == 0
    (repo / "pyproject.toml").write_text('[tool.djrefactor]\nvendors = ["segment"]\n')
    assert_error(
        djrefactor("apply", "--plan", str(file), ".", cwd=repo),
        f"{file}: the [tool.djrefactor] configuration changed since the plan was saved; run "
        "`djrefactor plan --save` again",
    )


def test_the_options_are_saved_with_the_plan(repo: Path, tmp_path: Path) -> None:
    file = tmp_path / "plan.json"
    saving = djrefactor("plan", "--only", "config-package", "--save", str(file), ".", cwd=repo)
    assert saving.exit_code == 0
    result = djrefactor("apply", "--no-verify", "--plan", str(file), ".", cwd=repo)
    assert result.exit_code == 0, result.stderr
    assert git_run(repo, "log", "--format=%s", "main..HEAD").splitlines() == [
        "djrefactor: config-package"
    ]


def test_a_saved_plan_with_nothing_to_do(repo: Path, tmp_path: Path) -> None:
    assert djrefactor("apply", "--no-verify", ".", cwd=repo).exit_code == 0
    file = tmp_path / "plan.json"
    assert djrefactor("plan", "--save", str(file), ".", cwd=repo).exit_code == 0
    result = djrefactor("apply", "--plan", str(file), ".", cwd=repo)
    assert (result.exit_code, last_line(result)) == (0, "nothing to do")


def test_plan_options_belong_to_plan_save(repo: Path, saved: Path) -> None:
    assert_error(
        djrefactor("apply", "--only", "config-package", "--plan", str(saved), ".", cwd=repo),
        "--plan applies a saved plan as it is; --only, --skip and --settings belong to "
        "`plan --save`",
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(None, "{file}: no such file; save a plan with `plan --save`", id="missing"),
        pytest.param(
            "{not json",
            "{file}: not a saved djrefactor plan (invalid JSON: Expecting property name enclosed "
            "in double quotes)",
            id="not JSON",
        ),
        pytest.param('{"format": "other"}', "{file}: not a saved djrefactor plan", id="not ours"),
        pytest.param(
            '{"format": "djrefactor-plan", "version": 9, "djrefactor": "9.0"}',
            "{file}: saved by djrefactor 9.0 (format 9), this is " + __version__ + "; run "
            "`djrefactor plan --save` again",
            id="another version",
        ),
    ],
)
def test_a_file_that_is_not_a_saved_plan(
    repo: Path, tmp_path: Path, content: str | None, message: str
) -> None:
    file = tmp_path / "plan.json"
    if content is not None:
        file.write_text(content)
    assert_error(djrefactor("apply", "--plan", str(file), ".", cwd=repo), message.format(file=file))


def test_a_tampered_plan_is_refused(repo: Path, saved: Path) -> None:
    document = json.loads(saved.read_text())
    document["plan"]["steps"][0]["files"][0]["new_path"] = "../outside.py"
    saved.write_text(json.dumps(document))
    assert_error(
        djrefactor("apply", "--plan", str(saved), ".", cwd=repo),
        f"{saved}: not a saved djrefactor plan (bad path '../outside.py')",
    )
