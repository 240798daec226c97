"""Which code in a view is business and which is transport, for `extract-services`.

A statement is business when it writes through the ORM, calls a vendor SDK or an integration,
sends mail, queues a task, opens a transaction or calls a local helper that does one of these.
It is transport when it reads the request beyond the user and a few form values, builds a
response, sends messages, validates a form/serializer or needs the view instance (`super()`,
`self.get_object()`). A run is the stretch of a suite from its first to its last business
statement with no transport in between; `return`s nested inside it are exits the view keeps.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import libcst as cst
import libcst.matchers as m
from libcst.helpers import get_full_name_for_node

from djrefactor.analysis.tree import NodeT, TreeIndex, find_type
from djrefactor.discovery.vendors import VENDOR_MODULES

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
VENDOR_ROOTS = VENDOR_MODULES | {"integrations"}
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
        "Response",
        "JsonResponse",
        "get_object_or_404",
        "get_list_or_404",
        "StreamingHttpResponse",
        "FileResponse",
    }
)
TRANSPORT_ATTRS = frozenset({"is_valid", "get_object", "get_queryset", "get_serializer"})
REQUEST_MAPPINGS = frozenset({"POST", "GET", "data", "query_params", "FILES"})
LIFTED_ATTRS = frozenset({"cleaned_data", "validated_data"})
BROAD_ERRORS = frozenset({"Exception", "BaseException"})
FLOW = (cst.Break, cst.Continue, cst.Global, cst.Nonlocal, cst.Yield, cst.Await)


@dataclass(frozen=True)
class Lift:
    """An expression the view evaluates and passes as a plain value (`request.user` -> `user`)."""

    code: str
    name: str
    node: cst.BaseExpression


@dataclass(frozen=True)
class Exit:
    """A tail of a nested suite ending in `return`: the view keeps it, the service raises."""

    suite: cst.IndentedBlock
    start: int


@dataclass(frozen=True)
class Run:
    """Statements `suite.body[start:end]` of one handler that move to a service function."""

    suite: cst.IndentedBlock
    start: int
    end: int
    returns: bool

    @property
    def statements(self) -> tuple[cst.BaseStatement, ...]:
        return tuple(self.suite.body[self.start : self.end])


class Context:
    """Module-level facts one views module gives the classifier.

    With the `index` of the module's tree, answers about its nodes are remembered: the
    classifier asks about the same statements at every nesting level."""

    def __init__(
        self,
        imports: Mapping[str, str],
        business_helpers: frozenset[str],
        business_methods: frozenset[str] = frozenset(),
        index: TreeIndex | None = None,
    ) -> None:
        self.imports = imports
        self.business_helpers = business_helpers
        self.business_methods = business_methods
        self.index = index
        self._verdicts: dict[int, bool] = {}
        self.scanned: dict[tuple[int, bool], Scan] = {}
        self.exits_found: dict[int, list[Exit]] = {}

    def of_type(self, node: cst.CSTNode, kind: type[NodeT]) -> list[NodeT]:
        return self.index.of_type(node, kind) if self.index else find_type(node, kind)

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
            return any(self.is_business_call(call) for call in _calls(node))
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

    def is_business_call(self, call: cst.Call) -> bool:
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value in ORM_WRITES | TASK_CALLS:
            return True
        if isinstance(func, cst.Attribute) and func.attr.value in self.business_methods:
            return True
        if isinstance(func, cst.Name) and func.value in self.business_helpers:
            return True
        origin = self.origin(func)
        if origin is None:
            return False
        return origin.split(".")[0] in VENDOR_ROOTS or any(
            origin == name or origin.startswith(name + ".") for name in MAIL
        )


def has_business(node: cst.CSTNode, context: Context) -> bool:
    return context.has_business(node)


def _calls(node: cst.CSTNode) -> Iterator[cst.Call]:
    for found in m.findall(node, m.Call()):
        assert isinstance(found, cst.Call)
        yield found


# -- lifting ---------------------------------------------------------------------------------
def _request_root(node: cst.BaseExpression) -> bool:
    """`request`, `self.request` or `self.context["request"]`."""
    return m.matches(
        node,
        m.Name("request")
        | m.Attribute(value=m.Name("self"), attr=m.Name("request"))
        | m.Subscript(
            value=m.Attribute(value=m.Name("self"), attr=m.Name("context")),
            slice=[m.SubscriptElement(m.Index(m.SimpleString()))],
        ),
    ) and (not isinstance(node, cst.Subscript) or _string_key(node) == "request")


def _string_key(node: cst.Subscript) -> str | None:
    if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
        return None
    key = node.slice[0].slice.value
    if isinstance(key, cst.SimpleString) and isinstance(key.evaluated_value, str):
        value = key.evaluated_value
        return value if value.isidentifier() else None
    return None


def lift_name(node: cst.CSTNode, top_level: bool) -> str | None:
    """The parameter name for a liftable expression, or None when it is not one."""
    if isinstance(node, cst.Attribute) and node.attr.value == "user" and _request_root(node.value):
        return "user"
    if isinstance(node, cst.Attribute) and node.attr.value in LIFTED_ATTRS:
        return node.attr.value if isinstance(node.value, cst.Name) else None
    if isinstance(node, cst.Attribute) and m.matches(node, m.Attribute(value=m.Name("self"))):
        name = node.attr.value
        return None if name in ("request", "context") else ("obj" if name == "object" else name)
    if top_level and isinstance(node, cst.Subscript):
        return _mapping_key(node.value, _string_key(node))
    if (
        top_level
        and isinstance(node, cst.Call)
        and m.matches(node, m.Call(func=m.Attribute(attr=m.Name("get"))))
    ):
        assert isinstance(node.func, cst.Attribute)
        first = node.args[0].value if node.args else None
        key = first.evaluated_value if isinstance(first, cst.SimpleString) else None
        return _mapping_key(node.func.value, key if isinstance(key, str) else None)
    return None


def _mapping_key(mapping: cst.BaseExpression, key: str | None) -> str | None:
    if key is None or not key.isidentifier():
        return None
    if isinstance(mapping, cst.Attribute) and mapping.attr.value in REQUEST_MAPPINGS:
        return key if _request_root(mapping.value) else None
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
        if isinstance(node, (cst.AssignTarget, cst.AugAssign)) and _mentions_view_state(
            node, self.context
        ):
            self.transport.append(node)
            return False
        name = lift_name(node, self.top_level and self.depth == 0)
        if name is not None:
            assert isinstance(node, cst.BaseExpression)
            self.lifts.append(Lift(cst.Module([]).code_for_node(node), name, node))
            return False
        if _is_transport(node, self.context):
            self.transport.append(node)
            return False
        if isinstance(node, cst.BooleanOperation):
            self.later.add(id(node.right))
        elif isinstance(node, cst.IfExp):
            self.later |= {id(node.body), id(node.orelse)}
        if id(node) in self.later or _conditional(node):
            self.depth += 1
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        if id(original_node) in self.later or _conditional(original_node):
            self.depth -= 1


CONDITIONAL = (
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
)
LOOKUP_ERRORS = frozenset({"KeyError", "LookupError", "MultiValueDictKeyError", *BROAD_ERRORS})


def _conditional(node: cst.CSTNode) -> bool:
    """Code that may not run, or run later: a value read there cannot be read up front.

    A `try` body runs, but reading up front would also move a KeyError out of its handlers."""
    if isinstance(node, cst.Try):
        return any(
            handler.type is None
            or (get_full_name_for_node(handler.type) or "").split(".")[-1] in LOOKUP_ERRORS
            or isinstance(handler.type, cst.Tuple)
            for handler in node.handlers
        )
    return isinstance(node, CONDITIONAL)


def _mentions_view_state(node: cst.CSTNode, context: Context) -> bool:
    target = node.target if isinstance(node, (cst.AssignTarget, cst.AugAssign)) else node
    return any(name.value in ("request", "self") for name in context.of_type(target, cst.Name))


def _is_transport(node: cst.CSTNode, context: Context) -> bool:
    if isinstance(node, cst.Name):
        return node.value in ("request", "self")
    if isinstance(node, FLOW) or (
        isinstance(node, cst.Call) and m.matches(node, m.Call(func=m.Name("super")))
    ):
        return True
    if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
        return any(name.value in ("request", "self") for name in context.of_type(node, cst.Name))
    if not isinstance(node, cst.Call):
        return False
    func = node.func
    if isinstance(func, cst.Name):
        return func.value in RESPONSES or func.value.startswith("Http")
    if isinstance(func, cst.Attribute):
        root = get_full_name_for_node(func) or ""
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
    exit_nodes = frozenset(id(node) for e in exits for node in e.suite.body[e.start :])
    scanner = _Scanner(exit_nodes, top_level, context)
    context.visit(statement, scanner)
    business = has_business(statement, context)
    found = Scan(tuple(scanner.lifts), tuple(scanner.transport), exits, business)
    if context.indexed(statement):
        context.scanned[key] = found
    return found


def find_exits(statement: cst.BaseStatement, context: Context) -> list[Exit]:
    """Nested suites ending in `return`, with the business-free statements just before it
    (outermost only: an exit inside another exit goes back to the view with it)."""
    known = context.exits_found.get(id(statement))
    if known is not None:
        return list(known)
    found = list(_exits(statement, context))
    inner = {
        id(node)
        for e in found
        for tail in e.suite.body[e.start :]
        for node in context.of_type(tail, cst.IndentedBlock)
    }
    outermost = [e for e in found if id(e.suite) not in inner]
    if context.indexed(statement):
        context.exits_found[id(statement)] = outermost
    return list(outermost)


def _exits(statement: cst.BaseStatement, context: Context) -> Iterator[Exit]:
    for block in context.of_type(statement, cst.IndentedBlock):
        body = block.body
        if not body or not m.matches(body[-1], m.SimpleStatementLine(body=[m.Return()])):
            continue
        start = len(body) - 1
        while start > 0 and not has_business(body[start - 1], context):
            if context.of_type(body[start - 1], cst.Return):
                break
            start -= 1
        yield Exit(block, start)


def is_return(statement: cst.BaseStatement) -> bool:
    return m.matches(statement, m.SimpleStatementLine(body=[m.Return()]))


def select_runs(block: cst.IndentedBlock, context: Context, final: bool) -> Iterator[Run]:
    """Runs in `block` and, through statements mixing business with transport, in its blocks.

    A run starts with the plain statements that prepare it (`order.status = ...` before
    `order.save()`) and ends at its last business statement, or at a plain `return value`
    closing the handler (`final`: `block` is the handler's own body).
    """
    kinds = [
        _kind(s, context, final and i == len(block.body) - 1) for i, s in enumerate(block.body)
    ]
    start: int | None = None
    last = 0
    for index, kind in enumerate(kinds):
        if kind == "business":
            start = _prepared_from(kinds, index) if start is None else start
            last = index + 1
        elif kind == "final" and start is not None:
            yield Run(block, start, index + 1, returns=True)
            start = None
        elif kind in ("transport", "mixed", "final") or (kind == "input" and start is None):
            if start is not None:
                yield Run(block, start, last, returns=False)
            start = None
        if kind == "mixed":
            for inner in _blocks(block.body[index]):
                yield from select_runs(inner, context, final=False)
    if start is not None:
        yield Run(block, start, last, returns=False)


def _prepared_from(kinds: list[str], index: int) -> int:
    while index > 0 and kinds[index - 1] == "plain":
        index -= 1
    return index


def _reads_input(statement: cst.BaseStatement, found: Scan) -> bool:
    """`user = self.request.user`, `qty = int(request.POST["qty"])`: the view reading its
    input, which stays in the view when it only precedes a workflow."""
    if any(_is_request_read(lift.node) for lift in found.lifts):
        return True
    if not m.matches(
        statement, m.SimpleStatementLine(body=[m.Assign(targets=[m.AssignTarget(m.Name())])])
    ):
        return False
    assert isinstance(statement, cst.SimpleStatementLine)
    assign = statement.body[0]
    assert isinstance(assign, cst.Assign)
    return lift_name(assign.value, True) is not None


def _is_request_read(node: cst.BaseExpression) -> bool:
    mapping = node.value if isinstance(node, cst.Subscript) else None
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        mapping = node.func.value
    return (
        isinstance(mapping, cst.Attribute)
        and mapping.attr.value in REQUEST_MAPPINGS
        and _request_root(mapping.value)
    )


def _kind(statement: cst.BaseStatement, context: Context, last: bool) -> str:
    found = scan(statement, context, True)
    if is_return(statement):
        return "final" if last and not found.transport and not found.business else "transport"
    if found.transport:
        return "mixed" if found.business else "transport"
    if found.exits and not found.business:
        return "transport"  # a guard clause: `if not x.is_active: return redirect(...)`
    if not found.business and _reads_input(statement, found):
        return "input"
    return "business" if found.business else "plain"


def _blocks(statement: cst.BaseStatement) -> Iterator[cst.IndentedBlock]:
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
