"""The plan cache: a second plan (or the apply after a plan) of an unchanged repository reads
the plan computed last time; any change to what a plan depends on computes it afresh."""

from __future__ import annotations

from pathlib import Path

import pytest

from djrefactor.config import Options
from djrefactor.engine import cache
from djrefactor.engine import session as session_module
from djrefactor.engine.session import plan
from tests.helpers import git_run, make_repo
from tests.test_cli import djrefactor


@pytest.fixture(autouse=True)
def _cache_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DJREFACTOR_NO_CACHE")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "project")


class Builds:
    """Counts the plans actually computed."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        real = session_module.build_plan

        def counted(*args: object, **kwargs: object) -> object:
            self.count += 1
            return real(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(session_module, "build_plan", counted)


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> Builds:
    return Builds(monkeypatch)


def entries(repo: Path) -> list[Path]:
    return sorted((repo / ".git" / "djrefactor" / "cache").glob("*.json"))


def test_a_second_plan_reads_the_first_and_is_the_same_plan(repo: Path, builds: Builds) -> None:
    first = plan(repo, Options()).plan
    second = plan(repo, Options()).plan
    assert builds.count == 1
    assert second == first
    assert len(entries(repo)) == 1
    assert git_run(repo, "status", "--porcelain", "--ignored") == ""  # nothing in the tree


def test_the_apply_after_a_plan_commits_the_plan_it_read(repo: Path, builds: Builds) -> None:
    shown = djrefactor("plan", ".", cwd=repo)
    assert shown.exit_code == 0, shown.stderr
    applied = djrefactor("apply", "--no-verify", ".", cwd=repo)
    assert applied.exit_code == 0, applied.stderr
    assert builds.count == 1
    committed = git_run(repo, "diff", "-M", "main", "djrefactor/restructure", "--stat")
    assert "config/settings/base.py" in committed


def test_a_changed_file_computes_the_plan_again(repo: Path, builds: Builds) -> None:
    plan(repo, Options())
    urls = repo / "mysite" / "urls.py"
    urls.write_text(urls.read_text() + "\n# moved to config/ soon\n")
    git_run(repo, "commit", "-qam", "a comment")
    again = plan(repo, Options()).plan
    assert builds.count == 2
    moved = next(c for c in again.total if c.new_path == "config/urls.py")
    assert "# moved to config/ soon" in moved.new_text


def test_a_new_binary_file_computes_the_plan_again(repo: Path, builds: Builds) -> None:
    """A file djrefactor holds no text for still counts: a package move carries it."""
    only = Options(only=("move-apps",))
    plan(repo, only)
    image = repo / "shop" / "static" / "shop" / "logo.png"
    image.parent.mkdir(parents=True)
    image.write_bytes(b"\x89PNG\r\n\x1a\n\x00")
    git_run(repo, "add", "shop/static")
    git_run(repo, "commit", "-qm", "a logo")
    again = plan(repo, only).plan
    assert builds.count == 2
    [moved] = [change for change in again.total if change.opaque]
    assert (moved.old_path, moved.new_path) == (
        "shop/static/shop/logo.png",
        "apps/shop/static/shop/logo.png",
    )
    assert plan(repo, only).plan == again  # read back from the cache, the opaque rename kept
    assert builds.count == 2


def test_a_changed_configuration_computes_the_plan_again(repo: Path, builds: Builds) -> None:
    plan(repo, Options())
    (repo / "pyproject.toml").write_text('[tool.djrefactor]\nskip = ["extract-services"]\n')
    git_run(repo, "add", "pyproject.toml")
    git_run(repo, "commit", "-qm", "configure djrefactor")
    again = plan(repo, Options()).plan
    assert builds.count == 2
    assert "extract-services" not in [step.name for step in again.steps]


def test_other_options_are_another_plan(repo: Path, builds: Builds) -> None:
    everything = plan(repo, Options()).plan
    fewer = plan(repo, Options(only=("config-package",))).plan
    assert builds.count == 2
    assert [step.name for step in fewer.steps] == ["config-package"]
    assert plan(repo, Options()).plan == everything
    assert builds.count == 2


def test_an_unreadable_entry_is_computed_again(repo: Path, builds: Builds) -> None:
    first = plan(repo, Options()).plan
    [entry] = entries(repo)
    entry.write_text('{"steps": [tru')
    assert plan(repo, Options()).plan == first
    assert builds.count == 2


def test_the_cache_can_be_turned_off(
    repo: Path, builds: Builds, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DJREFACTOR_NO_CACHE", "1")
    plan(repo, Options())
    plan(repo, Options())
    assert builds.count == 2
    assert entries(repo) == []


def test_the_entries_used_last_are_the_ones_kept(repo: Path, builds: Builds) -> None:
    selections = ["config-package", "split-settings", "extract-integrations", "extract-services"]
    for name in selections:
        plan(repo, Options(only=(name,)))
    plan(repo, Options(only=("config-package",)))  # read: now the newest
    plan(repo, Options(skip=("extract-services",)))  # a fifth: the oldest goes
    assert len(entries(repo)) == cache.KEEP
    assert builds.count == 5
    plan(repo, Options(only=("config-package",)))
    assert builds.count == 5  # kept
    plan(repo, Options(only=("split-settings",)))
    assert builds.count == 6  # pruned
