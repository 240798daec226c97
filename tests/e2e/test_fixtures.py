"""End to end on every bundled legacy project: plan writes nothing and matches the reviewed golden
diff; apply builds the branch, and the restructured project still works (its own tests, `manage.py
check` with each settings module, `check --deploy` for production) and has the target layout.

Golden diffs are regenerated only on purpose: `pytest tests/e2e --update-golden`.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from djrefactor.discovery.vendors import VENDOR_MODULES
from djrefactor.engine import available_codemods
from tests.helpers import git_run

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures"
GOLDEN = Path(__file__).resolve().parent / "golden"

# Each fixture's own test command, as its README states it.
TEST_COMMANDS = {
    "clinic": [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
    "helpdesk": [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
    "shopfront": [sys.executable, "manage.py", "test", "-v", "1"],
}
STRONG_KEY = "e2e-" + "k3y" * 20
# What each deployment sets today: production must start with exactly the project's own
# variable names (clinic and helpdesk read SECRET_KEY and ALLOWED_HOSTS, helpdesk splits its
# hosts on spaces; shopfront hard-coded both, so it gets the DJANGO_* names).
DEPLOYMENT_ENV = {
    "clinic": {"SECRET_KEY": STRONG_KEY, "ALLOWED_HOSTS": "example.com,www.example.com"},
    "helpdesk": {"SECRET_KEY": STRONG_KEY, "ALLOWED_HOSTS": "example.com www.example.com"},
    "shopfront": {
        "DJANGO_SECRET_KEY": STRONG_KEY,
        "DJANGO_ALLOWED_HOSTS": "example.com,www.example.com",
    },
}
# The Celery app Django's start-up configures (its `main`), before and after.
CELERY_MAIN = {"clinic": "clinic_site", "helpdesk": "core", "shopfront": "shopfront"}
VENDORS = VENDOR_MODULES
EXEMPLARY = "exemplary"  # follows every rule already: nothing to restructure (tests/audit)


def fixture_names() -> list[str]:
    return sorted(p.parent.name for p in FIXTURES.glob("*/manage.py") if p.parent.name != EXEMPLARY)


def test_every_fixture_has_a_test_command() -> None:
    assert fixture_names(), "no fixtures found"
    assert set(fixture_names()) == set(TEST_COMMANDS) == set(DEPLOYMENT_ENV) == set(CELERY_MAIN)


def run(cmd: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
    environment.update(env, PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run(
        cmd, cwd=cwd, env=environment, capture_output=True, text=True, check=False
    )


def djrefactor(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-m", "djrefactor", *args], cwd)


def copy_fixture(name: str, target: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", "db.sqlite3")
    shutil.copytree(FIXTURES / name, target, ignore=ignore)
    git_run(target, "init", "-q", "-b", "main")
    git_run(target, "config", "user.name", "Test")
    git_run(target, "config", "user.email", "test@example.com")
    git_run(target, "add", "-A")
    git_run(target, "commit", "-q", "-m", "legacy project")
    return target


def files_of(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


def passed_tests(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout + result.stderr


WITH_MOVE_APPS = ",".join(
    c.name for c in available_codemods() if not c.opt_in or c.name == "move-apps"
)
VARIANTS = {"default": (), "move-apps": ("--only", WITH_MOVE_APPS)}
_APPLIED: dict[tuple[str, str], Path] = {}


def applied_copy(name: str, variant: str, factory: pytest.TempPathFactory) -> Path:
    """The fixture after `djrefactor apply` (with the opt-in move-apps as well for the
    `move-apps` variant); one apply per fixture and variant, shared by the checks below."""
    if (name, variant) not in _APPLIED:
        repo = copy_fixture(name, factory.mktemp(f"{name}-{variant}") / name)
        result = djrefactor("apply", ".", *VARIANTS[variant], cwd=repo)
        assert result.returncode == 0, result.stderr
        _APPLIED[name, variant] = repo
    return _APPLIED[name, variant]


@pytest.fixture(scope="module", params=sorted(TEST_COMMANDS))
def applied(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return applied_copy(request.param, "default", tmp_path_factory)


@pytest.fixture(scope="module", params=sorted(TEST_COMMANDS))
def moved(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return applied_copy(request.param, "move-apps", tmp_path_factory)


@pytest.fixture(
    scope="module",
    params=[(name, variant) for name in sorted(TEST_COMMANDS) for variant in VARIANTS],
    ids=lambda param: "-".join(param),
)
def restructured(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Each fixture after the default pipeline, and after it with move-apps."""
    name, variant = request.param
    return applied_copy(name, variant, tmp_path_factory)


