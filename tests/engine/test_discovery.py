"""Discovery: settings module, project package, local apps and their files, from texts only."""

from __future__ import annotations

import pytest

from djrefactor.config import Config
from djrefactor.discovery import is_test_path
from djrefactor.errors import DjrefactorError
from tests.helpers import make_project

MANAGE = """\
    #!/usr/bin/env python
    import os
    import sys


    def main():
        os.environ.setdefault({quote}DJANGO_SETTINGS_MODULE{quote}, {quote}{settings}{quote})
        from django.core.management import execute_from_command_line
        execute_from_command_line(sys.argv)


    if __name__ == "__main__":
        main()
    """


def manage(settings: str, quote: str = '"') -> str:
    return MANAGE.format(settings=settings, quote=quote)


SETTINGS = """\
    from pathlib import Path

    BASE_DIR = Path(__file__).resolve().parent.parent
    DEBUG = True
    ROOT_URLCONF = "mysite.urls"
    WSGI_APPLICATION = "mysite.wsgi.application"
    LOCAL_APPS = ["shop", "blog.apps.BlogConfig"]
    INSTALLED_APPS = [
        "django.contrib.admin",
        "django.contrib.auth",
        "rest_framework",
    ] + LOCAL_APPS
    INSTALLED_APPS += ["accounts"]
    AUTH_USER_MODEL = "accounts.User"
    """

SITE = {
    "manage.py": manage("mysite.settings"),
    "mysite/__init__.py": "",
    "mysite/settings.py": SETTINGS,
    "mysite/urls.py": "urlpatterns = []\n",
    "mysite/wsgi.py": "application = None\n",
    "shop/__init__.py": "",
    "shop/apps.py": "",
    "shop/models.py": "",
    "shop/views.py": "",
    "shop/api.py": "",
    "shop/serializers.py": "",
    "shop/urls.py": "",
    "shop/tasks.py": "",
    "shop/tests.py": "",
    "shop/testimonials.py": "",
    "shop/migrations/__init__.py": "",
    "shop/migrations/0001_initial.py": "",
    "shop/management/__init__.py": "",
    "shop/management/commands/__init__.py": "",
    "shop/management/commands/import_products.py": "",
    "blog/__init__.py": "",
    "blog/apps.py": "",
    "blog/views/__init__.py": "",
    "blog/views/posts.py": "",
    "blog/models/__init__.py": "",
    "blog/models/post.py": "",
    "blog/tests/__init__.py": "",
    "blog/tests/test_posts.py": "",
    "accounts/__init__.py": "",
    "accounts/models.py": "",
    "pytest.ini": "[pytest]\nDJANGO_SETTINGS_MODULE = mysite.settings\n",
    "Procfile": "web: gunicorn mysite.wsgi\n",
}


def test_settings_from_manage_py_default():
    facts = make_project(SITE).facts
    assert facts.manage_py == "manage.py"
    assert facts.settings_module == "mysite.settings"
    assert facts.settings_path == "mysite/settings.py"
    assert facts.project_package == "mysite"
    assert not facts.settings_split
    assert facts.require_settings() == "mysite.settings"


def test_single_quoted_default():
    facts = make_project({**SITE, "manage.py": manage("mysite.settings", "'")}).facts
    assert facts.settings_module == "mysite.settings"


def test_settings_values():
    facts = make_project(SITE).facts
    assert facts.root_urlconf == "mysite.urls"
    assert facts.wsgi_application == "mysite.wsgi.application"


def test_settings_option_overrides_manage_py():
    files = {**SITE, "mysite/settings_ci.py": 'ROOT_URLCONF = "mysite.ci_urls"\n'}
    facts = make_project(files, Config(settings="mysite.settings_ci")).facts
    assert facts.settings_module == "mysite.settings_ci"
    assert facts.settings_path == "mysite/settings_ci.py"
    assert facts.root_urlconf == "mysite.ci_urls"


def test_unknown_settings_option_is_a_clear_error():
    with pytest.raises(DjrefactorError, match="settings module 'nope.settings' not found"):
        make_project(SITE, Config(settings="nope.settings")).facts  # noqa: B018 (property raises)


def test_settings_found_in_wsgi_when_manage_py_has_none():
    files = {k: v for k, v in SITE.items() if k != "manage.py"}
    files["mysite/wsgi.py"] = (
        "import os\n"
        'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\n'
        "application = None\n"
    )
    facts = make_project(files).facts
    assert facts.manage_py is None
    assert facts.settings_module == "mysite.settings"


