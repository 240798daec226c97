"""extract-integrations: SDK calls move behind one module per vendor; callers go through it.

The other modules of this family: `_clients` (how clients are built and shared), `_http` (outside
APIs reached with requests/httpx), `_signatures` (parameter names and types, existing modules).
"""

import re
import subprocess
import sys
import textwrap

import pytest

from tests.helpers import assert_noop, assert_rewrites, codemod, make_project, run_codemod

NAME = "extract-integrations"
INIT = '"""Wrappers around third-party services: the only place vendor SDKs are imported."""\n'


def integration(title, rest):
    """The text of a generated integration module: its docstring, then `rest`."""
    doc = (
        f'"""{title}: every call the project makes to it goes through this module.\n\n'
        "Clients and keys are set up here, once, from settings; callers use the functions below\n"
        "(and the re-exported exceptions), so a change of provider or SDK version stays here.\n"
        '"""\n\n'
    )
    return doc + textwrap.dedent(rest).lstrip("\n")


STRIPE_VIEW = """
    import stripe
    from django.conf import settings

    from .models import Order

    # the secret key of the live account
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
    from integrations import stripe

    from .models import Order


    def pay(request, order_id):
        order = Order.objects.get(pk=order_id)
        try:
            intent = stripe.create_payment_intent(order.cents)
        except stripe.CardError as e:
            return str(e)
        return intent.id
"""

STRIPE_MODULE = integration(
    "Stripe",
    """
    import stripe
    from django.conf import settings

    __all__ = [
        "CardError",
        "create_payment_intent",
    ]

    # the secret key of the live account
    stripe.api_key = settings.STRIPE_SECRET_KEY

    CardError = stripe.error.CardError


    def create_payment_intent(amount: int) -> stripe.PaymentIntent:
        \"\"\"Charge a card through a Stripe PaymentIntent.\"\"\"
        return stripe.PaymentIntent.create(amount=amount, currency="usd")
    """,
)


def test_module_path_call_key_and_exception_move_to_the_integration():
    # the key is set once in the integration, with its comment; the currency every caller
    # passes moves in with it, the amount the caller computes is the one parameter
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


_KEY_FROM_CONSTANT = """
    import stripe
    from django.conf import settings

    from .models import Order

    STRIPE_KEY = getattr(settings, "STRIPE_SECRET_KEY", "sk_test_local")
    stripe.api_key = STRIPE_KEY


    def pay(request, order_id):
        order = Order.objects.get(pk=order_id)
        try:
            intent = stripe.PaymentIntent.create(amount=order.cents, currency="usd")
        except stripe.error.CardError as e:
            return str(e)
        return intent.id
"""


def test_a_key_read_into_a_module_constant_moves_with_its_settings_read():
    # `STRIPE_KEY = getattr(settings, ...)` is read only by the key line: its value moves
    # into the integration, where the key is set, and the constant goes
    module = STRIPE_MODULE.replace(
        "# the secret key of the live account\nstripe.api_key = settings.STRIPE_SECRET_KEY\n",
        'stripe.api_key = getattr(settings, "STRIPE_SECRET_KEY", "sk_test_local")\n',
    )
    assert_rewrites(
        NAME,
        {"shop/__init__.py": "", "shop/views.py": _KEY_FROM_CONSTANT},
        {
            "shop/views.py": STRIPE_VIEW_AFTER,
            "integrations/__init__.py": INIT,
            "integrations/stripe.py": module,
        },
    )


@pytest.mark.parametrize(
    "where",
    [
        {"shop/tasks.py": "from shop.views import STRIPE_KEY\n\nprint(STRIPE_KEY)\n"},
        {"shop/tasks.py": "from shop import views\n\nprint(views.STRIPE_KEY)\n"},
        {"shop/tasks.py": "from shop.views import *\n\nprint(STRIPE_KEY)\n"},
        {
            "shop/views.py": _KEY_FROM_CONSTANT.replace(
                "\n    STRIPE_KEY", "\n    # test key\n    STRIPE_KEY"
            )
        },
        {"shop/views.py": _KEY_FROM_CONSTANT + '\n    __all__ = ["STRIPE_KEY", "pay"]\n'},
    ],
    ids=["imported", "read-through-the-module", "star-imported", "commented", "exported"],
)
def test_a_module_constant_another_module_may_read_stays(where):
    project = make_project({"shop/__init__.py": "", "shop/views.py": _KEY_FROM_CONSTANT, **where})
    after, changes = run_codemod(NAME, project)
    assert "STRIPE_KEY = getattr(" in after.text("shop/views.py")
    assert "configured from a local value" in "\n".join(note.message for note in changes.notes)


