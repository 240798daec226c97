"""Service names for `extract-services`: `verb_object` from what the workflow does to which
model (`book_appointment`, `cancel_order`, `ship_order`, `send_order_emails`), taken from the
view when the view already says it, never a counter. Two workflows whose natural names collide
are told apart by what differs: the URL they answer (`close_ticket_by_customer`) or the channel
(`..._via_api`); when nothing does, the second one stays in the view with a note.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import libcst as cst

from djrefactor.analysis import patterns as m
from djrefactor.analysis.naming import snake
from djrefactor.analysis.nodes import string_value

from .extract import Extraction
from .select import Context

_VERB_WORDS = """
    accept activate add apply approve archive assign attach book buy cancel change charge check
    checkout claim clear close complete confirm connect create deactivate decline delete
    deliver deposit disable dispatch duplicate edit enable enroll escalate export fetch finish
    flag follow generate grant handle import invite join leave like login logout mark merge
    notify open pay publish purchase rate redeem refund register reject remove rename renew
    reopen reply request reschedule reserve reset resolve restore revoke save schedule send
    ship sign signup start stop submit subscribe suggest summarise summarize suspend sync tag
    toggle transfer unfollow unlike unlink unsubscribe update upgrade upload validate verify
    void vote withdraw
"""
VERBS = frozenset(_VERB_WORDS.split())
"""Words a workflow name may start with: the view already says what it does."""
HOOKS = {
    "perform_create": "create",
    "create": "create",
    "perform_update": "update",
    "update": "update",
    "partial_update": "update",
    "perform_destroy": "delete",
    "destroy": "delete",
}
HTTP_METHODS = frozenset({"get", "post", "put", "patch", "delete", "head", "form_valid"})
SUFFIXES = ("ViewSet", "GenericAPIView", "APIView", "View", "Serializer", "Form", "Mixin")
STATUS_VERBS = {
    "cancelled": "cancel",
    "canceled": "cancel",
    "closed": "close",
    "shipped": "ship",
    "refunded": "refund",
    "paid": "pay",
    "confirmed": "confirm",
    "approved": "approve",
    "rejected": "reject",
    "archived": "archive",
    "completed": "complete",
    "published": "publish",
    "resolved": "resolve",
    "escalated": "escalate",
    "delivered": "deliver",
    "activated": "activate",
    "deactivated": "deactivate",
    "submitted": "submit",
    "accepted": "accept",
    "declined": "decline",
    "expired": "expire",
    "opened": "open",
    "reopened": "reopen",
    "suspended": "suspend",
    "verified": "verify",
}
CREATES = frozenset({"create", "get_or_create", "update_or_create", "bulk_create"})


@dataclass(frozen=True)
class Write:
    """One thing the workflow does to a model: `create`, `update`, `delete` or a status verb."""

    verb: str
    model: str
    state: str = ""
    """The status word a transition sets (`cancelled`), for the docstring."""


@dataclass(frozen=True)
class Facts:
    """What naming reads about one extraction."""

    extraction: Extraction
    writes: tuple[Write, ...]
    view_model: str | None
    """The model the handler's class is about (a viewset's queryset, a serializer's Meta)."""
    notices_only: bool
    mail_only: bool
    latest_model: str | None
    """The model of the parameter the view bound last (what a notification is about)."""
    later: bool
    url_words: tuple[str, ...]
    api: bool

    @property
    def handler(self) -> str:
        return self.extraction.handler.function.name.value


def writes_of(
    statements: Iterable[cst.BaseStatement],
    context: Context,
    model_of: Callable[[str], str | None],
    classes: Mapping[str, str],
) -> tuple[Write, ...]:
    """The model writes of the moved code, in order. `obj.save()` of an instance the code
    built (`obj = Contact(...)`) creates it."""
    statements = list(statements)
    built = _built(statements, context)
    found: list[Write] = []
    for statement in statements:
        failing = {
            id(inner)
            for handler in context.of_type(statement, cst.ExceptHandler)
            for inner in context.subtree(handler)
        }
        for node in context.subtree(statement):
            write = None if id(node) in failing else _write(node, model_of, classes, built)
            if write is not None and write not in found:
                found.append(write)
    return tuple(found)