@pytest.mark.parametrize("name", sorted(TEST_COMMANDS))
def test_plan_writes_nothing_and_matches_the_golden_diff(
    name: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    repo = copy_fixture(name, tmp_path / name)
    before = files_of(repo)
    result = djrefactor("plan", ".", cwd=repo)
    assert result.returncode == 0, result.stderr
    assert files_of(repo) == before
    assert git_run(repo, "status", "--porcelain") == ""
    golden = GOLDEN / f"{name}.diff"
    if request.config.getoption("--update-golden"):
        golden.write_text(result.stdout, encoding="utf-8")
    assert golden.exists(), "run `pytest tests/e2e --update-golden` once and review the diff"
    assert result.stdout == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(TEST_COMMANDS))
def test_the_fixture_passes_its_own_tests_before(name: str, tmp_path: Path) -> None:
    repo = copy_fixture(name, tmp_path / name)
    passed_tests(run(TEST_COMMANDS[name], repo))


def test_apply_builds_a_branch_and_leaves_main_untouched(applied: Path) -> None:
    assert git_run(applied, "rev-parse", "--abbrev-ref", "HEAD").strip() == "djrefactor/restructure"
    assert git_run(applied, "status", "--porcelain") == ""
    subjects = git_run(applied, "log", "--format=%s", "main..HEAD").splitlines()
    assert len(subjects) >= 3
    assert all(s.startswith("djrefactor: ") for s in subjects)
    assert git_run(applied, "log", "--format=%s", "main").splitlines() == ["legacy project"]


def test_the_fixture_passes_its_own_tests_after(restructured: Path) -> None:
    passed_tests(run(TEST_COMMANDS[restructured.name], restructured))


def settings_package(root: Path) -> str:
    [production] = [p for p in root.rglob("settings/production.py") if ".git" not in p.parts]
    return ".".join(production.parent.relative_to(root).parts)


def test_check_passes_with_development_settings(applied: Path) -> None:
    module = f"{settings_package(applied)}.development"
    passed_tests(run([sys.executable, "manage.py", "check", "--settings", module], applied))


def check_deploy(repo: Path, name: str) -> str:
    """`manage.py check --deploy` with the production settings and the deployment's own
    variables; fails on any warning."""
    module = f"{settings_package(repo)}.production"
    command = ["manage.py", "check", "--deploy", "--fail-level", "WARNING", "--settings", module]
    return passed_tests(run([sys.executable, *command], repo, **DEPLOYMENT_ENV[name]))


def test_check_deploy_is_clean_with_production_settings(applied: Path) -> None:
    assert "no issues" in check_deploy(applied, applied.name)


def settings_modules(root: Path) -> list[str]:
    package = settings_package(root)
    modules = sorted((root / package.replace(".", "/")).glob("[!_]*.py"))
    return [f"{package}.{path.stem}" for path in modules if path.stem != "base"]


def test_check_passes_with_every_settings_module(restructured: Path) -> None:
    modules = settings_modules(restructured)
    assert {"development", "production"} <= {module.rsplit(".", 1)[-1] for module in modules}
    for module in modules:
        command = [sys.executable, "manage.py", "check", "--settings", module]
        passed_tests(run(command, restructured, **DEPLOYMENT_ENV[restructured.name]))


def test_makemigrations_finds_no_changes(restructured: Path) -> None:
    module = f"{settings_package(restructured)}.development"
    command = ["manage.py", "makemigrations", "--check", "--dry-run", "--settings", module]
    assert "No changes detected" in passed_tests(run([sys.executable, *command], restructured))


FRESH_DATABASE = """
from {module} import *  # noqa: F403

DATABASES = {{"default": {{"ENGINE": "django.db.backends.sqlite3", "NAME": {name!r}}}}}
"""


