"""extract-integrations: wrapper signatures (names, types, optional keywords, async), settings
read through the settings module, and integration modules the project already has."""

import textwrap

import pytest

from tests.codemods.test_extract_integrations import INIT, NAME, integration
from tests.helpers import MINI_DJANGO, assert_rewrites

BILLING = """
    from decimal import Decimal

    import stripe


    def refund(payment):
        return stripe.Refund.create(payment_intent=payment.intent_id, amount=int(payment.cents))


    def refund_all(payment):
        return stripe.Refund.create(payment_intent=payment.intent_id, reason="fraud")


    def charge(order, email=None):
        stripe.PaymentIntent.create(
            amount=int(Decimal("1.2") * order.total),
            currency="eur",
            description=f"Order {order.pk}",
            receipt_email=email or None,
            metadata={"order_id": order.pk},
        )
"""


def test_parameters_are_typed_from_the_values_and_optional_keywords_stay_optional():
    # `reason` and `amount` are each passed by one caller only: optional keywords the wrapper
    # passes on only when given (never a None Stripe did not get before)
    assert_rewrites(
        NAME,
        {"shop/__init__.py": "", "shop/billing.py": BILLING},
        {
            "shop/billing.py": """
                from decimal import Decimal

                from integrations import stripe


                def refund(payment):
                    return stripe.create_refund(
                        payment_intent=payment.intent_id,
                        amount=int(payment.cents),
                    )


                def refund_all(payment):
                    return stripe.create_refund(payment_intent=payment.intent_id, reason="fraud")


                def charge(order, email=None):
                    stripe.create_payment_intent(
                        amount=int(Decimal("1.2") * order.total),
                        description=f"Order {order.pk}",
                        receipt_email=email or None,
                        metadata={"order_id": order.pk},
                    )
            """,
            "integrations/__init__.py": INIT,
            "integrations/stripe.py": integration(
                "Stripe",
                """
                from typing import Any

                import stripe

                __all__ = [
                    "create_payment_intent",
                    "create_refund",
                ]


                def create_payment_intent(
                    amount: int,
                    description: str,
                    receipt_email: str | None,
                    metadata: dict[str, Any],
                ) -> None:
                    \"\"\"Charge a card through a Stripe PaymentIntent.\"\"\"
                    stripe.PaymentIntent.create(
                        amount=amount,
                        currency="eur",
                        description=description,
                        receipt_email=receipt_email,
                        metadata=metadata,
                    )


                def create_refund(
                    payment_intent: str,
                    *,
                    amount: int | None = None,
                    reason: str | None = None,
                ) -> stripe.Refund:
                    \"\"\"Refund a Stripe payment.\"\"\"
                    options: dict[str, Any] = {}
                    if amount is not None:
                        options["amount"] = amount
                    if reason is not None:
                        options["reason"] = reason
                    return stripe.Refund.create(payment_intent=payment_intent, **options)
                """,
            ),
        },
        notes=[],
    )


def test_calls_that_do_not_line_up_share_a_pass_through_wrapper_with_a_note():
    view = """
        import stripe


        def one(customer_id):
            return stripe.Customer.retrieve(customer_id)


        def two(customer_id, key):
            return stripe.Customer.retrieve(customer_id, key)
    """
    assert_rewrites(
        NAME,
        {"views.py": view},
        {
            "views.py": """
                from integrations import stripe


                def one(customer_id):
                    return stripe.retrieve_customer(customer_id)


                def two(customer_id, key):
                    return stripe.retrieve_customer(customer_id, key)
            """,
            "integrations/__init__.py": INIT,
            "integrations/stripe.py": integration(
                "Stripe",
                """
                from typing import Any

                import stripe

                __all__ = [
                    "retrieve_customer",
                ]


                def retrieve_customer(*args: Any, **kwargs: Any) -> stripe.Customer:
                    \"\"\"Retrieve a customer in Stripe.\"\"\"
                    return stripe.Customer.retrieve(*args, **kwargs)
                """,
            ),
        },
        notes=[
            "views.py:5: retrieve_customer() in integrations/stripe.py passes its arguments "
            "through: the calls at views.py:5, views.py:9 do not line up; give it named parameters"
        ],
    )


AI = """
    from openai import AsyncOpenAI

    from mysite.settings import OPENAI_API_KEY, OPENAI_MODEL


    async def describe(product):
        client = AsyncOpenAI(api_key=OPENAI_API_KEY)
        reply = await client.chat.completions.create(
            model=OPENAI_MODEL,
            messages=[{"role": "user", "content": f"Describe {product.name}"}],  # short prompts
            temperature=0.5,
        )
        return reply.choices[0].message.content
"""