def _built(statements: Sequence[cst.BaseStatement], context: Context) -> frozenset[str]:
    """Names the code binds to a new instance of a class (`contact = Contact(...)`)."""
    found = set()
    for statement in statements:
        for node in context.of_type(statement, cst.Assign):
            target = node.targets[0].target if len(node.targets) == 1 else None
            call = node.value
            if (
                isinstance(target, cst.Name)
                and isinstance(call, cst.Call)
                and isinstance(call.func, cst.Name)
                and call.func.value[:1].isupper()
            ):
                found.add(target.value)
    return frozenset(found)


def _write(
    node: cst.CSTNode,
    model_of: Callable[[str], str | None],
    classes: Mapping[str, str],
    built: frozenset[str] = frozenset(),
) -> Write | None:
    """`classes` names the model class each local name imports (`Audit` -> `Order`); `built`
    the names bound to an instance the code built, whose `save()` creates it."""
    if type(node) is not cst.Assign and type(node) is not cst.Call:
        return None  # asked about every node: a class test, not libcst's slow isinstance
    if isinstance(node, cst.Assign) and len(node.targets) == 1:
        target = node.targets[0].target
        if m.matches(target, m.Attribute(value=m.Name(), attr=m.Name("status") | m.Name("state"))):
            assert isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name)
            word = _status(node.value)
            model = model_of(target.value.value)
            if word in STATUS_VERBS and model:
                return Write(STATUS_VERBS[word], model, word)
        return None
    if not isinstance(node, cst.Call) or not isinstance(node.func, cst.Attribute):
        return None
    method = node.func.attr.value
    chain, root = _chain(node.func.value)
    root = _manager_owner(node.func.value) or root
    if isinstance(root, cst.Name) and "objects" in chain and root.value[:1].isupper():
        model = classes.get(root.value, root.value)
        if method in CREATES:
            return Write("create", model)
        if method in ("update", "bulk_update"):
            return Write("update", model)
        if method == "delete":
            return Write("delete", model)
    if isinstance(node.func.value, cst.Name) and method in ("save", "delete"):
        model = model_of(node.func.value.value)
        if model and method == "save":
            return Write("create" if node.func.value.value in built else "update", model)
        if model:
            return Write("delete", model)
    return None


def _manager_owner(node: cst.BaseExpression) -> cst.Name | None:
    """`models.Order.objects.filter(...)` -> `Order`: the class whose manager is used."""
    while isinstance(node, cst.Attribute | cst.Call):
        if isinstance(node, cst.Attribute) and node.attr.value == "objects":
            owner = node.value
            if isinstance(owner, cst.Attribute):
                return owner.attr
            return owner if isinstance(owner, cst.Name) else None
        node = node.func if isinstance(node, cst.Call) else node.value
    return None


def _status(value: cst.BaseExpression) -> str | None:
    if isinstance(value, cst.SimpleString) and isinstance(text := string_value(value), str):
        return text.lower()
    if isinstance(value, cst.Attribute):
        word = value.attr.value
        for prefix in ("STATUS_", "STATE_"):
            word = word.removeprefix(prefix)
        return word.lower()
    return None


def _chain(node: cst.BaseExpression) -> tuple[list[str], cst.BaseExpression]:
    chain: list[str] = []
    while isinstance(node, cst.Attribute | cst.Call):
        if isinstance(node, cst.Attribute):
            chain.append(node.attr.value)
            node = node.value
        else:
            node = node.func
    return chain, node


def stem(class_name: str) -> str:
    for suffix in SUFFIXES:
        if class_name.endswith(suffix) and class_name != suffix:
            return snake(class_name[: -len(suffix)])
    return snake(class_name)


def natural_name(facts: Facts) -> str:
    handler = facts.extraction.handler
    if facts.later:
        return _later_name(facts)
    if handler.class_name is None:
        return _function_name(facts)
    method = facts.handler
    if method in HOOKS and handler.kind in ("viewset", "serializer"):
        return _hook_name(facts, HOOKS[method])
    if method in HTTP_METHODS:
        return _verb_first(stem(handler.class_name), facts)
    model = snake(facts.view_model) if facts.view_model else _object_of(stem(handler.class_name))
    verb = method.lstrip("_")
    return verb if model in verb.split("_") else f"{verb}_{model}"


FUNCTION_SUFFIXES = ("_api_view", "_view")
"""What a function view's name says of itself, not of its workflow (`checkout_view`)."""


def _function_name(facts: Facts) -> str:
    words = facts.handler.lstrip("_")
    for suffix in FUNCTION_SUFFIXES:
        if words.endswith(suffix) and words != suffix.lstrip("_"):
            words = words.removesuffix(suffix)
            break
    return _verb_first(words or "workflow", facts)