def test_a_fresh_database_migrates_from_zero(restructured: Path, tmp_path: Path) -> None:
    """Every migration applies on an empty database (the app labels and the imports of the
    migrations are right), and nothing is left unapplied."""
    database = tmp_path / "fresh.sqlite3"
    module = f"{settings_package(restructured)}.development"
    (tmp_path / "fresh_settings.py").write_text(
        FRESH_DATABASE.format(module=module, name=str(database)), encoding="utf-8"
    )
    environment = {"PYTHONPATH": f"{tmp_path}{os.pathsep}{restructured}"}
    migrate = [sys.executable, "manage.py", "migrate", "--settings", "fresh_settings"]
    passed_tests(run(migrate, restructured, **environment))
    plan = [*migrate[:2], "showmigrations", "--plan", "--settings", "fresh_settings"]
    shown = passed_tests(run(plan, restructured, **environment))
    assert "[ ]" not in shown and "[X]" in shown
    assert database.exists()


LABELS = """
import django
django.setup()
from django.apps import apps
print("LABELS", sorted((c.label, c.name.rsplit(".", 1)[-1]) for c in apps.get_app_configs()))
"""


def labels(root: Path, module: str) -> str:
    result = run([sys.executable, "-c", LABELS], root, DJANGO_SETTINGS_MODULE=module)
    [line] = [line for line in passed_tests(result).splitlines() if line.startswith("LABELS")]
    return line


def test_every_app_keeps_its_label(moved: Path) -> None:
    before = moved.parent / "before"
    git_run(moved, "worktree", "add", "-q", str(before), "main")
    legacy = re.search(r"['\"]([\w.]+)['\"]\)", (before / "manage.py").read_text())
    assert legacy is not None
    after = labels(moved, f"{settings_package(moved)}.development")
    assert labels(before, legacy.group(1)) == after
    assert (moved / "apps" / "__init__.py").exists()


def test_lint_imports_keeps_the_emitted_contract(moved: Path) -> None:
    """The contract add-layering-contract wrote names the final packages (`apps`, after
    move-apps) and the restructured tree keeps it."""
    lint = Path(sys.executable).with_name("lint-imports")
    assert re.search(r"0 broken", passed_tests(run([str(lint)], moved)))
    configured = "".join(
        (moved / name).read_text(encoding="utf-8")
        for name in (".importlinter", "setup.cfg", "pyproject.toml")
        if (moved / name).exists()
    )
    assert re.search(r"root_packages\s*=[^=]*\bapps\b", configured)


def test_production_refuses_to_start_without_a_secret(applied: Path) -> None:
    module = f"{settings_package(applied)}.production"
    environment = dict(DEPLOYMENT_ENV[applied.name])
    [secret] = [name for name in environment if "SECRET" in name]
    del environment[secret]
    result = run([sys.executable, "-c", f"import {module}"], applied, **environment)
    assert result.returncode != 0
    assert secret in result.stderr


SETUP_AND_CELERY = """
import django
django.setup()
from celery import current_app
print("MAIN", current_app.main)
"""


def test_django_start_up_loads_the_projects_celery_app_under_production(applied: Path) -> None:
    module = f"{settings_package(applied)}.production"
    result = run(
        [sys.executable, "-c", SETUP_AND_CELERY],
        applied,
        DJANGO_SETTINGS_MODULE=module,
        **DEPLOYMENT_ENV[applied.name],
    )
    assert f"MAIN {CELERY_MAIN[applied.name]}" in passed_tests(result)


def _settings_of_process(repo: Path, command: str) -> str | None:
    """The settings module a Procfile command runs with (as restructure_check reads it)."""
    explicit = re.search(r"DJANGO_SETTINGS_MODULE=([\w.]+)|--settings[= ]([\w.]+)", command)
    if explicit:
        return explicit.group(1) or explicit.group(2)
    served = re.search(r"\b(?:gunicorn|uvicorn|daphne)\b.*?\b([\w.]+)\.(wsgi|asgi)\b", command)
    app = re.search(r"\bcelery\b.*?(?:-A|--app)[= ]([\w.]+)", command)
    if served:
        entry = repo.joinpath(*served.group(1).split("."), f"{served.group(2)}.py")
    elif app:
        entry = repo.joinpath(*app.group(1).split(".")).with_suffix(".py")
    elif "manage.py" in command:
        entry = repo / "manage.py"
    else:
        return None
    default = re.search(r"DJANGO_SETTINGS_MODULE['\"],\s*['\"]([\w.]+)", entry.read_text())
    return default.group(1) if default else None


def test_every_procfile_process_runs_production_settings(applied: Path) -> None:
    procfile = applied / "Procfile"
    if not procfile.exists():
        pytest.skip("no Procfile")
    production = f"{settings_package(applied)}.production"
    processes = dict(
        line.split(":", 1) for line in procfile.read_text().splitlines() if ":" in line
    )
    assert processes
    found = {name: _settings_of_process(applied, command) for name, command in processes.items()}
    assert found == dict.fromkeys(processes, production)


