"""Shared test helpers: small in-memory projects, and before/after assertions for codemods.

`assert_rewrites(name, before, after, notes=...)`: `before` is the whole project `{path:
source}`; `after` lists every file that must differ (a new text, or None for a deleted file). It
also checks that every output `.py` parses, that untouched files keep every byte, that a second run
of the codemod changes nothing and, when `notes` is given, that the codemod's notes are exactly
those. `assert_noop(name, before, notes=...)` likewise.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path

import libcst as cst

from djrefactor.engine import (
    Codemod,
    Config,
    Project,
    apply_changes,
    available_codemods,
    new_project,
)
from djrefactor.model import Changes

Files = dict[str, str]


def dedent(files: dict[str, str | None]) -> dict[str, str | None]:
    return {
        path: None if text is None else textwrap.dedent(text).lstrip("\n")
        for path, text in files.items()
    }


def make_project(files: Files, config: Config | None = None) -> Project:
    texts = {path: text for path, text in dedent(files).items() if text is not None}
    return new_project(Path("/nonexistent"), texts, config or Config())


def codemod(name: str) -> Codemod:
    for candidate in available_codemods():
        if candidate.name == name:
            return candidate
    raise KeyError(name)


def run_codemod(name: str, project: Project) -> tuple[Project, Changes]:
    changes = codemod(name).run(project)
    after, _ = apply_changes(project, changes)
    return after, changes


def snapshot(project: Project) -> Files:
    return {path: project.text(path) for path in project.paths}


def _check_notes(changes: Changes, notes: Sequence[str] | None) -> None:
    """When `notes` is given, the codemod's notes are exactly those (as `str(note)`)."""
    if notes is not None:
        assert [str(note) for note in changes.notes] == list(notes)


def assert_rewrites(
    name: str,
    before: Files,
    after: dict[str, str | None],
    config: Config | None = None,
    notes: Sequence[str] | None = None,
) -> Project:
    project = make_project(before, config)
    result, changes = run_codemod(name, project)
    _check_notes(changes, notes)
    got = snapshot(result)
    expected = dict(snapshot(project).items())
    for path, text in dedent(after).items():
        if text is None:
            expected.pop(path, None)
        else:
            expected[path] = text
    for path, text in got.items():
        if path.endswith(".py"):
            cst.parse_module(text)
    assert got == expected
    again, changes = run_codemod(name, result)
    assert changes.is_empty, f"second run of {name} still changes: {changes}"
    return result


def assert_noop(
    name: str, before: Files, config: Config | None = None, notes: Sequence[str] | None = None
) -> Changes:
    project = make_project(before, config)
    changes = codemod(name).run(project)
    assert changes.is_empty, f"{name} changed a project it should leave alone: {changes}"
    _check_notes(changes, notes)
    return changes


MINI_DJANGO: Files = {
    "manage.py": """
        #!/usr/bin/env python
        import os
        import sys

        if __name__ == "__main__":
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
            from django.core.management import execute_from_command_line

            execute_from_command_line(sys.argv)
    """,
    "mysite/__init__.py": "",
    "mysite/settings.py": """
        from pathlib import Path

        BASE_DIR = Path(__file__).resolve().parent.parent
        SECRET_KEY = "django-insecure-test-key"
        DEBUG = True
        ALLOWED_HOSTS = []
        INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "shop"]
        ROOT_URLCONF = "mysite.urls"
        WSGI_APPLICATION = "mysite.wsgi.application"
        DATABASES = {
            "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}
        }
    """,
    "mysite/urls.py": """
        from django.urls import include, path

        urlpatterns = [path("", include("shop.urls"))]
    """,
    "mysite/wsgi.py": """
        import os

        from django.core.wsgi import get_wsgi_application

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
        application = get_wsgi_application()
    """,
    "shop/__init__.py": "",
    "shop/urls.py": """
        from django.urls import path

        from . import views

        urlpatterns = [path("", views.index)]
    """,
    "shop/views.py": """
        from django.http import HttpResponse


        def index(request):
            return HttpResponse("ok")
    """,
    "pytest.ini": """
        [pytest]
        DJANGO_SETTINGS_MODULE = mysite.settings
    """,
    "Procfile": """
        web: gunicorn mysite.wsgi --log-file -
    """,
}


def git_run(root: Path, *args: str) -> str:
    import subprocess

    completed = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
    return completed.stdout


def make_repo(root: Path, files: Files | None = None, branch: str = "main") -> Path:
    """A committed git repository at `root` holding `files` (default: a minimal Django project)."""
    for path, text in dedent(dict(files if files is not None else MINI_DJANGO)).items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text or "", encoding="utf-8")
    git_run(root, "init", "-q", "-b", branch)
    git_run(root, "config", "user.name", "Test")
    git_run(root, "config", "user.email", "test@example.com")
    git_run(root, "add", "-A")
    git_run(root, "commit", "-q", "-m", "legacy project")
    return root
