"""Reference rewriting: every importer and string reference follows a moved module or name."""

from __future__ import annotations

from types import MappingProxyType

import libcst as cst
import pytest

from djrefactor.engine import apply_changes
from djrefactor.engine.references import import_targets_pass, text_pass
from djrefactor.model import Changes, Redirect
from tests.helpers import dedent, make_project

SITE = {
    "manage.py": """\
        import os
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
        """,
    "mysite/__init__.py": "",
    "mysite/settings.py": """\
        ROOT_URLCONF = "mysite.urls"
        WSGI_APPLICATION = "mysite.wsgi.application"
        """,
    "mysite/urls.py": "urlpatterns = []\n",
    "mysite/wsgi.py": """\
        import os
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
        application = None
        """,
    "app/__init__.py": "",
    "app/views.py": """\
        def helper():
            pass


        def other():
            pass
        """,
}


def changed(files: dict[str, str], changes: Changes) -> dict[str, str | None]:
    """Every file that differs after `changes`: new text, or None when it is gone."""
    before = make_project({**SITE, **files})
    after, _ = apply_changes(before, changes)
    result: dict[str, str | None] = {}
    for path in sorted(set(before.paths) | set(after.paths)):
        old = before.text(path) if before.exists(path) else None
        new = after.text(path) if after.exists(path) else None
        if old != new:
            result[path] = new
    return result


def move(old: str, new: str) -> Changes:
    return Changes(moves={old: new})


def redirect(old: str, new: str, **per_path: str) -> Changes:
    return Changes(redirects=(Redirect(old, new, MappingProxyType(per_path)),))


def expect(files: dict[str, str], changes: Changes, path: str, after: str) -> None:
    got = changed(files, changes)
    assert got.get(path) == dedent({path: after})[path]


# -- imports of a moved module ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param("import app.views\n", "import services.app\n", id="import a.b"),
        pytest.param(
            "import app.views as v\nv.helper()\n",
            "import services.app as v\nv.helper()\n",
            id="import a.b as c keeps the alias",
        ),
        pytest.param(
            "from app import views\nviews.helper()\n",
            "from services import app as views\nviews.helper()\n",
            id="from a import b keeps the local name",
        ),
        pytest.param(
            "from app.views import helper, other\n",
            "from services.app import helper, other\n",
            id="from a.b import x, y",
        ),
        pytest.param(
            "from app.views import (\n    helper,\n    other,\n)\n",
            "from services.app import (\n    helper,\n    other,\n)\n",
            id="parenthesized from import keeps its layout",
        ),
        pytest.param(
            "import app.views\n\napp.views.helper()\nx = app.views.other\n",
            "import services.app\n\nservices.app.helper()\nx = services.app.other\n",
            id="attribute chains through a plain import",
        ),
        pytest.param(
            "import os, app.views\n",
            "import os, services.app\n",
            id="one name of a multi-import",
        ),
        pytest.param(
            "def f():\n    from app.views import helper\n    return helper()\n",
            "def f():\n    from services.app import helper\n    return helper()\n",
            id="function-local import",
        ),
    ],
)
def test_importers_follow_a_moved_module(before, after):
    expect({"main.py": before}, move("app.views", "services.app"), "main.py", after)


@pytest.mark.parametrize(
    ("path", "before", "after"),
    [
        pytest.param(
            "app/urls.py",
            "from . import views\n",
            "from services import app as views\n",
            id="from . import sibling",
        ),
        pytest.param(
            "app/urls.py",
            "from .views import helper\n",
            "from services.app import helper\n",
            id="from .sibling import name",
        ),
        pytest.param(
            "app/__init__.py",
            "from .views import helper\n",
            "from services.app import helper\n",
            id="relative import in the package's __init__",
        ),
        pytest.param(
            "app/api/views.py",
            "from ..views import helper\n",
            "from services.app import helper\n",
            id="from ..parent_sibling import name",
        ),
        pytest.param(
            "app/api/views.py",
            "from .. import views\n",
            "from services import app as views\n",
            id="from .. import module",
        ),
    ],
)
def test_relative_importers_follow_a_moved_module(path, before, after):
    files = {"app/api/__init__.py": "", path: before}
    expect(files, move("app.views", "services.app"), path, after)


