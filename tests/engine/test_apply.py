"""`apply_plan` on throwaway git repositories: one commit per step, the original branch untouched,
and a clean way back when something fails midway."""

from __future__ import annotations

from pathlib import Path

import pytest

from djrefactor import engine
from djrefactor.config import Options
from djrefactor.errors import DjrefactorError
from djrefactor.git import FileWrite, Repository
from djrefactor.model import Changes, Note
from djrefactor.project import Project
from tests.helpers import git_run, make_repo


def fake(name: str, run: engine.Callable[[Project], Changes]) -> engine.Codemod:
    return engine.Codemod(name=name, summary=f"do {name}", doc="", after=(), run=run)


def add_file(path: str, text: str) -> engine.Codemod:
    return fake(f"add-{path}", lambda project: Changes(writes={path: text}))


def edit_views(project: Project) -> Changes:
    text = project.text("shop/views.py").replace('"ok"', '"fine"')
    return Changes(writes={"shop/views.py": text}, notes=(Note("shop/views.py", 4, "looked"),))


def session_for(root: Path, *codemods: engine.Codemod) -> engine.Session:
    session = engine.open_session(root, Options())
    return engine.Session(session.repo, session.root, session.project, list(codemods))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "project")


def plan_and_apply(
    root: Path, *codemods: engine.Codemod, verify: str | None = None
) -> engine.ApplyResult:
    session = session_for(root, *codemods)
    plan = engine.build_plan(session.project, session.codemods)
    return engine.apply_plan(session, plan, "restructure", verify, root)


def test_one_commit_per_step_with_a_message_naming_it(repo: Path) -> None:
    main = git_run(repo, "rev-parse", "main")
    done = plan_and_apply(repo, add_file("a.txt", "a\n"), fake("edit-views", edit_views))
    assert [name for name, _ in done.commits] == ["add-a.txt", "edit-views"]
    log = git_run(repo, "log", "--format=%B%x00", "main..HEAD").split("\x00")
    assert log[0].strip().startswith("djrefactor: edit-views\n\nDo edit-views.")
    assert "shop/views.py:4: looked" in log[0]
    assert git_run(repo, "rev-parse", "main") == main
    assert git_run(repo, "show", "HEAD:shop/views.py").count('"fine"') == 1
    assert git_run(repo, "show", "HEAD~1:a.txt") == "a\n"
    assert git_run(repo, "rev-parse", "--abbrev-ref", "HEAD").strip() == "restructure"


def test_steps_with_nothing_to_do_make_no_commit(repo: Path) -> None:
    done = plan_and_apply(repo, fake("noop", lambda p: Changes.none()), add_file("b.txt", "b\n"))
    assert [name for name, _ in done.commits] == ["add-b.txt"]


def test_a_failure_midway_puts_the_user_back_with_nothing_lost(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_commit = Repository.commit
    calls = []

    def flaky(repo_: Repository, writes: list[FileWrite], message: str) -> str:
        calls.append(message)
        if len(calls) == 2:
            for write in writes:  # half the step is on disk when the disk fills up
                (repo / write.path).parent.mkdir(parents=True, exist_ok=True)
                (repo / write.path).write_text("partial", encoding="utf-8")
            raise OSError(28, "No space left on device")
        return real_commit(repo_, writes, message)  # type: ignore[arg-type]

    monkeypatch.setattr(Repository, "commit", flaky)
    before = git_run(repo, "show", "main:shop/views.py")
    with pytest.raises(DjrefactorError) as raised:
        plan_and_apply(repo, add_file("a.txt", "a\n"), add_file("new/b.txt", "b\n"))
    message = raised.value.message
    assert "No space left on device" in message
    assert "back on main" in message and "add-a.txt" in message
    assert git_run(repo, "rev-parse", "--abbrev-ref", "HEAD").strip() == "main"
    assert git_run(repo, "status", "--porcelain", "--untracked-files=all") == ""
    assert (repo / "shop/views.py").read_text() == before
    assert not (repo / "new").exists()
    assert git_run(repo, "log", "--format=%s", "main..restructure").splitlines() == [
        "djrefactor: add-a.txt"
    ]


def test_verify_keeps_the_good_steps_and_names_the_breaking_one(repo: Path) -> None:
    done = plan_and_apply(
        repo,
        add_file("a.txt", "a\n"),
        add_file("b.txt", "b\n"),
        add_file("c.txt", "c\n"),
        verify="test ! -e b.txt || (echo 'b.txt is not allowed' && exit 3)",
    )
    assert done.broken_by == "add-b.txt"
    assert "b.txt is not allowed" in done.verify_output
    assert [name for name, _ in done.commits] == ["add-a.txt"]
    assert not (repo / "b.txt").exists()
    assert git_run(repo, "status", "--porcelain") == ""


def test_verify_failing_before_any_step_judges_nothing(repo: Path) -> None:
    done = plan_and_apply(repo, add_file("a.txt", "a\n"), verify="false")
    assert done.baseline_failed
    assert done.broken_by is None
    assert [name for name, _ in done.commits] == ["add-a.txt"]


def test_new_files_get_normal_permissions_and_edits_keep_theirs(repo: Path) -> None:
    (repo / "manage.py").chmod(0o755)
    git_run(repo, "commit", "-qam", "executable manage.py")
    bump = fake("bump", lambda p: Changes(writes={"manage.py": p.text("manage.py") + "# x\n"}))
    plan_and_apply(repo, bump, add_file("c.txt", "c\n"))
    assert (repo / "manage.py").stat().st_mode & 0o777 == 0o755
    assert (repo / "c.txt").stat().st_mode & 0o600 == 0o600
    assert not list(repo.glob(".c.txt.*")), "no temporary files left behind"