def test_async_client_and_settings_read_through_the_settings_module():
    # `from mysite.settings import OPENAI_MODEL` is read as `settings.OPENAI_MODEL` in the
    # wrapper, and the caller's import of it goes; the comment on the moved argument moves too
    files = dict(MINI_DJANGO, **{"shop/ai.py": AI})
    assert_rewrites(
        NAME,
        files,
        {
            "shop/ai.py": """
                from integrations import openai


                async def describe(product):
                    reply = await openai.create_chat_completion(f"Describe {product.name}")
                    return reply.choices[0].message.content
            """,
            "integrations/__init__.py": INIT,
            "integrations/openai.py": integration(
                "OpenAI",
                """
                from django.conf import settings
                from openai import AsyncOpenAI
                from openai.types.chat import ChatCompletion

                __all__ = [
                    "create_chat_completion",
                ]


                def _client() -> AsyncOpenAI:
                    \"\"\"An OpenAI client built from settings.\"\"\"
                    return AsyncOpenAI(api_key=settings.OPENAI_API_KEY)


                async def create_chat_completion(content: str) -> ChatCompletion:
                    \"\"\"Ask the OpenAI chat model for a completion.\"\"\"
                    return await _client().chat.completions.create(
                        model=settings.OPENAI_MODEL,
                        messages=[{"role": "user", "content": content}],  # short prompts
                        temperature=0.5,
                    )
                """,
            ),
        },
        notes=[],
    )


def test_a_setting_a_test_patches_through_the_caller_stays_in_the_caller():
    test = """
        from unittest import mock


        @mock.patch("shop.ai.OPENAI_MODEL", "gpt-test")
        def test_describe():
            pass
    """
    files = dict(MINI_DJANGO, **{"shop/ai.py": AI, "shop/tests.py": test})
    result = assert_rewrites(
        NAME,
        files,
        {
            "shop/ai.py": """
                from integrations import openai
                from mysite.settings import OPENAI_MODEL


                async def describe(product):
                    reply = await openai.create_chat_completion(
                        model=OPENAI_MODEL,
                        content=f"Describe {product.name}",
                    )
                    return reply.choices[0].message.content
            """,
            "integrations/__init__.py": INIT,
            "integrations/openai.py": integration(
                "OpenAI",
                """
                from django.conf import settings
                from openai import AsyncOpenAI
                from openai.types.chat import ChatCompletion

                __all__ = [
                    "create_chat_completion",
                ]


                def _client() -> AsyncOpenAI:
                    \"\"\"An OpenAI client built from settings.\"\"\"
                    return AsyncOpenAI(api_key=settings.OPENAI_API_KEY)


                async def create_chat_completion(model: str, content: str) -> ChatCompletion:
                    \"\"\"Ask the OpenAI chat model for a completion.\"\"\"
                    return await _client().chat.completions.create(
                        model=model,
                        messages=[{"role": "user", "content": content}],  # short prompts
                        temperature=0.5,
                    )
                """,
            ),
        },
        notes=[],
    )
    assert "shop.ai.OPENAI_MODEL" in result.text("shop/tests.py")


EXISTING = """
    \"\"\"Stripe, by hand.\"\"\"
    import stripe
    from django.conf import settings

    stripe.api_key = settings.STRIPE_SECRET_KEY


    def charge(amount, currency="usd"):
        \"\"\"Charge the card on file.\"\"\"
        return stripe.PaymentIntent.create(amount=amount, currency=currency, confirm=True)
"""


def test_existing_wrapper_is_reused_and_only_missing_ones_are_added():
    view = """
        import stripe


        def pay(order):
            return stripe.PaymentIntent.create(amount=order.cents, currency="eur", confirm=True)


        def refund(order):
            return stripe.Refund.create(payment_intent=order.intent_id)
    """
    assert_rewrites(
        NAME,
        {
            "integrations/__init__.py": '"""Our wrappers."""\n',
            "integrations/stripe.py": EXISTING,
            "shop/__init__.py": "",
            "shop/views.py": view,
        },
        {
            "shop/views.py": """
                from integrations import stripe


                def pay(order):
                    return stripe.charge(amount=order.cents, currency="eur")


                def refund(order):
                    return stripe.create_refund(order.intent_id)
            """,
            "integrations/stripe.py": textwrap.dedent(EXISTING).lstrip("\n")
            + textwrap.dedent(
                """

                def create_refund(payment_intent: str) -> stripe.Refund:
                    \"\"\"Refund a Stripe payment.\"\"\"
                    return stripe.Refund.create(payment_intent=payment_intent)
                """
            ),
        },
        notes=[],
    )


