"""Which code in a view is business and which is transport, for `extract-services`.

A statement is business when it writes through the ORM, calls a vendor SDK or an integration,
sends mail, queues a task, opens a transaction or calls a local helper that does one of these.
It is transport when it reads the request beyond the user and a few form values, builds a
response, sends messages, validates or saves a form/serializer or needs the view instance
(`super()`, `self.get_object()`). Calls into the service layer are delegation, never business.

A run is the stretch of a suite that moves: the domain guards and the computation that feed its
first business statement, up to its last business statement (or a plain `return value` closing
the handler). Pure reads of the request inside it (`notes = request.POST.get("notes")`) are
hoisted: they stay in the view, before the call. Transport in between ends a run; `return`s and
transport raises nested inside it are exits the view keeps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import libcst as cst
from libcst.helpers import get_full_name_for_node

from djrefactor.analysis import patterns as m
from djrefactor.analysis.nodes import code, dotted_name, string_value
from djrefactor.analysis.tree import NodeT, TreeIndex, find_type, preorder

ORM_WRITES = frozenset(
    {
        "create",
        "get_or_create",
        "update_or_create",
        "save",
        "delete",
        "update",
        "bulk_create",
        "bulk_update",
    }
)
MAIL = frozenset(
    {
        "django.core.mail.send_mail",
        "django.core.mail.send_mass_mail",
        "django.core.mail.mail_admins",
        "django.core.mail.mail_managers",
        "django.core.mail.EmailMessage",
        "django.core.mail.EmailMultiAlternatives",
        "django.db.transaction.atomic",
        "django.db.transaction.on_commit",
    }
)
TASK_CALLS = frozenset({"delay", "apply_async", "send"})
RESPONSES = frozenset(
    {
        "render",
        "redirect",
        "render_to_response",
        "render_to_string",
        "Response",
        "JsonResponse",
        "get_object_or_404",
        "get_list_or_404",
        "StreamingHttpResponse",
        "FileResponse",
        "reverse",
        "reverse_lazy",
    }
)
TRANSPORT_ATTRS = frozenset({"is_valid", "get_object", "get_queryset", "get_serializer"})
REQUEST_MAPPINGS = frozenset({"POST", "GET", "data", "query_params", "FILES"})
LIFTED_ATTRS = frozenset({"cleaned_data", "validated_data"})
MAPPING_NAMES = {
    "POST": "post_data",
    "GET": "query_params",
    "data": "data",
    "query_params": "query_params",
    "FILES": "files",
}
"""A request mapping read with keys only known at run time is passed whole, as a mapping."""
TRANSPORT_ERRORS = ("rest_framework.", "django.http.")
"""Exceptions that are responses in disguise (`raise ValidationError(...)`, `raise Http404`)."""
USER_ROOTS = ("request.user.", "self.request.user.")
FLOW = (cst.Break, cst.Continue, cst.Global, cst.Nonlocal, cst.Yield, cst.Await)
PURE_CALLS = frozenset(
    {"int", "str", "float", "bool", "Decimal", "len", "list", "tuple", "sorted", "min", "max"}
)
PURE_METHODS = frozenset(
    {
        "get",
        "getlist",
        "strip",
        "lstrip",
        "rstrip",
        "lower",
        "upper",
        "split",
        "is_valid",
        "get_full_name",
        "get_username",
    }
)
FORM_SUFFIXES = ("Form", "Serializer", "FormSet", "Formset")
SmallT = TypeVar("SmallT", bound=cst.BaseSmallStatement)


def single(statement: cst.CSTNode, kind: type[SmallT]) -> SmallT | None:
    """The only small statement of a line when it is a `kind` (`return ...`, `raise ...`), as
    `m.SimpleStatementLine(body=[m.Return()])` matches it: asked of every statement at every
    nesting level, so without a matcher."""
    if type(statement) is not cst.SimpleStatementLine or len(statement.body) != 1:
        return None
    small = statement.body[0]
    return small if type(small) is kind else None


def is_form_name(name: str) -> bool:
    """A local that holds a form or serializer (`form`, `serializer`, `order_form`)."""
    return name in ("form", "serializer", "formset") or name.endswith(
        ("_form", "_serializer", "_formset")
    )


@dataclass(frozen=True)
class Lift:
    """An expression the view evaluates and passes as a plain value (`request.user` -> `user`)."""

    code: str
    name: str
    node: cst.BaseExpression


@dataclass(frozen=True)
class Exit:
    """A tail of a nested suite ending in `return` (or a transport `raise`): the view keeps it,
    the service raises or returns there instead."""

    suite: cst.IndentedBlock
    start: int

    @property
    def tail(self) -> tuple[cst.BaseStatement, ...]:
        return tuple(self.suite.body[self.start :])

    @property
    def raises(self) -> bool:
        return single(self.suite.body[-1], cst.Raise) is not None


@dataclass(frozen=True)
class Run:
    """Statements `suite.body[start:end]` of one handler that move to a service function, but
    for the `hoisted` pure request reads (ids of statements, at the top level of the run or
    directly inside one of its `with` blocks), which stay in the view before the call."""

    suite: cst.IndentedBlock
    start: int
    end: int
    returns: bool
    hoisted: tuple[cst.BaseStatement, ...] = ()

    @property
    def span(self) -> tuple[cst.BaseStatement, ...]:
        return tuple(self.suite.body[self.start : self.end])

    @property
    def statements(self) -> tuple[cst.BaseStatement, ...]:
        """The top-level statements that move."""
        kept = {id(s) for s in self.hoisted}
        return tuple(s for s in self.span if id(s) not in kept)

    @property
    def first(self) -> cst.BaseStatement:
        return self.statements[0]


@dataclass
class Context:
    """Module-level facts one views module gives the classifier.

    With the `index` of the module's tree, answers about its nodes are remembered: the
    classifier asks about the same statements at every nesting level."""

    imports: Mapping[str, str]
    business_helpers: frozenset[str]
    business_methods: frozenset[str] = frozenset()
    index: TreeIndex | None = None
    vendor_roots: frozenset[str] = frozenset()
    is_service: Callable[[str], bool] = lambda origin: False
    is_offline: Callable[[str], bool] = lambda origin: False
    """A vendor's code that makes no request (`twilio.twiml`): building a reply, no workflow."""
    _verdicts: dict[int, bool] = field(default_factory=dict)
    scanned: dict[tuple[int, bool], Scan] = field(default_factory=dict)
    exits_found: dict[int, list[Exit]] = field(default_factory=dict)
    _codes: dict[int, str] = field(default_factory=dict)

    def of_type(self, node: cst.CSTNode, kind: type[NodeT]) -> list[NodeT]:
        """The nodes of class `kind` under `node` (itself included), in preorder: a slice of
        the index's per-class positions for a node of the index."""
        return self.index.of_type(node, kind) if self.index else find_type(node, kind)

    def code(self, node: cst.CSTNode) -> str:
        """The source of `node`, generated once for a node of the index (the classifier finds
        the same lifts again at every nesting level)."""
        if not self.indexed(node):
            return code(node)
        known = self._codes.get(id(node))
        if known is None:
            known = self._codes[id(node)] = code(node)
        return known

    def subtree(self, node: cst.CSTNode) -> Sequence[cst.CSTNode]:
        """`node` and everything under it, in preorder."""
        span = self.index.span(node) if self.index is not None else None
        if span is None:
            return preorder(node)
        assert self.index is not None
        return self.index.nodes[span[0] : span[1]]

    def indexed(self, node: cst.CSTNode) -> bool:
        return self.index is not None and self.index.span(node) is not None

    def visit(self, node: cst.CSTNode, visitor: cst.CSTVisitor) -> None:
        if self.index is None:
            node.visit(visitor)
        else:
            self.index.visit(node, visitor)

    def has_business(self, node: cst.CSTNode) -> bool:
        positions = self.index.call_positions(node) if self.index else None
        if positions is None:
            return any(self.is_business_call(call) for call in self.of_type(node, cst.Call))
        return any(self._business_at(position) for position in positions)

    def _business_at(self, position: int) -> bool:
        verdict = self._verdicts.get(position)
        if verdict is None:
            assert self.index is not None
            call = self.index.nodes[self.index.calls[position]]
            assert isinstance(call, cst.Call)
            verdict = self._verdicts[position] = self.is_business_call(call)
        return verdict

    def origin(self, node: cst.BaseExpression) -> str | None:
        """The absolute dotted name an expression like `stripe.Charge.create` stands for."""
        dotted = get_full_name_for_node(node)
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        source = self.imports.get(head)
        if source is None:
            return None
        return f"{source}.{rest}" if rest else source

    def is_mail(self, call: cst.Call) -> bool:
        origin = self.origin(call.func) or ""
        return origin.startswith("django.core.mail.")

    def is_delegation(self, call: cst.Call) -> bool:
        """A call into the service layer: `services.book(...)`, `book(...)` imported from it."""
        origin = self.origin(call.func)
        return origin is not None and self.is_service(origin)

    def is_business_call(self, call: cst.Call) -> bool:
        if self.is_delegation(call) or is_form_save(call):
            return False
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value in ORM_WRITES | TASK_CALLS:
            return not is_mapping_update(call)
        if isinstance(func, cst.Attribute) and func.attr.value in self.business_methods:
            return True
        if isinstance(func, cst.Name) and func.value in self.business_helpers:
            return True
        origin = self.origin(func)
        if origin is None or self.is_offline(origin):
            return False
        return origin.split(".")[0] in self.vendor_roots or any(
            origin == name or origin.startswith(name + ".") for name in MAIL
        )

    def is_transport_error(self, node: cst.BaseExpression | None) -> bool:
        """`ValidationError(...)`, `serializers.ValidationError`, `Http404`: a response."""
        if isinstance(node, cst.Call):
            node = node.func
        origin = self.origin(node) if node is not None else None
        return origin is not None and origin.startswith(TRANSPORT_ERRORS)