def test_key_set_before_each_call_is_set_once_and_noted():
    model = """
        import stripe
        from django.conf import settings
        from django.db import models


        class Payment(models.Model):
            def refund(self):
                stripe.api_key = settings.STRIPE_SECRET_KEY
                return stripe.Refund.create(payment_intent=self.intent_id)
    """
    assert_rewrites(
        NAME,
        {"shop/__init__.py": "", "shop/models.py": model},
        {
            "shop/models.py": """
                from django.db import models

                from integrations import stripe


                class Payment(models.Model):
                    def refund(self):
                        return stripe.create_refund(self.intent_id)
            """,
            "integrations/__init__.py": INIT,
            "integrations/stripe.py": integration(
                "Stripe",
                """
                import stripe
                from django.conf import settings

                __all__ = [
                    "create_refund",
                ]

                stripe.api_key = settings.STRIPE_SECRET_KEY


                def create_refund(payment_intent: str) -> stripe.Refund:
                    \"\"\"Refund a Stripe payment.\"\"\"
                    return stripe.Refund.create(payment_intent=payment_intent)
                """,
            ),
        },
        notes=[
            "shop/models.py:8: stripe.api_key was set here before each call; "
            "integrations/stripe.py sets it once, when it is imported"
        ],
    )


def test_the_same_operation_from_two_modules_is_one_wrapper():
    views = """
        import stripe


        def refund(order):
            stripe.Refund.create(payment_intent=order.intent_id, reason="duplicate")
    """
    tasks = """
        import stripe


        def refund_late(payment):
            stripe.Refund.create(payment_intent=payment.stripe_id, reason="duplicate")
    """
    result = assert_rewrites(
        NAME,
        {"shop/__init__.py": "", "shop/views.py": views, "shop/tasks.py": tasks},
        {
            "shop/views.py": """
                from integrations import stripe


                def refund(order):
                    stripe.create_refund(order.intent_id)
            """,
            "shop/tasks.py": """
                from integrations import stripe


                def refund_late(payment):
                    stripe.create_refund(payment.stripe_id)
            """,
            "integrations/__init__.py": INIT,
            "integrations/stripe.py": integration(
                "Stripe",
                """
                import stripe

                __all__ = [
                    "create_refund",
                ]


                def create_refund(payment_intent: str) -> None:
                    \"\"\"Refund a Stripe payment.\"\"\"
                    stripe.Refund.create(payment_intent=payment_intent, reason="duplicate")
                """,
            ),
        },
    )
    assert result.text("integrations/stripe.py").count("def ") == 1


def test_caller_that_keeps_the_sdk_name_imports_the_integration_under_another():
    view = """
        import stripe


        def pay(amount):
            return stripe.Charge.create(amount=amount)


        def sdk_version():
            return stripe.api_version
    """
    assert_rewrites(
        NAME,
        {"views.py": view},
        {
            "views.py": """
                import stripe

                from integrations import stripe as stripe_api


                def pay(amount):
                    return stripe_api.create_charge(amount)


                def sdk_version():
                    return stripe.api_version
            """,
            "integrations/__init__.py": INIT,
            "integrations/stripe.py": integration(
                "Stripe",
                """
                import stripe

                __all__ = [
                    "create_charge",
                ]


                def create_charge(amount: int) -> stripe.Charge:
                    \"\"\"Create a charge in Stripe.\"\"\"
                    return stripe.Charge.create(amount=amount)
                """,
            ),
        },
        notes=[
            "views.py:9: stripe.api_version left in place: used as a value (dynamic access "
            "or passed around)",
            "views.py:1: import of stripe kept: some uses could not move",
        ],
    )


