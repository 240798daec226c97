"""The vendor registry every codemod reads."""

import pytest

from djrefactor.discovery.vendors import (
    NON_VENDORS,
    VENDOR_MODULES,
    VENDORS,
    Returns,
    http_api,
    registry,
    return_type,
)

# The SDKs the acceptance check counts as vendor imports (shared/tools/restructure_check.py).
ACCEPTANCE_VENDORS = {
    "stripe", "twilio", "authy", "boto3", "botocore", "openai", "anthropic", "sendgrid",
    "requests", "httpx", "slack_sdk", "mailchimp_marketing", "mailchimp3", "braintree",
    "paypalrestsdk", "paypalcheckoutsdk", "square", "plaid", "vonage", "nexmo", "messagebird",
    "postmarker", "mailjet_rest", "pusher", "firebase_admin", "tweepy", "telegram", "cohere",
    "replicate", "algoliasearch", "hubspot", "shopify", "razorpay", "mollie", "adyen",
}  # fmt: skip


def test_every_sdk_the_acceptance_check_counts_is_known():
    known = {module.lower() for module in VENDOR_MODULES}
    assert ACCEPTANCE_VENDORS - known == set()


def test_integration_modules_are_named_for_the_service_never_for_the_library():
    names = {vendor.integration for vendor in VENDORS if not vendor.per_api}
    assert "http" not in names
    assert names >= {"aws", "paypal", "vonage", "twitter", "mailchimp"}


def test_no_module_is_both_a_vendor_and_a_local_library():
    assert not VENDOR_MODULES & NON_VENDORS


def test_a_configured_vendor_joins_the_registry_under_its_top_level_module():
    found = registry(("acme_sdk.client", "stripe"))
    assert found["acme_sdk"].integration == "acme_sdk"
    assert found["acme_sdk"].clients == ()
    assert found["stripe"].title == "Stripe"


@pytest.mark.parametrize(
    ("key", "chain", "expected"),
    [
        pytest.param(
            "stripe.PaymentIntent.create",
            ("PaymentIntent", "create"),
            Returns("stripe.PaymentIntent", ("import stripe",)),
            id="stripe resource",
        ),
        pytest.param(
            "stripe.checkout.Session.list",
            ("checkout", "Session", "list"),
            Returns("stripe.ListObject[stripe.checkout.Session]", ("import stripe",)),
            id="stripe list",
        ),
        pytest.param(
            "stripe.Webhook.construct_event",
            ("Webhook", "construct_event"),
            Returns("stripe.Event", ("import stripe",)),
            id="stripe webhook",
        ),
        pytest.param(
            "requests.post",
            ("post",),
            Returns("requests.Response", ("import requests",)),
            id="requests",
        ),
        pytest.param(
            "boto3.client:generate_presigned_url",
            ("generate_presigned_url",),
            Returns("str"),
            id="boto3 presigned url",
        ),
        pytest.param(
            "twilio.rest.Client:messages.create",
            ("messages", "create"),
            Returns(
                "MessageInstance",
                ("from twilio.rest.api.v2010.account.message import MessageInstance",),
            ),
            id="twilio message",
        ),
        pytest.param("acme.Thing.do", ("Thing", "do"), None, id="unknown"),
    ],
)
def test_return_types_are_the_sdks_own(key, chain, expected):
    assert return_type(key, chain, streams=False) == expected


def test_a_streamed_completion_has_no_known_type():
    assert (
        return_type(
            "openai.OpenAI:chat.completions.create", ("chat", "completions", "create"), True
        )
        is None
    )


@pytest.mark.parametrize(
    ("host", "setting", "module"),
    [
        pytest.param("api.mailgun.net", None, "mailgun", id="mailgun by host"),
        pytest.param(None, "MAILGUN_API_URL", "mailgun", id="mailgun by setting"),
        pytest.param("hooks.slack.com", None, "slack", id="slack webhook"),
        pytest.param(None, "SLACK_WEBHOOK_URL", "slack", id="slack setting"),
        pytest.param("api.example.com", "SHIPPING_API_URL", None, id="not registered"),
    ],
)
def test_outside_apis_are_recognised_by_host_or_setting(host, setting, module):
    found = http_api(host, setting)
    assert (found.module if found else None) == module
