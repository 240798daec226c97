"""Turning code names into other code names, the same way for every codemod."""

from __future__ import annotations

import re

_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def snake(name: str) -> str:
    """`PaymentIntent` -> `payment_intent`, `HTTPError` -> `http_error`."""
    return _BOUNDARY.sub("_", name).lower()


def camel(name: str) -> str:
    """`payment_declined` -> `PaymentDeclined`."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_") if part)