def test_vendor_rebound_in_one_function_moves_only_the_uses_of_the_import():
    view = """
        import stripe


        def pay(amount):
            return stripe.Charge.create(amount=amount)


        def fake(amount):
            stripe = FakeStripe()
            return stripe.Charge.create(amount=amount)
    """
    result = assert_rewrites(
        NAME,
        {"views.py": view},
        {
            "views.py": """
                from integrations import stripe


                def pay(amount):
                    return stripe.create_charge(amount)


                def fake(amount):
                    stripe = FakeStripe()
                    return stripe.Charge.create(amount=amount)
            """,
            "integrations/__init__.py": INIT,
            "integrations/stripe.py": integration(
                "Stripe",
                """
                import stripe

                __all__ = [
                    "create_charge",
                ]


                def create_charge(amount: int) -> stripe.Charge:
                    \"\"\"Create a charge in Stripe.\"\"\"
                    return stripe.Charge.create(amount=amount)
                """,
            ),
        },
    )
    assert "stripe = FakeStripe()" in result.text("views.py")


def test_comments_of_removed_lines_stay_with_the_code_they_explain():
    view = """
        from django.conf import settings
        from twilio.rest import Client


        def remind(phone):
            # the reminder goes out even for customers who opted out of marketing
            client = Client(settings.TWILIO_SID, settings.TWILIO_TOKEN)  # per call, see #12
            client.messages.create(
                to=phone,  # E.164 already
                from_=settings.TWILIO_FROM,  # the short code
                body="See you tomorrow",
            )
    """
    assert_rewrites(
        NAME,
        {"views.py": view},
        {
            "views.py": """
                from integrations import twilio


                def remind(phone):
                    # the reminder goes out even for customers who opted out of marketing
                    # per call, see #12
                    twilio.send_sms(phone)
            """,
            "integrations/__init__.py": INIT,
            "integrations/twilio.py": integration(
                "Twilio",
                """
                from django.conf import settings
                from twilio.rest import Client

                __all__ = [
                    "send_sms",
                ]


                def _client() -> Client:
                    \"\"\"A Twilio client built from settings.\"\"\"
                    return Client(settings.TWILIO_SID, settings.TWILIO_TOKEN)


                def send_sms(to: str) -> None:
                    \"\"\"Send a text message through Twilio.\"\"\"
                    _client().messages.create(
                        to=to,  # E.164 already
                        from_=settings.TWILIO_FROM,  # the short code
                        body="See you tomorrow",
                    )
                """,
            ),
        },
    )


# -- nothing to do ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "files",
    [
        pytest.param({"views.py": "from django.conf import settings\n"}, id="no vendor"),
        pytest.param(
            {"shop/tests/test_pay.py": "import stripe\n\nstripe.Charge.create(amount=1)\n"},
            id="test code keeps its vendor imports",
        ),
        pytest.param(
            {"conftest.py": "import stripe\n\nstripe.api_key = 'sk_test'\n"},
            id="conftest",
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
        pytest.param(
            {
                "views.py": (
                    "import stripe\n\n\n"
                    'def describe(intent: "stripe.PaymentIntent") -> str:\n'
                    "    return intent.id\n"
                )
            },
            id="vendor used only in a string annotation",
        ),
        pytest.param(
            {
                "slack/__init__.py": "",
                "slack/client.py": "def post(text):\n    return text\n",
                "views.py": "from slack.client import post\n\n\ndef hi():\n    return post('hi')\n",
            },
            id="a project package named like a vendor",
        ),
        pytest.param(
            {
                "integrations/__init__.py": INIT,
                "integrations/stripe.py": STRIPE_MODULE,
                "shop/__init__.py": "",
                "shop/views.py": STRIPE_VIEW_AFTER,
            },
            id="integration module already wraps the vendor and is used",
        ),
    ],
)
def test_noop(files):
    assert_noop(NAME, files, notes=[])


def test_dynamic_access_is_left_in_place_with_a_note():
    view = """
        import stripe


        def fetch(kind, object_id):
            return getattr(stripe, kind).retrieve(object_id)
    """
    assert_noop(
        NAME,
        {"views.py": view},
        notes=[
            "views.py:5: stripe left in place: used as a value (dynamic access or passed around)",
            "views.py:1: import of stripe kept: some uses could not move",
        ],
    )


