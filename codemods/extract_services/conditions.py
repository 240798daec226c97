"""Names for the domain exceptions of `extract-services`, from the condition that raises them:
the error a vendor call failed with (`CardError` -> `PaymentDeclined`, a network error of the
shipping API -> `ShippingUnavailable`) or the guard that stops the workflow (`order.status !=
Order.STATUS_PAID` -> `OrderNotPaid`, `product.stock < quantity` -> `InsufficientStock`), each
with the sentence its docstring says it with. Never a counter, never the view's name.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import libcst as cst
from libcst.helpers import get_full_name_for_node

from djrefactor.analysis import patterns as m
from djrefactor.analysis.naming import camel, snake
from djrefactor.analysis.nodes import code

DECLINED = frozenset({"CardError"})
SIGNATURE = frozenset({"SignatureVerificationError", "BadSignature", "InvalidSignature"})
NETWORK = frozenset(
    {
        "RequestException",
        "ConnectionError",
        "ConnectTimeout",
        "ReadTimeout",
        "Timeout",
        "HTTPError",
        "APIConnectionError",
        "APITimeoutError",
        "OpenAIError",
        "AnthropicError",
        "EndpointConnectionError",
        "ServiceUnavailable",
    }
)
MISSING = frozenset({"DoesNotExist", "ObjectDoesNotExist", "Http404"})
"""Errors that say a row looked up is not there."""
INVALID = frozenset({"ValueError", "TypeError", "JSONDecodeError", "UnicodeDecodeError"})
"""Errors that say an input could not be read (a payload, a number typed in a form)."""
NOUNS = {
    "book": "booking",
    "cancel": "cancellation",
    "charge": "charge",
    "pay": "payment",
    "refund": "refund",
    "upload": "upload",
    "ship": "shipping",
    "send": "delivery",
    "notify": "notification",
    "escalate": "escalation",
    "subscribe": "subscription",
    "create": "creation",
    "generate": "generation",
    "suggest": "suggestion",
    "summarise": "summary",
    "summarize": "summary",
    "sync": "sync",
    "import": "import",
    "export": "export",
    "register": "registration",
    "verify": "verification",
    "confirm": "confirmation",
    "checkout": "checkout",
    "close": "closing",
    "assign": "assignment",
    "reply": "reply",
    "start": "start",
}
"""The noun for what a verb does, for `<noun>Failed` (`refund_order` -> `RefundFailed`)."""
STATES = {"ed", "en"}


@dataclass(frozen=True)
class Condition:
    """A domain exception's name and the clause its docstring completes (`Raised when ...`)."""

    name: str
    when: str

    @property
    def docstring(self) -> str:
        return f"Raised when {self.when}."


@dataclass(frozen=True)
class Provider:
    """Who a caught error comes from: `Shipping` / "the shipping API", `OpenAI` / "OpenAI"."""

    name: str
    phrase: str


def provider_of(integration: str, title: str | None) -> Provider:
    """`integrations.openai` (title "OpenAI") or `integrations.status_page` (no title)."""
    title = title.split(" (", 1)[0] if title else None
    if title and title.replace(" ", "").isalnum() and not title.islower():
        return Provider(title.replace(" ", ""), title)
    return Provider(camel(integration), f"the {_words(integration)} API")


def caught_condition(
    error: str,
    provider: Provider | None,
    verb: str,
    obj: str | None,
    inputs: Sequence[cst.BaseExpression] = (),
    missing: str | None = None,
) -> Condition:
    """For an exit in `except <error>`: what failed, said for the domain. `inputs` are the
    first arguments of the calls the `try` makes: a `ValueError` says the first one that names
    something (`payload`, `request.POST["quantity"]`) is not valid. `missing` is the model a
    `DoesNotExist` is about (`Order.DoesNotExist`, the `Order.objects.get` in the `try`)."""
    if error in MISSING:
        if missing:
            return Condition(f"{missing}NotFound", f"the {_words(snake(missing))} does not exist")
        return Condition("NotFound", "what it looks up does not exist")
    if error in DECLINED:
        return Condition("PaymentDeclined", "the card is declined")
    if error in SIGNATURE:
        return Condition("InvalidSignature", "the signature does not verify")
    named = next((name for node in inputs if (name := _named(node))), None)
    if error in INVALID and named:
        return Condition(f"Invalid{camel(named)}", f"the {_words(named)} is not valid")
    if error in NETWORK and provider:
        return Condition(
            f"{provider.name}Unavailable", f"{provider.phrase} does not answer or fails"
        )
    noun = NOUNS.get(verb)
    if noun:
        who = f" by {provider.phrase}" if provider else ""
        return Condition(f"{camel(noun)}Failed", f"the {noun} is refused{who}")
    subject = obj or "request"
    return Condition(f"{camel(snake(subject))}Failed", f"the {_words(snake(subject))} fails")


def guard_condition(
    test: cst.BaseExpression, model_of: Callable[[str], str | None], obj: str | None
) -> Condition:
    """For an exit under `if <test>:`: the state that stops the workflow."""
    found = _named_guard(test, model_of)
    if found is not None:
        return found
    subject = camel(snake(obj)) if obj else "Request"
    return Condition(f"{subject}Rejected", f"the {_words(snake(subject))} cannot go ahead")


def shortcut_condition(test: cst.BaseExpression, model_of: Callable[[str], str | None]) -> str:
    """For a success shortcut under `if <test>:`, the clause its docstring says it with: the
    state the guard names, else the test itself (`` `charge` is true ``)."""
    found = _named_guard(test, model_of)
    return found.when if found is not None else f"`{code(test)}` is true"