def test_relative_import_of_an_unmoved_sibling_is_left_alone():
    files = {"app/urls.py": "from . import models\nfrom .models import Thing\n"}
    assert "app/urls.py" not in changed(files, move("app.views", "services.app"))


def test_settings_parent_relative_import():
    files = {"mysite/sub/__init__.py": "", "mysite/sub/x.py": "from ..settings import DEBUG\n"}
    expect(
        files,
        move("mysite.settings", "config.settings"),
        "mysite/sub/x.py",
        "from config.settings import DEBUG\n",
    )


def test_moved_module_relative_imports_are_absolutized():
    files = {
        "app/views.py": "from . import models\nfrom .models import Thing\nfrom ..mysite import x\n",
        "app/models.py": "class Thing:\n    pass\n",
    }
    got = changed(files, move("app.views", "services.app"))
    assert got["app/views.py"] is None
    # `..mysite` climbs above the top-level package: unresolvable, so kept as written.
    assert got["services/app.py"] == (
        "from app import models\nfrom app.models import Thing\nfrom ..mysite import x\n"
    )
    assert got["services/__init__.py"] == ""


def test_move_creates_missing_packages_only():
    got = changed({"services/__init__.py": "# keep\n"}, move("app.views", "services.billing.app"))
    assert set(got) == {"app/views.py", "services/billing/__init__.py", "services/billing/app.py"}


def test_moved_file_keeps_its_text_when_nothing_is_relative():
    got = changed({}, move("app.views", "services.app"))
    assert got["services/app.py"] == dedent(SITE)["app/views.py"]


# -- a top-level name moved between modules -----------------------------------------------------
NAME = redirect("app.views.helper", "services.app.helper")


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param(
            "from app.views import helper, other\n",
            "from app.views import other\nfrom services.app import helper\n",
            id="split: moved name gets its own import",
        ),
        pytest.param(
            "from app.views import helper\n",
            "from services.app import helper\n",
            id="only the moved name",
        ),
        pytest.param(
            "from app.views import helper as h, other\n",
            "from app.views import other\nfrom services.app import helper as h\n",
            id="alias of the moved name kept",
        ),
        pytest.param(
            "from app.views import (\n    helper,\n    other,\n)\n",
            "from app.views import other\nfrom services.app import helper\n",
            id="parenthesized split",
        ),
        pytest.param(
            "from app.views import other\n",
            None,
            id="other names of the module untouched",
        ),
        pytest.param(
            "from app.views import helpers\n",
            None,
            id="a name sharing the prefix untouched",
        ),
        pytest.param(
            "from app.views import *\n",
            None,
            id="star import cannot be split",
        ),
        pytest.param(
            'from unittest import mock\n\n@mock.patch("app.views.helper")\ndef test(m):\n'
            "    pass\n",
            'from unittest import mock\n\n@mock.patch("services.app.helper")\ndef test(m):\n'
            "    pass\n",
            id="mock.patch target",
        ),
        pytest.param(
            'TARGET = "app.views:helper"\n',
            'TARGET = "services.app:helper"\n',
            id="module:attribute string",
        ),
    ],
)
def test_importers_follow_a_moved_name(before, after):
    got = changed({"main.py": before}, NAME)
    assert got.get("main.py") == after


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param(
            "from . import views\n\nviews.helper()\n",
            "from . import views\nimport services.app\n\nservices.app.helper()\n",
            id="the package's module",
        ),
        pytest.param(
            "from .views import helper\n\nhelper()\n",
            "from services.app import helper\n\nhelper()\n",
            id="the name from the package's module",
        ),
    ],
)
def test_a_relative_importer_follows_without_spelling_its_package(before, after):
    """The redirect pass only looks at files where each part of `app.views.helper` is a word:
    of the file's text or of its own module's name (`app` is not written in `app/urls.py`)."""
    files = {"app/__init__.py": "", "app/views.py": "def helper(): pass\n", "app/urls.py": before}
    assert changed(files, NAME).get("app/urls.py") == after


