"""The vendor registry: which top-level modules are third-party services, and how to wrap them.

The one list every codemod reads. A project adds its own vendors with
`[tool.djrefactor] vendors = ["acme_sdk"]`; `registry()` adds those to the known ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


@dataclass(frozen=True)
class Vendor:
    """One provider: the modules that belong to it and the integration module that wraps it.

    `clients` are the qualified names of client constructors (their results are the receivers
    of operations); `operations` names operations whose derived name would read badly, keyed by
    `<qualified call>` for module-path calls or `<client>:<method chain>` for client methods.
    """

    modules: tuple[str, ...]
    integration: str
    title: str
    clients: tuple[str, ...] = ()
    operations: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    per_api: bool = False


def _names(**names: str) -> Mapping[str, str]:
    return MappingProxyType(names)


VENDORS: tuple[Vendor, ...] = (
    Vendor(("stripe",), "stripe", "Stripe"),
    Vendor(
        ("twilio",),
        "twilio",
        "Twilio",
        clients=("twilio.rest.Client",),
        operations=MappingProxyType(
            {
                "twilio.rest.Client:messages.create": "send_sms",
                "twilio.rest.Client:calls.create": "make_call",
            }
        ),
    ),
    Vendor(
        ("boto3", "botocore"),
        "aws",
        "AWS (boto3)",
        clients=("boto3.client", "boto3.resource", "boto3.session.Session", "boto3.Session"),
    ),
    Vendor(("openai",), "openai", "OpenAI", clients=("openai.OpenAI", "openai.AsyncOpenAI")),
    Vendor(
        ("anthropic",),
        "anthropic",
        "Anthropic",
        clients=("anthropic.Anthropic", "anthropic.AsyncAnthropic"),
    ),
    Vendor(
        ("sendgrid",),
        "sendgrid",
        "SendGrid",
        clients=("sendgrid.SendGridAPIClient", "sendgrid.sendgrid.SendGridAPIClient"),
        operations=MappingProxyType(
            {
                "sendgrid.SendGridAPIClient:send": "send_email",
                "sendgrid.sendgrid.SendGridAPIClient:send": "send_email",
            }
        ),
    ),
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
        ("slack_sdk",),
        "slack",
        "Slack",
        clients=("slack_sdk.WebClient", "slack_sdk.web.WebClient"),
        operations=_names(),
    ),
    Vendor(
        ("mailchimp_marketing",), "mailchimp", "Mailchimp", clients=("mailchimp_marketing.Client",)
    ),
    Vendor(("braintree",), "braintree", "Braintree", clients=("braintree.BraintreeGateway",)),
    Vendor(("paypalrestsdk",), "paypal", "PayPal"),
)

VENDOR_MODULES = frozenset(module for vendor in VENDORS for module in vendor.modules)
"""Every top-level module the registry knows as a vendor SDK."""

POSITIONAL_NAMES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "upload_fileobj": ("fileobj", "bucket", "key"),
        "upload_file": ("filename", "bucket", "key"),
        "download_file": ("bucket", "key", "filename"),
        "download_fileobj": ("bucket", "key", "fileobj"),
        "generate_presigned_url": ("client_method",),
        "send": ("message",),
        "get": ("url",),
        "post": ("url",),
        "put": ("url",),
        "patch": ("url",),
        "delete": ("url",),
        "head": ("url",),
        "request": ("method", "url"),
        "retrieve": ("id",),
    }
)
"""Parameter names for well-known positional arguments, so wrappers read like the SDK."""


def registry(extra: tuple[str, ...]) -> dict[str, Vendor]:
    """Top-level module -> vendor, with the project's own `vendors` added generically."""
    found = {module: vendor for vendor in VENDORS for module in vendor.modules}
    for module in extra:
        top = module.split(".")[0]
        found.setdefault(top, Vendor((top,), top, top))
    return found
