"""move-apps: every local app moves to `apps/<app>/` and keeps its label."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from djrefactor.config import Config
from djrefactor.engine import available_codemods, build_plan, new_project, select
from tests.helpers import assert_noop, assert_rewrites, codemod, dedent, make_project, run_codemod

MANAGE = """
    import os
    import sys

    if __name__ == "__main__":
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
        from django.core.management import execute_from_command_line

        execute_from_command_line(sys.argv)
"""


def settings(*apps: str, extra: str = "") -> str:
    listed = "".join(f'    "{app}",\n' for app in apps)
    return (
        "INSTALLED_APPS = [\n"
        '    "django.contrib.auth",\n'
        '    "django.contrib.contenttypes",\n'
        f"{listed}]\n"
        'ROOT_URLCONF = "mysite.urls"\n'
        'AUTH_USER_MODEL = "shop.Customer"\n' + textwrap.dedent(extra)
    )


def base(*apps: str, extra: str = "") -> dict[str, str]:
    return {
        "manage.py": MANAGE,
        "mysite/__init__.py": "",
        "mysite/settings.py": settings(*apps, extra=extra),
        "mysite/urls.py": """
            from django.urls import include, path

            urlpatterns = [path("", include("shop.urls"))]
        """,
    }


SHOP_APP = """
    from django.apps import AppConfig


    class ShopConfig(AppConfig):
        default_auto_field = "django.db.models.BigAutoField"
        name = "shop"
"""
SHOP_MODELS = """
    from django.conf import settings
    from django.db import models


    class Customer(models.Model):
        user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)


    class Order(models.Model):
        customer = models.ForeignKey("shop.Customer", on_delete=models.CASCADE)
"""
SHOP_URLS = """
    from django.urls import path

    from . import views

    app_name = "shop"
    urlpatterns = [path("", views.index, name="index")]
"""
SHOP_VIEWS = """
    from django.shortcuts import render

    from .models import Order


    def index(request):
        return render(request, "shop/index.html", {"orders": Order.objects.all()})
"""


def shop(**more: str) -> dict[str, str]:
    files = {
        **base("shop"),
        "shop/__init__.py": "",
        "shop/apps.py": SHOP_APP,
        "shop/models.py": SHOP_MODELS,
        "shop/urls.py": SHOP_URLS,
        "shop/views.py": SHOP_VIEWS,
    }
    files.update(more)
    return files


def moved(files: dict[str, str], old: str, new: str, **changed: str) -> dict[str, str | None]:
    """What `after` says for a folder moved as it is, except the `changed` files (by new path)."""
    after: dict[str, str | None] = {}
    for path, text in dedent(dict(files)).items():
        if path.startswith(old + "/"):
            after[path] = None
            after[new + path[len(old) :]] = text
    after.update(changed)
    return after


SHOP_APP_AFTER = """
    from django.apps import AppConfig


    class ShopConfig(AppConfig):
        default_auto_field = "django.db.models.BigAutoField"
        name = "apps.shop"
        label = "shop"