def is_mapping_update(call: cst.Call) -> bool:
    """`data.update({...})`, `context.update(extra)`: a dict (or set) filled in, no ORM write;
    a queryset's `update` takes field values by keyword only."""
    func = call.func
    return (
        isinstance(func, cst.Attribute)
        and func.attr.value == "update"
        and any(arg.keyword is None for arg in call.args)
    )


def is_form_save(call: cst.Call) -> bool:
    """`form.save()`, `serializer.save(user=...)`: the transport object writes; the view
    keeps it."""
    func = call.func
    return (
        isinstance(func, cst.Attribute)
        and func.attr.value == "save"
        and isinstance(func.value, cst.Name)
        and is_form_name(func.value.value)
    )


def has_business(node: cst.CSTNode, context: Context) -> bool:
    return context.has_business(node)


# -- lifting ---------------------------------------------------------------------------------
REQUEST_ROOT = (
    m.Name("request")
    | m.Attribute(value=m.Name("self"), attr=m.Name("request"))
    | m.Subscript(
        value=m.Attribute(value=m.Name("self"), attr=m.Name("context")),
        slice=[m.SubscriptElement(m.Index(m.SimpleString()))],
    )
)


def request_root(node: cst.BaseExpression) -> bool:
    """`request`, `self.request` or `self.context["request"]`."""
    return m.matches(node, REQUEST_ROOT) and (
        not isinstance(node, cst.Subscript) or string_key(node) == "request"
    )


