"""The vendor registry: which top-level modules are third-party services, and how to wrap them.

The one list every codemod reads. A project adds its own vendors with
`[tool.djrefactor] vendors = ["acme_sdk"]`; `registry()` adds those to the known ones, and they
are then wrapped like any other (a class whose instances receive method calls is a client).
Besides the SDKs, `HTTP_APIS` names outside APIs that teams call with `requests` (Mailgun,
Slack webhooks...), recognised by host or by the setting that holds their URL.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

_NONE: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True)
class Vendor:
    """One provider: the modules that belong to it and the integration module that wraps it.

    `clients` are the qualified names of client constructors (their results receive the
    operations); `operations` names operations whose derived name would read badly, keyed by
    `<qualified call>` for module-path calls or `<client>:<method chain>` for client methods;
    `chain_calls` are client methods that select a sub-resource inside an operation
    (`client.verify.v2.services(sid).verifications.create`); `per_api` vendors (HTTP clients)
    get one integration module per outside API they talk to. `error_attributes` are the
    annotations of what the vendor's exceptions carry (`CardError.user_message: str | None`), for
    a service that hands one on in its own exception. `offline` are the SDK's modules that make
    no request (Twilio's TwiML builders and access tokens): a view calling them builds its reply,
    which is no workflow for a service.
    """

    modules: tuple[str, ...]
    integration: str
    title: str
    clients: tuple[str, ...] = ()
    operations: Mapping[str, str] = field(default_factory=lambda: _NONE)
    chain_calls: frozenset[str] = frozenset()
    per_api: bool = False
    error_attributes: Mapping[str, str] = field(default_factory=lambda: _NONE)
    offline: tuple[str, ...] = ()


def _names(**names: str) -> Mapping[str, str]:
    return MappingProxyType(names)


def _ops(names: dict[str, str]) -> Mapping[str, str]:
    return MappingProxyType(names)


_STAINLESS_ERRORS = _names(
    message="str",
    code="str | None",
    param="str | None",
    type="str | None",
    status_code="int",
    request_id="str | None",
)
"""What the exceptions of the OpenAI and Anthropic SDKs carry (`APIStatusError`)."""


VENDORS: tuple[Vendor, ...] = (
    Vendor(
        ("stripe",),
        "stripe",
        "Stripe",
        clients=("stripe.StripeClient",),
        operations=_ops({"stripe.Webhook.construct_event": "construct_webhook_event"}),
        error_attributes=_names(
            user_message="str | None",
            code="str | None",
            param="str | None",
            http_status="int | None",
            http_body="str | None",
            request_id="str | None",
            headers="dict[str, str]",
        ),
    ),
    Vendor(
        ("twilio",),
        "twilio",
        "Twilio",
        clients=("twilio.rest.Client",),
        operations=_ops(
            {
                "twilio.rest.Client:messages.create": "send_sms",
                "twilio.rest.Client:calls.create": "make_call",
                "twilio.rest.Client:verify.v2.services.verifications.create": "start_verification",
                "twilio.rest.Client:verify.v2.services.verification_checks.create": (
                    "check_verification"
                ),
                "twilio.rest.Client:lookups.v2.phone_numbers.fetch": "lookup_phone_number",
            }
        ),
        chain_calls=frozenset({"services", "phone_numbers"}),
        error_attributes=_names(
            status="int", code="int | None", msg="str", uri="str", method="str"
        ),
        offline=("twilio.twiml", "twilio.jwt", "twilio.request_validator"),
    ),
    Vendor(
        ("authy",),
        "authy",
        "Twilio Authy",
        clients=("authy.api.AuthyApiClient",),
        operations=_ops(
            {
                "authy.api.AuthyApiClient:users.create": "register_user",
                "authy.api.AuthyApiClient:tokens.verify": "verify_token",
                "authy.api.AuthyApiClient:users.request_sms": "request_sms_token",
                "authy.api.AuthyApiClient:phones.verification_start": "start_phone_verification",
                "authy.api.AuthyApiClient:phones.verification_check": "check_phone_verification",
            }
        ),
    ),
    Vendor(
        ("boto3", "botocore"),
        "aws",
        "AWS",
        clients=("boto3.client", "boto3.resource", "boto3.session.Session", "boto3.Session"),
        error_attributes=_names(response="dict[str, Any]", operation_name="str"),
    ),
    Vendor(
        ("openai",),
        "openai",
        "OpenAI",
        clients=("openai.OpenAI", "openai.AsyncOpenAI", "openai.AzureOpenAI"),
        error_attributes=_STAINLESS_ERRORS,
    ),
    Vendor(
        ("anthropic",),
        "anthropic",
        "Anthropic",
        clients=("anthropic.Anthropic", "anthropic.AsyncAnthropic"),
        operations=_names(),
        error_attributes=_STAINLESS_ERRORS,
    ),
    Vendor(("cohere",), "cohere", "Cohere", clients=("cohere.Client", "cohere.ClientV2")),
    Vendor(("replicate",), "replicate", "Replicate", clients=("replicate.Client",)),
    Vendor(
        ("sendgrid", "python_http_client"),
        "sendgrid",
        "SendGrid",
        clients=("sendgrid.SendGridAPIClient", "sendgrid.sendgrid.SendGridAPIClient"),
        operations=_ops(
            {
                "sendgrid.SendGridAPIClient:send": "send_email",
                "sendgrid.sendgrid.SendGridAPIClient:send": "send_email",
            }
        ),
        error_attributes=_names(status_code="int", reason="str"),
    ),
    Vendor(
        ("mailjet_rest",),
        "mailjet",
        "Mailjet",
        clients=("mailjet_rest.Client",),
        operations=_ops({"mailjet_rest.Client:send.create": "send_email"}),
    ),
    Vendor(
        ("postmarker",),
        "postmark",
        "Postmark",
        clients=("postmarker.core.PostmarkClient",),
        operations=_ops(
            {
                "postmarker.core.PostmarkClient:emails.send": "send_email",
                "postmarker.core.PostmarkClient:emails.send_with_template": "send_template_email",
            }
        ),
    ),
    Vendor(
        ("mailchimp_marketing",),
        "mailchimp",
        "Mailchimp",
        clients=("mailchimp_marketing.Client",),
        operations=_ops(
            {
                "mailchimp_marketing.Client:lists.add_list_member": "add_list_member",
                "mailchimp_marketing.Client:lists.set_list_member": "set_list_member",
            }
        ),
    ),
    Vendor(("mailchimp3",), "mailchimp", "Mailchimp", clients=("mailchimp3.MailChimp",)),
    Vendor(
        ("requests",),
        "http",
        "outside HTTP APIs (requests)",
        clients=("requests.Session", "requests.session"),
        per_api=True,
    ),
    Vendor(
        ("httpx",),
        "http",
        "outside HTTP APIs (httpx)",
        clients=("httpx.Client", "httpx.AsyncClient"),
        per_api=True,
    ),
    Vendor(
        ("slack_sdk", "slack"),
        "slack",
        "Slack",
        clients=("slack_sdk.WebClient", "slack_sdk.web.WebClient", "slack.WebClient"),
        operations=_ops(
            {
                "slack_sdk.WebClient:chat_postMessage": "post_message",
                "slack_sdk.web.WebClient:chat_postMessage": "post_message",
            }
        ),
    ),
    Vendor(("telegram",), "telegram", "Telegram", clients=("telegram.Bot",)),
    Vendor(("pusher",), "pusher", "Pusher", clients=("pusher.Pusher",)),
    Vendor(
        ("messagebird",),
        "messagebird",
        "MessageBird",
        clients=("messagebird.Client",),
        operations=_ops({"messagebird.Client:message_create": "send_sms"}),
    ),
    Vendor(
        ("vonage",),
        "vonage",
        "Vonage",
        clients=("vonage.Client", "vonage.Vonage"),
        operations=_ops(
            {"vonage.Client:sms.send_message": "send_sms", "vonage.Vonage:sms.send": "send_sms"}
        ),
    ),
    Vendor(
        ("nexmo",),
        "vonage",
        "Vonage (nexmo)",
        clients=("nexmo.Client",),
        operations=_ops({"nexmo.Client:send_message": "send_sms"}),
    ),
    Vendor(
        ("firebase_admin",),
        "firebase",
        "Firebase",
        operations=_ops(
            {
                "firebase_admin.messaging.send": "send_push_notification",
                "firebase_admin.messaging.send_each": "send_push_notifications",
                "firebase_admin.auth.verify_id_token": "verify_id_token",
            }
        ),
    ),
    Vendor(("braintree",), "braintree", "Braintree", clients=("braintree.BraintreeGateway",)),
    Vendor(("paypalrestsdk",), "paypal", "PayPal"),
    Vendor(
        ("paypalcheckoutsdk", "paypalhttp"),
        "paypal",
        "PayPal Checkout",
        clients=("paypalcheckoutsdk.core.PayPalHttpClient",),
    ),
    Vendor(("square",), "square", "Square", clients=("square.client.Client", "square.Square")),
    Vendor(("plaid",), "plaid", "Plaid", clients=("plaid.api.plaid_api.PlaidApi",)),
    Vendor(("razorpay",), "razorpay", "Razorpay", clients=("razorpay.Client",)),
    Vendor(("mollie",), "mollie", "Mollie", clients=("mollie.api.client.Client",)),
    Vendor(("Adyen", "adyen"), "adyen", "Adyen", clients=("Adyen.Adyen",)),
    Vendor(("tweepy",), "twitter", "Twitter (tweepy)", clients=("tweepy.Client", "tweepy.API")),
    Vendor(
        ("algoliasearch",),
        "algolia",
        "Algolia",
        clients=(
            "algoliasearch.search_client.SearchClient.create",
            "algoliasearch.search.client.SearchClientSync",
        ),
    ),
    Vendor(
        ("hubspot",), "hubspot", "HubSpot", clients=("hubspot.HubSpot", "hubspot.Client.create")
    ),
    Vendor(("shopify",), "shopify", "Shopify"),
)

VENDOR_MODULES = frozenset(module for vendor in VENDORS for module in vendor.modules)
"""Every top-level module the registry knows as a vendor SDK."""


@dataclass(frozen=True)
class HttpApi:
    """An outside API reached with `requests`/`httpx`: its integration module, recognised by
    host or by the prefix of the setting holding its URL, and names for its endpoints keyed by
    `METHOD /path` (path words only; `*` matches any path)."""

    module: str
    title: str
    hosts: tuple[str, ...] = ()
    settings: tuple[str, ...] = ()
    endpoints: Mapping[str, str] = field(default_factory=lambda: _NONE)


HTTP_APIS: tuple[HttpApi, ...] = (
    HttpApi(
        "mailgun",
        "Mailgun",
        hosts=("mailgun.net", "mailgun.org"),
        settings=("MAILGUN",),
        endpoints=_ops({"POST /messages": "send_email"}),
    ),
    HttpApi(
        "slack",
        "Slack",
        hosts=("hooks.slack.com",),
        settings=("SLACK_WEBHOOK", "SLACK"),
        endpoints=_ops({"POST": "post_message", "POST *": "post_message"}),
    ),
    HttpApi(
        "telegram",
        "Telegram",
        hosts=("api.telegram.org",),
        settings=("TELEGRAM",),
        endpoints=_ops({"POST /sendMessage": "send_message", "GET /sendMessage": "send_message"}),
    ),
    HttpApi(
        "discord",
        "Discord",
        hosts=("discord.com", "discordapp.com"),
        settings=("DISCORD_WEBHOOK", "DISCORD"),
        endpoints=_ops({"POST": "post_message", "POST *": "post_message"}),
    ),
    HttpApi("recaptcha", "Google reCAPTCHA", hosts=("www.google.com/recaptcha",)),
)


NON_VENDORS = frozenset(
    {
        # frameworks and their extensions
        "django",
        "rest_framework",
        "rest_framework_simplejwt",
        "celery",
        "kombu",
        "channels",
        "asgiref",
        "allauth",
        "crispy_forms",
        "django_filters",
        "debug_toolbar",
        "corsheaders",
        "storages",
        "guardian",
        "import_export",
        "mptt",
        "taggit",
        "simple_history",
        "django_extensions",
        "django_celery_beat",
        "drf_spectacular",
        "graphene",
        "graphene_django",
        "whitenoise",
        "model_utils",
        "phonenumber_field",
        "phonenumbers",
        "environ",
        "environs",
        "decouple",
        "dotenv",
        "dj_database_url",
        "dj_email_url",
        "django_cache_url",
        # libraries that compute rather than call out
        "dateutil",
        "pytz",
        "PIL",
        "markdown",
        "bleach",
        "yaml",
        "numpy",
        "pandas",
        "pydantic",
        "attr",
        "attrs",
        "jwt",
        "cryptography",
        "bs4",
        "lxml",
        "slugify",
        "unidecode",
        "babel",
        "jinja2",
        "qrcode",
        "reportlab",
        "weasyprint",
        "xhtml2pdf",
        "openpyxl",
        "xlsxwriter",
        "tablib",
        "shortuuid",
        "ulid",
        "nanoid",
        "structlog",
        "sentry_sdk",
        "newrelic",
        "ddtrace",
        "redis",
        "psycopg2",
        "psycopg",
        "pymongo",
        "typing_extensions",
        "six",
        "tenacity",
        "factory",
        "faker",
        "freezegun",
        "pytest",
        "mock",
        "responses",
        "gunicorn",
        "uvicorn",
    }
)
"""Third-party modules that are frameworks or local libraries: never reported as likely vendors."""


POSITIONAL_NAMES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "upload_fileobj": ("fileobj", "bucket", "key"),
        "upload_file": ("filename", "bucket", "key"),
        "download_file": ("bucket", "key", "filename"),
        "download_fileobj": ("bucket", "key", "fileobj"),
        "generate_presigned_url": ("client_method",),
        "construct_event": ("payload", "sig_header", "secret"),
        "send": ("message",),
        "get": ("url",),
        "post": ("url",),
        "put": ("url",),
        "patch": ("url",),
        "delete": ("url",),
        "head": ("url",),
        "request": ("method", "url"),
        "retrieve": ("id",),
        "cancel": ("id",),
        "modify": ("id",),
        "services": ("service_sid",),
        "phone_numbers": ("phone_number",),
    }
)
"""Parameter names for well-known positional arguments, so wrappers read like the SDK."""

POSITIONAL_TYPES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "construct_event": ("bytes", "str", "str"),
        "upload_fileobj": ("Any", "str", "str"),
        "upload_file": ("str", "str", "str"),
        "generate_presigned_url": ("str",),
    }
)
"""Types of well-known positional arguments, where the call site does not tell."""

DOCS: Mapping[str, str] = MappingProxyType(
    {
        "stripe.create_payment_intent": "Charge a card through a Stripe PaymentIntent.",
        "stripe.create_refund": "Refund a Stripe payment.",
        "stripe.create_subscription": "Start a Stripe subscription.",
        "stripe.cancel_subscription": "Cancel a Stripe subscription.",
        "stripe.construct_webhook_event": "Check a webhook's Stripe signature and parse its event.",
        "twilio.send_sms": "Send a text message through Twilio.",
        "twilio.make_call": "Place a phone call through Twilio.",
        "sendgrid.send_email": "Send an email through SendGrid.",
        "aws.upload_fileobj": "Upload a file object to S3.",
        "aws.upload_file": "Upload a local file to S3.",
        "aws.put_object": "Store an object in S3.",
        "aws.get_object": "Read an object from S3.",
        "aws.delete_object": "Delete an object from S3.",
        "aws.generate_presigned_url": "Sign a temporary URL for an S3 object.",
        "openai.create_chat_completion": "Ask the OpenAI chat model for a completion.",
        "anthropic.create_message": "Ask the Claude model for a message.",
        "slack.post_message": "Post a message to Slack.",
    }
)
"""One-line docstrings for wrappers whose derived wording would be vague."""

PARAM_TYPES: Mapping[str, str] = MappingProxyType(
    {
        "url": "str",
        "to": "str",
        "from_": "str",
        "body": "str",
        "text": "str",
        "subject": "str",
        "message": "str",
        "email": "str",
        "receipt_email": "str",
        "phone": "str",
        "phone_number": "str",
        "name": "str",
        "description": "str",
        "reason": "str",
        "currency": "str",
        "customer": "str",
        "payment_method": "str",
        "payment_intent": "str",
        "source": "str",
        "prompt": "str",
        "content": "str",
        "model": "str",
        "token": "str",
        "code": "str",
        "channel": "str",
        "bucket": "str",
        "key": "str",
        "method": "str",
        "client_method": "str",
        "filename": "str",
        "html_content": "str",
        "plain_text_content": "str",
        "sig_header": "str",
        "secret": "str",
        "service_sid": "str",
        "plan": "str",
        "status": "str",
        "id": "str",
        "amount": "int",
        "quantity": "int",
        "seats": "int",
        "page": "int",
        "limit": "int",
        "count": "int",
        "max_tokens": "int",
        "expires_in": "int",
        "timeout": "float",
        "temperature": "float",
        "confirm": "bool",
        "metadata": "dict[str, Any]",
        "params": "dict[str, Any]",
        "headers": "dict[str, str]",
        "data": "dict[str, Any]",
        "json": "dict[str, Any]",
        "extra_args": "dict[str, Any]",
        "messages": "list[dict[str, Any]]",
        "items": "list[dict[str, Any]]",
        "payload_bytes": "bytes",
    }
)
"""Types for parameters the call sites do not type by themselves, by name."""

PARAM_SUFFIX_TYPES: tuple[tuple[str, str], ...] = (
    ("_id", "str"),
    ("_sid", "str"),
    ("_email", "str"),
    ("_phone", "str"),
    ("_number", "str"),
    ("_url", "str"),
    ("_name", "str"),
    ("_key", "str"),
    ("_token", "str"),
    ("_content", "str"),
    ("_text", "str"),
    ("_count", "int"),
    ("_seconds", "int"),
    ("_minutes", "int"),
)


@dataclass(frozen=True)
class Returns:
    """The return annotation of a wrapper and the imports it needs in the integration."""

    annotation: str
    imports: tuple[str, ...] = ()


_STRIPE_RESOURCE_VERBS = frozenset(
    {
        "create",
        "retrieve",
        "modify",
        "update",
        "cancel",
        "capture",
        "confirm",
        "delete",
        "finalize_invoice",
        "pay",
        "void_invoice",
        "send_invoice",
        "attach",
        "detach",
        "reverse",
        "close",
        "resume",
        "expire",
    }
)
_CLIENT_RETURNS: Mapping[str, Returns] = MappingProxyType(
    {
        "twilio.rest.Client:messages.create": Returns(
            "MessageInstance",
            ("from twilio.rest.api.v2010.account.message import MessageInstance",),
        ),
        "twilio.rest.Client:calls.create": Returns(
            "CallInstance", ("from twilio.rest.api.v2010.account.call import CallInstance",)
        ),
        "openai.OpenAI:chat.completions.create": Returns(
            "ChatCompletion", ("from openai.types.chat import ChatCompletion",)
        ),
        "openai.AsyncOpenAI:chat.completions.create": Returns(
            "ChatCompletion", ("from openai.types.chat import ChatCompletion",)
        ),
        "openai.OpenAI:embeddings.create": Returns(
            "CreateEmbeddingResponse", ("from openai.types import CreateEmbeddingResponse",)
        ),
        "openai.OpenAI:images.generate": Returns(
            "ImagesResponse", ("from openai.types import ImagesResponse",)
        ),
        "openai.OpenAI:moderations.create": Returns(
            "ModerationCreateResponse", ("from openai.types import ModerationCreateResponse",)
        ),
        "anthropic.Anthropic:messages.create": Returns(
            "Message", ("from anthropic.types import Message",)
        ),
    }
)
_BOTO3_RETURNS: Mapping[str, str] = MappingProxyType(
    {
        "generate_presigned_url": "str",
        "upload_file": "None",
        "upload_fileobj": "None",
        "download_file": "None",
        "download_fileobj": "None",
    }
)


def return_type(key: str, chain: tuple[str, ...], streams: bool) -> Returns | None:
    """What an operation returns, as the SDK types it: `key` is `<qualified call>` for a
    module-path call or `<client constructor>:<method chain>` for a client method."""
    client, colon, methods = key.partition(":")
    top = key.split(".")[0]
    if streams:
        return None
    if colon:
        known = _CLIENT_RETURNS.get(key)
        if known is not None:
            return known
        if top in ("requests", "httpx"):
            return Returns(f"{top}.Response", (f"import {top}",))
        if top == "boto3" and client in ("boto3.client", "boto3.session.Session.client"):
            method = methods.rsplit(".", 1)[-1]
            return Returns(_BOTO3_RETURNS.get(method, "dict[str, Any]"))
        if top in ("slack_sdk", "slack"):
            return Returns("SlackResponse", ("from slack_sdk.web import SlackResponse",))
        return None
    if top in ("requests", "httpx") and len(chain) == 1:
        return Returns(f"{top}.Response", (f"import {top}",))
    if top == "stripe":
        return _stripe_returns(chain)
    return None


def _stripe_returns(chain: tuple[str, ...]) -> Returns | None:
    if chain == ("Webhook", "construct_event"):
        return Returns("stripe.Event", ("import stripe",))
    if len(chain) < 2 or not chain[-2][:1].isupper():
        return None
    resource = "stripe." + ".".join(chain[:-1])
    verb = chain[-1]
    if verb in _STRIPE_RESOURCE_VERBS:
        return Returns(resource, ("import stripe",))
    if verb in ("list", "list_line_items"):
        return Returns(f"stripe.ListObject[{resource}]", ("import stripe",))
    if verb == "search":
        return Returns(f"stripe.SearchResultObject[{resource}]", ("import stripe",))
    return None


def http_api(host: str | None, setting: str | None) -> HttpApi | None:
    """The registered outside API a URL's host or setting names, if any."""
    for api in HTTP_APIS:
        if host and any(host == known or host.endswith("." + known) for known in api.hosts):
            return api
        if setting and any(setting.startswith(prefix) for prefix in api.settings):
            return api
    return None


def registry(extra: tuple[str, ...]) -> dict[str, Vendor]:
    """Top-level module -> vendor, with the project's own `vendors` added generically."""
    found = {module: vendor for vendor in VENDORS for module in vendor.modules}
    for module in extra:
        top = module.split(".")[0]
        found.setdefault(top, Vendor((top,), top, top))
    return found
