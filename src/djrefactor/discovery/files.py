"""Which files are which: tests, files that name Python modules, files that run in a deployment.

One home for these lists: discovery, the engine and every codemod read them from here.
"""

from __future__ import annotations

import fnmatch
from pathlib import PurePosixPath

REFERENCE_FILE_PATTERNS = (
    "pytest.ini",
    "tox.ini",
    "setup.cfg",
    "pyproject.toml",
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
)
"""Non-Python files that commonly name Python modules (settings, wsgi, urls...)."""

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
)
"""Files whose settings references run in a deployment, not at a developer's keyboard."""


def _matches(path: str, patterns: tuple[str, ...]) -> bool:
    name = PurePosixPath(path).name
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


def is_reference_file(path: str) -> bool:
    if path.startswith(".github/workflows/") and path.endswith((".yml", ".yaml")):
        return True
    return _matches(path, REFERENCE_FILE_PATTERNS)


def is_production_file(path: str) -> bool:
    return _matches(path, PRODUCTION_FILE_PATTERNS)


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
