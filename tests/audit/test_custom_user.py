"""Rule 2: a custom user model, and the mid-project procedure specific to this project."""

from __future__ import annotations

import pytest

from djrefactor.audit import custom_user
from tests.audit.cases import found, legacy, split
from tests.helpers import make_project

MIGRATION = """
    from django.conf import settings
    from django.db import migrations, models


    class Migration(migrations.Migration):
        dependencies = [migrations.swappable_dependency(settings.AUTH_USER_MODEL)]
        operations = [
            migrations.CreateModel(
                name="Order",
                fields=[("buyer", models.ForeignKey(on_delete=models.CASCADE, to="auth.User"))],
            ),
        ]
"""


def absent() -> dict[str, str]:
    return legacy(
        **{
            "shop/migrations/__init__.py": "",
            "shop/migrations/0001_initial.py": MIGRATION,
            "shop/models.py": "from django.contrib.auth.models import User\n",
            "shop/tests.py": "from django.contrib.auth.models import Group, User\n",
        }
    )


def test_absent_is_one_finding_with_this_projects_migrations_and_references() -> None:
    [finding] = custom_user.check(make_project(absent()))
    assert finding.where == "mysite/settings.py"
    assert finding.message.startswith("no custom user model")
    assert (
        "Here, today: 1 app with migrations (shop); 2 references to the user model in 1 "
        "migration file; 2 imports of django.contrib.auth.models.User."
    ) in finding.why
    fix = finding.fix
    assert 'db_table = "auth_user"' in fix
    assert 'set AUTH_USER_MODEL = "users.User"' in fix and "mysite/settings.py" in fix
    assert "INSERT INTO django_migrations (app, name, applied)" in fix
    assert "UPDATE django_content_type SET app_label = 'users'" in fix
    listed = [line.strip() for line in fix.splitlines() if line.startswith("     ")]
    assert "shop/migrations/0001_initial.py:6" in listed  # swappable_dependency
    assert "shop/migrations/0001_initial.py:10" in listed  # to="auth.User"
    assert "shop/models.py:1" in listed
    assert "shop/tests.py:1" in listed


def test_a_user_class_that_the_setting_does_not_name() -> None:
    files = legacy(
        **{
            "shop/models.py": "from django.contrib.auth import models as auth\n\n\n"
            "class Customer(auth.AbstractUser):\n    pass\n"
        }
    )
    assert found(custom_user, files) == [
        "shop/models.py:4: Customer subclasses a Django user base class, but AUTH_USER_MODEL "
        "does not name it: Django still uses auth.User"
    ]


@pytest.mark.parametrize(
    "files",
    [
        pytest.param(
            legacy(
                'AUTH_USER_MODEL = "users.User"\n',
                **{"users/models.py": "from django.contrib.auth.models import AbstractUser\n"},
            ),
            id="AUTH_USER_MODEL set",
        ),
        pytest.param(
            split(**{"config/settings/base.py": 'AUTH_USER_MODEL = "accounts.Member"\n'}),
            id="set in split settings",
        ),
        pytest.param(
            legacy(
                'AUTH_USER_MODEL = "users.User"\n',
                **{"shop/models.py": "class User(AbstractBaseUser): ...\n"},
            ),
            id="a user class named by the setting",
        ),
    ],
)
def test_no_finding(files: dict[str, str]) -> None:
    assert found(custom_user, files) == []