def _verb_first(words: str, facts: Facts) -> str:
    """`cancel_appointment` stays; `checkout` gets its object (`checkout_order`);
    `product_image_upload` -> `upload_product_image`; a noun (`profile`) gets the verb of
    what the workflow does to its model."""
    parts = words.split("_")
    model = _primary(facts, parts[0])
    if parts[0] in VERBS:
        return f"{words}_{model}" if len(parts) == 1 and model and model != words else words
    if len(parts) > 1 and parts[-1] in VERBS:
        return "_".join([parts[-1], *parts[:-1]])
    if len({w.model for w in facts.writes}) > 1:
        return f"handle_{words}"  # a webhook or a dashboard writing several models
    return _from_writes(facts) or f"handle_{words}"


def _hook_name(facts: Facts, verb: str) -> str:
    """DRF hooks: `perform_destroy` that only sets `status = CANCELLED` is `cancel_order`; the
    part of `perform_create` left after the view's `serializer.save()` is what follows the
    creation (`handle_order_created`)."""
    model = snake(facts.view_model) if facts.view_model else _primary(facts) or "object"
    own = [w for w in facts.writes if w.model == facts.view_model] if facts.view_model else []
    if verb == "delete" and not any(w.verb == "delete" for w in own):
        status = next((w.verb for w in own if w.verb not in ("create", "update", "delete")), None)
        return f"{status or verb}_{model}"
    remainder = not any(w.verb == verb for w in own)
    if verb in ("create", "update") and remainder and facts.extraction.handler.kind != "serializer":
        return f"handle_{model}_{verb}d"
    return f"{verb}_{model}"


def _later_name(facts: Facts) -> str:
    """A second workflow of the same handler: `send_order_emails` when it only notifies."""
    about = facts.latest_model or _primary(facts) or _object_of(facts.handler)
    if facts.mail_only:
        return f"send_{snake(about)}_emails"
    if facts.notices_only:
        return f"send_{snake(about)}_notifications"
    return _from_writes(facts) or f"finish_{facts.handler.lstrip('_')}"


def _from_writes(facts: Facts) -> str | None:
    for write in facts.writes:
        return f"{write.verb}_{snake(write.model)}"
    return None


def _primary(facts: Facts, verb: str | None = None) -> str | None:
    """The model the workflow is about: the one its verb's status transition applies to,
    else the first it writes, else the view's."""
    for write in facts.writes:
        if verb is not None and write.verb == verb:
            return snake(write.model)
    if facts.writes:
        return snake(facts.writes[0].model)
    return snake(facts.view_model) if facts.view_model else None


def _object_of(words: str) -> str:
    parts = [p for p in words.split("_") if p not in VERBS]
    return "_".join(parts) or words


# -- collisions --------------------------------------------------------------------------------
def assign_names(
    members: Sequence[Facts], taken: set[str]
) -> tuple[dict[int, str], dict[int, str]]:
    """Names for every extraction of one service module (by id of the extraction), and the
    ones left without a name (with the name they would have taken)."""
    natural = {id(f.extraction): natural_name(f) for f in members}
    names: dict[int, str] = {}
    clashes: dict[int, str] = {}
    groups: dict[str, list[Facts]] = {}
    for facts in members:
        groups.setdefault(natural[id(facts.extraction)], []).append(facts)
    for name, group in groups.items():
        if len(group) == 1 and name not in taken:
            names[id(group[0].extraction)] = name
            continue
        plain_free = name not in taken
        for facts in group:
            qualified = _qualified(name, facts, group)
            if qualified is None and plain_free:
                names[id(facts.extraction)] = name
                plain_free = False
            elif qualified is not None and qualified not in taken:
                names[id(facts.extraction)] = qualified
            else:
                clashes[id(facts.extraction)] = name
    taken.update(names.values())
    return names, clashes


def _qualified(name: str, facts: Facts, group: Sequence[Facts]) -> str | None:
    """What tells this workflow apart from the others of its group: words of its URL name
    that the natural name lacks (`customer_close` -> `close_ticket_by_customer`), or its
    channel when the others are web views."""
    words = [w for w in facts.url_words if w not in name.split("_")]
    if words:
        return f"{name}_by_{'_'.join(words)}"
    channels = {f.api for f in group}
    if len(channels) > 1 and facts.api:
        return f"{name}_via_api"
    return None