def test_a_name_tests_patch_through_the_caller_stays_a_parameter():
    # `mock.patch("api.views.project_settings.STRIPE_WEBHOOK_SECRET")` needs the caller to keep
    # reading it: the secret is passed in, not read inside the wrapper
    view = """
        import stripe
        from django.conf import settings as project_settings


        def hook(request):
            return stripe.Webhook.construct_event(
                request.body,
                request.headers.get("Stripe-Signature", ""),
                project_settings.STRIPE_WEBHOOK_SECRET,
            )
    """
    test = """
        from unittest import mock


        @mock.patch("api.views.project_settings.STRIPE_WEBHOOK_SECRET", "whsec")
        def test_hook():
            pass
    """
    assert_rewrites(
        NAME,
        {"api/__init__.py": "", "api/views.py": view, "api/tests.py": test},
        {
            "api/views.py": """
                from django.conf import settings as project_settings

                from integrations import stripe


                def hook(request):
                    return stripe.construct_webhook_event(
                        payload=request.body,
                        sig_header=request.headers.get("Stripe-Signature", ""),
                        secret=project_settings.STRIPE_WEBHOOK_SECRET,
                    )
            """,
            "integrations/__init__.py": INIT,
            "integrations/stripe.py": integration(
                "Stripe",
                """
                import stripe

                __all__ = [
                    "construct_webhook_event",
                ]


                def construct_webhook_event(
                    payload: bytes,
                    sig_header: str,
                    secret: str,
                ) -> stripe.Event:
                    \"\"\"Check a webhook's Stripe signature and parse its event.\"\"\"
                    return stripe.Webhook.construct_event(payload, sig_header, secret)
                """,
            ),
        },
        notes=[],
    )


OPTIONAL_EMAIL = """
    import stripe


    def charge(o, email=None):
        return stripe.PaymentIntent.create(amount=o.total, receipt_email=email or None)
"""


STRIPE_OPTIONAL_EMAIL = """
    import stripe

    __all__ = [
        "create_payment_intent",
    ]


    def create_payment_intent(
        amount: int,
        receipt_email: ANNOTATION,
    ) -> stripe.PaymentIntent:
        \"\"\"Charge a card through a Stripe PaymentIntent.\"\"\"
        return stripe.PaymentIntent.create(amount=amount, receipt_email=receipt_email)
"""


@pytest.mark.parametrize(
    ("declared", "header", "annotation"),
    [
        pytest.param("3.8", "from __future__ import annotations\n\n", "str | None", id="3.8"),
        pytest.param("3.6", "from typing import Optional\n\n", "Optional[str]", id="3.6"),
        pytest.param("3.12", "", "str | None", id="3.12"),
    ],
)
def test_annotations_suit_the_python_the_project_declares(declared, header, annotation):
    # 3.8 reads `str | None` only under the __future__ import; 3.6 evaluates annotations and
    # has neither that import nor PEP 604, so the typing forms are written
    rest = header + textwrap.dedent(STRIPE_OPTIONAL_EMAIL).lstrip("\n")
    assert_rewrites(
        NAME,
        {"runtime.txt": f"python-{declared}.1\n", "views.py": OPTIONAL_EMAIL},
        {
            "views.py": """
                from integrations import stripe


                def charge(o, email=None):
                    return stripe.create_payment_intent(amount=o.total, receipt_email=email or None)
            """,
            "integrations/__init__.py": INIT,
            "integrations/stripe.py": integration("Stripe", rest.replace("ANNOTATION", annotation)),
        },
        notes=[],
    )


@pytest.mark.parametrize("mode, kind", [('"rb"', "BinaryIO"), ('mode="r"', "TextIO")])
def test_a_file_the_caller_opens_is_a_parameter_even_when_every_caller_opens_the_same(mode, kind):
    # seen on suhail-chand/openai-django-project: create_file() opened the training file itself
    script = f"""
        import openai

        upload = openai.File.create(
            file=open("data/training.jsonl", {mode}),
            purpose="fine-tune"
        )
        print(upload)
    """
    assert_rewrites(
        NAME,
        {"scripts/upload.py": script},
        {
            "scripts/upload.py": f"""
                from integrations import openai

                upload = openai.create_file(open("data/training.jsonl", {mode}))
                print(upload)
            """,
            "integrations/__init__.py": INIT,
            "integrations/openai.py": integration(
                "OpenAI",
                f"""
                from typing import Any, {kind}

                import openai

                __all__ = [
                    "create_file",
                ]


                def create_file(file: {kind}) -> Any:
                    \"\"\"Create a file in OpenAI.\"\"\"
                    return openai.File.create(file=file, purpose="fine-tune")
                """,
            ),
        },
    )
