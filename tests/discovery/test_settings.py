"""Settings discovery: overlays followed to the real module, `--settings` after config-package
moved it, settings packages, the Celery app, and errors that say what is actually missing."""

from __future__ import annotations

import pytest

from djrefactor.config import Config
from djrefactor.discovery.files import is_production_file, is_reference_file
from djrefactor.errors import DjrefactorError
from tests.helpers import make_project


def manage(module: str) -> str:
    return f'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "{module}")\n'


SETTINGS = 'ROOT_URLCONF = "mysite.urls"\nINSTALLED_APPS = ["shop"]\n'


def test_an_untracked_overlay_is_followed_through_its_template():
    files = {
        "manage.py": manage("mysite.local_settings"),
        "mysite/__init__.py": "",
        "mysite/settings.py": SETTINGS,
        "mysite/local_settings.py.tmpl": "from .settings import *  # noqa\n\nDEBUG = True\n",
    }
    facts = make_project(files).facts
    assert facts.settings_module == "mysite.settings"
    assert facts.settings_path == "mysite/settings.py"
    assert facts.project_package == "mysite"
    assert facts.overlay is not None
    assert (facts.overlay.module, facts.overlay.template) == (
        "mysite.local_settings",
        "mysite/local_settings.py.tmpl",
    )


@pytest.mark.parametrize(
    "template",
    [
        "mysite/local_settings.py.example",
        "mysite/local_settings.example.py",
        "mysite/local_settings.py.dist",
    ],
)
def test_overlay_templates_by_any_usual_name(template):
    files = {
        "manage.py": manage("mysite.local_settings"),
        "mysite/__init__.py": "",
        "mysite/settings.py": SETTINGS,
        template: "from mysite.settings import *\n",
    }
    assert make_project(files).facts.settings_module == "mysite.settings"


def test_an_untracked_module_without_template_says_so():
    files = {"manage.py": manage("mysite.local_settings"), "mysite/settings.py": SETTINGS}
    with pytest.raises(DjrefactorError, match="which git does not track") as error:
        make_project(files).facts  # noqa: B018 (the property raises)
    assert error.value.message.startswith("manage.py: DJANGO_SETTINGS_MODULE defaults to")
    assert "--settings" in error.value.message


def test_configured_settings_follow_config_package():
    # `--settings mysite.settings` stays valid for the whole pipeline: after config-package the
    # module lives in config/, after split-settings it is a split package there.
    moved = {"manage.py": "import sys\n", "config/__init__.py": "", "config/settings.py": SETTINGS}
    facts = make_project(moved, Config(settings="mysite.settings")).facts
    assert (facts.settings_module, facts.settings_path) == ("config.settings", "config/settings.py")
    split = {
        "manage.py": "import sys\n",
        "config/__init__.py": "",
        "config/settings/__init__.py": "",
        "config/settings/base.py": SETTINGS,
        "config/settings/production.py": "from .base import *\n",
    }
    assert make_project(split, Config(settings="mysite.settings")).facts.settings_split


@pytest.mark.parametrize(
    ("files", "message"),
    [
        pytest.param(
            {"models.py": "from django.db import models\n"},
            "no manage.py found (nor a wsgi.py or asgi.py naming DJANGO_SETTINGS_MODULE)",
            id="nomanage",
        ),
        pytest.param(
            {"manage.py": "import sys\n"},
            "manage.py sets no DJANGO_SETTINGS_MODULE default",
            id="manage.py without a default",
        ),
    ],
)
def test_no_settings_says_what_is_missing(files, message):
    facts = make_project(files).facts
    with pytest.raises(DjrefactorError) as error:
        facts.require_settings()
    assert error.value.message == (
        f"no Django settings found: {message}; pass --settings or set [tool.djrefactor] settings"
    )


def test_a_settings_package_is_not_the_project_package():
    files = {
        "manage.py": manage("mysite.settings.base"),
        "mysite/__init__.py": "",
        "mysite/settings/__init__.py": "",
        "mysite/settings/base.py": SETTINGS,
        "mysite/urls.py": "urlpatterns = []\n",
    }
    facts = make_project(files).facts
    assert facts.settings_package == "mysite.settings"
    assert facts.project_package == "mysite"
    assert not facts.settings_split


CELERY = """
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
app = Celery("mysite")
"""


def test_the_celery_app_and_its_bootstrap():
    files = {
        "manage.py": manage("mysite.settings"),
        "mysite/__init__.py": "from .celery import app as celery_app\n",
        "mysite/celery.py": CELERY,
        "mysite/settings.py": SETTINGS,
    }
    app = make_project(files).facts.celery
    assert app is not None
    assert (app.module, app.path, app.variable, app.bootstrap) == (
        "mysite.celery",
        "mysite/celery.py",
        "app",
        "mysite/__init__.py",
    )


def test_a_celery_app_nothing_loads_has_no_bootstrap():
    files = {
        "manage.py": manage("mysite.settings"),
        "mysite/__init__.py": "",
        "mysite/worker.py": CELERY.replace("app =", "celery_app ="),
        "mysite/settings.py": SETTINGS,
    }
    app = make_project(files).facts.celery
    assert app is not None
    assert (app.module, app.variable, app.bootstrap) == ("mysite.worker", "celery_app", None)


def test_no_celery():
    files = {"manage.py": manage("mysite.settings"), "mysite/settings.py": SETTINGS}
    assert make_project(files).facts.celery is None


@pytest.mark.parametrize(
    ("path", "production"),
    [
        ("Procfile", True),
        ("Procfile.dev", False),
        ("Dockerfile", True),
        ("Dockerfile.local", False),
        ("docker-compose.yml", True),
        ("docker-compose.override.yml", False),
        ("docker-compose.dev.yml", False),
        ("bin/start-web.sh", True),
        ("scripts/dev-start.sh", False),
        ("docker/entrypoint", True),
        ("etc/s6-overlay/s6-rc.d/web/run", True),
        (".ebextensions/01_django.config", True),
        ("scripts/reset_db.sh", False),
        ("deploy/crontab", True),
        ("deploy/reports.cron", True),
        ("mysite/wsgi.py", True),
        ("manage.py", False),
    ],
)
def test_production_files(path, production):
    assert is_production_file(path) is production


@pytest.mark.parametrize(
    "path",
    [
        "bin/start-web.sh",
        "etc/s6-overlay/s6-rc.d/web/run",
        "mysite/local_settings.py.tmpl",
        "requirements/production.txt",
        "requirements-dev.txt",
        "poetry.lock",
        "runtime.txt",
        ".python-version",
    ],
)
def test_files_read_for_entry_points_overlays_and_versions(path):
    assert is_reference_file(path)
