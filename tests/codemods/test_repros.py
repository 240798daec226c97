"""Regression tests for the minimal reproductions of ../shared/repros that belong to the settings
steps (directimp, under, logname, nomanage, pkgsettings, pep701): each behaves as the README row
says, with its files copied here. Every case runs config-package then split-settings, the way
`plan` does."""

from __future__ import annotations

from pathlib import Path

import pytest

from djrefactor.config import Config
from djrefactor.engine import Plan, Project, available_codemods, build_plan, load_project, select
from djrefactor.errors import DjrefactorError
from tests.helpers import dedent, make_project

MANAGE = """
    import os, sys
    if __name__ == "__main__":
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
        from django.core.management import execute_from_command_line
        execute_from_command_line(sys.argv)
"""
SETTING_STEPS = ("config-package", "split-settings")


def plan_settings(project: Project) -> tuple[Plan, dict[str, str]]:
    """The plan of the two settings steps, and every file's text after it."""
    plan = build_plan(project, select(available_codemods(), SETTING_STEPS, ()))
    texts = {change.new_path: change.new_text for change in plan.total if change.new_path}
    return plan, texts


def notes(plan: Plan) -> list[str]:
    return [note.message for step in plan.steps for note in step.notes]


def test_directimp_app_code_reads_the_active_settings():
    files = {
        "manage.py": MANAGE,
        "mysite/__init__.py": "",
        "mysite/settings.py": """
            import os

            SECRET_KEY = os.environ.get("SECRET_KEY", "x")
            DEBUG = os.environ.get("DEBUG") == "1"
            ALLOWED_HOSTS = []
            INSTALLED_APPS = ["shop"]
            ROOT_URLCONF = "mysite.urls"
        """,
        "mysite/urls.py": "urlpatterns = []\n",
        "shop/__init__.py": "",
        "shop/utils.py": """
            from mysite.settings import DEBUG


            def verbose():
                return DEBUG
        """,
    }
    _, texts = plan_settings(make_project(files))
    assert (
        texts["shop/utils.py"]
        == dedent(
            {
                "shop/utils.py": """
                from django.conf import settings


                def verbose():
                    return settings.DEBUG
            """
            }
        )["shop/utils.py"]
    )


def test_under_a_private_helper_is_imported_from_the_module_defining_it():
    files = {
        "manage.py": MANAGE,
        "mysite/__init__.py": "",
        "mysite/settings.py": """
            import os

            SECRET_KEY = "x"
            DEBUG = True
            ALLOWED_HOSTS = []
            INSTALLED_APPS = []
            ROOT_URLCONF = "mysite.urls"


            def _env_list(name, default):
                return os.environ.get(name, default).split(",")


            CORS_ORIGINS = _env_list("CORS_ORIGINS", "http://localhost")
        """,
        "mysite/urls.py": "urlpatterns = []\n",
        "tests/__init__.py": "",
        "tests/test_settings.py": """
            from mysite.settings import _env_list


            def test_env_list():
                assert _env_list("NOPE", "a,b") == ["a", "b"]
        """,
    }
    _, texts = plan_settings(make_project(files))
    assert texts["tests/test_settings.py"].startswith(
        "from config.settings.base import _env_list\n"
    )
    assert "def _env_list(name, default):" in texts["config/settings/base.py"]


def test_logname_a_logger_name_is_not_a_module_reference():
    files = {
        "manage.py": MANAGE,
        "mysite/__init__.py": "",
        "mysite/log.py": 'import logging\nlogger = logging.getLogger("mysite.settings")\n',
        "mysite/settings.py": """
            SECRET_KEY = "x"
            DEBUG = True
            INSTALLED_APPS = []
            ROOT_URLCONF = "mysite.urls"
        """,
        "mysite/urls.py": "urlpatterns = []\n",
    }
    plan, texts = plan_settings(make_project(files))
    assert "mysite/log.py" not in {change.new_path for change in plan.total}
    assert texts["config/settings/base.py"]


def test_nomanage_says_what_is_missing():
    project = make_project({"models.py": "from django.db import models\n"})
    with pytest.raises(DjrefactorError, match=r"^no Django settings found: no manage\.py found"):
        project.facts.require_settings()


def test_pkgsettings_the_note_names_the_settings_package():
    files = {
        "manage.py": 'import os, sys\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", '
        '"mysite.settings.base")\n',
        "mysite/__init__.py": "",
        "mysite/settings/__init__.py": "",
        "mysite/settings/base.py": """
            SECRET_KEY = "x"
            DEBUG = True
            INSTALLED_APPS = []
            ROOT_URLCONF = "mysite.urls"
        """,
        "mysite/urls.py": "urlpatterns = []\n",
    }
    plan, texts = plan_settings(make_project(files))
    assert "config/settings/base.py" in texts and "config/urls.py" in texts
    messages = notes(plan)
    assert (
        "mysite.settings is a settings package (base.py): moved as a whole to config/settings/"
    ) in messages
    assert any(
        message.startswith("settings not split: config.settings is already a settings package")
        for message in messages
    )
    assert not any("nested" in message for message in messages)


