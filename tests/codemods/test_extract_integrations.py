import subprocess
import sys
import textwrap

import pytest

from djrefactor.engine import Config
from tests.helpers import assert_noop, assert_rewrites, codemod, dedent, make_project, run_codemod

NAME = "extract-integrations"
INIT = '"""Wrappers around third-party services: the only place vendor SDKs are imported."""\n'


def integration(title, rest):
    doc = (
        f'"""{title}: the only module that talks to this provider.\n\n'
        "Callers use these wrappers (named for what the project does) and the re-exported\n"
        "classes and exceptions; clients and keys are set up here from settings, so a change of\n"
        'provider or SDK version stays in this file.\n"""\n\n'
    )
    return doc + textwrap.dedent(rest).lstrip("\n")


STRIPE_VIEW = """
    import stripe
    from django.conf import settings

    from .models import Order

    stripe.api_key = settings.STRIPE_SECRET_KEY


    def pay(request, order_id):
        order = Order.objects.get(pk=order_id)
        try:
            intent = stripe.PaymentIntent.create(amount=order.cents, currency="usd")
        except stripe.error.CardError as e:
            return str(e)
        return intent.id
"""

STRIPE_VIEW_AFTER = """
    from integrations.stripe import CardError, create_payment_intent

    from .models import Order


    def pay(request, order_id):
        order = Order.objects.get(pk=order_id)
        try:
            intent = create_payment_intent(amount=order.cents, currency="usd")
        except CardError as e:
            return str(e)
        return intent.id
"""

STRIPE_MODULE = integration(
    "Stripe",
    """
    from typing import Any

    import stripe
    from django.conf import settings

    __all__ = [
        "CardError",
        "create_payment_intent",
    ]

    CardError = stripe.error.CardError


    def create_payment_intent(*, amount: Any, currency: Any) -> Any:
        stripe.api_key = settings.STRIPE_SECRET_KEY
        return stripe.PaymentIntent.create(amount=amount, currency=currency)
    """,
)


def test_module_path_call_key_and_exception_move_to_the_integration():
    assert_rewrites(
        NAME,
        {"shop/__init__.py": "", "shop/views.py": STRIPE_VIEW},
        {
            "shop/views.py": STRIPE_VIEW_AFTER,
            "integrations/__init__.py": INIT,
            "integrations/stripe.py": STRIPE_MODULE,
        },
    )


def test_aliased_stripe_import_and_its_patch_targets_follow():
    view = STRIPE_VIEW.replace("import stripe\n", "import stripe as s\n").replace("stripe.", "s.")
    test = """
        from unittest import mock


        @mock.patch("shop.views.s.PaymentIntent.create")
        def test_pay(create):
            create.assert_not_called()
    """
    assert_rewrites(
        NAME,
        {"shop/__init__.py": "", "shop/views.py": view, "shop/tests/test_views.py": test},
        {
            "shop/views.py": STRIPE_VIEW_AFTER,
            "shop/tests/test_views.py": test.replace(
                "shop.views.s.PaymentIntent", "integrations.stripe.stripe.PaymentIntent"
            ),
            "integrations/__init__.py": INIT,
            "integrations/stripe.py": STRIPE_MODULE,
        },
    )


TWILIO_TASK = """
    from celery import shared_task
    from django.conf import settings
    from twilio.base.exceptions import TwilioRestException
    from twilio.rest import Client as Twilio


    @shared_task
    def remind(phone, text):
        client = Twilio(settings.TWILIO_SID, settings.TWILIO_TOKEN)
        try:
            client.messages.create(to=phone, from_=settings.TWILIO_FROM, body=text)
        except TwilioRestException:
            return False
        return True
"""

TWILIO_MODULE = integration(
    "Twilio",
    """
    from typing import Any

    from django.conf import settings
    from twilio.base.exceptions import TwilioRestException
    from twilio.rest import Client

    __all__ = [
        "TwilioRestException",
        "send_sms",
    ]


    def send_sms(*, to: str, from_: Any, body: str) -> Any:
        client = Client(settings.TWILIO_SID, settings.TWILIO_TOKEN)
        return client.messages.create(to=to, from_=from_, body=body)
    """,
)