def test_manage_py_in_a_subfolder():
    files = {f"backend/{path}": text for path, text in SITE.items()}
    facts = make_project(files).facts
    assert facts.manage_py == "backend/manage.py"
    assert facts.settings_path == "backend/mysite/settings.py"
    assert [app.path for app in facts.apps] == ["backend/shop", "backend/blog", "backend/accounts"]


def test_split_settings_package_is_detected():
    files = {k: v for k, v in SITE.items() if k != "mysite/settings.py"}
    files.update(
        {
            "manage.py": manage("mysite.settings.development"),
            "mysite/settings/__init__.py": "",
            "mysite/settings/base.py": SETTINGS,
            "mysite/settings/development.py": "from .base import *\nDEBUG = True\n",
            "mysite/settings/production.py": "from .base import *\nDEBUG = False\n",
        }
    )
    facts = make_project(files).facts
    assert facts.settings_split
    assert facts.settings_module == "mysite.settings.development"
    assert facts.project_package == "mysite"
    # values and apps come from base.py, where the shared settings live
    assert facts.root_urlconf == "mysite.urls"
    assert [app.module for app in facts.apps] == ["shop", "blog", "accounts"]


def test_settings_package_without_production_is_not_split():
    files = {k: v for k, v in SITE.items() if k != "mysite/settings.py"}
    files.update(
        {
            "manage.py": manage("mysite.settings.dev"),
            "mysite/settings/__init__.py": "",
            "mysite/settings/base.py": SETTINGS,
            "mysite/settings/dev.py": "from .base import *\n",
        }
    )
    assert not make_project(files).facts.settings_split


def test_installed_apps_through_lists_concatenation_and_augmented_assign():
    facts = make_project(SITE).facts
    assert facts.installed_apps == (
        "django.contrib.admin",
        "django.contrib.auth",
        "rest_framework",
        "shop",
        "blog.apps.BlogConfig",
        "accounts",
    )


def test_local_apps_are_the_project_packages_in_installed_apps():
    facts = make_project(SITE).facts
    # third-party and django.contrib entries are not packages of this project
    assert [(app.module, app.path, app.label) for app in facts.apps] == [
        ("shop", "shop", "shop"),
        ("blog", "blog", "blog"),
        ("accounts", "accounts", "accounts"),
    ]


def test_app_files_by_role():
    shop = make_project(SITE).facts.apps[0]
    assert shop.views == ("shop/api.py", "shop/views.py")  # path order
    assert shop.serializers == ("shop/serializers.py",)
    assert shop.models == ("shop/models.py",)
    assert shop.urls == ("shop/urls.py",)
    assert shop.tasks == ("shop/tasks.py",)
    assert shop.tests == ("shop/tests.py",)
    assert shop.commands == ("shop/management/commands/import_products.py",)


def test_app_files_in_packages():
    blog = make_project(SITE).facts.apps[1]
    assert blog.views == ("blog/views/posts.py",)
    assert blog.models == ("blog/models/__init__.py", "blog/models/post.py")
    assert blog.tests == ("blog/tests/__init__.py", "blog/tests/test_posts.py")
    assert blog.commands == ()


def test_nested_app_module():
    files = {
        **SITE,
        "mysite/settings.py": 'INSTALLED_APPS = ["apps.billing.apps.BillingConfig"]\n',
        "apps/__init__.py": "",
        "apps/billing/__init__.py": "",
        "apps/billing/views.py": "",
    }
    (billing,) = make_project(files).facts.apps
    assert (billing.module, billing.label, billing.views) == (
        "apps.billing",
        "billing",
        ("apps/billing/views.py",),
    )


def test_reference_files_listed():
    assert make_project(SITE).facts.reference_files == ("Procfile", "pytest.ini")


def test_project_without_settings_requires_them():
    files = {"manage.py": "import sys\n", "tool.py": "X = 1\n"}
    facts = make_project(files).facts
    assert facts.settings_module is None
    assert facts.apps == ()
    with pytest.raises(DjrefactorError, match="no Django settings found") as error:
        facts.require_settings()
    assert "--settings" in error.value.message


def test_dynamic_settings_default_is_not_guessed():
    files = {
        **SITE,
        "manage.py": 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", NAME)\n',
    }
    assert make_project(files).facts.settings_module is None


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("tests.py", True),
        ("test_views.py", True),
        ("tests/factories.py", True),
        ("views_tests.py", True),
        ("conftest.py", True),
        ("testimonials.py", False),
        ("testing_utils.py", False),
        ("views.py", False),
        ("contest.py", False),
    ],
)
def test_is_test_path(path, expected):
    assert is_test_path(path) is expected
