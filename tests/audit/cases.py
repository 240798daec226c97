"""Small in-memory projects for the rule tests, and what a rule finds in them."""

from __future__ import annotations

from types import ModuleType

from djrefactor.config import Config
from djrefactor.project import Project
from tests.helpers import make_project

MANAGE = """
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
"""
SETTINGS = """
    SECRET_KEY = os.environ["SECRET_KEY"]
    DEBUG = False
    INSTALLED_APPS = ["django.contrib.auth", "shop"]
    ROOT_URLCONF = "mysite.urls"
"""
SPLIT = {
    "manage.py": MANAGE.replace("mysite.settings", "config.settings.development"),
    "config/__init__.py": "",
    "config/settings/__init__.py": "",
    "config/settings/base.py": """
        INSTALLED_APPS = ["django.contrib.auth", "shop"]
        ROOT_URLCONF = "config.urls"
    """,
    "config/settings/development.py": """
        from .base import *

        DEBUG = True
        SECRET_KEY = "django-insecure-dev"
    """,
    "config/settings/production.py": """
        import os

        from .base import *

        DEBUG = False
        SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
    """,
    "config/urls.py": "urlpatterns = []\n",
    "shop/__init__.py": "",
}


def legacy(settings: str = SETTINGS, **files: str) -> dict[str, str]:
    """One settings module, an app `shop`; `files` add to or replace it."""
    base = {
        "manage.py": MANAGE,
        "mysite/__init__.py": "",
        "mysite/settings.py": settings,
        "mysite/urls.py": "urlpatterns = []\n",
        "shop/__init__.py": "",
    }
    base.update(files)
    return base


def split(**files: str) -> dict[str, str]:
    return {**SPLIT, **files}


def found(rule: ModuleType, files: dict[str, str], config: Config | None = None) -> list[str]:
    """`where: message` of each finding of `rule` on the project `files`."""
    project: Project = make_project(files, config)
    return [f"{finding.where}: {finding.message}" for finding in rule.check(project)]
