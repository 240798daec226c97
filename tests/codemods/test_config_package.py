"""config-package: the project package's Django glue moves to a top-level `config/` package."""

from __future__ import annotations

from tests.helpers import assert_noop, assert_rewrites, codemod, make_project

MANAGE = """
    import os
    import sys

    if __name__ == "__main__":
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
        from django.core.management import execute_from_command_line

        execute_from_command_line(sys.argv)
"""
SETTINGS = """
    from pathlib import Path

    BASE_DIR = Path(__file__).resolve().parent.parent
    INSTALLED_APPS = ["django.contrib.auth", "shop"]
    AUTH_USER_MODEL = "shop.Customer"
    ROOT_URLCONF = "mysite.urls"
    WSGI_APPLICATION = "mysite.wsgi.application"

    try:
        from .local_settings import *  # noqa
    except ImportError:
        pass
"""
WSGI = """
    import os

    from django.core.wsgi import get_wsgi_application

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
    application = get_wsgi_application()
"""
URLS = """
    from django.urls import include, path

    urlpatterns = [path("", include("shop.urls"))]
"""


def project_files() -> dict[str, str]:
    return {
        "manage.py": MANAGE,
        "mysite/__init__.py": "from .celery import app as celery_app\n",
        "mysite/celery.py": """
            import os

            from celery import Celery

            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
            app = Celery("mysite")
        """,
        "mysite/settings.py": SETTINGS,
        "mysite/local_settings.py": "DEBUG = True\n",
        "mysite/urls.py": URLS,
        "mysite/wsgi.py": WSGI,
        "shop/__init__.py": "",
        "shop/tests.py": """
            from unittest import mock

            from django.test import override_settings

            from mysite import settings
            from mysite.urls import urlpatterns


            @mock.patch("mysite.settings.INSTALLED_APPS", [])
            def test_patched():
                assert urlpatterns and settings.BASE_DIR
        """,
        "Procfile": "web: gunicorn mysite.wsgi:application --log-file -\n",
        "pytest.ini": "[pytest]\nDJANGO_SETTINGS_MODULE = mysite.settings\n",
        "Dockerfile": "FROM python:3.11\nENV DJANGO_SETTINGS_MODULE=mysite.settings\n",
    }


def test_moves_the_glue_and_rewrites_every_reference() -> None:
    result = assert_rewrites(
        "config-package",
        project_files(),
        {
            "mysite/settings.py": None,
            "mysite/local_settings.py": None,
            "mysite/urls.py": None,
            "mysite/wsgi.py": None,
            "config/__init__.py": "",
            "config/settings.py": SETTINGS.replace('"mysite.', '"config.'),
            "config/local_settings.py": "DEBUG = True\n",
            "config/urls.py": URLS,
            "config/wsgi.py": WSGI.replace("mysite.settings", "config.settings"),
            "manage.py": MANAGE.replace("mysite.settings", "config.settings"),
            "mysite/celery.py": """
                import os

                from celery import Celery

                os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
                app = Celery("mysite")
            """,
            "shop/tests.py": """
                from unittest import mock

                from django.test import override_settings

                from config import settings
                from config.urls import urlpatterns


                @mock.patch("config.settings.INSTALLED_APPS", [])
                def test_patched():
                    assert urlpatterns and settings.BASE_DIR
            """,
            "Procfile": "web: gunicorn config.wsgi:application --log-file -\n",
            "pytest.ini": "[pytest]\nDJANGO_SETTINGS_MODULE = config.settings\n",
            "Dockerfile": "FROM python:3.11\nENV DJANGO_SETTINGS_MODULE=config.settings\n",
        },
    )
    # The model label and the app name are not module paths of the project package.
    assert 'AUTH_USER_MODEL = "shop.Customer"' in result.text("config/settings.py")
    # BASE_DIR keeps its meaning: config/ sits where mysite/ sat.
    assert "Path(__file__).resolve().parent.parent" in result.text("config/settings.py")


def test_other_modules_of_the_project_package_stay() -> None:
    project = make_project(project_files())
    changes = codemod("config-package").run(project)
    assert "mysite.celery" not in changes.moves
    assert set(changes.moves) == {
        "mysite.settings",
        "mysite.local_settings",
        "mysite.urls",
        "mysite.wsgi",
    }


def test_already_config_is_nothing_to_do() -> None:
    files = {
        path.replace("mysite/", "config/"): text.replace("mysite.", "config.")
        for path, text in project_files().items()
    }
    files["config/__init__.py"] = ""
    assert_noop("config-package", files)


def test_an_existing_config_module_in_the_way_is_a_note_not_a_clash() -> None:
    files = dict(project_files(), **{"config/__init__.py": "", "config/urls.py": "X = 1\n"})
    changes = assert_noop("config-package", files)
    assert any("config.urls already exists" in note.message for note in changes.notes)


def test_a_nested_project_package_is_left_with_a_note() -> None:
    files = {
        path.replace("mysite/", "src/mysite/") if path.startswith("mysite/") else path: text
        for path, text in project_files().items()
    }
    files["src/__init__.py"] = ""
    files = {
        path: text.replace("mysite.", "src.mysite.") if path.endswith(".py") else text
        for path, text in files.items()
    }
    changes = assert_noop("config-package", files)
    assert any("nested" in note.message for note in changes.notes)