def test_aliased_local_client_becomes_a_wrapper_and_patch_of_the_class_follows():
    test = """
        from unittest import mock

        from shop.tasks import remind


        @mock.patch("shop.tasks.Twilio")
        def test_remind(twilio):
            assert remind("+1555", "hi")
            kwargs = twilio.return_value.messages.create.call_args.kwargs
            assert kwargs["to"] == "+1555"
    """
    assert_rewrites(
        NAME,
        {"shop/__init__.py": "", "shop/tasks.py": TWILIO_TASK, "shop/tests.py": test},
        {
            "shop/tasks.py": """
                from celery import shared_task
                from django.conf import settings

                from integrations.twilio import TwilioRestException, send_sms


                @shared_task
                def remind(phone, text):
                    try:
                        send_sms(to=phone, from_=settings.TWILIO_FROM, body=text)
                    except TwilioRestException:
                        return False
                    return True
            """,
            "shop/tests.py": test.replace("shop.tasks.Twilio", "integrations.twilio.Client"),
            "integrations/__init__.py": INIT,
            "integrations/twilio.py": TWILIO_MODULE,
        },
    )


def test_module_level_client_moves_and_its_patch_target_follows():
    utils = """
        import boto3
        from django.conf import settings

        # one client per process
        s3 = boto3.client("s3", region_name=settings.AWS_REGION)


        def store(fileobj, key):
            s3.upload_fileobj(fileobj, settings.BUCKET, key)
            return s3.generate_presigned_url("get_object", Params={"Key": key})
    """
    test = """
        from unittest import mock


        @mock.patch("shop.utils.s3")
        def test_store(s3):
            pass
    """
    assert_rewrites(
        NAME,
        {"shop/__init__.py": "", "shop/utils.py": utils, "shop/tests/test_utils.py": test},
        {
            "shop/utils.py": """
                from django.conf import settings

                from integrations.aws import generate_presigned_url, upload_fileobj


                def store(fileobj, key):
                    upload_fileobj(fileobj, settings.BUCKET, key)
                    return generate_presigned_url("get_object", Params={"Key": key})
            """,
            "shop/tests/test_utils.py": test.replace("shop.utils.s3", "integrations.aws.s3"),
            "integrations/__init__.py": INIT,
            "integrations/aws.py": integration(
                "AWS (boto3)",
                """
                from typing import Any

                import boto3
                from django.conf import settings

                __all__ = [
                    "generate_presigned_url",
                    "upload_fileobj",
                ]

                s3 = boto3.client("s3", region_name=settings.AWS_REGION)


                def upload_fileobj(fileobj: Any, bucket: str, key: str) -> Any:
                    return s3.upload_fileobj(fileobj, bucket, key)


                def generate_presigned_url(client_method: str, *, Params: Any) -> Any:
                    return s3.generate_presigned_url(client_method, Params=Params)
                """,
            ),
        },
    )


def test_inline_client_with_local_key_takes_the_key_as_parameter():
    view = """
        from openai import OpenAI


        def describe(account, prompt):
            reply = OpenAI(api_key=account.openai_key).chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": prompt}]
            )
            return reply.choices[0].message.content
    """
    assert_rewrites(
        NAME,
        {"ai/__init__.py": "", "ai/views.py": view},
        {
            "ai/views.py": """
                from integrations.openai import create_chat_completion


                def describe(account, prompt):
                    reply = create_chat_completion(
                        account.openai_key,
                        model="gpt-4o-mini", messages=[{"role": "user", "content": prompt}]
                    )
                    return reply.choices[0].message.content
            """,
            "integrations/__init__.py": INIT,
            "integrations/openai.py": integration(
                "OpenAI",
                """
                from typing import Any

                from openai import OpenAI

                __all__ = [
                    "create_chat_completion",
                ]


                def create_chat_completion(openai_key: Any, *, model: Any, messages: Any) -> Any:
                    client = OpenAI(api_key=openai_key)
                    return client.chat.completions.create(model=model, messages=messages)
                """,
            ),
        },
    )


def test_requests_to_a_named_api_get_their_own_module_and_shared_wrappers():
    first = """
        import requests
        from django.conf import settings


        def quote(order):
            try:
                response = requests.post(settings.SHIPPING_API_URL + "/q", json=order, timeout=5)
            except requests.RequestException:
                return None
            return response.json()
    """
    second = """
        import requests
        from django.conf import settings


        def label(order):
            return requests.post(f"{settings.SHIPPING_API_URL}/labels", json=order, timeout=9)
    """
    assert_rewrites(
        NAME,
        {"shop/__init__.py": "", "shop/quotes.py": first, "shop/labels.py": second},
        {
            "shop/quotes.py": """
                from django.conf import settings

                from integrations.shipping import RequestException, post


                def quote(order):
                    try:
                        response = post(settings.SHIPPING_API_URL + "/q", json=order, timeout=5)
                    except RequestException:
                        return None
                    return response.json()
            """,
            "shop/labels.py": """
                from django.conf import settings

                from integrations.shipping import post


                def label(order):
                    return post(f"{settings.SHIPPING_API_URL}/labels", json=order, timeout=9)
            """,
            "integrations/__init__.py": INIT,
            "integrations/shipping.py": integration(
                "shipping",
                """
                from typing import Any

                import requests

                __all__ = [
                    "RequestException",
                    "post",
                ]

                RequestException = requests.RequestException


                def post(url: str, *, json: Any, timeout: Any) -> Any:
                    return requests.post(url, json=json, timeout=timeout)
                """,
            ),
        },
    )


