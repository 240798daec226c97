"""build_plan: steps run in order on the previous step's result; per-step and total changes."""

from __future__ import annotations

import libcst as cst
import pytest

from djrefactor.engine import Codemod, Project, build_plan
from djrefactor.engine.planning import PHASES
from djrefactor.model import Changes, FileChange, Note
from tests.helpers import make_project

FILES = {
    "manage.py": 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\n',
    "mysite/__init__.py": "",
    "mysite/settings.py": "DEBUG = True\n",
    "mysite/helpers.py": "def helper():\n    return 1\n",
    "app/__init__.py": "",
    "app/views.py": "from mysite.helpers import helper\n\n\ndef home():\n    return helper()\n",
    "old.py": "OLD = 1\n",
}


def fake(name: str, run, summary: str = "") -> Codemod:
    return Codemod(name=name, summary=summary or name, doc="", after=(), run=run)


def move_helpers(project: Project) -> Changes:
    return Changes(
        moves={"mysite.helpers": "common.helpers"},
        deletes=frozenset({"old.py"}),
        notes=(Note("mysite/helpers.py", 1, "moved; check callers outside the repo"),),
    )


def edit_moved(project: Project) -> Changes:
    # Sees step 1's result: the module is already at its new place.
    assert project.path_for("mysite.helpers") is None
    path = project.path_for("common.helpers")
    assert path == "common/helpers.py"
    tree = project.tree(path)
    return Changes(writes={path: tree.with_changes(body=[*tree.body, *parse("TWO = 2\n")])})


def parse(code: str) -> tuple[cst.BaseStatement, ...]:
    return tuple(cst.parse_module(code).body)


def by_path(changes: tuple[FileChange, ...]) -> dict[str, FileChange]:
    return {(change.new_path or change.old_path or ""): change for change in changes}


def test_second_step_sees_the_first_steps_result():
    project = make_project(FILES)
    plan = build_plan(project, [fake("move", move_helpers), fake("edit", edit_moved)])
    assert [step.name for step in plan.steps] == ["move", "edit"]
    second = by_path(plan.steps[1].files)
    assert set(second) == {"common/helpers.py"}
    edit = second["common/helpers.py"]
    assert edit.kind == "edit"
    assert edit.old_text == FILES["mysite/helpers.py"]
    assert edit.new_text == FILES["mysite/helpers.py"] + "TWO = 2\n"


def test_first_step_files():
    plan = build_plan(make_project(FILES), [fake("move", move_helpers)])
    (step,) = plan.steps
    files = by_path(step.files)
    assert {path: change.kind for path, change in files.items()} == {
        "common/helpers.py": "move",
        "common/__init__.py": "create",
        "app/views.py": "edit",
        "old.py": "delete",
    }
    assert files["common/helpers.py"].old_path == "mysite/helpers.py"
    assert files["app/views.py"].new_text.startswith("from common.helpers import helper\n")
    assert step.count("move") == 1
    assert step.count("create") == 1


def test_total_pairs_a_rename_with_a_later_edit():
    project = make_project(FILES)
    plan = build_plan(project, [fake("move", move_helpers), fake("edit", edit_moved)])
    total = by_path(plan.total)
    moved = total["common/helpers.py"]
    assert (moved.old_path, moved.kind) == ("mysite/helpers.py", "move")
    assert moved.old_text == FILES["mysite/helpers.py"]
    assert moved.new_text == FILES["mysite/helpers.py"] + "TWO = 2\n"
    assert total["old.py"].kind == "delete"
    assert total["common/__init__.py"].kind == "create"
    assert "mysite/helpers.py" not in total  # only as the rename's source
    assert len(plan.total) == 4


def test_a_file_created_then_edited_is_one_creation_in_total():
    def create(project: Project) -> Changes:
        return Changes(writes={"services/__init__.py": "", "services/app.py": "A = 1\n"})

    def edit(project: Project) -> Changes:
        return Changes(writes={"services/app.py": project.text("services/app.py") + "B = 2\n"})

    plan = build_plan(make_project(FILES), [fake("create", create), fake("edit", edit)])
    total = by_path(plan.total)
    assert total["services/app.py"] == FileChange(None, "services/app.py", "", "A = 1\nB = 2\n")
    assert by_path(plan.steps[1].files)["services/app.py"].kind == "edit"