"""


DEPLOY_NOTE = (
    "mysite/settings.py: when deploying the move of shop to apps/: flush caches holding objects "
    "pickled under the old module paths (Django's cache pickles, as do Celery's pickle "
    "serializer and pickled sessions); loggers named by getLogger(__name__) are now "
    "apps.<app>.*, so update log queries and alerts on the old names; code outside this "
    "repository importing shop must follow; rebase open branches on this commit"
)


def test_an_app_moves_to_apps_and_keeps_its_label() -> None:
    files = shop()
    assert_rewrites(
        "move-apps",
        files,
        moved(
            files,
            "shop",
            "apps/shop",
            **{
                "apps/__init__.py": "",
                "apps/shop/apps.py": SHOP_APP_AFTER,
                "mysite/settings.py": settings("apps.shop"),
                "mysite/urls.py": """
                    from django.urls import include, path

                    urlpatterns = [path("", include("apps.shop.urls"))]
                """,
            },
        ),
        notes=[DEPLOY_NOTE],
    )


def test_an_app_without_apps_py_gets_an_app_config_with_its_label() -> None:
    files = {**shop(), "shop/apps.py": None}
    del files["shop/apps.py"]
    assert_rewrites(
        "move-apps",
        files,
        moved(
            files,
            "shop",
            "apps/shop",
            **{
                "apps/__init__.py": "",
                "apps/shop/apps.py": """
                    from django.apps import AppConfig


                    class ShopConfig(AppConfig):
                        name = "apps.shop"
                        label = "shop"
                """,
                "mysite/settings.py": settings("apps.shop"),
                "mysite/urls.py": "from django.urls import include, path\n\nurlpatterns = "
                '[path("", include("apps.shop.urls"))]\n',
            },
        ),
    )


def test_installed_apps_naming_the_app_config_follows_the_move() -> None:
    files = shop()
    files["mysite/settings.py"] = settings("shop.apps.ShopConfig")
    result = assert_rewrites(
        "move-apps",
        files,
        moved(
            files,
            "shop",
            "apps/shop",
            **{
                "apps/__init__.py": "",
                "apps/shop/apps.py": SHOP_APP_AFTER,
                "mysite/settings.py": settings("apps.shop.apps.ShopConfig"),
                "mysite/urls.py": "from django.urls import include, path\n\nurlpatterns = "
                '[path("", include("apps.shop.urls"))]\n',
            },
        ),
    )
    assert result.facts.apps[0].module == "apps.shop"


def test_an_app_config_that_already_sets_a_label_keeps_it_as_it_is() -> None:
    custom = SHOP_APP.replace('name = "shop"', 'name = "shop"\n        label = "storefront"')
    files = shop(**{"shop/apps.py": custom})
    assert_rewrites(
        "move-apps",
        files,
        moved(
            files,
            "shop",
            "apps/shop",
            **{
                "apps/__init__.py": "",
                "apps/shop/apps.py": custom.replace('name = "shop"', 'name = "apps.shop"'),
                "mysite/settings.py": settings("apps.shop"),
                "mysite/urls.py": "from django.urls import include, path\n\nurlpatterns = "
                '[path("", include("apps.shop.urls"))]\n',
            },
        ),
    )


def test_the_project_package_as_the_only_app_moves_once_config_package_took_its_glue() -> None:
    """config-package moves settings, urls and wsgi to config/; what stays of the package is
    an app like any other and moves to apps/, keeping its label."""
    files = {
        "manage.py": MANAGE,
        "mysite/__init__.py": "",
        "mysite/settings.py": settings("mysite").replace('"shop.Customer"', '"mysite.Customer"'),
        "mysite/urls.py": "from django.urls import path\n\nfrom mysite import views\n\n"
        'urlpatterns = [path("", views.index)]\n',
        "mysite/models.py": "from django.db import models\n\n\nclass Customer(models.Model):\n"
        "    pass\n",
        "mysite/views.py": "from mysite.models import Customer\n\n\ndef index(request):\n"
        "    return Customer\n",
        "mysite/migrations/__init__.py": "",
        "mysite/migrations/0001_initial.py": "from django.db import migrations\n\n\n"
        "class Migration(migrations.Migration):\n    operations = []\n",
    }
    plan = build_plan(make_project(files), [codemod("config-package"), codemod("move-apps")])
    final = {change.new_path: change.new_text for change in plan.total if change.new_path}
    assert final["apps/mysite/apps.py"] == (
        "from django.apps import AppConfig\n\n\nclass MysiteConfig(AppConfig):\n"
        '    name = "apps.mysite"\n    label = "mysite"\n'
    )
    assert '"apps.mysite",' in final["config/settings.py"]
    assert 'AUTH_USER_MODEL = "mysite.Customer"' in final["config/settings.py"]
    assert "from apps.mysite import views" in final["config/urls.py"]
    assert final["apps/mysite/views.py"].startswith("from apps.mysite.models import Customer")
    assert "apps/mysite/migrations/0001_initial.py" in final
    assert not [path for path in final if path.startswith("mysite/")]


LABEL_STRINGS = """
    from django.apps import apps as registry
    from django.contrib.auth.decorators import permission_required
    from django.urls import reverse

    from shop.models import Order

    ORDER = registry.get_model("shop", "Order")
    ALSO = registry.get_model("shop.order")
    CONFIG = registry.get_app_config("shop")


    @permission_required("shop.add_order")
    def view(request):
        return reverse("shop:index"), Order
