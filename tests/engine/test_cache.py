"""The step cache: a step computed before on the same input is read back, not computed again;
any change to what a step depends on computes it (and the steps after it) afresh, and a plan
made of steps read back is the plan computed cold."""

from __future__ import annotations

import gzip
import os
import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from djrefactor.config import Config, Options
from djrefactor.engine import cache, planning
from djrefactor.engine.registry import available_codemods
from djrefactor.engine.session import open_session, plan
from djrefactor.model import Plan
from djrefactor.project import Project
from tests.e2e.test_fixtures import copy_fixture
from tests.helpers import git_run, make_repo
from tests.test_cli import djrefactor

DEFAULT = [codemod.name for codemod in available_codemods() if not codemod.opt_in]
EVERY = [codemod.name for codemod in available_codemods()]


@pytest.fixture(autouse=True)
def _cache_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DJREFACTOR_NO_CACHE")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "project")


class Computed:
    """The steps actually computed (not read back), by codemod name, in order."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.names: list[str] = []
        real = planning._step

        def counted(project, codemod, within):  # type: ignore[no-untyped-def]
            self.names.append(codemod.name)
            return real(project, codemod, within)

        monkeypatch.setattr(planning, "_step", counted)

    def take(self) -> list[str]:
        names, self.names = self.names, []
        return names


@pytest.fixture
def computed(monkeypatch: pytest.MonkeyPatch) -> Computed:
    return Computed(monkeypatch)


def entries(repo: Path) -> list[Path]:
    return sorted((repo / ".git" / "djrefactor" / "cache").glob("*" + cache.SUFFIX))


def cold_plan(repo: Path, options: Options, monkeypatch: pytest.MonkeyPatch) -> Plan:
    with monkeypatch.context() as patch:
        patch.setenv("DJREFACTOR_NO_CACHE", "1")
        return plan(repo, options).plan


def test_a_second_plan_reads_every_step_and_is_the_same_plan(
    repo: Path, computed: Computed
) -> None:
    first = plan(repo, Options()).plan
    assert computed.take() == DEFAULT
    labels: list[str] = []
    second = plan(repo, Options(), lambda label, done, total: labels.append(label)).plan
    assert computed.take() == []
    assert second == first
    assert [name + planning.CACHED for name in DEFAULT] == [
        label for label in labels if label.endswith(planning.CACHED)
    ]
    assert labels[-1] == "done (cached plan)"
    assert len(entries(repo)) == len(DEFAULT)
    assert git_run(repo, "status", "--porcelain", "--ignored") == ""  # nothing in the tree


def test_the_apply_after_a_plan_commits_the_plan_it_read(repo: Path, computed: Computed) -> None:
    shown = plan(repo, Options()).plan
    computed.take()
    applied = djrefactor("apply", "--no-verify", ".", cwd=repo)
    assert applied.exit_code == 0, applied.stderr
    assert computed.take() == []
    assert "config/settings/base.py" in {change.new_path for change in shown.total}
    for change in shown.total:
        if change.new_path is not None:
            committed = git_run(repo, "show", f"djrefactor/restructure:{change.new_path}")
            assert committed == change.new_text


def test_run_step_by_step_after_a_plan_reads_each_step(repo: Path, computed: Computed) -> None:
    """`run STEP --apply` commits a step; the next step's input is that commit, which is the
    snapshot the plan ran that step on, so it is read back too."""
    planned = plan(repo, Options()).plan
    computed.take()
    for step in planned.steps:
        result = djrefactor("run", step.name, "--apply", ".", cwd=repo)
        assert result.exit_code == 0, result.stderr
        assert computed.take() == []
    for change in planned.total:
        if change.new_path is not None:
            assert (repo / change.new_path).read_text(encoding="utf-8") == change.new_text


def test_a_changed_file_computes_every_step_again(repo: Path, computed: Computed) -> None:
    plan(repo, Options())
    computed.take()
    urls = repo / "mysite" / "urls.py"
    urls.write_text(urls.read_text() + "\n# moved to config/ soon\n")
    git_run(repo, "commit", "-qam", "a comment")
    again = plan(repo, Options()).plan
    assert computed.take() == DEFAULT
    moved = next(c for c in again.total if c.new_path == "config/urls.py")
    assert "# moved to config/ soon" in moved.new_text


def test_a_new_binary_file_computes_the_step_again(repo: Path, computed: Computed) -> None:
    """A file djrefactor holds no text for still counts: a package move carries it."""
    only = Options(only=("move-apps",))
    plan(repo, only)
    image = repo / "shop" / "static" / "shop" / "logo.png"
    image.parent.mkdir(parents=True)
    image.write_bytes(b"\x89PNG\r\n\x1a\n\x00")
    git_run(repo, "add", "shop/static")
    git_run(repo, "commit", "-qm", "a logo")
    computed.take()
    again = plan(repo, only).plan
    assert computed.take() == ["move-apps"]
    [moved] = [change for change in again.total if change.opaque]
    assert (moved.old_path, moved.new_path) == (
        "shop/static/shop/logo.png",
        "apps/shop/static/shop/logo.png",
    )
    assert plan(repo, only).plan == again  # read back from the cache, the opaque rename kept
    assert computed.take() == []


def test_a_changed_configuration_computes_every_step_again(repo: Path, computed: Computed) -> None:
    plan(repo, Options())
    computed.take()
    plan(repo, Options(settings="mysite.settings"))  # what discovery finds, but named
    assert computed.take() == DEFAULT


def test_skipping_a_step_reads_the_steps_before_it(repo: Path, computed: Computed) -> None:
    everything = plan(repo, Options()).plan
    computed.take()
    fewer = plan(repo, Options(skip=("split-settings",))).plan
    # the steps after the skipped one run on another input than in the first plan
    kept = DEFAULT.index("split-settings")
    assert computed.take() == DEFAULT[kept + 1 :]
    assert fewer.steps[:kept] == everything.steps[:kept]
    first = plan(repo, Options(only=(DEFAULT[0],))).plan
    assert computed.take() == []
    assert first.steps == everything.steps[:1]
    plan(repo, Options(only=(DEFAULT[1],)))  # on the original tree, not config-package's
    assert computed.take() == [DEFAULT[1]]


def test_where_apply_commits_is_not_part_of_a_step(repo: Path) -> None:
    project = open_session(repo, Options()).project
    [first] = [codemod for codemod in available_codemods() if codemod.name == DEFAULT[0]]
    folder = repo / ".git" / "djrefactor" / "cache"

    def key(config: Config) -> str:
        return cache.StepCache(folder, config, "").key(project, first)

    configured = project.config
    assert key(replace(configured, branch="elsewhere")) == key(configured)
    assert key(replace(configured, skip=("extract-services",))) == key(configured)
    assert key(replace(configured, vendors=("acme",))) != key(configured)
    assert cache.StepCache(folder, configured, "src").key(project, first) != key(configured)


def test_a_plan_of_steps_read_back_is_the_plan_computed_cold(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whichever steps are read back, the steps after them, computed on the snapshot the read
    ones leave, come out as in a plan computed from scratch."""
    options = Options(only=tuple(EVERY))
    cold = cold_plan(repo, options, monkeypatch)
    for known in range(1, len(EVERY)):
        shutil.rmtree(repo / ".git" / "djrefactor", ignore_errors=True)
        plan(repo, Options(only=tuple(EVERY[:known])))
        assert plan(repo, options).plan == cold, f"{EVERY[known]} after {known} steps read"