def test_relative_import_of_a_moved_name_is_split():
    files = {"app/urls.py": "from .views import helper, other\n"}
    expect(
        files, NAME, "app/urls.py", "from .views import other\nfrom services.app import helper\n"
    )


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param(
            "import app.views\n\napp.views.helper()\napp.views.other()\n",
            "import app.views\nimport services.app\n\nservices.app.helper()\napp.views.other()\n",
            id="plain import",
        ),
        pytest.param(
            "import app.views as v\n\nv.helper()\nv.other()\n",
            "import app.views as v\nimport services.app\n\nservices.app.helper()\nv.other()\n",
            id="aliased import",
        ),
        pytest.param(
            "from app import views\n\nviews.helper()\n",
            "from app import views\nimport services.app\n\nservices.app.helper()\n",
            id="module imported from its package",
        ),
    ],
)
def test_attribute_access_to_a_moved_name_follows_it(before, after):
    got = changed({"main.py": before}, NAME)
    assert got.get("main.py") == after


# -- string references --------------------------------------------------------------------------
def test_settings_strings_follow_moved_glue():
    got = changed(
        {},
        Changes(
            moves={
                "mysite.settings": "config.settings",
                "mysite.urls": "config.urls",
                "mysite.wsgi": "config.wsgi",
            }
        ),
    )
    assert got["manage.py"] == (
        'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")\n'
    )
    assert got["config/settings.py"] == (
        'ROOT_URLCONF = "config.urls"\nWSGI_APPLICATION = "config.wsgi.application"\n'
    )
    assert 'setdefault("DJANGO_SETTINGS_MODULE", "config.settings")' in str(got["config/wsgi.py"])


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param(
            'urlpatterns = [path("", include("app.views"))]\n',
            'urlpatterns = [path("", include("services.app"))]\n',
            id="include()",
        ),
        pytest.param(
            '@patch("app.views.stripe.PaymentIntent.create")\ndef t(m): pass\n',
            '@patch("services.app.stripe.PaymentIntent.create")\ndef t(m): pass\n',
            id="patch of a vendor attribute seen through the module",
        ),
        pytest.param(
            'p = patch("app.views.Client")\n',
            'p = patch("services.app.Client")\n',
            id="patch of a class",
        ),
        pytest.param(
            "p = mock.patch.object(app_views, 'x')\nq = patch('app.views.helper')\n",
            "p = mock.patch.object(app_views, 'x')\nq = patch('services.app.helper')\n",
            id="single quotes kept",
        ),
        pytest.param('X = "app.views:helper"\n', 'X = "services.app:helper"\n', id="a.b:attr"),
        pytest.param('X = r"app.views"\n', 'X = r"services.app"\n', id="string prefix kept"),
    ],
)
def test_python_strings_follow_a_moved_module(before, after):
    expect({"main.py": before}, move("app.views", "services.app"), "main.py", after)


@pytest.mark.parametrize(
    "source",
    [
        pytest.param('"""Helpers for app.views and friends."""\n', id="prose in a docstring"),
        pytest.param('"""\napp.views\n"""\n', id="multi-line string"),
        pytest.param("# see app.views\nx = 1\n", id="comment"),
        pytest.param('X = "app.views_old"\n', id="a longer module name"),
        pytest.param('X = "myapp.views"\n', id="a name ending with the module"),
        pytest.param('X = b"app.views"\n', id="bytes"),
        pytest.param('X = "app.viewsets.Router"\n', id="a sibling sharing the prefix"),
    ],
)
def test_python_text_that_merely_contains_the_name_is_untouched(source):
    assert "main.py" not in changed({"main.py": source}, move("app.views", "services.app"))


def test_model_labels_survive_a_moved_app_package():
    tree = cst.parse_module(
        'AUTH_USER_MODEL = "app.User"\nINSTALLED_APPS = ["app", "app.apps.AppConfig"]\n'
        'FK = "app.Order"\nVIEW = "app.views.home"\n'
    )
    result = import_targets_pass(tree, "mysite.settings", False, [("app", "apps.app")])
    assert result is not None
    assert result.code == (
        'AUTH_USER_MODEL = "app.User"\nINSTALLED_APPS = ["apps.app", "apps.app.apps.AppConfig"]\n'
        'FK = "app.Order"\nVIEW = "apps.app.views.home"\n'
    )


