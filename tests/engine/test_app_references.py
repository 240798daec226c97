"""A moved Django app that keeps its label: which strings name its package, which its label."""

from __future__ import annotations

import libcst as cst
import pytest

from djrefactor.engine.app_references import (
    IMPORT,
    MODULE,
    PATCH,
    STRING,
    AppStrings,
    config_names,
    string_contexts,
)
from djrefactor.engine.references import import_targets_pass, text_pass

SHOP = AppStrings(
    "shop",
    "apps.shop",
    frozenset({"urls", "views", "tasks", "models"}),
    frozenset({"shop.tasks.x"}),
)


@pytest.mark.parametrize(
    ("value", "context", "follows"),
    [
        ("shop", STRING, False),
        ("shop", MODULE, True),
        ("shop", IMPORT, True),
        ("shop.Order", STRING, False),
        ("shop.order", STRING, False),
        ("shop.add_order", STRING, False),
        ("shop:index", STRING, False),
        ("shop.urls", STRING, True),
        ("shop.views.stripe.Charge", PATCH, True),
        ("shop.tasks.x", STRING, False),
        ("shop.tasks.x", PATCH, True),
        ("shop.tasks.x", MODULE, False),
    ],
)
def test_follows(value: str, context: str, follows: bool) -> None:
    assert SHOP.follows(value, context) is follows


def test_a_nested_app_has_no_label_strings_below_its_dotted_name() -> None:
    blog = AppStrings("mysite.blog", "apps.blog", frozenset(), frozenset())
    assert blog.follows("mysite.blog", STRING)
    assert blog.follows("mysite.blog.Post", STRING)


CONTEXTS = """
INSTALLED_APPS = ["shop"]
INSTALLED_APPS += ["shop"]
INSTALLED_APPS.append("shop")
LOGGING = {"loggers": {"shop": {}}}
LOGGING["loggers"]["shop"]["level"] = "INFO"
logger = logging.getLogger("shop")
apps.is_installed("shop")
app.autodiscover_tasks(["shop", "shop"])
override_settings(INSTALLED_APPS=["shop"])
mock.patch("shop.views.x")
monkeypatch.setattr("shop.views.x", None)
apps.get_model("shop", "Order")
"""


def test_string_contexts() -> None:
    tree = cst.parse_module(CONTEXTS)
    updated = import_targets_pass(
        tree, "mysite.settings", False, [("shop", "apps.shop")], apps={"shop": SHOP}
    )
    assert updated is not None
    expected = CONTEXTS.replace('"shop"', '"apps.shop"').replace('"shop.views', '"apps.shop.views')
    expected = expected.replace('get_model("apps.shop", "Order")', 'get_model("shop", "Order")')
    assert updated.code == expected
    assert len(string_contexts(tree)) == 12


CONFIG = """\
[isort]
known_first_party = shop,blog,apps
[coverage:run]
source = shop
[importlinter]
root_packages =
    shop
    config
[importlinter:contract:mine]
source_modules = shop
[tool:pytest]
testpaths = shop tests
addopts = --cov shop -p no:shop
[other]
name = shop
"""


def test_config_names() -> None:
    assert config_names(CONFIG, SHOP) == (
        "[isort]\nknown_first_party = apps,blog\n[coverage:run]\nsource = apps.shop\n"
        "[importlinter]\nroot_packages =\n    apps\n    config\n"
        "[importlinter:contract:mine]\nsource_modules = apps.shop\n"
        "[tool:pytest]\ntestpaths = apps/shop tests\naddopts = --cov apps.shop -p no:shop\n"
        "[other]\nname = shop\n"
    )


def test_templates_and_data_never_follow_a_labelled_app() -> None:
    fixture = '[{"model": "shop.order"}, {"x": "shop.urls"}]\n'
    assert text_pass(fixture, [("shop", "apps.shop")], apps={"shop": SHOP}, config=False) == fixture


def test_a_glob_in_a_config_file_follows() -> None:
    text = "[mypy-shop.*]\nignore_errors = True\n"
    assert text_pass(text, [("shop", "apps.shop")], apps={"shop": SHOP}) == (
        "[mypy-apps.shop.*]\nignore_errors = True\n"
    )