def _dockerfile_builds(dockerfile: Path) -> tuple[dict[str, str], list[str]]:
    """The ENV of the image and every shell-form RUN that runs manage.py, in order."""
    text = dockerfile.read_text().replace("\\\n", " ")
    environment: dict[str, str] = {}
    commands = []
    for line in text.splitlines():
        keyword, _, rest = line.strip().partition(" ")
        if keyword == "ENV":
            environment.update(re.findall(r"(\w+)=(\S+)", rest))
        elif keyword == "RUN" and "manage.py" in rest:
            commands.append(rest)
    return environment, commands


def test_docker_build_steps_run_without_secrets(applied: Path) -> None:
    dockerfile = applied / "Dockerfile"
    if not dockerfile.exists():
        pytest.skip("no Dockerfile")
    environment, commands = _dockerfile_builds(dockerfile)
    assert commands, "the fixture's Dockerfile runs collectstatic at build time"
    for command in commands:  # the build has none of the deployment's variables
        shell = command.replace("python ", f"{sys.executable} ")
        passed_tests(run(["sh", "-c", shell], applied, **environment))
    assert environment.get("DJANGO_SETTINGS_MODULE", "").endswith(".production")
    assert list((applied / "staticfiles").rglob("*.css"))


def non_test_sources(root: Path) -> list[Path]:
    return [
        p
        for p in root.rglob("*.py")
        if ".git" not in p.parts
        and "migrations" not in p.parts
        and not any(part in ("tests", "test") for part in p.relative_to(root).parts)
        and not p.name.startswith("test")
        and p.name != "conftest.py"
    ]


def parsed(path: Path) -> ast.Module:
    """The module's ast; empty for syntax this interpreter predates (helpdesk's PEP 701
    script on Python 3.11), which the layering checks cannot read either way."""
    try:
        return ast.parse(path.read_text(encoding="utf-8"))
    except SyntaxError:
        return ast.Module(body=[], type_ignores=[])


def test_vendor_sdks_are_imported_only_in_integrations(applied: Path) -> None:
    offenders = []
    for path in non_test_sources(applied):
        rel = path.relative_to(applied)
        if rel.parts[0] == "integrations":
            continue
        for node in ast.walk(parsed(path)):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            offenders += [f"{rel}:{node.lineno}" for n in names if n.split(".")[0] in VENDORS]
    assert offenders == []
    assert list((applied / "integrations").glob("*.py"))


def test_layers_hold(applied: Path) -> None:
    def imported(path: Path) -> set[str]:
        found: set[str] = set()
        for node in ast.walk(parsed(path)):
            if isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
        return found

    for path in (applied / "integrations").glob("*.py"):
        assert not {m for m in imported(path) if m.startswith("services") or "views" in m}
    services = list((applied / "services").rglob("*.py"))
    assert services
    for path in services:
        assert not {m for m in imported(path) if m.split(".")[-1] in ("views", "api", "viewsets")}


def test_a_second_plan_has_nothing_to_do(applied: Path) -> None:
    result = djrefactor("plan", ".", cwd=applied)
    assert result.returncode == 0
    assert result.stdout == ""
    assert "nothing to do" in result.stderr


def test_a_second_plan_with_or_without_move_apps_has_nothing_to_do(moved: Path) -> None:
    for options in VARIANTS.values():
        result = djrefactor("plan", ".", *options, cwd=moved)
        assert result.returncode == 0
        assert result.stdout == ""
        assert "nothing to do" in result.stderr


STEPS = (
    "config-package",
    "split-settings",
    "extract-integrations",
    "extract-services",
    "move-apps",
)


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("name", sorted(TEST_COMMANDS))
def test_each_step_alone_keeps_the_project_working(name: str, step: str, tmp_path: Path) -> None:
    """Step-by-step use: every codemod also works without the ones before it."""
    repo = copy_fixture(name, tmp_path / name)
    result = djrefactor("run", step, ".", "--apply", cwd=repo)
    assert result.returncode == 0, result.stderr
    assert git_run(repo, "log", "--format=%s", "-1").strip() == f"djrefactor: {step}"
    assert git_run(repo, "status", "--porcelain") == ""
    passed_tests(run(TEST_COMMANDS[name], repo))
    if step == "split-settings":
        check_deploy(repo, name)