def test_import_targets_pass_returns_none_when_nothing_refers():
    tree = cst.parse_module("import os\nX = 'mysite.settings_backup'\n")
    assert (
        import_targets_pass(tree, "main", False, [("mysite.settings", "config.settings")]) is None
    )


def test_prefix_sharing_modules_are_untouched():
    files = {
        "mysite_extra/__init__.py": "",
        "mysite_extra/settings.py": "",
        "main.py": (
            "import mysite_extra.settings\nfrom mysite import settings_backup\n"
            'X = "mysite.settings_backup"\nY = "mysite_extra.settings"\n'
        ),
    }
    got = changed(files, move("mysite.settings", "config.settings"))
    assert "main.py" not in got


# -- non-Python files ---------------------------------------------------------------------------
SETTINGS = [("mysite.settings", "config.settings")]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param(
            "[pytest]\nDJANGO_SETTINGS_MODULE = mysite.settings\npython_files = tests.py\n",
            "[pytest]\nDJANGO_SETTINGS_MODULE = config.settings\npython_files = tests.py\n",
            id="pytest.ini",
        ),
        pytest.param(
            "[testenv]\nsetenv =\n    DJANGO_SETTINGS_MODULE=mysite.settings\n    X=1\n",
            "[testenv]\nsetenv =\n    DJANGO_SETTINGS_MODULE=config.settings\n    X=1\n",
            id="tox.ini setenv",
        ),
        pytest.param(
            '[tool.pytest.ini_options]\nDJANGO_SETTINGS_MODULE = "mysite.settings"\n',
            '[tool.pytest.ini_options]\nDJANGO_SETTINGS_MODULE = "config.settings"\n',
            id="pyproject",
        ),
        pytest.param(
            "ENV DJANGO_SETTINGS_MODULE=mysite.settings\n",
            "ENV DJANGO_SETTINGS_MODULE=config.settings\n",
            id="Dockerfile ENV",
        ),
        pytest.param(
            "DJANGO_SETTINGS_MODULE=mysite.settings\n",
            "DJANGO_SETTINGS_MODULE=config.settings\n",
            id=".env.example",
        ),
        pytest.param(
            "run: pytest --ds=mysite.settings\n",
            "run: pytest --ds=config.settings\n",
            id="command-line option",
        ),
        pytest.param(
            "X=mysite.settings_backup\nY=mysite_extra.settings\nZ=oldmysite.settings\n",
            "X=mysite.settings_backup\nY=mysite_extra.settings\nZ=oldmysite.settings\n",
            id="prefix-sharing names untouched",
        ),
        pytest.param(
            "DJANGO_SETTINGS_MODULE=mysite.settings.local\n",
            "DJANGO_SETTINGS_MODULE=config.settings.local\n",
            id="a submodule follows its package",
        ),
    ],
)
def test_text_pass_rewrites_dotted_module_names(before, after):
    assert text_pass(before, SETTINGS) == after


def test_procfile_module_colon_attribute():
    procfile = "web: gunicorn mysite.wsgi:application --log-file -\n"
    assert text_pass(procfile, [("mysite.wsgi", "config.wsgi")]) == (
        "web: gunicorn config.wsgi:application --log-file -\n"
    )


def test_non_python_files_follow_a_move_through_the_engine():
    files = {
        "pytest.ini": "[pytest]\nDJANGO_SETTINGS_MODULE = mysite.settings\n",
        "setup.cfg": "[tool:pytest]\nDJANGO_SETTINGS_MODULE = mysite.settings\n",
        "Procfile": "web: gunicorn mysite.wsgi:application\n",
    }
    got = changed(
        files,
        Changes(
            moves={
                "mysite.settings": "config.settings",
                "mysite.wsgi": "config.wsgi",
            }
        ),
    )
    assert got["pytest.ini"] == "[pytest]\nDJANGO_SETTINGS_MODULE = config.settings\n"
    assert got["setup.cfg"] == "[tool:pytest]\nDJANGO_SETTINGS_MODULE = config.settings\n"
    assert got["Procfile"] == "web: gunicorn config.wsgi:application\n"