"""


def test_strings_naming_the_label_keep_their_text() -> None:
    files = shop(**{"shop/helpers.py": LABEL_STRINGS})
    result = assert_rewrites(
        "move-apps",
        files,
        moved(
            files,
            "shop",
            "apps/shop",
            **{
                "apps/__init__.py": "",
                "apps/shop/apps.py": SHOP_APP_AFTER,
                "apps/shop/helpers.py": LABEL_STRINGS.replace(
                    "from shop.models", "from apps.shop.models"
                ),
                "mysite/settings.py": settings("apps.shop"),
                "mysite/urls.py": "from django.urls import include, path\n\nurlpatterns = "
                '[path("", include("apps.shop.urls"))]\n',
            },
        ),
    )
    # AUTH_USER_MODEL, the lazy ForeignKey and the URL namespace name the label
    assert 'AUTH_USER_MODEL = "shop.Customer"' in result.text("mysite/settings.py")
    assert '"shop.Customer"' in result.text("apps/shop/models.py")
    assert 'app_name = "shop"' in result.text("apps/shop/urls.py")


MIGRATION = """
    import django.db.models.deletion
    from django.db import migrations, models

    import shop.fields


    class Migration(migrations.Migration):
        initial = True
        dependencies = [("auth", "0012_alter_user_first_name_max_length")]
        operations = [
            migrations.CreateModel(
                name="Order",
                fields=[
                    ("id", models.BigAutoField(primary_key=True)),
                    ("total", shop.fields.MoneyField()),
                    (
                        "customer",
                        models.ForeignKey(
                            on_delete=django.db.models.deletion.CASCADE, to="shop.customer"
                        ),
                    ),
                ],
            ),
        ]
"""
SECOND_MIGRATION = """
    from django.db import migrations

    from shop.fields import MoneyField


    def forwards(apps, schema_editor):
        Order = apps.get_model("shop", "Order")
        Order.objects.update(total=0)


    class Migration(migrations.Migration):
        dependencies = [("shop", "0001_initial")]
        operations = [
            migrations.AddField("order", "refund", MoneyField(null=True)),
            migrations.RunPython(forwards),
        ]
"""


def test_migrations_importing_app_modules_follow_and_keep_the_label() -> None:
    files = shop(
        **{
            "shop/fields.py": "from django.db import models\n\n\nclass MoneyField(models."
            "DecimalField):\n    pass\n",
            "shop/migrations/__init__.py": "",
            "shop/migrations/0001_initial.py": MIGRATION,
            "shop/migrations/0002_refund.py": SECOND_MIGRATION,
        }
    )
    result = assert_rewrites(
        "move-apps",
        files,
        moved(
            files,
            "shop",
            "apps/shop",
            **{
                "apps/__init__.py": "",
                "apps/shop/apps.py": SHOP_APP_AFTER,
                "apps/shop/migrations/0001_initial.py": MIGRATION.replace(
                    "import shop.fields", "import apps.shop.fields"
                ).replace("shop.fields.MoneyField()", "apps.shop.fields.MoneyField()"),
                "apps/shop/migrations/0002_refund.py": SECOND_MIGRATION.replace(
                    "from shop.fields", "from apps.shop.fields"
                ),
                "mysite/settings.py": settings("apps.shop"),
                "mysite/urls.py": "from django.urls import include, path\n\nurlpatterns = "
                '[path("", include("apps.shop.urls"))]\n',
            },
        ),
    )
    assert 'to="shop.customer"' in result.text("apps/shop/migrations/0001_initial.py")
    assert '("shop", "0001_initial")' in result.text("apps/shop/migrations/0002_refund.py")


TASKS = """
    from celery import shared_task

    from .models import Order


    @shared_task
    def send_receipt(order_id):
        return Order.objects.get(pk=order_id)


    @shared_task(bind=True, max_retries=3)
    def refund(self, order_id):
        return order_id


    @shared_task(name="shop.legacy_sync")
    def sync():
        return None
"""
TASKS_AFTER = """
    from celery import shared_task

    from .models import Order


    @shared_task(name="shop.tasks.send_receipt")
    def send_receipt(order_id):
        return Order.objects.get(pk=order_id)


    @shared_task(bind=True, max_retries=3, name="shop.tasks.refund")
    def refund(self, order_id):
        return order_id


    @shared_task(name="shop.legacy_sync")
    def sync():
        return None