def test_module_named_integrations_is_never_shadowed():
    files = {"integrations.py": "def ping():\n    return 1\n", "shop/views.py": STRIPE_VIEW}
    assert_noop(
        NAME,
        files,
        notes=[
            "integrations.py: integrations.py exists: an integrations/ package would shadow it; "
            "move it into integrations/__init__.py (its importers keep working) and run this step "
            "again"
        ],
    )


def test_integrations_package_binding_the_module_name_is_left_alone():
    files = {
        "integrations/__init__.py": "import stripe\n",
        "shop/__init__.py": "",
        "shop/views.py": STRIPE_VIEW,
    }
    assert_noop(
        NAME,
        files,
        notes=[
            "integrations/__init__.py: integrations/__init__.py already defines `stripe`: a module "
            "integrations/stripe.py would be hidden behind it; rename one of them and run this "
            "step again"
        ],
    )


def test_package_of_other_integrations_gains_the_new_module_beside_them():
    files = {
        "integrations/__init__.py": '"""Ours."""\n',
        "integrations/crm.py": "def sync():\n    return None\n",
        "shop/__init__.py": "",
        "shop/views.py": STRIPE_VIEW,
    }
    result = assert_rewrites(
        NAME,
        files,
        {"shop/views.py": STRIPE_VIEW_AFTER, "integrations/stripe.py": STRIPE_MODULE},
    )
    assert result.text("integrations/__init__.py") == '"""Ours."""\n'


# -- the rewritten project still runs its tests ------------------------------------------------
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

BEHAVIOUR_NOTIFY = """
from twilio.rest import Client

# shared: the client is thread safe
client = Client("sid", "token")


def page(phone):
    return client.messages.create(to=phone, body="hi").sid
"""

BEHAVIOUR_TEST = """
from unittest import mock

from shop.notify import page
from shop.views import pay, text


@mock.patch("shop.views.stripe.PaymentIntent.create")
def test_pay_sends_amount(create):
    create.return_value = mock.Mock(id="pi_1")
    assert pay(1200) == "pi_1"
    assert create.call_args.kwargs == {"amount": 1200, "currency": "usd"}


@mock.patch("shop.views.Client")
def test_text_goes_through_twilio(client):
    text("+1555")
    assert client.return_value.messages.create.call_args.kwargs == {"to": "+1555", "body": "hi"}


@mock.patch("shop.notify.client")
def test_page_uses_the_shared_client(client):
    client.messages.create.return_value = mock.Mock(sid="SM1")
    assert page("+1666") == "SM1"
"""

CONFTEST = "from django.conf import settings\n\nsettings.configure(STRIPE_SECRET_KEY='k')\n"


def test_rewritten_project_passes_its_mock_patched_tests(tmp_path):
    # views build a client per call, notify shares one: one send_sms wrapper takes the shared
    # client through _client(), and the test that patched the class patches that instead
    files = {
        "conftest.py": CONFTEST,
        "shop/__init__.py": "",
        "shop/views.py": BEHAVIOUR_VIEW,
        "shop/notify.py": BEHAVIOUR_NOTIFY,
        "shop/tests/__init__.py": "",
        "shop/tests/test_views.py": BEHAVIOUR_TEST,
    }
    after, _ = run_codemod(NAME, make_project(files))
    assert not re.search(r"^import stripe", after.text("shop/views.py"), re.MULTILINE)
    assert "from twilio" not in after.text("shop/notify.py")
    assert after.text("integrations/twilio.py").count("def send_sms(") == 1
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
    assert "3 passed" in result.stdout


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
        assert text.count("twilio.send_sms(phone)") == 30


def test_vendor_import_continued_on_the_next_line_is_found():
    view = (
        "import os, \\\n    stripe\n\n\n"
        "def pay(amount):\n    return stripe.Charge.create(amount=amount)\n"
    )
    after, _ = run_codemod(NAME, make_project({"views.py": view}))
    assert after.text("views.py").startswith("import os\n\nfrom integrations import stripe\n")
    assert "return stripe.create_charge(amount)" in after.text("views.py")


