"""Rule 5: vendor SDKs outside integrations/, integrations importing apps."""

from __future__ import annotations

import pytest

from djrefactor.audit import integrations
from djrefactor.config import Config
from tests.audit.cases import found, legacy


def test_vendor_imports_outside_integrations_one_finding_per_file_and_vendor() -> None:
    files = legacy(
        **{
            "shop/views.py": "import stripe\n"
            "from twilio.rest import Client\n"
            "from twilio.base import x\n",
            "shop/models.py": "import boto3 as aws\n",
        }
    )
    assert found(integrations, files) == [
        "shop/models.py:1: imports boto3 outside integrations/",
        "shop/views.py:1: imports stripe outside integrations/",
        "shop/views.py:2: imports twilio outside integrations/ (twilio.rest, twilio.base)",
    ]


def test_a_configured_vendor_counts() -> None:
    files = legacy(**{"shop/tasks.py": "def f():\n    import acme_sdk.client\n"})
    assert found(integrations, files, Config(vendors=("acme_sdk",))) == [
        "shop/tasks.py:2: imports acme_sdk outside integrations/ (acme_sdk.client)"
    ]


def test_an_integration_importing_an_app() -> None:
    files = legacy(
        **{
            "integrations/__init__.py": "",
            "integrations/stripe.py": "import stripe\nfrom shop.models import Order\n",
        }
    )
    assert found(integrations, files) == [
        "integrations/stripe.py:2: imports shop.models.Order from an integration"
    ]


@pytest.mark.parametrize(
    "files",
    [
        pytest.param(
            legacy(**{"integrations/__init__.py": "", "integrations/stripe.py": "import stripe\n"}),
            id="the SDK inside integrations",
        ),
        pytest.param(
            legacy(
                **{
                    "shop/tests/__init__.py": "",
                    "shop/tests/test_pay.py": "import stripe\n",
                    "conftest.py": "import requests\n",
                }
            ),
            id="tests may import SDKs",
        ),
        pytest.param(
            legacy(
                **{
                    "shop/views.py": "import stripe_helpers\n"
                    "from integrations.stripe import charge\n"
                }
            ),
            id="a module merely named like a vendor, the wrapper",
        ),
    ],
)
def test_no_finding(files: dict[str, str]) -> None:
    assert found(integrations, files) == []