def calls_name(node: cst.CSTNode, name: str) -> bool:
    """`name(...)`, as `m.Call(func=m.Name(name))` matches it, without building a matcher:
    the scanner asks about every node."""
    return type(node) is cst.Call and is_name(node.func, name)


def is_name(node: cst.CSTNode, name: str) -> bool:
    """`m.Name(name)` without a matcher."""
    return type(node) is cst.Name and node.value == name


def string_key(node: cst.Subscript) -> str | None:
    if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
        return None
    key = node.slice[0].slice.value
    if isinstance(key, cst.SimpleString) and isinstance(value := string_value(key), str):
        return value if value.isidentifier() else None
    return None


def lift_name(node: cst.CSTNode, top_level: bool) -> str | None:
    """The parameter name for a liftable expression, or None when it is not one."""
    if type(node) not in LIFTABLE:
        return None  # the scanner asks about every node; most are none of these
    if top_level and calls_name(node, "render_to_string"):
        return _template_name(node)  # type: ignore[arg-type]  # a Call, matched above
    if isinstance(node, cst.Attribute) and node.attr.value == "user" and request_root(node.value):
        return "user"
    if isinstance(node, cst.Attribute) and node.attr.value in MAPPING_NAMES:
        return MAPPING_NAMES[node.attr.value] if request_root(node.value) else None
    if isinstance(node, cst.Attribute) and node.attr.value in LIFTED_ATTRS:
        return node.attr.value if isinstance(node.value, cst.Name) else None
    if isinstance(node, cst.Attribute) and is_name(node.value, "self"):
        name = node.attr.value
        return None if name in ("request", "context") else ("obj" if name == "object" else name)
    if top_level and isinstance(node, cst.Subscript):
        return _mapping_key(node.value, string_key(node))
    if (
        top_level
        and isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value == "get"
    ):
        first = node.args[0].value if node.args else None
        key = first.evaluated_value if isinstance(first, cst.SimpleString) else None
        return _mapping_key(node.func.value, key if isinstance(key, str) else None)
    return None


