"""Names for what the wrappers do: SDK operations in the project's words, and outside APIs.

`PaymentIntent.create` -> `create_payment_intent`, `chat.completions.create` ->
`create_chat_completion`; an HTTP call is named for its endpoint (`POST {INSURANCE_API_URL}/
eligibility` -> `check_eligibility` in `integrations/insurance.py`, `GET .../products` ->
`list_products`), its module for the API (the setting that holds the URL, else the host).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import libcst as cst

from djrefactor.analysis import patterns as m
from djrefactor.analysis.naming import snake
from djrefactor.analysis.tree import findall
from djrefactor.discovery.vendors import HttpApi, Vendor, http_api

if TYPE_CHECKING:
    from .source import Source

VERBS = frozenset(
    [
        "create",
        "retrieve",
        "update",
        "modify",
        "delete",
        "list",
        "cancel",
        "capture",
        "confirm",
        "refund",
        "search",
        "send",
        "fetch",
        "get",
        "post",
        "put",
        "patch",
        "head",
        "generate",
        "upload",
        "download",
        "verify",
        "check",
        "publish",
        "add",
        "remove",
        "start",
        "stop",
    ]
)
HTTP_METHODS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request"})


def operation_name(vendor: Vendor, key: str, chain: Sequence[str]) -> str:
    """The wrapper's name; the registry can override (`send_sms` for `messages.create`)."""
    if key in vendor.operations:
        return vendor.operations[key]
    *nouns, verb = [snake(part) for part in chain]
    nouns = [noun for noun in nouns if not re.fullmatch(r"v\d+", noun)]
    if verb not in VERBS or not nouns:
        return verb
    words = [singular(word) for word in nouns]
    name = "_".join([verb, *words])
    return name + "s" if verb == "list" else name


def singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "ches", "shes", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is", "sms")):
        return word[:-1]
    return word


# -- outside HTTP APIs -------------------------------------------------------------------------
_URL_SUFFIXES = (
    "_API_BASE_URL",
    "_API_URL",
    "_WEBHOOK_URL",
    "_BASE_URL",
    "_API_BASE",
    "_API_ENDPOINT",
    "_ENDPOINT",
    "_API_HOST",
    "_URL",
    "_HOST",
    "_API",
)
_HOST = re.compile(r"https?://([\w.-]+)(/[^\s?#]*)?")
_QUERY_NOUNS = {
    "eligibility": "check",
    "availability": "check",
    "coverage": "check",
    "health": "check",
    "status": "get",
    "balance": "get",
    "quote": "get",
    "quotes": "get",
    "rates": "get",
    "estimate": "get",
    "forecast": "get",
}
_SEND_NOUNS = frozenset(
    {"messages", "message", "emails", "email", "sms", "notifications", "alerts", "metrics"}
)
_PATH_VERBS = frozenset(
    {
        "send",
        "verify",
        "check",
        "search",
        "cancel",
        "refund",
        "capture",
        "confirm",
        "validate",
        "lookup",
        "subscribe",
        "unsubscribe",
        "start",
        "stop",
        "close",
        "approve",
        "reject",
        "track",
    }
)
_SKIPPED_SEGMENTS = frozenset({"api", "rest", "data", "json", "v", "{}"})


class Endpoint:
    """Where an HTTP call goes: its API (module, setting, host) and its method and path."""

    def __init__(self, method: str, text: str, setting: str | None) -> None:
        self.method = method
        self.setting = setting
        self.text = text
        match = _HOST.search(text)
        self.host = match.group(1) if match else None
        path = (match.group(2) or "") if match else text.split("}", 1)[-1]
        if setting is None and not match and text.startswith("{}"):
            path = text[2:]
        self.path = path
        self.words = [
            segment
            for segment in path.split("/")
            if segment and segment not in _SKIPPED_SEGMENTS and not re.fullmatch(r"v\d+", segment)
        ]
        self.ends_with_value = path.rstrip("/").endswith("{}")

    @property
    def static_path(self) -> str:
        return "/" + "/".join(word for word in self.path.split("/") if word and word != "{}")

    @property
    def shown_path(self) -> str:
        """The path as a docstring shows it: computed parts as `…`."""
        return "/" + "/".join(
            "…" if word == "{}" else word for word in self.path.split("/") if word
        )


def http_module(source: Source, call: cst.Call, fallback: str) -> tuple[str, str] | None:
    """The integration module and wrapper name of a `requests`/`httpx` call, or None when
    nothing tells which outside API it talks to."""
    endpoint = endpoint_of(source, call)
    if endpoint is None:
        return None
    api = http_api(endpoint.host, endpoint.setting)
    module = api.module if api else _module_from(endpoint)
    if module is None:
        return None
    return module, endpoint_name(endpoint, api, module) or fallback


