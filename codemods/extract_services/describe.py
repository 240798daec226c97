"""One-line docstrings for services, for `extract-services`: the view's own docstring when it says
what the workflow does, otherwise the service's name as a sentence and what the workflow does on
the way (`Book the appointment: create the patient and the appointment, check insurance, ...`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import libcst as cst
from libcst.helpers import get_full_name_for_node

from djrefactor.analysis.naming import snake

from .naming import VERBS, Write
from .select import ORM_WRITES, TASK_CALLS, Context

PHRASAL = {"checkout": "Check out", "signup": "Sign up", "login": "Log in", "logout": "Log out"}
PREPOSITIONS = frozenset({"to", "for", "from", "with", "on", "of", "by", "via", "into", "as"})


def docstring_of(function: cst.FunctionDef) -> str | None:
    """The first line of a function's docstring."""
    doc = function.get_docstring()
    return doc.strip().splitlines()[0].strip() if doc else None


def describe(
    name: str,
    view_doc: str | None,
    writes: Iterable[Write],
    statements: Iterable[cst.BaseStatement],
    context: Context,
    vendor_title: Callable[[str], str | None],
    width: int,
) -> str:
    """The summary line of a service's docstring, fitting the project's line length inside
    the function (four spaces and the quotes)."""
    room = width - len('    """') - len('"""')
    if (
        view_doc
        and view_doc.split(" ", 1)[0].lower().rstrip("s") in VERBS
        and len(view_doc) <= room
    ):
        return view_doc if view_doc.endswith(".") else f"{view_doc}."
    head = sentence(name)
    effects = _effects(name, writes, statements, context, vendor_title)
    text = head
    for index in range(len(effects), 0, -1):
        candidate = f"{head}: {_join(effects[:index])}"
        if len(candidate) + 1 <= room:
            text = candidate
            break
    return f"{text}."


def sentence(name: str) -> str:
    """`reply_to_ticket` -> "Reply to the ticket"; `handle_order_created` -> "Follow up on a
    newly created order"."""
    words = name.split("_")
    if words[0] == "handle" and len(words) > 2 and words[-1] in ("created", "updated"):
        return f"Follow up on a newly {words[-1]} {' '.join(words[1:-1])}"
    out = [PHRASAL.get(words[0], words[0].capitalize())]
    rest = words[1:]
    if rest and rest[0] in PREPOSITIONS:
        out.append(rest.pop(0))
    if rest and rest[0] not in ("the", "a", "an"):
        out.append("the")
    out += rest
    return " ".join(out)


def _effects(
    name: str,
    writes: Iterable[Write],
    statements: Iterable[cst.BaseStatement],
    context: Context,
    vendor_title: Callable[[str], str | None],
) -> list[str]:
    """What the workflow does on the way, each said once, none that the name already says."""
    named = set(name.split("_"))
    writes = list(writes)
    effects: list[str] = []
    created = [
        _words(w.model)
        for w in writes
        if w.verb == "create" and not set(snake(w.model).split("_")) <= named
    ]
    if created:
        effects.append("create the " + _join(list(dict.fromkeys(created))))
    for statement in statements:
        failing = {
            id(node)
            for handler in context.of_type(statement, cst.ExceptHandler)
            for node in context.subtree(handler)
        }
        for call in context.of_type(statement, cst.Call):
            if id(call) in failing:
                continue  # what a failure undoes is not what the workflow does
            effect = _call_effect(call, context, vendor_title)
            if effect and " through " in effect and _said(effect.split(" through ")[0], named):
                effect = "call " + effect.split(" through ")[1]  # `cancel_subscription` on Stripe
            if effect and effect not in effects and not _said(effect, named):
                effects.append(effect)
    for write in writes:
        if write.verb in ("create", "delete", "update") or write.verb in named:
            continue
        effects.append(f"mark the {_words(write.model)} {write.state or write.verb}")
    updated = [
        _words(w.model)
        for w in writes
        if w.verb == "update" and not set(snake(w.model).split("_")) <= named
    ]
    if updated:
        effects.append("update the " + _join(list(dict.fromkeys(updated))))
    return effects


FILLERS = frozenset({"the", "a", "an", "and", "through", "call"})


def _said(effect: str, named: set[str]) -> bool:
    """Does the name already say this (`send_order_emails` and "send the email")?"""
    words = [w.strip("`") for w in effect.split() if w not in FILLERS]
    return all(w in named or w + "s" in named for w in words)


def _words(model: str) -> str:
    return snake(model).replace("_", " ")


def _call_effect(
    call: cst.Call, context: Context, vendor_title: Callable[[str], str | None]
) -> str | None:
    if not context.is_business_call(call):
        return None
    origin = context.origin(call.func) or ""
    if origin.startswith("django.db."):
        return None
    if context.is_mail(call):
        return "send the email" if "mail" in origin.lower() else None
    func = call.func
    name = get_full_name_for_node(func) or ""
    if origin.startswith("integrations."):
        return _integration_effect(origin, vendor_title)
    if isinstance(func, cst.Attribute) and func.attr.value in TASK_CALLS:
        task = name.rsplit(".", 2)[-2] if "." in name else name
        return f"queue `{task}`"
    if isinstance(func, cst.Attribute) and func.attr.value in ORM_WRITES:
        return None
    last = name.rsplit(".", 1)[-1].lstrip("_")
    return last.replace("_", " ") if last else None


HTTP_CALLS = frozenset({"get", "post", "put", "patch", "delete", "request", "head"})


def _integration_effect(origin: str, vendor_title: Callable[[str], str | None]) -> str | None:
    """`integrations.stripe.create_refund` -> "create a refund through Stripe";
    `integrations.shipping.post` -> "call the shipping API"; a client factory says nothing."""
    parts = origin.split(".")
    if len(parts) < 3:
        return None
    module, operation = parts[1], parts[-1]
    title = vendor_title(module)
    title = title.split(" (", 1)[0] if title else None
    if operation in HTTP_CALLS or title is None:
        return f"call {title or 'the ' + module.replace('_', ' ') + ' API'}"
    if operation.endswith("client") or operation[:1].isupper():
        return None
    words = [w for w in operation.split("_") if w != module]
    return f"{' '.join(words)} through {title}"


def _join(items: list[str], article: str = "") -> str:
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + f" and {article}" + items[-1]
