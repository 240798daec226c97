"""Which files are which: tests, files that name Python modules, files that run in a deployment.

One home for these lists: discovery, the engine and every codemod read them from here.
"""

from __future__ import annotations

import fnmatch
import re
from functools import cache
from pathlib import PurePosixPath

REFERENCE_FILE_PATTERNS = (
    "pytest.ini",
    "tox.ini",
    "setup.cfg",
    "pyproject.toml",
    "ruff.toml",
    ".ruff.toml",
    ".isort.cfg",
    ".coveragerc",
    "Procfile*",
    "Dockerfile*",
    "*.Dockerfile",
    "docker-compose*.yml",
    "docker-compose*.yaml",
    "compose*.yml",
    "compose*.yaml",
    ".env*",
    "env.example",
    "Makefile",
    # import-linter's own file names the packages its contracts cover
    ".importlinter",
    # declared dependencies: which tools (error tracking, query monitoring) a project has
    "requirements*.txt",
    "requirements*.in",
    "Pipfile",
    "app.json",
    "fly.toml",
    "render.yaml",
    "*.service",
    "uwsgi.ini",
    "gunicorn.conf.py",
    # start scripts: they name wsgi modules, Celery apps and settings
    "*.sh",
    "*entrypoint*",
    "gunicorn_start",
    "supervisord.conf",
    "*.supervisor.conf",
    "crontab",
    "*.cron",
    # committed templates of git-ignored settings overlays (local_settings.py.tmpl)
    "*settings*.tmpl",
    "*settings*.example",
    "*settings*.sample",
    "*settings*.dist",
    "*settings*.template",
    # where the target Python and Django versions are declared
    "requirements*.txt",
    "requirements*.in",
    "poetry.lock",
    "Pipfile",
    "Pipfile.lock",
    "uv.lock",
    "runtime.txt",
    ".python-version",
)
"""Non-Python files that name Python modules (settings, wsgi, urls...) or declare versions; the
linter configurations among them also tell the import editor how the project orders imports."""

PRODUCTION_FILE_PATTERNS = (
    "wsgi.py",
    "asgi.py",
    "Procfile*",
    "Dockerfile*",
    "*.Dockerfile",
    "docker-compose*",
    "compose*.y*ml",
    "app.json",
    "fly.toml",
    "render.yaml",
    "*.service",
    "uwsgi.ini",
    "gunicorn.conf.py",
    ".env.prod*",
    "*entrypoint*",
    "gunicorn_start",
    "supervisord.conf",
    "*.supervisor.conf",
    "crontab",
    "*.cron",
    "start*.sh",
    "run*.sh",
    "serve*.sh",
    "deploy*.sh",
    "release*.sh",
    "web*.sh",
    "worker*.sh",
    "celery*.sh",
    "gunicorn*.sh",
)
"""Files whose settings references run in a deployment, not at a developer's keyboard."""

PROXY_PLATFORM_PATTERNS = ("Procfile", "app.json", "fly.toml", "render.yaml", "heroku.yml")
"""Files that say the app runs behind a TLS-terminating router (Heroku, Fly, Render)."""

_DEVELOPMENT_WORD = re.compile(
    r"(?:^|[^a-z])(dev|devel|development|local|test|tests|ci|override)(?:[^a-z]|$)"
)


def _matches(path: str, patterns: tuple[str, ...]) -> bool:
    name = PurePosixPath(path).name
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


def _is_s6_script(path: str) -> bool:
    """s6-overlay and runit service scripts: `.../s6-rc.d/web/run`, `services.d/web/run`."""
    parts = PurePosixPath(path).parts
    return parts[-1] in ("run", "up") and any(
        part.startswith("s6") or part in ("services.d", "service", "sv") for part in parts[:-1]
    )


@cache
def is_reference_file(path: str) -> bool:
    if path.startswith(".github/workflows/") and path.endswith((".yml", ".yaml")):
        return True
    if path.startswith(".ebextensions/") and path.endswith(".config"):
        return True
    if "requirements" in PurePosixPath(path).parts[:-1] and path.endswith((".txt", ".in")):
        return True
    return _matches(path, REFERENCE_FILE_PATTERNS) or _is_s6_script(path)


CONFIG_SUFFIXES = (".ini", ".cfg", ".toml", ".yml", ".yaml", ".conf")
CONFIG_NAMES = (".flake8", ".pylintrc", ".coveragerc", ".importlinter")


def is_config_file(path: str) -> bool:
    """Reference files and tool configurations (mypy.ini, .flake8, CI YAML...): the non-Python
    files that name a project's packages and folders, as opposed to templates and data."""
    name = PurePosixPath(path).name
    return is_reference_file(path) or name in CONFIG_NAMES or name.endswith(CONFIG_SUFFIXES)


def is_development_name(path: str) -> bool:
    """`Procfile.dev`, `docker-compose.local.yml`, `Dockerfile.test`, `scripts/dev-start.sh`."""
    return bool(_DEVELOPMENT_WORD.search(PurePosixPath(path).name.lower()))


def is_production_file(path: str) -> bool:
    """A file that runs in a deployment: wsgi/asgi, Procfile, Dockerfile, start scripts...;
    variants named for development (`Procfile.dev`, `Dockerfile.local`) are not."""
    if is_development_name(path):
        return False
    if path.startswith(".ebextensions/") and path.endswith(".config"):
        return True
    return _matches(path, PRODUCTION_FILE_PATTERNS) or _is_s6_script(path)


def is_proxy_platform_file(path: str) -> bool:
    return "/" not in path.strip("/") and _matches(path, PROXY_PLATFORM_PATTERNS)


def is_settings_path(path: str) -> bool:
    """Django settings modules by their name: settings.py, *_settings.py, settings_*.py, and every
    module of a settings package (config/settings/base.py...)."""
    parts = PurePosixPath(path).parts
    stem = PurePosixPath(path).stem
    return path.endswith(".py") and (
        "settings" in parts[:-1]
        or stem == "settings"
        or stem.endswith("_settings")
        or stem.startswith("settings_")
    )


def is_test_path(path: str) -> bool:
    """Test modules: under tests/, or test_*.py, *_test(s).py, tests.py, test.py, conftest.py."""
    parts = PurePosixPath(path).parts
    name = parts[-1]
    return (
        any(part in ("tests", "test") for part in parts[:-1])
        or name.startswith("test_")
        or name.endswith(("_tests.py", "_test.py"))
        or name in ("tests.py", "test.py", "conftest.py")
    )


def is_migration(path: str) -> bool:
    return "/migrations/" in f"/{path}"