def endpoint_of(source: Source, call: cst.Call) -> Endpoint | None:
    func = call.func
    method = func.attr.value if isinstance(func, cst.Attribute) else ""
    if method not in HTTP_METHODS:
        return None
    args = [arg for arg in call.args if not arg.star]
    positional = [arg.value for arg in args if arg.keyword is None]
    if method == "request":
        verb = positional[0] if positional else None
        spelled = verb.evaluated_value if isinstance(verb, cst.SimpleString) else None
        method = spelled.lower() if isinstance(spelled, str) else "request"
        positional = positional[1:]
    url = next(iter(positional), None)
    url = next((arg.value for arg in args if arg.keyword and arg.keyword.value == "url"), url)
    if url is None:
        return None
    url = _constant_url(source, url)
    return Endpoint(method, *_url_text(url))


def _constant_url(source: Source, url: cst.BaseExpression) -> cst.BaseExpression:
    """A module-level constant of the caller (`WEATHER_URL = "https://..."`) read for its text."""
    if not isinstance(url, cst.Name):
        return url
    for binding in source.names.referents(url):
        target = source.parents.get(binding.node) if binding.node is not None else None
        assign = source.parents.get(target) if target is not None else None
        if isinstance(assign, cst.Assign) and isinstance(assign.value, cst.SimpleString):
            return assign.value
    return url


def _url_text(url: cst.BaseExpression) -> tuple[str, str | None]:
    """The URL with every computed part as `{}`, and the setting naming its base."""
    setting: str | None = None
    for node in findall(url, m.Attribute(value=m.Name("settings"))):
        assert isinstance(node, cst.Attribute)
        if _api_from_setting(node.attr.value):
            setting = node.attr.value
            break
    return _text(url), setting


def _text(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else "{}"
    if isinstance(node, cst.FormattedString):
        parts = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                parts.append(part.value)
            else:
                parts.append("{}")
        return "".join(parts)
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        return _text(node.left) + _text(node.right)
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Modulo):
        return re.sub(r"%[sdr]", "{}", _text(node.left))
    if isinstance(node, cst.ConcatenatedString):
        left, right = node.left, node.right
        return _text(left) + (_text(right) if isinstance(right, cst.BaseExpression) else "")
    return "{}"


def _module_from(endpoint: Endpoint) -> str | None:
    if endpoint.setting:
        return _api_from_setting(endpoint.setting)
    if endpoint.host:
        return _api_from_host(endpoint.host)
    return None


def _api_from_setting(setting: str) -> str | None:
    for suffix in _URL_SUFFIXES:
        if setting.endswith(suffix) and len(setting) > len(suffix):
            name = setting[: -len(suffix)].lower()
            return name if name.isidentifier() else None
    return None


def _api_from_host(host: str) -> str | None:
    labels = [label for label in host.split(".") if label not in ("www", "api")]
    if len(labels) < 2:
        return None
    name = labels[-2].replace("-", "_")
    return name if name.isidentifier() else None


def endpoint_name(endpoint: Endpoint, api: HttpApi | None, module: str) -> str | None:
    """`check_eligibility`, `create_shipment`, `list_products`, `send_metrics`..."""
    method = endpoint.method
    if api is not None:
        known = api.endpoints.get(f"{method.upper()} {endpoint.static_path}")
        known = known or api.endpoints.get(f"{method.upper()} *" if endpoint.words else "")
        known = known or (api.endpoints.get(method.upper()) if not endpoint.words else None)
        if known:
            return known
    words = [snake(word.replace("-", "_")) for word in endpoint.words]
    words = [word for word in words if word.isidentifier()]
    if not words:
        return f"{method}_{module}" if method != "request" else None
    last = words[-1]
    if last in _PATH_VERBS:
        noun = singular(words[-2]) if len(words) > 1 else ""
        return f"{last}_{noun}" if noun else last
    if last in _QUERY_NOUNS:
        return f"{_QUERY_NOUNS[last]}_{last}"
    if method == "post":
        if last in _SEND_NOUNS:
            return f"send_{last}" if last in ("sms", "metrics") else f"send_{singular(last)}"
        return f"create_{singular(last)}"
    if method == "get":
        if endpoint.ends_with_value or singular(last) == last:
            return f"get_{singular(last)}"
        return f"list_{last}"
    if method in ("put", "patch"):
        return f"update_{singular(last)}"
    if method == "delete":
        return f"delete_{singular(last)}"
    return f"{method}_{singular(last)}"


def api_title(module: str) -> str:
    """`status_page` -> `the status page API`."""
    return f"the {module.replace('_', ' ')} API"
