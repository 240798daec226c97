"""Declared dependencies: what a project's dependency files name, normalised as pip does."""

from __future__ import annotations

import pytest

from djrefactor.discovery.dependencies import declared_dependencies
from tests.helpers import MINI_DJANGO, make_project


@pytest.mark.parametrize(
    ("path", "text", "expected"),
    [
        pytest.param(
            "requirements.txt",
            """
                # production
                Django>=5.2,<5.3
                celery[redis]>=5.3  # the worker
                -r requirements-base.txt
                -e git+https://example.com/acme.git#egg=acme
                Sentry_SDK==2.0 ; python_version >= "3.11"
            """,
            {"django", "celery", "sentry-sdk"},
            id="requirements with options, extras, markers, urls",
        ),
        pytest.param(
            "requirements-dev.txt",
            "django-debug-toolbar\n",
            {"django-debug-toolbar"},
            id="a second requirements file",
        ),
        pytest.param(
            "pyproject.toml",
            """
                [project]
                dependencies = ["Django>=5", "sentry-sdk[django]"]
                [project.optional-dependencies]
                dev = ["django_debug_toolbar"]
                [dependency-groups]
                test = ["pytest"]
            """,
            {"django", "sentry-sdk", "django-debug-toolbar", "pytest"},
            id="pyproject: PEP 621, extras and dependency groups",
        ),
        pytest.param(
            "pyproject.toml",
            """
                [tool.poetry.dependencies]
                python = "^3.11"
                rollbar = "*"
                [tool.poetry.group.dev.dependencies]
                nplusone = "*"
            """,
            {"rollbar", "nplusone"},
            id="pyproject: poetry, python itself aside",
        ),
        pytest.param(
            "setup.cfg",
            """
                [options]
                install_requires =
                    Django>=4.2
                    bugsnag
                [options.extras_require]
                dev = django-silk
            """,
            {"django", "bugsnag", "django-silk"},
            id="setup.cfg install_requires and extras",
        ),
        pytest.param(
            "Pipfile",
            '[packages]\ndjango = "*"\n[dev-packages]\n"django-querycount" = "*"\n',
            {"django", "django-querycount"},
            id="Pipfile",
        ),
        pytest.param("pyproject.toml", "[project\n", set(), id="broken TOML declares nothing"),
    ],
)
def test_declared_dependencies(path: str, text: str, expected: set[str]) -> None:
    project = make_project({**MINI_DJANGO, path: text})
    assert declared_dependencies(project) == expected


def test_no_dependency_files_declare_nothing() -> None:
    assert declared_dependencies(make_project(dict(MINI_DJANGO))) == frozenset()


def test_the_loader_reads_dependency_files_and_the_import_linter_file(tmp_path) -> None:
    """Every tracked text file is loaded; these must be among them (discovery reads them)."""
    from djrefactor.config import Config
    from djrefactor.engine import load_project

    names = ["requirements.txt", "requirements-dev.in", "Pipfile", ".importlinter", "notes.txt"]
    for name in names:
        (tmp_path / name).write_text("x\n", encoding="utf-8")
    project = load_project(tmp_path, names, Config())
    assert [name for name in names if project.exists(name)] == names