LIFTABLE = frozenset({cst.Attribute, cst.Subscript, cst.Call})
"""The node classes `lift_name` can name (concrete libcst classes have no subclasses, and a
`type` test skips the slow `isinstance` of libcst's ABC metaclass)."""


def _template_name(call: cst.Call) -> str | None:
    """`render_to_string("store/email/order_paid.txt", ...)` -> `order_paid_text`: the view
    renders templates, the service gets the text."""
    first = call.args[0].value if call.args else None
    if not isinstance(first, cst.SimpleString) or not isinstance(first.evaluated_value, str):
        return None
    stem, _, suffix = first.evaluated_value.rsplit("/", 1)[-1].partition(".")
    name = "_".join(part for part in stem.replace("-", "_").split("_") if part)
    if not name.isidentifier():
        return None
    return f"{name}_{'html' if suffix.startswith('htm') else 'text'}"


def _mapping_key(mapping: cst.BaseExpression, key: str | None) -> str | None:
    if key is None or not key.isidentifier():
        return None
    if isinstance(mapping, cst.Attribute) and mapping.attr.value in REQUEST_MAPPINGS:
        return key if request_root(mapping.value) else None
    if m.matches(mapping, m.Attribute(value=m.Name("self"), attr=m.Name("kwargs"))):
        return key
    return None


class _Scanner(cst.CSTVisitor):
    """Finds lifts and transport in one statement; exits and nested defs are not looked into."""

    def __init__(self, exits: frozenset[int], top_level: bool, context: Context) -> None:
        self.exits = exits
        self.context = context
        self.top_level = top_level
        self.lifts: list[Lift] = []
        self.transport: list[cst.CSTNode] = []
        self.depth = 0
        self.later: set[int] = set()

    def on_visit(self, node: cst.CSTNode) -> bool:
        if id(node) in self.exits:
            return False
        kind = type(node)
        if (kind is cst.AssignTarget or kind is cst.AugAssign) and _mentions_view_state(
            node, self.context
        ):
            self.transport.append(node)
            return False
        name = lift_name(node, self.top_level and self.depth == 0)
        if name is not None:
            assert isinstance(node, cst.BaseExpression)
            self.lifts.append(Lift(self.context.code(node), name, node))
            return False
        if _is_transport(node, self.context):
            self.transport.append(node)
            return False
        if kind is cst.BooleanOperation and isinstance(node, cst.BooleanOperation):
            self.later.add(id(node.right))
        elif kind is cst.IfExp and isinstance(node, cst.IfExp):
            self.later |= {id(node.body), id(node.orelse)}
        if id(node) in self.later or _conditional(node):
            self.depth += 1
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        if id(original_node) in self.later or _conditional(original_node):
            self.depth -= 1