"""
TASK_TESTS = """
    from unittest import mock

    from celery import current_app

    from shop.tasks import send_receipt


    @mock.patch("shop.tasks.send_receipt")
    @mock.patch("shop.tasks.Order.objects.get")
    def test_send(get, task):
        current_app.send_task("shop.tasks.refund", args=[1])
        send_receipt.delay(1)
"""
BEAT = """
    CELERY_BEAT_SCHEDULE = {"refunds": {"task": "shop.tasks.refund", "schedule": 60}}
"""


def test_tasks_keep_their_names_and_patch_targets_follow_the_module() -> None:
    files = shop(**{"shop/tasks.py": TASKS, "tests/test_tasks.py": TASK_TESTS})
    files["mysite/settings.py"] = settings("shop", extra=BEAT)
    assert_rewrites(
        "move-apps",
        files,
        moved(
            files,
            "shop",
            "apps/shop",
            **{
                "apps/__init__.py": "",
                "apps/shop/apps.py": SHOP_APP_AFTER,
                "apps/shop/tasks.py": TASKS_AFTER,
                # the patch targets follow; the task name sent stays the name workers know
                "tests/test_tasks.py": TASK_TESTS.replace("from shop.tasks", "from apps.shop.tasks")
                .replace('"shop.tasks.send_receipt"', '"apps.shop.tasks.send_receipt"')
                .replace('"shop.tasks.Order', '"apps.shop.tasks.Order'),
                "mysite/settings.py": settings("apps.shop", extra=BEAT),
                "mysite/urls.py": "from django.urls import include, path\n\nurlpatterns = "
                '[path("", include("apps.shop.urls"))]\n',
            },
        ),
        notes=[
            "shop: tasks of shop keep their names (shop.tasks.send_receipt, shop.tasks.refund; "
            "set with name=) after the move to apps.shop, so queued messages and beat entries "
            "still run; tasks added later are named apps.shop.*",
            DEPLOY_NOTE,
        ],
    )


def test_a_long_task_decorator_is_split_at_the_projects_line_length() -> None:
    tasks = """
        from celery import shared_task


        @shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
        def send_the_confirmation_email(self, order_id):
            return order_id
    """
    files = shop(**{"shop/tasks.py": tasks, "setup.cfg": "[isort]\nline_length = 88\n"})
    result, _ = run_codemod("move-apps", _project(files))
    assert result.text("apps/shop/tasks.py").split("\n\n\n")[1].splitlines()[:7] == [
        "@shared_task(",
        "    bind=True,",
        "    autoretry_for=(OSError,),",
        "    retry_backoff=True,",
        "    max_retries=5,",
        '    name="shop.tasks.send_the_confirmation_email",',
        ")",
    ]


LOGGING = """
    LOGGING = {
        "version": 1,
        "loggers": {"shop": {"level": "INFO"}, "shop.views": {"level": "DEBUG"}},
    }
    LOGGING["loggers"]["shop"]["handlers"] = []
