"""`apply_plan` on throwaway git repositories: one commit per step, built off to the side; the
user's branch, index and working tree change only when the complete branch is checked out; what
gets committed keeps each file's mode, line endings and byte order mark."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from djrefactor import engine, git
from djrefactor.config import Options
from djrefactor.engine import Verification, VerifyFailed
from djrefactor.errors import DjrefactorError
from djrefactor.model import Changes, Note
from djrefactor.project import Project
from tests.helpers import git_run, make_repo
from tests.repo_state import repo_state


def fake(name: str, run: engine.Callable[[Project], Changes]) -> engine.Codemod:
    return engine.Codemod(name=name, summary=f"do {name}", doc="", after=(), run=run)


def add_file(path: str, text: str) -> engine.Codemod:
    return fake(f"add-{path}", lambda project: Changes(writes={path: text}))


def edit_views(project: Project) -> Changes:
    text = project.text("shop/views.py").replace('"ok"', '"fine"')
    return Changes(writes={"shop/views.py": text}, notes=(Note("shop/views.py", 4, "looked"),))


def planned(root: Path, *codemods: engine.Codemod) -> engine.Planned:
    session = engine.open_session(root, Options())
    session.codemods = list(codemods)
    plan = engine.build_plan(session.project, session.codemods)
    return engine.Planned(session, engine.finish_plan(session, plan))


def plan_and_apply(
    root: Path,
    *codemods: engine.Codemod,
    verify: str | None = None,
    explicit: bool = True,
    branch: str | None = "restructure",
) -> engine.ApplyResult:
    done = planned(root, *codemods)
    verification = Verification(verify, explicit)
    return engine.apply_plan(done.session.repo, done.plan, branch, verification)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "project")


@pytest.fixture
def temp_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where djrefactor's temporary folders go, to check that none is left behind."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


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
    assert git_run(repo, "status", "--porcelain", "--untracked-files=all") == ""
    assert (repo / "a.txt").read_text() == "a\n"


def test_steps_with_nothing_to_do_make_no_commit(repo: Path) -> None:
    done = plan_and_apply(repo, fake("noop", lambda p: Changes.none()), add_file("b.txt", "b\n"))
    assert [name for name, _ in done.commits] == ["add-b.txt"]


def test_a_failing_step_changes_nothing_and_leaves_no_temporary_folder(
    repo: Path, temp_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_commit = git.Builder.commit
    calls: list[str] = []

    def flaky(builder: git.Builder, writes: list[git.FileWrite], message: str) -> str:
        calls.append(message)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real_commit(builder, writes, message)

    monkeypatch.setattr(git.Builder, "commit", flaky)
    before = repo_state(repo)
    with pytest.raises(DjrefactorError) as raised:
        plan_and_apply(repo, add_file("a.txt", "a\n"), add_file("new/b.txt", "b\n"))
    assert raised.value.message == (
        "step add-new/b.txt failed (No space left on device); nothing changed: you are on main "
        "as before"
    )
    assert repo_state(repo) == before
    assert list(temp_root.iterdir()) == []


def test_a_git_failure_names_the_step_and_gits_own_reason(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = git._run

    def failing_write_tree(args, cwd, **kwargs):  # type: ignore[no-untyped-def]
        if args[0] == "write-tree":
            raise git.GitError(
                git.reason(
                    args,
                    b"error: invalid object 100644 deadbeef\nfatal: "
                    b"git-write-tree: error building trees\n",
                )
            )
        return real(args, cwd, **kwargs)

    monkeypatch.setattr(git, "_run", failing_write_tree)
    before = repo_state(repo)
    with pytest.raises(DjrefactorError) as raised:
        plan_and_apply(repo, add_file("a.txt", "a\n"))
    assert raised.value.message == (
        "step add-a.txt failed (invalid object 100644 deadbeef); nothing changed: you are on "
        "main as before"
    )
    assert repo_state(repo) == before


def test_the_current_branch_moves_forward_when_no_branch_is_named(repo: Path) -> None:
    main = git_run(repo, "rev-parse", "main").strip()
    done = plan_and_apply(repo, add_file("a.txt", "a\n"), branch=None)
    assert (done.branch, done.new_branch, done.base) == ("main", False, main)
    assert git_run(repo, "rev-parse", "main~1").strip() == main
    assert git_run(repo, "status", "--porcelain", "--untracked-files=all") == ""
    assert (repo / "a.txt").read_text() == "a\n"


# -- verification --------------------------------------------------------------------------------
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
    assert git_run(repo, "rev-parse", "--abbrev-ref", "HEAD").strip() == "restructure"
    assert (repo / "a.txt").exists()
    assert not (repo / "b.txt").exists()
    assert git_run(repo, "status", "--porcelain") == ""


def test_verify_broken_by_the_first_step_leaves_no_branch(repo: Path) -> None:
    before = repo_state(repo)
    with pytest.raises(VerifyFailed) as raised:
        plan_and_apply(repo, add_file("a.txt", "a\n"), verify="test ! -e a.txt")
    assert raised.value.message == (
        "step add-a.txt broke `test ! -e a.txt`; nothing was applied: you are on main as before"
    )
    assert repo_state(repo) == before


def test_an_explicit_verify_failing_before_any_step_is_an_error(repo: Path) -> None:
    before = repo_state(repo)
    with pytest.raises(VerifyFailed) as raised:
        plan_and_apply(repo, add_file("a.txt", "a\n"), verify="pytset -q")
    assert raised.value.message == (
        "--verify command `pytset -q` already fails before any change (exit 127); fix it or "
        "pass another one; nothing was applied"
    )
    assert "pytset" in raised.value.output  # the shell's "not found", shown above the error
    assert repo_state(repo) == before


def test_a_detected_command_failing_before_any_step_only_warns(repo: Path) -> None:
    done = plan_and_apply(repo, add_file("a.txt", "a\n"), verify="exit 4", explicit=False)
    assert (done.unverified, done.unverified_exit) == ("exit 4", 4)
    assert done.verify_command is None
    assert [name for name, _ in done.commits] == ["add-a.txt"]


def test_verify_runs_on_a_checkout_of_each_commit_never_the_users_tree(
    repo: Path, tmp_path: Path, temp_root: Path
) -> None:
    log = tmp_path / "log"
    (repo / "untracked.txt").write_text("mine\n")
    command = f"pwd >> {log}; test -e untracked.txt && exit 9; cat a.txt b.txt >> {log}; true"
    done = plan_and_apply(repo, add_file("a.txt", "a\n"), add_file("b.txt", "b\n"), verify=command)
    assert done.broken_by is None and len(done.commits) == 2
    lines = log.read_text().splitlines()
    folders = {line for line in lines if line.startswith("/")}
    assert len(folders) == 1 and not folders & {str(repo)}
    assert [line for line in lines if not line.startswith("/")] == ["a", "a", "b"]
    assert list(temp_root.iterdir()) == []


def test_detected_test_commands(tmp_path: Path) -> None:
    def detect(files: dict[str, str], folder: str = "") -> str | None:
        root = tmp_path / str(len(list(tmp_path.iterdir())))
        for path, text in files.items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(text)
        command = engine.detect_verification(root, folder, set(files)).command
        return command.split(" ", 1)[1] if command else None

    assert detect({"manage.py": "", "pytest.ini": "[pytest]\n"}) == "-m pytest -x -q"
    assert detect({"manage.py": "", "tox.ini": "[tox]\n"}) == "manage.py test --noinput --failfast"
    assert detect({"manage.py": "", "tox.ini": "[pytest]\naddopts = -q\n"}) == "-m pytest -x -q"
    assert detect({"manage.py": "", "setup.cfg": "[tool:pytest]\n"}) == "-m pytest -x -q"
    pyproject = "[tool.pytest.ini_options]\nDJANGO_SETTINGS_MODULE = 'a.b'\n"
    assert detect({"b/manage.py": "", "pyproject.toml": pyproject}, "b") == "-m pytest -x -q"
    assert detect({"b/manage.py": "", "b/pytest.ini": ""}, "b") == "-m pytest -x -q"
    assert detect({"setup.py": ""}) is None


# -- what is committed ---------------------------------------------------------------------------
def move_views(project: Project) -> Changes:
    return Changes(moves={"shop.views": "shop.pages"})


def test_an_executable_moved_file_keeps_its_mode(repo: Path) -> None:
    (repo / "shop" / "views.py").chmod(0o755)
    git_run(repo, "commit", "-qam", "executable views")
    plan_and_apply(repo, fake("move-views", move_views))
    assert git_run(repo, "ls-files", "-s", "shop/pages.py").startswith("100755 ")
    assert os.access(repo / "shop" / "pages.py", os.X_OK)


def test_new_files_are_regular_and_edits_keep_the_exec_bit(repo: Path) -> None:
    (repo / "manage.py").chmod(0o755)
    git_run(repo, "commit", "-qam", "executable manage.py")
    bump = fake("bump", lambda p: Changes(writes={"manage.py": p.text("manage.py") + "# x\n"}))
    plan_and_apply(repo, bump, add_file("c.txt", "c\n"))
    assert git_run(repo, "ls-files", "-s", "manage.py", "c.txt").split()[::4] == [
        "100644",
        "100755",
    ]
    assert (repo / "manage.py").stat().st_mode & 0o777 == 0o755


def test_a_tracked_symlink_stays_a_symlink_and_its_target_is_edited_once(repo: Path) -> None:
    (repo / "views_link.py").symlink_to("shop/views.py")
    (repo / "shop_link").symlink_to("shop")
    git_run(repo, "add", "-A")
    git_run(repo, "commit", "-qm", "links")
    done = planned(repo, fake("edit-views", edit_views))
    assert [c.new_path for c in done.plan.total] == ["shop/views.py"]
    engine.apply_plan(done.session.repo, done.plan, "restructure")
    modes = dict(
        line.split(" ", 1)[::-1]
        for line in git_run(repo, "ls-tree", "HEAD", "--format=%(objectmode) %(path)").splitlines()
    )
    assert modes["views_link.py"] == modes["shop_link"] == "120000"
    assert os.readlink(repo / "views_link.py") == "shop/views.py"
    assert '"fine"' in (repo / "views_link.py").read_text()


def test_a_step_writing_through_a_tracked_symlink_is_refused(repo: Path) -> None:
    (repo / "shop_link").symlink_to("shop")
    git_run(repo, "add", "-A")
    git_run(repo, "commit", "-qm", "link")
    with pytest.raises(DjrefactorError) as raised:
        planned(repo, add_file("shop_link/services.py", "X = 1\n"))
    assert raised.value.message == (
        "shop_link/services.py: step add-shop_link/services.py writes this file, but git tracks "
        "a symlink at shop_link, which djrefactor leaves as it is; move it out of the way or "
        "skip the step (--skip)"
    )


def test_a_symlink_to_a_moved_file_gets_a_note(repo: Path) -> None:
    (repo / "views_link.py").symlink_to("shop/views.py")
    git_run(repo, "add", "-A")
    git_run(repo, "commit", "-qm", "link")
    notes = planned(repo, fake("move-views", move_views)).plan.notes
    assert [str(note) for note in notes] == [
        "views_link.py: symlink to shop/views.py; the plan moves it to shop/pages.py: update "
        "the link"
    ]


def crlf_edit(project: Project) -> Changes:
    text = project.text("shop/views.py")
    return Changes(
        writes={
            "shop/views.py": text.replace("\r\n", "\n") + "\n# edited\n",
            "shop/new.py": "A = 1\nB = 2\n",
        }
    )


def test_a_crlf_project_keeps_crlf_in_rewritten_and_new_files(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "crlf")
    for path in git_run(root, "ls-files").split():
        full = root / path
        full.write_bytes(full.read_bytes().replace(b"\n", b"\r\n"))
    git_run(root, "commit", "-qam", "crlf")
    plan_and_apply(root, fake("crlf-edit", crlf_edit))
    views = (root / "shop" / "views.py").read_bytes()
    assert views.endswith(b'return HttpResponse("ok")\r\n\r\n# edited\r\n')
    assert b"\n" not in views.replace(b"\r\n", b"")
    assert (root / "shop" / "new.py").read_bytes() == b"A = 1\r\nB = 2\r\n"


def test_a_mixed_file_is_left_with_the_endings_the_step_gave_it(repo: Path) -> None:
    views = repo / "shop" / "views.py"
    views.write_bytes(views.read_bytes().replace(b"\n", b"\r\n", 1))
    git_run(repo, "commit", "-qam", "one crlf line")
    edit = fake(
        "edit", lambda p: Changes(writes={"shop/views.py": p.text("shop/views.py") + "#\n"})
    )
    plan_and_apply(repo, edit)
    assert views.read_bytes().count(b"\r\n") == 1


def test_a_utf8_bom_is_kept_on_a_rewritten_file(repo: Path) -> None:
    views = repo / "shop" / "views.py"
    views.write_bytes(b"\xef\xbb\xbf" + views.read_bytes())
    git_run(repo, "commit", "-qam", "bom")
    strip = fake(
        "strip-bom",
        lambda p: Changes(writes={"shop/views.py": p.text("shop/views.py")[1:] + "# x\n"}),
    )
    plan_and_apply(repo, strip)
    assert views.read_bytes().startswith(b"\xef\xbb\xbffrom django.http")
    assert views.read_bytes().endswith(b"# x\n")


def test_a_git_ignored_generated_path_is_committed_with_a_note(repo: Path) -> None:
    (repo / ".gitignore").write_text("*.log\nconfig/\n")
    git_run(repo, "add", "-A")
    git_run(repo, "commit", "-qm", "ignore config")
    done = planned(repo, add_file("config/a.py", "A = 1\n"), add_file("config/b.py", "B = 1\n"))
    assert [str(note) for note in done.plan.notes] == [
        ".gitignore:2: `config/` makes git ignore config/a.py and 1 more, which the plan "
        "creates; apply commits them anyway (git tracks a committed file); narrow the rule so "
        "that git status shows later changes there"
    ]
    engine.apply_plan(done.session.repo, done.plan, "restructure")
    assert git_run(repo, "ls-files", "config").split() == ["config/a.py", "config/b.py"]
    assert git_run(repo, "status", "--porcelain", "--untracked-files=all") == ""


def test_an_ignored_file_in_the_way_is_refused(repo: Path) -> None:
    (repo / ".gitignore").write_text("config/\n")
    git_run(repo, "add", "-A")
    git_run(repo, "commit", "-qm", "ignore config")
    (repo / "config").mkdir()
    (repo / "config" / "a.py").write_text("# local\n")
    before = repo_state(repo)
    with pytest.raises(DjrefactorError) as raised:
        plan_and_apply(repo, add_file("config/a.py", "A = 1\n"))
    assert raised.value.message == (
        "config/a.py: an untracked file is in the way of a file the plan creates; move it away "
        "first"
    )
    assert repo_state(repo) == before


def test_a_plan_with_nothing_to_do_creates_no_branch(repo: Path) -> None:
    before = repo_state(repo)
    done = plan_and_apply(repo, fake("noop", lambda p: Changes.none()))
    assert done.commits == ()
    assert repo_state(repo) == before