CONDITIONAL = frozenset(
    {
        cst.If,
        cst.For,
        cst.While,
        cst.ExceptHandler,
        cst.Else,
        cst.Lambda,
        cst.ListComp,
        cst.SetComp,
        cst.DictComp,
        cst.GeneratorExp,
        cst.FunctionDef,
        cst.ClassDef,
    }
)
BROAD_ERRORS = frozenset({"Exception", "BaseException"})
LOOKUP_ERRORS = frozenset({"KeyError", "LookupError", "MultiValueDictKeyError", *BROAD_ERRORS})


def _conditional(node: cst.CSTNode) -> bool:
    """Code that may not run, or run later: a value read there cannot be read up front.

    A `try` body runs, but reading up front would also move a KeyError out of its handlers."""
    if type(node) is cst.Try:
        assert isinstance(node, cst.Try)
        return any(
            handler.type is None
            or (get_full_name_for_node(handler.type) or "").split(".")[-1] in LOOKUP_ERRORS
            or isinstance(handler.type, cst.Tuple)
            for handler in node.handlers
        )
    return type(node) in CONDITIONAL


def _mentions_view_state(node: cst.CSTNode, context: Context) -> bool:
    """An assignment to the request or the view instance; not one to the user's own data
    (`request.user.profile.badges += 1`), which reads the lifted user."""
    target = node.target if isinstance(node, (cst.AssignTarget, cst.AugAssign)) else node
    if isinstance(target, cst.BaseExpression) and _user_rooted(target):
        return False
    return any(name.value in ("request", "self") for name in context.of_type(target, cst.Name))


def _user_rooted(node: cst.BaseExpression) -> bool:
    while isinstance(node, cst.Attribute | cst.Subscript):
        if (
            isinstance(node, cst.Attribute)
            and node.attr.value == "user"
            and request_root(node.value)
        ):
            return True
        node = node.value
    return False


TRANSPORT_CANDIDATES = frozenset(
    {cst.Name, cst.Call, cst.Raise, cst.FunctionDef, cst.ClassDef, cst.Lambda, *FLOW}
)
"""The node classes `_is_transport` can find transport in."""


def _is_transport(node: cst.CSTNode, context: Context) -> bool:
    if type(node) not in TRANSPORT_CANDIDATES:
        return False  # asked about every node the scanner meets: most are none of these
    if isinstance(node, cst.Name):
        return node.value in ("request", "self")
    if isinstance(node, FLOW) or calls_name(node, "super"):
        return True
    if isinstance(node, cst.Raise):
        return context.is_transport_error(node.exc)
    if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
        return any(name.value in ("request", "self") for name in context.of_type(node, cst.Name))
    if not isinstance(node, cst.Call):
        return False
    if is_form_save(node) or context.is_delegation(node):
        return True
    func = node.func
    if isinstance(func, cst.Name):
        return func.value in RESPONSES or func.value.startswith("Http")
    if isinstance(func, cst.Attribute):
        root = dotted_name(func) or ""
        if root.startswith(USER_ROOTS):
            return False  # `request.user.get_username()`: the user, which is lifted
        if lift_name(func.value, False) in MAPPING_NAMES.values():
            return False  # `request.POST.get(f"q{n}")`: the mapping is lifted
        return (
            func.attr.value in TRANSPORT_ATTRS
            or root.startswith(("messages.", "self.", "request."))
            or func.attr.value in RESPONSES
        )
    return False


@dataclass(frozen=True)
class Scan:
    lifts: tuple[Lift, ...]
    transport: tuple[cst.CSTNode, ...]
    exits: tuple[Exit, ...]
    business: bool


def scan(statement: cst.BaseStatement, context: Context, top_level: bool) -> Scan:
    key = (id(statement), top_level)
    known = context.scanned.get(key)
    if known is not None:
        return known
    exits = tuple(find_exits(statement, context))
    exit_nodes = frozenset(id(node) for e in exits for node in e.tail)
    scanner = _Scanner(exit_nodes, top_level, context)
    context.visit(statement, scanner)
    business = has_business(statement, context)
    found = Scan(tuple(scanner.lifts), tuple(scanner.transport), exits, business)
    if context.indexed(statement):
        context.scanned[key] = found
    return found


