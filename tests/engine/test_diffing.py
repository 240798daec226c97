"""Diff rendering: git-style headers, and patches that `git apply` accepts on the original tree."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from djrefactor import render as diffing
from djrefactor.config import Config
from djrefactor.engine import build_plan
from djrefactor.engine.loading import load_project
from djrefactor.model import FileChange
from tests.helpers import codemod


def test_edit():
    diff = diffing.diff([FileChange("a.py", "a.py", "x = 1\ny = 2\n", "x = 1\ny = 3\n")])
    assert diff == (
        "diff --git a/a.py b/a.py\n"
        "--- a/a.py\n"
        "+++ b/a.py\n"
        "@@ -1,2 +1,2 @@\n"
        " x = 1\n"
        "-y = 2\n"
        "+y = 3\n"
    )


def test_create():
    diff = diffing.diff([FileChange(None, "pkg/new.py", "", "A = 1\n")])
    assert diff == (
        "diff --git a/pkg/new.py b/pkg/new.py\n"
        "new file mode 100644\n"
        "--- /dev/null\n"
        "+++ b/pkg/new.py\n"
        "@@ -0,0 +1 @@\n"
        "+A = 1\n"
    )


def test_create_empty_file_has_header_only():
    diff = diffing.diff([FileChange(None, "pkg/__init__.py", "", "")])
    assert diff == "diff --git a/pkg/__init__.py b/pkg/__init__.py\nnew file mode 100644\n"


def test_delete():
    diff = diffing.diff([FileChange("old.py", None, "A = 1\n", "")])
    assert diff == (
        "diff --git a/old.py b/old.py\n"
        "deleted file mode 100644\n"
        "--- a/old.py\n"
        "+++ /dev/null\n"
        "@@ -1 +0,0 @@\n"
        "-A = 1\n"
    )


def test_pure_rename_has_no_hunk():
    diff = diffing.diff([FileChange("a/x.py", "b/x.py", "A = 1\n", "A = 1\n")])
    assert diff == (
        "diff --git a/a/x.py b/b/x.py\n"
        "similarity index 100%\n"
        "rename from a/x.py\n"
        "rename to b/x.py\n"
    )


def test_rename_with_edit():
    old = "".join(f"line{i} = {i}\n" for i in range(10))
    new = old.replace("line9 = 9", "line9 = 99")
    diff = diffing.diff([FileChange("a/x.py", "b/x.py", old, new)])
    head, hunk = diff.split("--- ", 1)
    assert head.startswith("diff --git a/a/x.py b/b/x.py\nsimilarity index ")
    assert head.endswith("rename from a/x.py\nrename to b/x.py\n")
    assert 50 < int(head.split("similarity index ")[1].split("%")[0]) < 100
    assert hunk.startswith("a/a/x.py\n+++ b/b/x.py\n@@ -7,4 +7,4 @@\n")
    assert "-line9 = 9\n+line9 = 99\n" in hunk


def test_missing_final_newline_is_marked():
    diff = diffing.diff([FileChange("a.py", "a.py", "a\nb", "a\nc")])
    assert diff.endswith(
        "@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n"
    )


def test_adding_the_final_newline():
    diff = diffing.diff([FileChange("a.py", "a.py", "a", "a\n")])
    assert diff.endswith("@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+a\n")


def test_form_feed_is_not_a_line_break():
    diff = diffing.diff([FileChange("a.py", "a.py", "x = 1\x0cy\nz\n", "x = 1\x0cy\nz = 2\n")])
    assert "No newline" not in diff
    assert "@@ -1,2 +1,2 @@\n x = 1\x0cy\n-z\n+z = 2\n" in diff


def test_changes_sorted_by_path():
    diff = diffing.diff(
        [FileChange("b.py", "b.py", "", "B\n"), FileChange(None, "a.py", "", "A\n")]
    )
    assert diff.index("a/a.py") < diff.index("a/b.py")


def test_line_counts():
    change = FileChange("a.py", "a.py", "a\nb\nc\n", "a\nB\nc\nd\n")
    assert diffing.line_counts(change) == (2, 1)


# -- round trip through git apply ----------------------------------------------------------------
needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True, encoding="utf-8"
    )
    return done.stdout


def make_repo(root: Path, files: dict[str, str]) -> list[str]:
    for path, text in files.items():
        full = root / path
        full.parent.mkdir(parents=True, exist_ok=True)
        full.write_bytes(text.encode("utf-8"))
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init")
    return git(root, "ls-files").splitlines()


def tree_of(root: Path) -> dict[str, str]:
    return {
        path: (root / path).read_bytes().decode("utf-8")
        for path in git(root, "ls-files", "--cached", "--others", "--exclude-standard").splitlines()
        if (root / path).exists()
    }


def apply_patch(root: Path, patch: str) -> None:
    (root.parent / "plan.diff").write_bytes(patch.encode("utf-8"))
    git(root, "apply", "--check", str(root.parent / "plan.diff"))
    git(root, "apply", "--index", str(root.parent / "plan.diff"))


def expected_tree(before: dict[str, str], changes: list[FileChange]) -> dict[str, str]:
    expected = dict(before)
    for change in changes:
        if change.old_path:
            expected.pop(change.old_path)
    for change in changes:
        if change.new_path:
            expected[change.new_path] = change.new_text
    return expected


SITE = {
    "manage.py": (
        'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\n'
    ),
    "mysite/__init__.py": "",
    "mysite/settings.py": (
        '"""Settings."""\n\nDEBUG = True\nROOT_URLCONF = "mysite.urls"\n'
        'WSGI_APPLICATION = "mysite.wsgi.application"\nINSTALLED_APPS = ["shop"]\n'
    ),
    "mysite/urls.py": "from django.urls import path\n\nfrom . import views\n\nurlpatterns = []",
    "mysite/views.py": "def home(request):\n    pass\n",
    "mysite/wsgi.py": (
        "import os\n"
        'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\n'
        "application = None\n"
    ),
    "shop/__init__.py": "",
    "shop/tests.py": "from mysite.settings import DEBUG\n",
    "pytest.ini": "[pytest]\nDJANGO_SETTINGS_MODULE = mysite.settings\n",
    "Procfile": "web: gunicorn mysite.wsgi:application",
}


@needs_git
def test_config_package_plan_applies_on_the_original_tree(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    tracked = make_repo(root, SITE)
    project = load_project(root, tracked, Config())
    plan = build_plan(project, [codemod("config-package")])
    kinds = {change.new_path: change.kind for change in plan.total}
    assert kinds["config/settings.py"] == "move"
    assert kinds["config/urls.py"] == "move"
    assert kinds["config/__init__.py"] == "create"

    patch = diffing.diff(plan.total)
    assert "rename from mysite/settings.py\nrename to config/settings.py\n" in patch
    assert "rename from mysite/urls.py\nrename to config/urls.py\n" in patch

    before = tree_of(root)
    apply_patch(root, patch)
    assert tree_of(root) == expected_tree(before, list(plan.total))
    assert (root / "config/urls.py").read_text() == (
        "from django.urls import path\n\nfrom mysite import views\n\nurlpatterns = []"
    )


@needs_git
def test_hand_made_changes_round_trip(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    files = {
        "keep.py": "A = 1\n",
        "edit.py": "".join(f"v{i} = {i}\n" for i in range(20)),
        "no_newline.py": "a = 1\nb = 2",
        "gone.py": "X = 1\n",
        "gone_empty.py": "",
        "move_me.py": "".join(f"m{i} = {i}\n" for i in range(12)),
        "crlf.py": "a = 1\r\nb = 2\r\n",
        "feed.py": "a = 1\n\x0c\nb = 2\n",
    }
    tracked = make_repo(root, files)
    assert len(tracked) == len(files)
    changes = [
        FileChange(
            "edit.py", "edit.py", files["edit.py"], files["edit.py"].replace("v10 = 10", "v10 = 0")
        ),
        FileChange("no_newline.py", "no_newline.py", files["no_newline.py"], "a = 1\nb = 3"),
        FileChange("gone.py", None, files["gone.py"], ""),
        FileChange("gone_empty.py", None, "", ""),
        FileChange(None, "pkg/__init__.py", "", ""),
        FileChange(None, "pkg/new.py", "", "N = 1"),
        FileChange(
            "move_me.py", "pkg/moved.py", files["move_me.py"], files["move_me.py"] + "extra = 1\n"
        ),
        FileChange("crlf.py", "crlf.py", files["crlf.py"], "a = 1\r\nb = 3\r\n"),
        FileChange("feed.py", "feed.py", files["feed.py"], "a = 1\n\x0c\nb = 3\n"),
    ]
    before = tree_of(root)
    apply_patch(root, diffing.diff(changes))
    assert tree_of(root) == expected_tree(before, changes)
    assert (root / "pkg/__init__.py").read_bytes() == b""
    assert "R  move_me.py -> pkg/moved.py" in git(root, "status", "--porcelain")