def test_an_edit_undone_later_leaves_nothing_in_total():
    def edit(project: Project) -> Changes:
        return Changes(writes={"old.py": "OLD = 2\n"})

    def undo(project: Project) -> Changes:
        return Changes(writes={"old.py": "OLD = 1\n"})

    plan = build_plan(make_project(FILES), [fake("edit", edit), fake("undo", undo)])
    assert [len(step.files) for step in plan.steps] == [1, 1]
    assert plan.total == ()


def test_notes_are_carried_per_step():
    def only_note(project: Project) -> Changes:
        return Changes.none((Note("app/views.py", 4, "left alone: dynamic import"),))

    plan = build_plan(make_project(FILES), [fake("move", move_helpers), fake("note", only_note)])
    assert plan.steps[0].notes == (
        Note("mysite/helpers.py", 1, "moved; check callers outside the repo"),
    )
    assert [str(note) for note in plan.steps[1].notes] == [
        "app/views.py:4: left alone: dynamic import"
    ]
    assert plan.steps[1].files == ()


def test_plan_without_changes_is_empty():
    plan = build_plan(make_project(FILES), [fake("noop", lambda project: Changes.none())])
    assert plan.is_empty
    assert plan.total == ()
    assert len(plan.steps) == 1


def test_plan_with_no_codemods_is_empty():
    plan = build_plan(make_project(FILES), [])
    assert plan.is_empty
    assert plan.steps == ()


def test_rewriting_a_file_with_identical_text_is_no_change():
    def same(project: Project) -> Changes:
        return Changes(writes={"old.py": project.tree("old.py")})

    plan = build_plan(make_project(FILES), [fake("same", same)])
    assert plan.is_empty


def test_the_original_project_is_left_untouched():
    project = make_project(FILES)
    build_plan(project, [fake("move", move_helpers), fake("edit", edit_moved)])
    assert list(project.paths) == sorted(FILES)
    assert project.text("app/views.py") == FILES["app/views.py"]


def test_progress_is_reported_per_step():
    seen: list[tuple[str, int, int]] = []
    build_plan(
        make_project(FILES),
        [fake("move", move_helpers), fake("edit", edit_moved)],
        lambda label, done, total: seen.append((label, done, total)),
    )
    steps = [entry for entry in seen if ":" not in entry[0]]
    assert steps == [("move", 0, 2), ("edit", 1, 2), ("done", 2, 2)]
    # inside a step: the engine's phases in order, the reference pass per file between them
    inner = [label for label, _, _ in seen if ":" in label]
    phases = [label for label in inner if "references in" not in label]
    assert phases == [f"{step}: {phase}" for step in ("move", "edit") for phase in PHASES]
    assert any(label.startswith("move: references in ") for label in inner)


def test_chained_moves_are_one_rename_in_total():
    def again(project: Project) -> Changes:
        return Changes(moves={"common.helpers": "shared.helpers"})

    plan = build_plan(make_project(FILES), [fake("move", move_helpers), fake("again", again)])
    total = by_path(plan.total)
    assert total["shared/helpers.py"].old_path == "mysite/helpers.py"
    assert total["shared/helpers.py"].kind == "move"
    assert "common/helpers.py" not in total
    # common/__init__.py was created by step 1 and stays; it is a creation in total
    assert total["common/__init__.py"].kind == "create"
    assert total["app/views.py"].new_text.startswith("from shared.helpers import helper\n")


def test_a_file_created_then_deleted_is_absent_from_total():
    def create(project: Project) -> Changes:
        return Changes(writes={"tmp.py": "T = 1\n"})

    def delete(project: Project) -> Changes:
        return Changes(deletes=frozenset({"tmp.py"}))

    plan = build_plan(make_project(FILES), [fake("create", create), fake("delete", delete)])
    assert plan.total == ()
    assert not plan.is_empty


def test_a_file_deleted_then_written_again_is_one_edit_in_total():
    def delete(project: Project) -> Changes:
        return Changes(deletes=frozenset({"old.py"}))

    def recreate(project: Project) -> Changes:
        return Changes(writes={"old.py": "OLD = 2\n"})

    plan = build_plan(make_project(FILES), [fake("delete", delete), fake("recreate", recreate)])
    assert plan.total == (FileChange("old.py", "old.py", "OLD = 1\n", "OLD = 2\n"),)


def test_a_codemod_that_crashes_stops_the_plan_naming_the_codemod_and_the_file_it_read():
    def broken(project: Project) -> Changes:
        project.tree("old.py")
        raise AssertionError("unexpected node")

    with pytest.raises(AssertionError) as raised:
        build_plan(make_project(FILES), [fake("broken", broken)])
    assert raised.value.__notes__ == ["djrefactor: codemod broken was reading old.py"]