def find_exits(statement: cst.BaseStatement, context: Context) -> list[Exit]:
    """Nested suites ending in `return` or a transport raise, with the business-free statements
    just before it (outermost only: an exit inside another exit goes back to the view with it)."""
    known = context.exits_found.get(id(statement))
    if known is not None:
        return list(known)
    found = list(_exits(statement, context))
    inner = {
        id(node)
        for e in found
        for tail in e.tail
        for node in context.of_type(tail, cst.IndentedBlock)
    }
    outermost = [e for e in found if id(e.suite) not in inner]
    if context.indexed(statement):
        context.exits_found[id(statement)] = outermost
    return list(outermost)


def ends_in_exit(body: Sequence[cst.BaseStatement], context: Context) -> bool:
    if not body:
        return False
    last = body[-1]
    if single(last, cst.Return) is not None:
        return True
    raised = single(last, cst.Raise)
    return raised is not None and context.is_transport_error(raised.exc)


def _exits(statement: cst.BaseStatement, context: Context) -> Iterator[Exit]:
    for block in context.of_type(statement, cst.IndentedBlock):
        body = block.body
        if not ends_in_exit(body, context):
            continue
        start = len(body) - 1
        while start > 0 and not has_business(body[start - 1], context):
            if context.of_type(body[start - 1], cst.Return):
                break
            start -= 1
        yield Exit(block, start)


def is_return(statement: cst.BaseStatement) -> bool:
    return single(statement, cst.Return) is not None


# -- failure or success ------------------------------------------------------------------------
FAILURE_MESSAGES = frozenset({"error", "warning"})
ERROR_RESPONSES = (
    "HttpResponseBadRequest",
    "HttpResponseForbidden",
    "HttpResponseNotFound",
    "HttpResponseNotAllowed",
    "HttpResponseGone",
    "HttpResponseServerError",
    "Http404",
)


def is_failure_tail(tail: Sequence[cst.BaseStatement], context: Context) -> bool:
    """Does the view answer this exit with an error (an error message, a form error, a 4xx/5xx
    status, a transport raise)? Otherwise the exit is a success path."""
    for statement in tail:
        if single(statement, cst.Raise) is not None:
            return True
        for call in context.of_type(statement, cst.Call):
            if _error_call(call):
                return True
    return False


def _error_call(call: cst.Call) -> bool:
    func = call.func
    name = get_full_name_for_node(func) or ""
    if name.startswith("messages.") and name.split(".")[-1] in FAILURE_MESSAGES:
        return True
    if isinstance(func, cst.Attribute) and func.attr.value == "add_error":
        return True
    if name.split(".")[-1] in ERROR_RESPONSES:
        return True
    return any(
        arg.keyword is not None and arg.keyword.value == "status" and _error_status(arg.value)
        for arg in call.args
    )


def _error_status(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.Integer):
        return int(node.value) >= 400
    name = get_full_name_for_node(node) or ""
    code = name.rsplit(".", 1)[-1]
    return code.startswith("HTTP_") and code[5:6] in ("4", "5")


# -- runs --------------------------------------------------------------------------------------
def select_runs(
    block: cst.IndentedBlock, context: Context, final: bool, tainted: frozenset[str]
) -> Iterator[Run]:
    """Runs in `block` and, through statements mixing business with transport, in its blocks.

    A run starts with the domain guards and plain statements that prepare it (`if order.status
    != Order.PAID: return ...`, `order.status = ...` before `order.save()`), hoists the pure
    request reads inside it, and ends at its last business statement, or at a plain
    `return value` closing the handler (`final`: `block` is the handler's own body).
    `tainted` names hold request data: a guard reading one is input validation, not domain.
    """
    body = block.body
    kinds = [_kind(s, context, final and i == len(body) - 1, tainted) for i, s in enumerate(body)]
    if final and body and is_docstring(body[0]):
        kinds[0] = "docstring"  # the view's own: no run takes it along
    start: int | None = None
    last = 0
    for index, kind in enumerate(kinds):
        if kind == "business":
            start = _prepared_from(kinds, index) if start is None else start
            last = index + 1
        elif kind == "final" and start is not None:
            yield _run(block, kinds, start, index + 1, True, context)
            start = None
        elif kind in ("transport", "mixed", "final", "guard", "success-guard"):
            if start is not None:
                yield _run(block, kinds, start, last, False, context)
            start = None
        if kind == "mixed":
            for inner in blocks_of(body[index]):
                yield from select_runs(inner, context, False, tainted)
    if start is not None:
        yield _run(block, kinds, start, last, False, context)