def test_comment_at_the_end_of_a_moved_line_goes_with_it():
    view = """
        import boto3
        import stripe
        from django.conf import settings

        stripe.api_key = settings.STRIPE_SECRET_KEY  # rotated every quarter
        s3 = boto3.client("s3")  # shared: clients are thread safe


        def pay(amount):
            return stripe.Charge.create(amount=amount)


        def put(key, body):
            s3.put_object(Bucket="media", Key=key, Body=body)
    """
    result = assert_rewrites(
        NAME,
        {"views.py": view},
        {
            "views.py": """
                from integrations import aws, stripe


                def pay(amount):
                    return stripe.create_charge(amount)


                def put(key, body):
                    aws.put_object(key=key, body=body)
            """,
            "integrations/__init__.py": INIT,
            "integrations/aws.py": integration(
                "AWS",
                """
                import boto3

                __all__ = [
                    "put_object",
                ]

                # shared: clients are thread safe
                s3 = boto3.client("s3")


                def put_object(key: str, body: str) -> None:
                    \"\"\"Store an object in S3.\"\"\"
                    s3.put_object(Bucket="media", Key=key, Body=body)
                """,
            ),
            "integrations/stripe.py": integration(
                "Stripe",
                """
                import stripe
                from django.conf import settings

                __all__ = [
                    "create_charge",
                ]

                # rotated every quarter
                stripe.api_key = settings.STRIPE_SECRET_KEY


                def create_charge(amount: int) -> stripe.Charge:
                    \"\"\"Create a charge in Stripe.\"\"\"
                    return stripe.Charge.create(amount=amount)
                """,
            ),
        },
        notes=[],
    )
    assert "#" not in result.text("views.py")


# -- vendor imports nothing reads ----------------------------------------------------------------
def test_vendor_import_shadowed_by_a_view_of_the_same_name_is_removed():
    # the view function `stripe` rebinds the name before anything reads the SDK
    view = """
        import stripe  # for the checkout page
        from django.conf import settings
        from django.shortcuts import render


        def stripe(request):
            return render(request, "pay.html", {"key": settings.STRIPE_PUBLISHABLE_KEY})
    """
    assert_rewrites(
        NAME,
        {"shop/__init__.py": "", "shop/views.py": view, "shop/urls.py": URLS_OF_STRIPE_VIEW},
        {
            "shop/views.py": """
                # for the checkout page
                from django.conf import settings
                from django.shortcuts import render


                def stripe(request):
                    return render(request, "pay.html", {"key": settings.STRIPE_PUBLISHABLE_KEY})
            """
        },
        notes=["shop/views.py:1: unused import of stripe removed: nothing here reads it"],
    )


URLS_OF_STRIPE_VIEW = """
    from django.urls import path

    from . import views

    urlpatterns = [path("charge/", views.stripe, name="charge")]
"""


def test_unused_vendor_names_leave_the_rest_of_their_statements():
    view = """
        import json, requests
        from django.http import JsonResponse


        def ping(request):
            import boto3

            return JsonResponse(json.loads(request.body))
    """
    assert_rewrites(
        NAME,
        {"views.py": view},
        {
            "views.py": """
                import json
                from django.http import JsonResponse


                def ping(request):
                    return JsonResponse(json.loads(request.body))
            """
        },
        notes=[
            "views.py:1: unused import of requests removed: nothing here reads it",
            "views.py:6: unused import of boto3 removed: nothing here reads it",
        ],
    )


def test_unused_vendor_import_goes_beside_calls_that_move():
    view = """
        import requests as req
        import stripe


        def pay(amount):
            return stripe.Charge.create(amount=amount)
    """
    result, changes = run_codemod(NAME, make_project({"views.py": view}))
    assert result.text("views.py") == textwrap.dedent(
        """
        from integrations import stripe


        def pay(amount):
            return stripe.create_charge(amount)
        """
    ).lstrip("\n")
    assert "def create_charge(" in result.text("integrations/stripe.py")
    assert "requests" not in result.text("integrations/stripe.py")
    assert [str(note) for note in changes.notes] == [
        "views.py:1: unused import of requests removed: nothing here reads it"
    ]