def test_wrapper_name_taken_in_the_caller_is_imported_under_an_alias():
    view = """
        import requests


        def post(url):
            return requests.post(url, timeout=3)
    """
    result = assert_rewrites(
        NAME,
        {"hooks.py": view},
        {
            "hooks.py": """
                from integrations.http import post as http_post


                def post(url):
                    return http_post(url, timeout=3)
            """,
            "integrations/__init__.py": INIT,
            "integrations/http.py": integration(
                "outside HTTP APIs (requests)",
                """
                from typing import Any

                import requests

                __all__ = [
                    "post",
                ]


                def post(url: str, *, timeout: Any) -> Any:
                    return requests.post(url, timeout=timeout)
                """,
            ),
        },
    )
    assert result.exists("integrations/http.py")


def test_client_passed_around_is_built_by_a_factory_and_noted():
    view = """
        from django.conf import settings
        from twilio.rest import Client


        def notify(phone):
            client = Client(settings.TWILIO_SID, settings.TWILIO_TOKEN)
            _send(client, phone)


        def _send(client, phone):
            client.messages.create(to=phone, body="hi")
    """
    project = make_project({"views.py": view})
    after, changes = run_codemod(NAME, project)
    assert (
        after.text("views.py")
        == dedent(
            {
                "v": """
        from integrations.twilio import twilio_client


        def notify(phone):
            client = twilio_client()
            _send(client, phone)


        def _send(client, phone):
            client.messages.create(to=phone, body="hi")
    """
            }
        )["v"]
    )
    assert "return Client(settings.TWILIO_SID, settings.TWILIO_TOKEN)" in after.text(
        "integrations/twilio.py"
    )
    assert [(note.path, note.line) for note in changes.notes] == [("views.py", 6)]
    assert "passed around" in changes.notes[0].message


def test_dynamic_access_is_left_in_place_with_a_note():
    view = """
        import stripe


        def fetch(kind, object_id):
            return getattr(stripe, kind).retrieve(object_id)
    """
    changes = assert_noop(NAME, {"views.py": view})
    assert [str(note).split(":")[:2] for note in changes.notes] == [
        ["views.py", "5"],
        ["views.py", "1"],
    ]


@pytest.mark.parametrize(
    "files",
    [
        pytest.param({"views.py": "from django.conf import settings\n"}, id="no vendor"),
        pytest.param(
            {"shop/tests/test_pay.py": "import stripe\n\nstripe.Charge.create(amount=1)\n"},
            id="test code keeps its vendor imports",
        ),
        pytest.param(
            {"views.py": "def pay(stripe):\n    return stripe.Charge.create(amount=1)\n"},
            id="local name shadowing the vendor",
        ),
        pytest.param(
            {"shop/migrations/0002_x.py": "import stripe\n\nstripe.Charge.create(amount=1)\n"},
            id="migrations",
        ),
        pytest.param(
            {"views.py": '# paid with stripe\nFAILED = "stripe.Charge.create failed"\n'},
            id="vendor named only in a comment and a string",
        ),
    ],
)
def test_noop(files):
    assert_noop(NAME, files)


def test_configured_vendor_is_wrapped():
    view = """
        import acme_sdk


        def ping():
            return acme_sdk.Status.fetch()
    """
    project = make_project({"views.py": view}, Config(vendors=("acme_sdk",)))
    after, _ = run_codemod(NAME, project)
    assert "from integrations.acme_sdk import fetch_status" in after.text("views.py")
    assert "return acme_sdk.Status.fetch()" in after.text("integrations/acme_sdk.py")


def test_existing_integration_module_gains_only_new_wrappers():
    existing = STRIPE_MODULE
    view = """
        import stripe


        def refund(intent):
            return stripe.Refund.create(payment_intent=intent)
    """
    project = make_project(
        {"integrations/__init__.py": INIT, "integrations/stripe.py": existing, "views.py": view}
    )
    after, _ = run_codemod(NAME, project)
    module = after.text("integrations/stripe.py")
    assert module.startswith(existing.rstrip("\n").split("\n\n\ndef ")[0].split("__all__")[0])
    assert "def create_payment_intent(" in module
    assert "def create_refund(*, payment_intent: Any) -> Any:" in module
    assert "from integrations.stripe import create_refund" in after.text("views.py")