def _prepared_from(kinds: list[str], index: int) -> int:
    """Walk back over what prepares the first business statement: plain statements, domain
    guards and pure request reads (these are hoisted); leading request reads stay outside."""
    while index > 0 and kinds[index - 1] in ("plain", "guard", "input"):
        index -= 1
    while kinds[index] == "input":
        index += 1
    return index


def _run(
    block: cst.IndentedBlock,
    kinds: list[str],
    start: int,
    end: int,
    returns: bool,
    context: Context,
) -> Run:
    body = block.body
    hoisted = [body[i] for i in range(start, end) if kinds[i] == "input"]
    for statement in body[start:end]:
        hoisted += [s for s in _with_body(statement) if _pure_input(s, context)]
    run = Run(block, start, end, returns, tuple(hoisted))
    return _safe_hoists(run, context)


def _safe_hoists(run: Run, context: Context) -> Run:
    """Keep only the hoists that can move up front: they read nothing the moved statements
    before them bind, and bind nothing those read or bind."""
    safe: list[cst.BaseStatement] = []
    for statement in run.hoisted:
        before = _statements_before(run, statement)
        bound_before = {n for s in before for n in _bound_names(s, context)}
        used_before = {n.value for s in before for n in context.of_type(s, cst.Name)}
        reads = {n.value for n in context.of_type(statement, cst.Name)}
        binds = _bound_names(statement, context)
        if not (reads & bound_before) and not (binds & (used_before | bound_before)):
            safe.append(statement)
    return Run(run.suite, run.start, run.end, run.returns, tuple(safe))


def _statements_before(run: Run, target: cst.BaseStatement) -> list[cst.BaseStatement]:
    """The moved statements that run before `target` (a hoist at the top level or in a with)."""
    hoisted = {id(s) for s in run.hoisted}
    found: list[cst.BaseStatement] = []
    for statement in run.span:
        if statement is target:
            break
        inner = _with_body(statement)
        if any(s is target for s in inner):
            found += inner[: next(i for i, s in enumerate(inner) if s is target)]
            break
        found.append(statement)
    return [s for s in found if id(s) not in hoisted]


def _with_body(statement: cst.BaseStatement) -> list[cst.BaseStatement]:
    if isinstance(statement, cst.With) and isinstance(statement.body, cst.IndentedBlock):
        return list(statement.body.body)
    return []


def _bound_names(statement: cst.BaseStatement, context: Context) -> set[str]:
    names: set[str] = set()
    for target in context.of_type(statement, cst.AssignTarget):
        names |= {n.value for n in context.of_type(target, cst.Name)}
    for augmented in context.of_type(statement, cst.AugAssign):
        if isinstance(augmented.target, cst.Name):
            names.add(augmented.target.value)
    for loop in context.of_type(statement, cst.For):
        names |= {n.value for n in context.of_type(loop.target, cst.Name)}
    return names


def _pure_input(statement: cst.BaseStatement, context: Context) -> bool:
    """`notes = request.POST.get("notes", "").strip()`, `form = CloseForm(request.POST)`: an
    assignment to a plain name that only reads the request, a form or constants; reading it
    earlier than written changes nothing."""
    assign = single(statement, cst.Assign)
    if assign is None or len(assign.targets) != 1 or type(assign.targets[0].target) is not cst.Name:
        return False  # not `name = value`
    value = assign.value
    names = {n.value for n in context.of_type(value, cst.Name)}
    reads_input = "request" in names or any(is_form_name(n) for n in names)
    if lift_name(value, True) is not None:
        return not has_business(statement, context)
    if not reads_input or has_business(statement, context):
        return False
    if m.matches(value, m.Attribute(attr=m.Name("user"))):
        return True
    return all(_pure_call(call) for call in context.of_type(value, cst.Call)) and not any(
        isinstance(node, cst.Lambda | cst.Await | cst.Yield) for node in context.subtree(value)
    )