@pytest.mark.parametrize(
    "files",
    [
        pytest.param(
            {"shop/__init__.py": "import requests\n"},
            id="a package re-exports what its __init__ imports",
        ),
        pytest.param(
            {
                "shop/__init__.py": "",
                "shop/views.py": "import stripe\n\n\ndef home(request):\n    return None\n",
                "shop/tests.py": (
                    "from unittest import mock\n\n\n"
                    '@mock.patch("shop.views.stripe")\n'
                    "def test_home(stripe):\n    assert stripe\n"
                ),
            },
            id="a test patches the vendor through the module",
        ),
        pytest.param(
            {
                "shop/__init__.py": "",
                "shop/utils.py": "import boto3\n",
                "shop/media.py": "from shop.utils import boto3\n\n\nS3 = boto3\n",
            },
            id="another module imports the vendor from it",
        ),
        pytest.param(
            {"views.py": "import stripe  # noqa: F401 (registers the webhook signals)\n"},
            id="an import kept on purpose",
        ),
        pytest.param(
            {"views.py": "try:\n    import stripe\nexcept ImportError:\n    stripe = None\n"},
            id="an optional dependency's fallback",
        ),
        pytest.param(
            {"views.py": '__all__ = ["stripe"]\n\nimport stripe\n'},
            id="listed in __all__",
        ),
    ],
)
def test_unused_vendor_import_others_may_reach_is_kept(files):
    assert_noop(NAME, files, notes=[])


def test_the_same_key_spelled_with_other_quotes_is_one_setting_without_a_note():
    # seen on suhail-chand/openai-django-project: "set to os.getenv('OPENAI_API_KEY') here but
    # to os.getenv("OPENAI_API_KEY") elsewhere"
    files = {
        "chat/__init__.py": "",
        "chat/views.py": "import os\nimport openai\n\n"
        "openai.api_key = os.getenv('OPENAI_API_KEY')\n"
        "\n\ndef ask(text):\n    return openai.Moderation.create(input=text)\n",
        "chat/tasks.py": "import os\nimport openai\n\n"
        'openai.api_key = os.getenv("OPENAI_API_KEY")\n'
        "\n\ndef check(text):\n    return openai.Moderation.create(input=text)\n",
    }
    after, changes = run_codemod(NAME, make_project(files))
    assert after.text("integrations/openai.py").count("openai.api_key = ") == 1
    assert [note.message for note in changes.notes] == []


def test_a_key_set_after_load_dotenv_stays_where_the_environment_is_loaded():
    # seen on suhail-chand/openai-django-project's fine-tuning scripts: the integration reads
    # the key when imported, at the top of the script, before load_dotenv() has read .env
    script = (
        "import os\n\nimport openai\nfrom dotenv import load_dotenv\n\n"
        'load_dotenv()\nopenai.api_key = os.getenv("OPENAI_API_KEY")\n\n'
        "print(openai.FineTuningJob.list())\n"
    )
    files = {
        "chat/__init__.py": "",
        "chat/views.py": "import os\nimport openai\n\n"
        "openai.api_key = os.getenv('OPENAI_API_KEY')\n"
        "\n\ndef ask(text):\n    return openai.Moderation.create(input=text)\n",
        "scripts/fine_tune.py": script,
    }
    after, changes = run_codemod(NAME, make_project(files))
    moved = after.text("scripts/fine_tune.py")
    assert 'load_dotenv()\nopenai.api_key = os.getenv("OPENAI_API_KEY")\n' in moved
    assert "print(openai_api.list_fine_tuning_jobs())" in moved
    assert "openai.api_key = os.getenv('OPENAI_API_KEY')" in after.text("integrations/openai.py")
    assert (
        "scripts/fine_tune.py",
        "openai.api_key left in place: set after load_dotenv() loads the environment; "
        "integrations/openai.py would read it before, when imported",
    ) in [(note.path, note.message) for note in changes.notes]
    assert after.text("chat/views.py").startswith("from integrations import openai\n")