# -- per-path targets ---------------------------------------------------------------------------
def test_per_path_redirect_sends_chosen_files_elsewhere():
    files = {
        "pytest.ini": "[pytest]\nDJANGO_SETTINGS_MODULE = mysite.settings\n",
        "Dockerfile": "ENV DJANGO_SETTINGS_MODULE=mysite.settings\n",
    }
    got = changed(
        files,
        redirect(
            "mysite.settings",
            "config.settings.development",
            **{
                "mysite/wsgi.py": "config.settings.production",
                "Dockerfile": "config.settings.production",
            },
        ),
    )
    assert '"config.settings.development"' in str(got["manage.py"])
    assert '"config.settings.production"' in str(got["mysite/wsgi.py"])
    assert got["pytest.ini"] == "[pytest]\nDJANGO_SETTINGS_MODULE = config.settings.development\n"
    assert got["Dockerfile"] == "ENV DJANGO_SETTINGS_MODULE=config.settings.production\n"


def test_redirect_to_a_submodule_of_itself_is_stable():
    # mysite.settings -> mysite.settings.base must not grow on every pass.
    once = text_pass("X=mysite.settings\n", [("mysite.settings", "mysite.settings.base")])
    assert once == "X=mysite.settings.base\n"
    assert text_pass(once, [("mysite.settings", "mysite.settings.base")]) == once


@pytest.mark.parametrize(
    ("changes", "again"),
    [
        pytest.param(
            move("app.views", "services.app"), redirect("app.views", "services.app"), id="module"
        ),
        pytest.param(NAME, NAME, id="name"),
    ],
)
def test_a_second_pass_changes_nothing(changes, again):
    files = {
        "main.py": (
            "import app.views\nimport app.views as v\nfrom app import views\n"
            "from app.views import helper, other\n\n"
            'app.views.helper()\nv.helper()\nviews.helper()\nT = "app.views:helper"\n'
        ),
        "app/urls.py": "from . import views\nfrom .views import helper\n",
    }
    once, _ = apply_changes(make_project({**SITE, **files}), changes)
    twice, _ = apply_changes(once, again)
    assert {p: twice.text(p) for p in twice.paths} == {p: once.text(p) for p in once.paths}


def test_a_module_becoming_a_package_keeps_references_to_its_new_submodules():
    project = make_project(
        {
            "manage.py": 'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\n',
            "mysite/__init__.py": "",
            "mysite/settings.py": "DEBUG = True\n",
            "pytest.ini": "[pytest]\nDJANGO_SETTINGS_MODULE = mysite.settings\n",
        }
    )
    changes = Changes(
        writes={
            "mysite/settings/__init__.py": "",
            "mysite/settings/base.py": "DEBUG = False\n",
            "mysite/settings/development.py": (
                "from .base import *\nfrom mysite.settings.base import DEBUG\n"
            ),
        },
        deletes=frozenset({"mysite/settings.py"}),
        redirects=(Redirect("mysite.settings", "mysite.settings.development"),),
    )
    after, _ = apply_changes(project, changes)
    assert after.text("mysite/settings/development.py") == (
        "from .base import *\nfrom mysite.settings.base import DEBUG\n"
    )
    assert '"mysite.settings.development"' in after.text("manage.py")
    assert "= mysite.settings.development\n" in after.text("pytest.ini")


def test_config_files_naming_a_moved_file_by_path_follow_the_move():
    project = make_project(
        {
            "mysite/__init__.py": "",
            "mysite/settings.py": "DEBUG = True\n",
            "setup.cfg": "[flake8]\nper-file-ignores =\n    mysite/settings.py:E501\n"
            "    other_mysite/settings.py:E501\n",
        }
    )
    after, _ = apply_changes(project, Changes(moves={"mysite.settings": "config.settings"}))
    assert after.text("setup.cfg") == (
        "[flake8]\nper-file-ignores =\n    config/settings.py:E501\n"
        "    other_mysite/settings.py:E501\n"
    )