def _pure_call(call: cst.Call) -> bool:
    func = call.func
    if isinstance(func, cst.Name):
        return func.value in PURE_CALLS or func.value.endswith(FORM_SUFFIXES)
    return isinstance(func, cst.Attribute) and func.attr.value in PURE_METHODS


def _kind(
    statement: cst.BaseStatement, context: Context, last: bool, tainted: frozenset[str]
) -> str:
    found = scan(statement, context, True)
    if is_return(statement):
        return "final" if last and not found.transport and not found.business else "transport"
    if _pure_input(statement, context):
        return "input"
    if found.transport:
        return "mixed" if found.business else "transport"
    if found.exits and not found.business:
        return _guard_kind(statement, found, context, tainted)
    return "business" if found.business else "plain"


def _guard_kind(
    statement: cst.BaseStatement, found: Scan, context: Context, tainted: frozenset[str]
) -> str:
    """`if order.status != Order.PAID: return ...`: a domain guard, moved with the run it
    precedes when it answers with an error; a guard on request data or a success shortcut
    (`if ticket is None: messages.info(...)`) stays with the view."""
    guard = guard_if(statement)
    if guard is None or len(found.exits) != 1:
        return "transport"
    test_names = {n.value for n in context.of_type(guard.test, cst.Name)}
    if isinstance(statement, cst.For):
        test_names |= {n.value for n in context.of_type(statement.iter, cst.Name)}
    if test_names & (tainted | {"request", "self"}) or any(is_form_name(n) for n in test_names):
        return "transport"
    if scan_has_transport(guard.test, context):
        return "transport"
    exit_ = found.exits[0]
    if exit_.suite is not guard.body or exit_.start != 0:
        return "transport"
    if not is_failure_tail(exit_.tail, context):
        return "success-guard"
    return "guard"


def is_docstring(statement: cst.BaseStatement) -> bool:
    """A string standing alone as a statement (the first of a function is its docstring)."""
    small = single(statement, cst.Expr)
    return small is not None and isinstance(small.value, cst.SimpleString | cst.ConcatenatedString)


def guard_if(statement: cst.BaseStatement) -> cst.If | None:
    """The `if` of a guard clause: the statement itself, or the only statement of a loop
    checking each item (`for product, quantity in lines: if product.stock < quantity: ...`)."""
    if isinstance(statement, cst.If) and statement.orelse is None:
        return statement
    if (
        isinstance(statement, cst.For)
        and statement.orelse is None
        and isinstance(statement.body, cst.IndentedBlock)
        and len(statement.body.body) == 1
    ):
        return guard_if(statement.body.body[0])
    return None


def scan_has_transport(node: cst.CSTNode, context: Context) -> bool:
    scanner = _Scanner(frozenset(), False, context)
    context.visit(node, scanner)
    return bool(scanner.transport or scanner.lifts)


def tainted_names(body: Sequence[cst.BaseStatement], context: Context) -> frozenset[str]:
    """Names a handler binds from request data or forms (directly or through each other)."""
    tainted: set[str] = set()
    for statement in body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if not isinstance(small, cst.Assign):
                continue
            names = {n.value for n in context.of_type(small.value, cst.Name)}
            request_data = any(
                a.attr.value in REQUEST_MAPPINGS | LIFTED_ATTRS
                for a in context.of_type(small.value, cst.Attribute)
            )
            if request_data or names & tainted or any(is_form_name(n) for n in names):
                for target in small.targets:
                    tainted |= {n.value for n in context.of_type(target.target, cst.Name)}
    return frozenset(tainted)


def blocks_of(statement: cst.BaseStatement) -> Iterator[cst.IndentedBlock]:
    """The blocks directly under a compound statement (bodies, else, except, finally)."""
    stack: list[cst.CSTNode] = list(statement.children)
    while stack:
        node = stack.pop(0)
        if isinstance(node, cst.IndentedBlock):
            yield node
        elif isinstance(node, cst.If) or not isinstance(
            node, cst.BaseStatement | cst.BaseExpression
        ):
            stack.extend(node.children)