def files(project: Project) -> tuple[object, ...]:
    texts = {path: project.text(path) for path in project.paths}
    return texts, project.opaque_paths, project.fixed_paths


@pytest.mark.parametrize("fixture", ["clinic", "shopfront"])
def test_the_snapshot_made_again_from_a_step_is_the_one_it_made(
    fixture: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a step read back leaves for the next one: every codemod (package moves, opaque
    files, deletions included) on a legacy project."""
    root = copy_fixture(fixture, tmp_path / fixture)
    real = planning._step
    checked: list[str] = []

    def compared(project, codemod, within):  # type: ignore[no-untyped-def]
        step, after, renames = real(project, codemod, within)
        assert files(planning.replayed(project, step, renames)) == files(after), codemod.name
        checked.append(codemod.name)
        return step, after, renames

    monkeypatch.setattr(planning, "_step", compared)
    planned = cold_plan(root, Options(only=tuple(EVERY)), monkeypatch)
    assert checked == EVERY
    assert all(step.files for step in planned.steps[:3])  # the steps did change the project


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda packed: gzip.compress(b'{"step": {"files": [tru'), id="json"),
        pytest.param(lambda packed: packed[: len(packed) // 2], id="truncated"),
        pytest.param(lambda packed: b"not gzip at all", id="not-gzip"),
        pytest.param(
            lambda packed: gzip.compress(
                gzip.decompress(packed).replace(b'"config/', b'"../config/')
            ),
            id="path-outside",
        ),
    ],
)
def test_an_unreadable_entry_is_computed_again(
    repo: Path, computed: Computed, damage: Callable[[bytes], bytes]
) -> None:
    first = plan(repo, Options(only=(DEFAULT[0],))).plan
    [entry] = entries(repo)
    entry.write_bytes(damage(entry.read_bytes()))
    computed.take()
    assert plan(repo, Options(only=(DEFAULT[0],))).plan == first
    assert computed.take() == [DEFAULT[0]]


def test_entries_of_the_plan_cache_before_are_pruned(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "KEEP", 2)
    folder = repo / ".git" / "djrefactor" / "cache"
    folder.mkdir(parents=True)
    old = folder / ("0" * 64 + ".json")
    old.write_text("{}")
    os.utime(old, (1, 1))
    plan(repo, Options(only=(DEFAULT[0],)))
    plan(repo, Options(only=(DEFAULT[1],)))
    assert not old.exists()
    assert len(entries(repo)) == 2


def test_the_cache_can_be_turned_off(
    repo: Path, computed: Computed, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DJREFACTOR_NO_CACHE", "1")
    plan(repo, Options())
    plan(repo, Options())
    assert computed.take() == DEFAULT + DEFAULT
    assert entries(repo) == []


def test_the_entries_used_last_are_the_ones_kept(
    repo: Path, computed: Computed, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "KEEP", 3)
    for name in DEFAULT[:4]:
        plan(repo, Options(only=(name,)))  # each on the original tree: one entry each
    assert len(entries(repo)) == 3  # the oldest went
    computed.take()
    plan(repo, Options(only=(DEFAULT[1],)))  # read: now the newest
    plan(repo, Options(only=(DEFAULT[4],)))  # a fifth: the oldest goes
    assert len(entries(repo)) == 3
    assert computed.take() == [DEFAULT[4]]
    plan(repo, Options(only=(DEFAULT[1],)))
    assert computed.take() == []  # kept
    plan(repo, Options(only=(DEFAULT[2],)))
    assert computed.take() == [DEFAULT[2]]  # pruned