BEHAVIOUR_TEST = """
from unittest import mock

from shop.views import pay


@mock.patch("shop.views.stripe.PaymentIntent.create")
def test_pay_sends_amount(create):
    create.return_value = mock.Mock(id="pi_1")
    assert pay(1200) == "pi_1"
    assert create.call_args.kwargs == {"amount": 1200, "currency": "usd"}


@mock.patch("shop.views.Client")
def test_text_goes_through_twilio(client):
    from shop.views import text

    text("+1555")
    client.assert_called_once_with("sid", "token")
    assert client.return_value.messages.create.call_args.kwargs["to"] == "+1555"
"""

BEHAVIOUR_VIEW = """
import stripe
from django.conf import settings
from twilio.rest import Client

stripe.api_key = settings.STRIPE_SECRET_KEY


def pay(amount):
    return stripe.PaymentIntent.create(amount=amount, currency="usd").id


def text(phone):
    Client("sid", "token").messages.create(to=phone, body="hi")
"""


CONFTEST = "from django.conf import settings\n\nsettings.configure(STRIPE_SECRET_KEY='k')\n"


def test_rewritten_project_passes_its_mock_patched_tests(tmp_path):
    files = {
        "conftest.py": CONFTEST,
        "shop/__init__.py": "",
        "shop/views.py": BEHAVIOUR_VIEW,
        "shop/tests/__init__.py": "",
        "shop/tests/test_views.py": BEHAVIOUR_TEST,
    }
    after, changes = run_codemod(NAME, make_project(files))
    assert "import stripe" not in after.text("shop/views.py")
    assert "from twilio" not in after.text("shop/views.py")
    for path in after.paths:
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(after.text(path))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:django", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


def test_codemod_runs_after_split_settings():
    assert codemod(NAME).after == ("split-settings",)


def _clients_then_classes(count):
    blocks = [
        f"""

def text_{index}(phone):
    client = Client("sid", "token")
    client.messages.create(to=phone, body="hi")


class Status{index}:
    PAID = "paid"
    PENDING = "pending"
"""
        for index in range(count)
    ]
    return "from twilio.rest import Client\n" + "".join(blocks)


def test_removed_client_lines_never_take_an_unrelated_line_with_them():
    # Each removed `client = ...` line is dropped by its block and freed; a line built later
    # in the same walk may reuse its memory, so identity by id() dropped class attributes.
    view = _clients_then_classes(30)
    for _ in range(5):
        after, _ = run_codemod(NAME, make_project({"shop/__init__.py": "", "shop/views.py": view}))
        text = after.text("shop/views.py")
        assert "client = " not in text
        assert text.count('PAID = "paid"') == 30
        assert text.count('PENDING = "pending"') == 30


def test_vendor_rebound_in_one_function_moves_only_the_uses_of_the_import():
    view = """
        import stripe


        def pay(amount):
            return stripe.Charge.create(amount=amount)


        def fake(amount):
            stripe = FakeStripe()
            return stripe.Charge.create(amount=amount)
    """
    after = """
        from integrations.stripe import create_charge


        def pay(amount):
            return create_charge(amount=amount)


        def fake(amount):
            stripe = FakeStripe()
            return stripe.Charge.create(amount=amount)
    """
    module = integration(
        "Stripe",
        """
        from typing import Any

        import stripe

        __all__ = [
            "create_charge",
        ]


        def create_charge(*, amount: Any) -> Any:
            return stripe.Charge.create(amount=amount)
        """,
    )
    assert_rewrites(
        NAME,
        {"views.py": view},
        {"views.py": after, "integrations/__init__.py": INIT, "integrations/stripe.py": module},
    )


def test_client_assigned_twice_in_one_function_is_built_by_a_factory():
    view = """
        from twilio.rest import Client


        def notify(phone):
            client = Client("sid", "token")
            client = Client("sid", "token")
            client.messages.create(to=phone, body="hi")
    """
    after, changes = run_codemod(NAME, make_project({"views.py": view}))
    text = after.text("views.py")
    assert text.count("client = twilio_client()") == 2
    assert 'client.messages.create(to=phone, body="hi")' in text
    assert [note.line for note in changes.notes] == [5, 6]


def test_vendor_import_continued_on_the_next_line_is_found():
    view = (
        "import os, \\\n    stripe\n\n\n"
        "def pay(amount):\n    return stripe.Charge.create(amount=amount)\n"
    )
    after, _ = run_codemod(NAME, make_project({"views.py": view}))
    assert after.text("views.py").startswith(
        "import os\n\nfrom integrations.stripe import create_charge\n"
    )
    assert "return create_charge(amount=amount)" in after.text("views.py")
