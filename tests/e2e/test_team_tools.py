"""The restructured branch as the team's tools see it: `git diff -M` shows the same renames,
similarity figures and line counts as `plan`; the project's ruff (check and format) passes on
the branch as it did before."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from tests.e2e.test_fixtures import FIXTURES, VARIANTS, copy_fixture, djrefactor, run
from tests.helpers import git_run

KINDS = {"A": "created", "M": "changed", "R": "moved", "D": "deleted"}


def gits_view(repo: Path, base: str, tip: str) -> list[dict[str, object]]:
    """Each file of `git diff -M base tip` as plan --json writes it."""
    rows = []
    status = git_run(repo, "diff", "-M", "--name-status", "-z", base, tip).split("\0")[:-1]
    counts = git_run(repo, "diff", "-M", "--numstat", "-z", base, tip).split("\0")[:-1]
    lines: dict[str, tuple[int, int]] = {}
    index = 0
    while index < len(counts):
        added, removed, path = counts[index].split("\t")
        if path:
            index += 1
        else:  # a rename: the two paths follow
            path, index = counts[index + 2], index + 3
        binary = added == removed == "-"  # a binary file: plan counts its lines as 0
        lines[path] = (0, 0) if binary else (int(added), int(removed))
    index = 0
    while index < len(status):
        code = status[index]
        if code.startswith("R"):
            old, new, index = status[index + 1], status[index + 2], index + 3
        else:
            old = new = status[index + 1]
            index += 2
        kind = KINDS[code[0]]
        old_path = None if kind == "created" else old
        new_path = None if kind == "deleted" else new
        added, removed = lines[new]
        similarity = int(code[1:]) if kind == "moved" else None
        rows.append(
            {
                "kind": kind,
                "old_path": old_path,
                "new_path": new_path,
                "similarity": similarity,
                "added": added,
                "removed": removed,
            }
        )
    return sorted(rows, key=lambda row: str(row["new_path"] or row["old_path"]))


@pytest.fixture(
    scope="module",
    params=[
        (name, variant) for name in ("clinic", "helpdesk", "shopfront") for variant in VARIANTS
    ],
    ids="-".join,
)
def planned_and_applied(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, object]]:
    """Each fixture planned and applied, by the default pipeline and with move-apps (whose
    package moves carry a binary image and many identical empty files)."""
    name, variant = request.param
    repo = copy_fixture(name, tmp_path_factory.mktemp(f"{name}-{variant}") / name)
    shown = djrefactor("plan", "--json", ".", *VARIANTS[variant], cwd=repo)
    assert shown.returncode == 0, shown.stderr
    applied = djrefactor("apply", "--no-verify", ".", *VARIANTS[variant], cwd=repo)
    assert applied.returncode == 0, applied.stderr
    return repo, json.loads(shown.stdout)


def test_each_commit_is_what_plan_said_as_git_diff_m_shows_it(
    planned_and_applied: tuple[Path, dict[str, object]],
) -> None:
    repo, plan = planned_and_applied
    steps = [step for step in plan["steps"] if step["files"]]  # type: ignore[index, union-attr]
    commits = git_run(repo, "rev-list", "--reverse", "main..HEAD").split()
    assert len(commits) == len(steps)
    for step, commit in zip(steps, commits, strict=True):
        assert gits_view(repo, f"{commit}^", commit) == step["files"], step["name"]
    assert gits_view(repo, "main", "HEAD") == plan["files"]
    assert any(
        row["kind"] == "moved" and "settings/base.py" in str(row["new_path"])
        for row in plan["files"]
    )  # type: ignore[union-attr, index]


def ruff(*args: str, cwd: Path) -> str:
    done = run([sys.executable, "-m", "ruff", *args], cwd)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def configures_ruff(name: str) -> bool:
    pyproject = FIXTURES / name / "pyproject.toml"
    return pyproject.exists() and "[tool.ruff" in pyproject.read_text(encoding="utf-8")


RUFF_FIXTURES = [name for name in ("clinic", "helpdesk", "shopfront") if configures_ruff(name)]


@pytest.mark.parametrize("name", RUFF_FIXTURES)
def test_the_projects_ruff_passes_on_the_branch_as_before(name: str, tmp_path: Path) -> None:
    if shutil.which("ruff") is None and not (Path(sys.executable).parent / "ruff").exists():
        pytest.skip("ruff is not installed (it is in the test extra)")
    repo = copy_fixture(name, tmp_path / name)
    ruff("check", ".", cwd=repo)
    ruff("format", "--check", ".", cwd=repo)
    applied = djrefactor("apply", "--no-verify", ".", cwd=repo)
    assert applied.returncode == 0, applied.stderr
    assert "with ruff format, as pyproject.toml [tool.ruff.format] configures" in applied.stderr
    ruff("check", ".", cwd=repo)
    ruff("format", "--check", ".", cwd=repo)
