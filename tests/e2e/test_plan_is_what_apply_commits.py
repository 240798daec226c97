"""What `plan` shows is exactly what `apply` commits, on every bundled fixture: `git apply` of
`plan --out` on a fresh copy gives the very tree the branch `apply` built ends on."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.test_fixtures import FIXTURES, copy_fixture
from tests.helpers import git_run


def fixtures() -> list[str]:
    return sorted(path.parent.name for path in FIXTURES.glob("*/manage.py"))


def djrefactor(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "djrefactor", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("name", fixtures())
def test_git_apply_of_the_saved_patch_gives_the_tree_apply_commits(
    name: str, tmp_path: Path
) -> None:
    planned = copy_fixture(name, tmp_path / "planned" / name)
    patch = tmp_path / "plan.patch"
    result = djrefactor("plan", ".", "--out", str(patch), cwd=planned)
    assert result.returncode == 0, result.stderr
    if not patch.exists() or not patch.read_text(encoding="utf-8"):
        pytest.skip(f"{name}: nothing to do")
    git_run(planned, "apply", "--index", str(patch))
    patched_tree = git_run(planned, "write-tree").strip()

    applied = copy_fixture(name, tmp_path / "applied" / name)
    result = djrefactor("apply", ".", cwd=applied)
    assert result.returncode == 0, result.stderr
    applied_tree = git_run(applied, "rev-parse", "HEAD^{tree}").strip()
    assert patched_tree == applied_tree