"""


def test_loggers_follow_the_modules_that_log_through_dunder_name() -> None:
    files = shop()
    files["mysite/settings.py"] = settings("shop", extra=LOGGING)
    result, _ = run_codemod("move-apps", _project(files))
    assert result.text("mysite/settings.py") == settings(
        "apps.shop",
        extra=LOGGING.replace('"shop"', '"apps.shop"').replace('"shop.views"', '"apps.shop.views"'),
    )


def test_a_nested_app_in_the_project_package_moves_to_apps() -> None:
    files = {
        **base("mysite.blog"),
        "mysite/urls.py": 'from django.urls import include, path\n\nurlpatterns = [path("", '
        'include("mysite.blog.urls"))]\n',
        "mysite/utils.py": "def slug(text):\n    return text\n",
        "mysite/blog/__init__.py": "",
        "mysite/blog/apps.py": "from django.apps import AppConfig\n\n\nclass BlogConfig(AppConfig"
        '):\n    name = "mysite.blog"\n',
        "mysite/blog/urls.py": "from ..utils import slug\nfrom . import views\n\nurlpatterns = "
        "[]\n",
        "mysite/blog/views.py": "",
    }
    assert_rewrites(
        "move-apps",
        files,
        {
            **moved(files, "mysite/blog", "apps/blog"),
            "apps/__init__.py": "",
            "apps/blog/apps.py": "from django.apps import AppConfig\n\n\nclass BlogConfig(AppConfig"
            '):\n    name = "apps.blog"\n    label = "blog"\n',
            "apps/blog/urls.py": "from mysite.utils import slug\nfrom . import views\n\n"
            "urlpatterns = []\n",
            "mysite/settings.py": settings("apps.blog"),
            "mysite/urls.py": 'from django.urls import include, path\n\nurlpatterns = [path("", '
            'include("apps.blog.urls"))]\n',
        },
    )


def test_an_app_inside_an_app_moves_with_it_and_keeps_its_label() -> None:
    files = shop(
        **{
            "shop/inventory/__init__.py": "",
            "shop/inventory/apps.py": "from django.apps import AppConfig\n\n\nclass Inventory"
            'Config(AppConfig):\n    name = "shop.inventory"\n',
        }
    )
    files["mysite/settings.py"] = settings("shop", "shop.inventory")
    result, changes = run_codemod("move-apps", _project(files))
    assert dict(changes.moves) == {"shop": "apps.shop"}
    assert result.text("apps/shop/inventory/apps.py").endswith(
        'name = "apps.shop.inventory"\n    label = "inventory"\n'
    )
    assert '"apps.shop.inventory",' in result.text("mysite/settings.py")


def test_an_app_named_like_a_stdlib_module_moves_when_nested() -> None:
    files = {
        **base("mysite.email"),
        "mysite/email/__init__.py": "",
        "mysite/email/models.py": "",
        "mysite/email/tests.py": "from mysite.email.models import *  # noqa\nimport email\n",
    }
    result, changes = run_codemod("move-apps", _project(files))
    assert dict(changes.moves) == {"mysite.email": "apps.email"}
    # `import email` meant the standard library before and still does
    assert result.text("apps/email/tests.py") == (
        "from apps.email.models import *  # noqa\nimport email\n"
    )


CONFIGS = {
    "pytest.ini": """
        [pytest]
        DJANGO_SETTINGS_MODULE = mysite.settings
        testpaths = shop
        addopts = --cov=shop --cov-report=term
    """,
    "setup.cfg": """
        [isort]
        known_first_party = mysite,shop,blog

        [coverage:run]
        source =
            shop
            blog
        omit = shop/migrations/*

        [mypy-shop.migrations.*]
        ignore_errors = True
    """,
    "tox.ini": """
        [testenv]
        commands = python manage.py test shop blog --parallel
    """,
}
CONFIGS_AFTER = {
    "pytest.ini": """
        [pytest]
        DJANGO_SETTINGS_MODULE = mysite.settings
        testpaths = apps/shop
        addopts = --cov=apps.shop --cov-report=term
    """,
    "setup.cfg": """
        [isort]
        known_first_party = mysite,apps

        [coverage:run]
        source =
            apps.shop
            apps.blog
        omit = apps/shop/migrations/*

        [mypy-apps.shop.migrations.*]
        ignore_errors = True
    """,
    "tox.ini": """
        [testenv]
        commands = python manage.py test apps.shop apps.blog --parallel
    """,
}


def test_pytest_tox_coverage_and_isort_settings_follow_the_move() -> None:
    files = {
        **shop(**CONFIGS),
        "shop/migrations/__init__.py": "",
        "blog/__init__.py": "",
        "blog/models.py": "",
    }
    files["mysite/settings.py"] = settings("shop", "blog")
    result, _ = run_codemod("move-apps", _project(files))
    for path, text in dedent(dict(CONFIGS_AFTER)).items():
        assert result.text(path) == text, path


TEMPLATE = """
    {% extends "shop/base.html" %}
    {% load static shop_tags %}
    <a href="{% url 'shop:index' %}">Back to the shop</a>
    <img src="{% static 'shop/logo.png' %}">
"""
FIXTURE = '[{"model": "shop.order", "pk": 1, "fields": {"customer": 1}}]\n'


def test_templates_tags_commands_fixtures_and_a_models_package_move_as_they_are() -> None:
    files = shop(
        **{
            "shop/models.py": None,
            "shop/models/__init__.py": "from .order import Customer, Order\n",
            "shop/models/order.py": SHOP_MODELS,
            "shop/templatetags/__init__.py": "",
            "shop/templatetags/shop_tags.py": "from django import template\n\nregister = "
            "template.Library()\n",
            "shop/management/__init__.py": "",
            "shop/management/commands/__init__.py": "",
            "shop/management/commands/close_orders.py": "from django.core.management.base "
            "import BaseCommand\n\nfrom shop.models import Order\n\n\nclass Command(BaseCommand"
            "):\n    def handle(self, *args, **options):\n        Order.objects.all()\n",
            "shop/templates/shop/index.html": TEMPLATE,
            "shop/fixtures/orders.json": FIXTURE,
        }
    )
    del files["shop/models.py"]
    result, _ = run_codemod("move-apps", _project(files))
    assert result.text("apps/shop/templates/shop/index.html") == dedent({"t": TEMPLATE})["t"]
    # `shop.order` is a model label even though the app has a module `shop/order.py`
    assert result.text("apps/shop/fixtures/orders.json") == FIXTURE
    assert "from apps.shop.models import Order" in result.text(
        "apps/shop/management/commands/close_orders.py"
    )
    assert result.exists("apps/shop/templatetags/shop_tags.py")
    assert not [path for path in result.paths if path.startswith("shop/")]


def test_a_binary_static_file_is_carried_as_a_pure_rename() -> None:
    files = shop()
    project = _project(files, opaque=("shop/static/shop/logo.png", "shop/fixtures/data.bin"))
    result, _ = run_codemod("move-apps", project)
    assert result.opaque_paths == {
        "apps/shop/static/shop/logo.png",
        "apps/shop/fixtures/data.bin",
    }


# -- left with a note ---------------------------------------------------------------------------
def test_the_project_package_that_is_also_an_app_is_left_with_a_note() -> None:
    files = {
        "manage.py": MANAGE,
        "mysite/__init__.py": "",
        "mysite/settings.py": settings("mysite").replace('"shop.Customer"', '"mysite.Customer"'),
        "mysite/urls.py": "urlpatterns = []\n",
        "mysite/models.py": "",
    }
    assert_noop(
        "move-apps",
        files,
        notes=[
            "mysite: mysite not moved to apps/: it is the project package (settings, urls, "
            "wsgi) as well as an app; run config-package first (it moves the glue to config/), "
            "then move-apps moves the rest"
        ],
    )


def test_a_top_level_app_named_like_a_stdlib_module_is_left_with_a_note() -> None:
    files = {**base("logging"), "logging/__init__.py": "", "logging/models.py": ""}
    changes = assert_noop("move-apps", files)
    [note] = changes.notes
    assert note.path == "logging"
    assert "standard-library module" in note.message


def test_an_app_named_like_a_declared_dependency_is_left_with_a_note() -> None:
    files = {
        **base("celery"),
        "celery/__init__.py": "",
        "requirements.txt": "Django==5.2\ncelery==5.4\n",
    }
    [note] = assert_noop("move-apps", files).notes
    assert "third-party package" in note.message


def test_a_file_binding_apps_next_to_a_plain_import_of_the_app_is_left_with_a_note() -> None:
    files = shop(
        **{
            "shop/signals.py": "from django.apps import apps\n\nimport shop.models\n\n\ndef "
            "model():\n    return apps.get_model('shop', 'Order'), shop.models.Order\n",
        }
    )
    [note] = assert_noop("move-apps", files).notes
    assert note.message.startswith(
        "shop not moved to apps/: shop/signals.py:3 `import shop.models` would become "
        "`import apps.shop.models`, which binds `apps`"
    )


def test_a_migration_function_taking_apps_beside_a_plain_import_is_fine() -> None:
    migration = (
        "from django.db import migrations\n\nimport shop.fields\n\nFIELD = shop.fields\n\n\n"
        "def forwards(apps, schema_editor):\n    apps.get_model('shop', 'Order')\n"
    )
    files = shop(**{"shop/fields.py": "", "shop/migrations/__init__.py": ""})
    files["shop/migrations/0001_initial.py"] = migration
    _, changes = run_codemod("move-apps", _project(files))
    assert dict(changes.moves) == {"shop": "apps.shop"}


def test_a_target_that_already_exists_is_left_with_a_note() -> None:
    files = shop(**{"apps/__init__.py": "", "apps/shop/__init__.py": "", "apps/shop/x.py": ""})
    [note] = assert_noop("move-apps", files).notes
    assert (
        note.message == "shop not moved to apps/: apps/shop already exists; merge the two by hand"
    )


def test_an_app_config_with_a_computed_name_is_left_with_a_note() -> None:
    computed = SHOP_APP.replace('name = "shop"', 'name = __name__.rpartition(".")[0]')
    [note] = assert_noop("move-apps", shop(**{"shop/apps.py": computed})).notes
    assert "no AppConfig in shop/apps.py sets name = 'shop'" in note.message


def test_an_app_holding_a_symlink_is_left_with_a_note() -> None:
    project = _project(shop(), fixed=("shop/static/shop/vendor.js",))
    changes = run_codemod("move-apps", project)[1]
    assert changes.is_empty
    assert "shop/static/shop/vendor.js is a symlink" in changes.notes[0].message


@pytest.mark.parametrize(
    "files",
    [
        pytest.param(
            {
                **base("apps.shop"),
                "apps/__init__.py": "",
                "apps/shop/__init__.py": "",
                "apps/shop/apps.py": SHOP_APP_AFTER,
            },
            id="apps already in apps/",
        ),
        pytest.param(base("django.contrib.admin"), id="no local app"),
        pytest.param(
            {
                **base("shop"),
                "shop.py": "",
            },
            id="an INSTALLED_APPS entry that is a module, not a package",
        ),
        pytest.param({"README.md": "no django here\n"}, id="no settings"),
        pytest.param(
            {**base("django.contrib.admin"), "utils/__init__.py": "", "utils/text.py": ""},
            id="a local package that is not an app",
        ),
        pytest.param(
            {
                **base("django.contrib.admin", extra='# INSTALLED_APPS += ["shop"]\n'),
                "shop/__init__.py": "",
                "shop/models.py": "",
            },
            id="an app package whose INSTALLED_APPS entry is commented out",
        ),
        pytest.param(
            {
                **base("apps.shop.apps.ShopConfig"),
                "apps/__init__.py": "",
                "apps/shop/__init__.py": "",
                "apps/shop/apps.py": SHOP_APP_AFTER,
            },
            id="apps already in apps/, installed by their AppConfig",
        ),
    ],
)
def test_noop(files: dict[str, str]) -> None:
    assert_noop("move-apps", files, notes=[])


def test_a_module_named_apps_in_the_way_is_a_note() -> None:
    files = shop(**{"apps.py": "X = 1\n"})
    [note] = assert_noop("move-apps", files).notes
    assert note.path == "apps.py"


def _project(files, opaque=(), fixed=()):
    texts = {path: text for path, text in dedent(dict(files)).items() if text is not None}
    return new_project(Path("/nonexistent"), texts, Config(), None, opaque, fixed)


PATH_SETTINGS = """
    import os

    STATICFILES_DIRS = [BASE_DIR / "shop" / "assets"]
    TEMPLATES = [{"DIRS": [os.path.join(BASE_DIR, "shop/templates")]}]
    SHOP_LABEL = "shop"
"""


def test_a_path_into_the_app_folder_built_in_code_is_a_note() -> None:
    files = shop()
    files["mysite/settings.py"] = settings("shop", extra=PATH_SETTINGS)
    project = make_project(files)
    changes = codemod("move-apps").run(project)
    found = [str(note) for note in changes.notes if "built in code" in note.message]
    message = (
        "a path into shop/ built in code; shop now lives in apps/shop/, so point it there by hand"
    )
    # settings() writes seven lines, then a blank one and `import os`
    assert found == [f"mysite/settings.py:11: {message}", f"mysite/settings.py:12: {message}"]


def test_a_label_string_beside_a_path_join_is_no_path() -> None:
    extra = 'import os\n\nDATA = os.path.join(BASE_DIR, "data")\nLABEL = "shop"\n'
    files = shop()
    files["mysite/settings.py"] = settings("shop", extra=extra)
    changes = codemod("move-apps").run(make_project(files))
    assert not [note for note in changes.notes if "built in code" in note.message]


def test_it_is_opt_in_and_runs_when_named_before_the_contract() -> None:
    codemods = available_codemods()
    assert "move-apps" in [c.name for c in codemods if c.opt_in]
    assert "move-apps" not in [c.name for c in select(codemods, (), ())]
    named = [c.name for c in select(codemods, ("extract-services", "move-apps"), ())]
    assert named == ["extract-services", "move-apps"]
    everything = [c.name for c in codemods]
    assert everything.index("move-apps") < everything.index("add-layering-contract")
    assert everything.index("move-apps") < everything.index("add-observability")
