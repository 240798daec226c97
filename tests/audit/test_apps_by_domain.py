"""Rule 4: apps by domain: god apps, apps named after a table or a layer."""

from __future__ import annotations

import pytest

from djrefactor.audit import apps_by_domain
from tests.audit.cases import found, legacy

HEADER = "from django.db import models\n\n\n"


def models(*classes: str) -> str:
    return HEADER + "\n\n".join(classes) + "\n"


def model(name: str, *fields: str) -> str:
    body = "\n".join(f"    {field}" for field in fields) or "    name = models.CharField()"
    return f"class {name}(models.Model):\n{body}\n"


def fk(target: str) -> str:
    return f"{target.lower()} = models.ForeignKey({target!r}, on_delete=models.CASCADE)"


CATALOG = [model("Product"), model("Image", fk("Product")), model("Price", fk("Product"))]
ORDERS = [model("Order"), model("Line", fk("Order"), "product = models.ForeignKey(Product)")]
SUPPORT = [model("Ticket"), model("Reply", fk("Ticket")), model("Tag"), model("Macro")]


def test_a_god_app_lists_its_unrelated_groups() -> None:
    files = legacy(**{"shop/models.py": models(*CATALOG, *ORDERS, *SUPPORT)})
    assert found(apps_by_domain, files) == [
        "shop/models.py:4: app shop holds 9 models in 4 groups with no foreign key between "
        "them: {Product, Image, Price, Order, Line}; {Ticket, Reply}; {Tag}; {Macro}"
    ]


@pytest.mark.parametrize(
    ("label", "name"),
    [
        ("orders", "Order"),
        ("order", "Order"),
        ("categories", "Category"),
        ("order_items", "OrderItem"),
        ("boxes", "Box"),
    ],
)
def test_an_app_named_after_its_model(label: str, name: str) -> None:
    files = legacy(
        f'INSTALLED_APPS = ["{label}"]\n',
        **{f"{label}/__init__.py": "", f"{label}/models.py": models(model(name))},
    )
    assert found(apps_by_domain, files) == [
        f"{label}/models.py:4: app {label} is named after its model {name} (a table), not a domain"
    ]


def test_an_app_named_after_a_layer_holding_models() -> None:
    files = legacy(
        'INSTALLED_APPS = ["api"]\n',
        **{"api/__init__.py": "", "api/models.py": models(model("Ticket"))},
    )
    assert found(apps_by_domain, files) == [
        "api/models.py:4: app api is named after a layer but holds the models Ticket"
    ]


@pytest.mark.parametrize(
    "files",
    [
        pytest.param(
            legacy(**{"shop/models.py": models(*CATALOG, *ORDERS, model("Tag"))}),
            id="six models, not a god app",
        ),
        pytest.param(
            legacy(
                **{
                    "shop/models.py": models(
                        *CATALOG,
                        *ORDERS,
                        model("Review", fk("Product"), fk("Order")),
                        model("Coupon", fk("Order")),
                        model("Refund", fk("Order")),
                    )
                }
            ),
            id="nine models, all linked",
        ),
        pytest.param(
            legacy(
                'INSTALLED_APPS = ["users"]\n',
                **{
                    "users/__init__.py": "",
                    "users/models.py": "from django.contrib.auth.models import AbstractUser\n\n\n"
                    "class User(AbstractUser):\n    pass\n",
                },
            ),
            id="users holding the custom user model",
        ),
        pytest.param(
            legacy(
                'INSTALLED_APPS = ["orders"]\n',
                **{
                    "orders/__init__.py": "",
                    "orders/models.py": models(
                        "class Base(models.Model):\n    class Meta:\n        abstract = True\n",
                        "class Order(Base):\n    class Meta:\n        proxy = True\n",
                    ),
                },
            ),
            id="abstract and proxy models have no table",
        ),
        pytest.param(
            legacy('INSTALLED_APPS = ["api"]\n', **{"api/__init__.py": "", "api/views.py": ""}),
            id="an api app without models",
        ),
    ],
)
def test_no_finding(files: dict[str, str]) -> None:
    assert found(apps_by_domain, files) == []