def _named_guard(
    test: cst.BaseExpression, model_of: Callable[[str], str | None]
) -> Condition | None:
    negated = m.matches(test, m.UnaryOperation(operator=m.Not()))
    inner = test.expression if isinstance(test, cst.UnaryOperation) else test
    found = _state(inner, negated, model_of) or _comparison(inner, model_of)
    if found is not None:
        return found
    if negated:
        named = _named(inner)
        if named:
            return Condition(f"{camel(named)}Required", f"no {_words(named)} is given")
    return None


def _state(
    node: cst.BaseExpression, negated: bool, model_of: Callable[[str], str | None]
) -> Condition | None:
    """`ticket.is_closed` -> TicketAlreadyClosed; `not appointment.is_active` ->
    AppointmentNotActive; `Shipment.objects.filter(...).exists()` -> ShipmentAlreadyExists."""
    if m.matches(node, m.Attribute(value=m.Name(), attr=m.Name())):
        assert isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name)
        attr = node.attr.value
        if not attr.startswith(("is_", "has_")):
            return None
        state = attr.split("_", 1)[1]
        owner = _owner(node.value.value, model_of)
        if negated:
            return Condition(
                f"{camel(owner)}Not{camel(state)}", f"the {_words(owner)} is not {_words(state)}"
            )
        already = "Already" if state[-2:] in STATES else ""
        return Condition(
            f"{camel(owner)}{already}{camel(state)}",
            f"the {_words(owner)} is {'already ' if already else ''}{_words(state)}",
        )
    if m.matches(node, m.Call(func=m.Attribute(attr=m.Name("exists")))):
        assert isinstance(node, cst.Call)
        root = _root(node.func)
        if root:
            if negated:
                return Condition(f"{root}Missing", f"no {_words(snake(root))} exists")
            return Condition(f"{root}AlreadyExists", f"a {_words(snake(root))} already exists")
    return None


def _comparison(
    node: cst.BaseExpression, model_of: Callable[[str], str | None]
) -> Condition | None:
    if not isinstance(node, cst.Comparison) or len(node.comparisons) != 1:
        return None
    target = node.comparisons[0]
    operator, left, right = target.operator, node.left, target.comparator
    if isinstance(operator, cst.NotEqual | cst.Equal) and _is_status(left):
        state = _status_word(right)
        owner = _owner_of(left, model_of)
        if state and owner:
            if isinstance(operator, cst.NotEqual):
                return Condition(
                    f"{camel(owner)}Not{camel(state)}", f"the {_words(owner)} is not {state}"
                )
            return Condition(
                f"{camel(owner)}Already{camel(state)}", f"the {_words(owner)} is already {state}"
            )
    if isinstance(operator, cst.LessThan | cst.LessThanEqual):
        named = _named(left)
        if named:
            return Condition(f"Insufficient{camel(named)}", f"there is not enough {_words(named)}")
    if isinstance(operator, cst.GreaterThan | cst.GreaterThanEqual):
        named = _named(left)
        if named:
            return Condition(
                f"{camel(named)}LimitExceeded", f"the {_words(named)} is over its limit"
            )
    if isinstance(operator, cst.Is) and m.matches(right, m.Name("None")):
        named = _named(left)
        if named:
            return Condition(f"{camel(named)}NotFound", f"no {_words(named)} is found")
    if isinstance(operator, cst.NotIn):
        named = _named(left)
        if named:
            return Condition(f"Unsupported{camel(named)}", f"the {_words(named)} is not supported")
    return None


def _is_status(node: cst.BaseExpression) -> bool:
    return m.matches(node, m.Attribute(attr=m.Name("status") | m.Name("state")))


def _status_word(node: cst.BaseExpression) -> str | None:
    """`Order.STATUS_PAID` -> "paid"; `Ticket.CLOSED` -> "closed"; `"paid"` -> "paid"."""
    if isinstance(node, cst.SimpleString) and isinstance(node.evaluated_value, str):
        return node.evaluated_value.lower().replace("-", "_") or None
    name = get_full_name_for_node(node)
    if not name:
        return None
    last = name.rsplit(".", 1)[-1]
    for prefix in ("STATUS_", "STATE_"):
        last = last.removeprefix(prefix)
    return last.lower() if last.isupper() or "_" in last else None


def _owner_of(node: cst.BaseExpression, model_of: Callable[[str], str | None]) -> str | None:
    if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name):
        return _owner(node.value.value, model_of)
    return None


def _owner(name: str, model_of: Callable[[str], str | None]) -> str:
    model = model_of(name)
    return snake(model) if model else name


def _named(node: cst.BaseExpression) -> str | None:
    """What an expression names: `data["payment_method_id"]` -> payment_method,
    `product.stock` -> stock, `ticket` -> ticket."""
    key: str | None = None
    if isinstance(node, cst.Subscript) and len(node.slice) == 1:
        index = node.slice[0].slice
        if isinstance(index, cst.Index) and isinstance(index.value, cst.SimpleString):
            value = index.value.evaluated_value
            key = value if isinstance(value, str) else None
    elif isinstance(node, cst.Call) and m.matches(node.func, m.Attribute(attr=m.Name("get"))):
        first = node.args[0].value if node.args else None
        if isinstance(first, cst.SimpleString) and isinstance(first.evaluated_value, str):
            key = first.evaluated_value
    elif isinstance(node, cst.Attribute):
        key = node.attr.value
    elif isinstance(node, cst.Name):
        key = node.value
    if not key or not key.replace("_", "").isalnum():
        return None
    key = snake(key)
    return key.removesuffix("_id") or key


def _root(node: cst.BaseExpression) -> str | None:
    while isinstance(node, cst.Attribute | cst.Call):
        node = node.func if isinstance(node, cst.Call) else node.value
    return node.value if isinstance(node, cst.Name) and node.value[:1].isupper() else None


def _words(name: str) -> str:
    return name.replace("_", " ")
