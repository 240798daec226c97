"""djrefactor as a user installs it: the wheel in a fresh virtualenv (codemods, schema and
licence inside) runs `list` and `plan`; the pre-commit hook this repository ships, through
`pre-commit try-repo`, passes on a restructured project and fails on a legacy one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from djrefactor import __version__
from tests.e2e.test_fixtures import copy_fixture
from tests.helpers import git_run

REPO = Path(__file__).resolve().parents[1]


def run(*command: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "VIRTUAL"))}
    done = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**environment, **(env or {})},
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", out, REPO, cwd=REPO)
    [built] = out.glob("djrefactor-*.whl")
    return built


def test_the_wheel_holds_the_codemods_the_schema_and_the_licence(wheel: Path) -> None:
    assert wheel.name == f"djrefactor-{__version__}-py3-none-any.whl"
    names = zipfile.ZipFile(wheel).namelist()
    assert "djrefactor/codemods/split_settings/__init__.py" in names
    assert "djrefactor/plan.schema.json" in names
    assert f"djrefactor-{__version__}.dist-info/licenses/LICENSE" in names
    metadata = zipfile.ZipFile(wheel).read(f"djrefactor-{__version__}.dist-info/METADATA")
    assert b"License-Expression: MIT" in metadata
    assert b"Classifier: Programming Language :: Python :: 3.13" in metadata


def test_the_sdist_holds_the_licence(tmp_path: Path) -> None:
    pytest.importorskip("build", reason="python -m build makes the sdist (pip install build)")
    run(sys.executable, "-m", "build", "--sdist", "-o", tmp_path, REPO, cwd=REPO)
    [sdist] = tmp_path.glob("djrefactor-*.tar.gz")
    with tarfile.open(sdist) as archive:
        assert f"djrefactor-{__version__}/LICENSE" in archive.getnames()


def test_the_wheel_in_a_fresh_virtualenv_lists_and_plans(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv, cwd=tmp_path)  # no --system-site-packages
    # dependencies come from the configured indexes and pip's cache, as for any user
    run(venv / "bin" / "python", "-m", "pip", "install", "-q", wheel, cwd=tmp_path)
    djrefactor = venv / "bin" / "djrefactor"
    assert run(djrefactor, "--version", cwd=tmp_path) == f"djrefactor {__version__}\n"
    listed = run(djrefactor, "list", cwd=tmp_path).splitlines()
    assert [line.split()[0] for line in listed][:2] == ["config-package", "split-settings"]
    project = copy_fixture("clinic", tmp_path / "clinic")
    shown = run(djrefactor, "plan", "--stat", ".", cwd=project)
    assert " clinic_site/settings.py => config/settings/base.py | " in shown
    imported = run(
        venv / "bin" / "python", "-c", "import djrefactor; print(djrefactor.__file__)", cwd=tmp_path
    )
    assert imported.startswith(str(venv))


# -- the pre-commit hook -------------------------------------------------------------------------
def try_repo(project: Path) -> subprocess.CompletedProcess[str]:
    found = Path(shutil.which("pre-commit") or Path(sys.executable).parent / "pre-commit")
    if not found.exists():
        pytest.skip("pre-commit is not installed (it is in the test extra)")
    program = str(found.absolute())  # it runs in the project: a relative PATH entry fails
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env["PRE_COMMIT_HOME"] = str(project.parent / "pre-commit-home")
    return subprocess.run(
        [program, "try-repo", str(REPO), "djrefactor-check", "--all-files"],
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
    )


@pytest.fixture(scope="module")
def legacy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_fixture("clinic", tmp_path_factory.mktemp("hook") / "clinic")


def test_the_hook_fails_on_a_legacy_project(legacy: Path) -> None:
    result = try_repo(legacy)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "djrefactor check" in result.stdout and "Failed" in result.stdout
    assert "clinic_site/settings.py => config/settings/base.py" in result.stdout


def test_the_hook_passes_on_a_restructured_project(legacy: Path) -> None:
    run(sys.executable, "-m", "djrefactor", "apply", "--no-verify", ".", cwd=legacy)
    git_run(legacy, "status", "--porcelain")
    result = try_repo(legacy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "djrefactor check" in result.stdout and "Passed" in result.stdout