def test_pep701_plans_under_an_older_interpreter(tmp_path: Path):
    files = dedent(
        {
            "manage.py": MANAGE,
            "mysite/__init__.py": "",
            "mysite/settings.py": """
                SECRET_KEY = "x"
                DEBUG = True
                INSTALLED_APPS = []
                ROOT_URLCONF = "mysite.urls"
            """,
            "mysite/urls.py": "urlpatterns = []\n",
            "mysite/util.py": 'def f(xs):\n    return f"{"\\n".join(xs)}"\n',
        }
    )
    for path, text in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text or "", encoding="utf-8")
    project = load_project(tmp_path, sorted(files), Config())
    plan, texts = plan_settings(project)
    assert "mysite/util.py" not in texts  # read and parsed (libcst), left as it is
    assert project.text("mysite/util.py") == files["mysite/util.py"]
    assert "config/settings/production.py" in texts


# -- the full settings pipeline with --settings and with an overlay (issue 10, case 8) -------------
OVERLAY_SETTINGS = """
    SECRET_KEY = "x"
    DEBUG = True
    ALLOWED_HOSTS = []
    INSTALLED_APPS = []
    ROOT_URLCONF = "mysite.urls"
"""


def test_settings_option_holds_for_the_whole_pipeline():
    files = {
        "manage.py": "import sys\n",  # names no default: the reason to pass --settings
        "mysite/__init__.py": "",
        "mysite/settings.py": OVERLAY_SETTINGS,
        "mysite/urls.py": "urlpatterns = []\n",
    }
    plan, texts = plan_settings(make_project(files, Config(settings="mysite.settings")))
    assert [step.name for step in plan.steps if step.files] == list(SETTING_STEPS)
    assert "config/settings/production.py" in texts


def test_an_overlay_manage_py_names_keeps_working_after_both_steps():
    files = {
        "manage.py": MANAGE.replace("mysite.settings", "mysite.local_settings"),
        "mysite/__init__.py": "",
        "mysite/settings.py": OVERLAY_SETTINGS,
        "mysite/local_settings.py.tmpl": "from .settings import *  # noqa\n\nDEBUG = True\n",
        "mysite/urls.py": "urlpatterns = []\n",
    }
    plan, texts = plan_settings(make_project(files))
    assert [step.name for step in plan.steps if step.files] == list(SETTING_STEPS)
    assert 'setdefault("DJANGO_SETTINGS_MODULE", "config.local_settings")' in texts["manage.py"]
    assert texts["config/local_settings.py.tmpl"] == (
        "from .settings.development import *  # noqa\n\nDEBUG = True\n"
    )


# -- shref: tracked text files that name a moved module follow it --------------------------------
WSGI = """
    import os
    from django.core.wsgi import get_wsgi_application
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
    application = get_wsgi_application()
"""


@pytest.mark.parametrize(
    ("path", "before", "after"),
    [
        pytest.param(
            "webserver.sh",
            "#!/bin/sh\nexec gunicorn mysite.wsgi:application --bind 0.0.0.0:8000\n",
            "#!/bin/sh\nexec gunicorn config.wsgi:application --bind 0.0.0.0:8000\n",
            id="shell script",
        ),
        pytest.param(
            "mypy.ini",
            '[mypy.plugins.django-stubs]\ndjango_settings_module = "mysite.settings"\n',
            '[mypy.plugins.django-stubs]\ndjango_settings_module = "config.settings.development"\n',
            id="mypy.ini",
        ),
        pytest.param(
            "etc/s6/web/run",
            "#!/usr/bin/execlineb -P\ngunicorn mysite.wsgi --workers 3\n",
            "#!/usr/bin/execlineb -P\ngunicorn config.wsgi --workers 3\n",
            id="s6 run script",
        ),
        pytest.param(
            "bin/healthcheck",
            '#!/bin/sh\npython -c "import mysite.wsgi" && curl -f localhost:8000/health\n',
            '#!/bin/sh\npython -c "import config.wsgi" && curl -f localhost:8000/health\n',
            id="python -c string",
        ),
        pytest.param(
            ".ebextensions/django.config",
            "option_settings:\n  aws:elasticbeanstalk:container:python:\n"
            "    WSGIPath: mysite/wsgi.py\n",
            "option_settings:\n  aws:elasticbeanstalk:container:python:\n"
            "    WSGIPath: config/wsgi.py\n",
            id=".ebextensions path",
        ),
    ],
)
def test_shref_text_files_naming_a_moved_module_follow_it(path, before, after):
    files = {
        "manage.py": MANAGE,
        "mysite/__init__.py": "",
        "mysite/settings.py": """
            SECRET_KEY = "x"
            DEBUG = True
            INSTALLED_APPS = []
            ROOT_URLCONF = "mysite.urls"
            WSGI_APPLICATION = "mysite.wsgi.application"
        """,
        "mysite/urls.py": "urlpatterns = []\n",
        "mysite/wsgi.py": WSGI,
        "Procfile": "web: gunicorn mysite.wsgi:application\n",
        path: before,
    }
    plan, texts = plan_settings(make_project(files))
    assert texts[path] == after
    assert texts["Procfile"] == "web: gunicorn config.wsgi:application\n"
    assert not any("mysite.wsgi" in text or "mysite.settings" in text for text in texts.values())
