"""One views module for `extract-services`: its handlers, the runs that move out of them, what
else of the module the moved code needs, and what the tests patch through it."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import PurePosixPath

import libcst as cst

from djrefactor.analysis import patterns as m
from djrefactor.analysis.naming import snake
from djrefactor.analysis.nodes import (
    NEWLINE,
    code,
    code_and_start_lines,
    dotted_name,
    start_lines,
)
from djrefactor.analysis.scopes import module_names
from djrefactor.analysis.tree import TreeIndex, findall, index_of
from djrefactor.discovery.layers import is_models_module, module_is_transport
from djrefactor.engine import Note, Project

from .bindings import Binding, import_sources
from .extract import Analysis, Extraction, Handler, analyse
from .facts import Route, Shared, call_words
from .hints import HandlerTypes, Hint, model_namer
from .select import Context, Run, blocks_of, has_business, scan, select_runs, tainted_names

HANDLER_METHODS = frozenset(
    {
        "get",
        "post",
        "put",
        "patch",
        "delete",
        "form_valid",
        "perform_create",
        "perform_update",
        "perform_destroy",
        "create",
        "update",
        "partial_update",
        "destroy",
        "list",
        "retrieve",
        "save",
    }
)
TopLevel = cst.SimpleStatementLine | cst.BaseCompoundStatement
DELEGATION = "its only business is one call, which already reads as a delegation"
SERIALIZER_METHODS = frozenset({"create", "update", "save"})


@dataclass
class ViewModule:
    """Everything one transport module's extraction needs to know about it.

    Scopes and positions are resolved on first use: most views modules need neither."""

    shared: Shared
    path: str
    tree: cst.Module
    module: str | None
    is_package: bool
    bindings: dict[str, Binding]
    context: Context
    index: TreeIndex
    _statements: dict[int, Mapping[int, int]] = field(default_factory=dict)

    @property
    def project(self) -> Project:
        return self.shared.project

    @cached_property
    def analysis(self) -> Analysis:
        return Analysis(module_names(self.tree), self.index)

    @cached_property
    def _lines(self) -> Mapping[int, int]:
        return start_lines(self.tree)

    def line(self, node: cst.CSTNode) -> int | None:
        """The line `node` starts on, as `start_lines` of the whole module gives it, read from
        the code of its top-level statement alone where that is certain: generating the code
        of the whole module for a note's line was most of what the note cost. A node that
        sits at several places of the tree (a shared `SimpleWhitespace`) has the line the whole
        module's code gives it."""
        top = None if id(node) in self._repeated else self._top_level(node)
        lines = self._lines if top is None else self._statement_lines(top)
        return lines.get(id(node))

    def _top_level(self, node: cst.CSTNode) -> TopLevel | None:
        position = self.index.starts.get(id(node))
        if position is None:
            return None
        found = bisect_right(self._top_starts, position) - 1
        top = self.tree.body[found] if found >= 0 else None
        if top is None or position >= self.index.end(self._top_starts[found]):
            return None  # in the module's header or footer
        return top

    @cached_property
    def _repeated(self) -> frozenset[int]:
        """The nodes met more than once in the tree, by id."""
        seen: set[int] = set()
        repeated: set[int] = set()
        for node in self.index.nodes:
            key = id(node)
            if key in seen:
                repeated.add(key)
            seen.add(key)
        return frozenset(repeated)

    @cached_property
    def _top_starts(self) -> list[int]:
        return [self.index.starts[id(statement)] for statement in self.tree.body]

    def _statement_lines(self, top: TopLevel) -> Mapping[int, int]:
        """The lines of the nodes of one top-level statement: its code occurs once in the
        module's text (which is the tree's code), so the lines before it are counted there."""
        if id(top) not in self._statements:
            alone = cst.Module(
                body=[top],
                default_indent=self.tree.default_indent,
                default_newline=self.tree.default_newline,
            )
            code, lines = code_and_start_lines(alone)
            text = self.project.text(self.path)
            offset = text.find(code)
            if offset < 0 or text.find(code, offset + 1) >= 0:
                self._statements[id(top)] = self._lines
            else:
                before = self._lines_before(text, offset)
                self._statements[id(top)] = {key: line + before for key, line in lines.items()}
        return self._statements[id(top)]

    def _lines_before(self, text: str, offset: int) -> int:
        """How many line breaks `text[:offset]` holds, read from the module's line breaks
        (found once) instead of counted again; a carriage return that ends the cut counts, as
        it would in the cut text."""
        before = bisect_right(self._line_ends, offset)
        if offset > 0 and text.startswith("\r\n", offset - 1):
            before += 1
        return before

    @cached_property
    def _line_ends(self) -> list[int]:
        """Where each line break of the module's text ends."""
        return [found.end() for found in NEWLINE.finditer(self.project.text(self.path))]

    @cached_property
    def body_order(self) -> dict[int, int]:
        """Top-level statement (by id) -> its place in the module."""
        return {id(statement): at for at, statement in enumerate(self.tree.body)}

    def note(self, node: cst.CSTNode, message: str) -> Note:
        return Note(self.path, self.line(node), message)

    @cached_property
    def star_sources(self) -> tuple[str, ...]:
        return tuple(
            imported.module
            for imported in self.project.imports(self.path).names
            if imported.name == "*" and imported.top_level
        )

    @cached_property
    def models(self) -> dict[str, Hint]:
        """Local names that import a model class of the project, with how to import it."""
        found: dict[str, Hint] = {}
        for name, binding in self.bindings.items():
            origin = binding.origin
            if origin is None:
                continue
            own = self.project.path_for(origin)
            if own is not None and is_models_module(self.project, own):
                found |= {  # `from . import models`: `models.Order`
                    f"{name}.{cls}": Hint(cls, ((origin, cls),)) for cls in self._classes(own)
                }
                continue
            module, _, cls = origin.rpartition(".")
            path = self.project.path_for(module) if module and name[:1].isupper() else None
            if path is not None and is_models_module(self.project, path):
                found[name] = Hint(cls, ((module, cls),))
        return found

    @cached_property
    def classes(self) -> dict[str, str]:
        """Local name -> the model class it stands for (`Audit` -> `Order`)."""
        return {name: hint.text for name, hint in self.models.items()}

    def _classes(self, path: str) -> list[str]:
        return [s.name.value for s in self.project.tree(path).body if isinstance(s, cst.ClassDef)]

    @cached_property
    def handlers(self) -> list[Handler]:
        return list(_handlers(self))

    @cached_property
    def handler_names(self) -> frozenset[str]:
        names = {h.function.name.value for h in self.handlers if h.class_name is None}
        return frozenset(names | {h.class_name for h in self.handlers if h.class_name})

    @cached_property
    def declared_global(self) -> frozenset[str]:
        """Names some function of the module rebinds with `global`."""
        return frozenset(
            item.name.value
            for node in self.context.of_type(self.tree, cst.Global)
            for item in node.names
        )

    def patched(self) -> frozenset[str]:
        if self.module is None:
            return frozenset()
        return self.shared.patched_targets(self.module)

    def types(self, handler: Handler) -> HandlerTypes:
        route = self.route(handler)
        return HandlerTypes(
            handler.function,
            self.models,
            self.shared.user,
            route.converters if route else {},
            self.class_model(handler.class_name),
            self.context.origin,
            self.context.subtree(handler.function.body),
        )

    def route(self, handler: Handler) -> Route | None:
        if self.module is None:
            return None
        target = f"{self.module}.{handler.class_name or handler.function.name.value}"
        return self.shared.routes.get(target)

    def class_model(self, class_name: str | None) -> Hint | None:
        """The model a view class is about: its `queryset`/`model`, its serializer's
        `Meta.model`, or the model its name starts with (`OrderViewSet` -> Order)."""
        if class_name is None:
            return None
        node = next(
            (
                s
                for s in self.tree.body
                if isinstance(s, cst.ClassDef) and s.name.value == class_name
            ),
            None,
        )
        if node is None:
            return None
        for found in (self._declared_model(node), self._named_model(class_name)):
            if found is not None:
                return found
        return None

    def _declared_model(self, node: cst.ClassDef) -> Hint | None:
        for item in node.body.body:
            if isinstance(item, cst.ClassDef) and item.name.value == "Meta":
                found = self._declared_model(item)
                if found:
                    return found
            if not m.matches(
                item, m.SimpleStatementLine(body=[m.Assign(targets=[m.AssignTarget(m.Name())])])
            ):
                continue
            assert isinstance(item, cst.SimpleStatementLine)
            assign = item.body[0]
            assert isinstance(assign, cst.Assign) and isinstance(assign.targets[0].target, cst.Name)
            target = assign.targets[0].target.value
            if target in ("model", "queryset"):
                root = _root(assign.value)
                if root in self.models:
                    return self.models[root]
        return None

    def _named_model(self, class_name: str) -> Hint | None:
        words = snake(class_name).split("_")
        for end in range(len(words), 0, -1):
            for begin in range(end):
                candidate = "".join(w.capitalize() for w in words[begin:end])
                if candidate in self.models:
                    return self.models[candidate]
        return None


def _root(node: cst.BaseExpression) -> str | None:
    while isinstance(node, cst.Attribute | cst.Call):
        node = node.func if isinstance(node, cst.Call) else node.value
    return node.value if isinstance(node, cst.Name) else None


def load_view(shared: Shared, path: str) -> ViewModule | None:
    """The views module at `path`, or None when nothing in it can be a business call."""
    project = shared.project
    mentions = project.mentions(path, *call_words(shared.vendor_roots), *shared.business_methods)
    if shared.vendor_roots & set(PurePosixPath(path).parts):
        mentions = True
    bindings = shared.bindings(path)
    imports = import_sources(bindings)
    imported = shared.imported_business(imports)
    if not mentions and not imported:
        return None
    tree = project.tree(path)
    index = index_of(tree)
    base = shared.module_context(path)
    context = Context(
        imports,
        base.business_helpers | imported,
        shared.business_methods,
        index,
        shared.vendor_roots,
        shared.is_service,
        shared.is_offline,
    )
    module = project.module_for(path)
    return ViewModule(
        shared, path, tree, module, path.endswith("__init__.py"), bindings, context, index
    )


def _handlers(view: ViewModule) -> Iterator[Handler]:
    label = app_label(view.project, view.path)
    serializers = PurePosixPath(view.path).stem == "serializers"
    for statement in view.tree.body:
        if isinstance(statement, cst.FunctionDef) and _is_view_function(statement):
            yield Handler(statement, None, label, "function", view.path)
        elif isinstance(statement, cst.ClassDef):
            kind = _class_kind(statement, serializers)
            methods = SERIALIZER_METHODS if kind == "serializer" else HANDLER_METHODS
            for item in statement.body.body:
                if isinstance(item, cst.FunctionDef) and _is_handler_method(item, methods):
                    yield Handler(item, statement.name.value, label, kind, view.path)


def _class_kind(node: cst.ClassDef, serializers: bool) -> str:
    bases = [(dotted_name(arg.value) or "").rsplit(".", 1)[-1] for arg in node.bases]
    if any(b.endswith("Serializer") for b in bases) or (serializers and not bases):
        return "serializer"
    if any(b.endswith(("ViewSet", "ViewSetMixin")) for b in bases):
        return "viewset"
    return "view"


def _is_view_function(function: cst.FunctionDef) -> bool:
    params = function.params.params
    return bool(params) and params[0].name.value == "request"


def _is_handler_method(function: cst.FunctionDef, methods: frozenset[str]) -> bool:
    if function.name.value in methods:
        return True
    return any(
        m.matches(
            d.decorator,
            m.Name("action") | m.Call(func=m.Name("action") | m.Attribute(attr=m.Name("action"))),
        )
        for d in function.decorators
    )


def app_label(project: Project, path: str) -> str:
    for app in project.facts.apps:
        if path.startswith(app.path + "/"):
            return app.label
    module = project.module_for(path) or path
    return module.split(".")[0]


def is_api(view: ViewModule, handler: Handler) -> bool:
    """Does the handler answer an API (DRF) rather than a web page?"""
    if handler.kind in ("viewset", "serializer"):
        return True
    return any(origin.startswith("rest_framework") for origin in view.context.imports.values())


# -- finding the extractions -----------------------------------------------------------------
@dataclass
class Found:
    """The extractions of one views module and what they need from it."""

    extractions: list[Extraction] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    types: dict[int, HandlerTypes] = field(default_factory=dict)
    order: dict[int, int] = field(default_factory=dict)
    """Extraction id -> its place among the runs of its handler (0 for the first)."""


def find_extractions(view: ViewModule, blocked: Mapping[int, str]) -> Found:
    found = Found()
    for handler in view.handlers:
        _extract_handler(view, handler, blocked, found)
    return found


def _extract_handler(
    view: ViewModule, handler: Handler, blocked: Mapping[int, str], found: Found
) -> None:
    function = handler.function
    if not isinstance(function.body, cst.IndentedBlock) or not has_business(
        function.body, view.context
    ):
        return
    where = f"{handler.line_name} left in the {handler.layer}"
    if function.asynchronous is not None:
        found.notes.append(view.note(function, f"{where}: async views are not moved"))
        return
    tainted = tainted_names(function.body.body, view.context)
    runs = list(select_runs(function.body, view.context, True, tainted))
    if not runs:
        found.notes.append(
            view.note(
                function,
                f"{where}: its business calls are mixed with request or response handling; "
                "split them by hand",
            )
        )
        return
    types = view.types(handler)
    reasons: list[tuple[cst.CSTNode, str]] = []
    count = 0
    for run in runs:
        first = run.first
        reason = blocked.get(id(first)) or too_small(run, view.context)
        if reason is None:
            result = analyse(handler, run, view.context, view.analysis, model_namer(types))
            if isinstance(result, Extraction):
                found.extractions.append(result)
                found.types[id(result)] = types
                found.order[id(result)] = count
                count += 1
                continue
            reason = result
        reasons.append((first, reason))
    if not count and reasons:
        node, reason = reasons[0]
        found.notes.append(view.note(node, f"{where}: {reason}"))
    elif count:
        found.notes += [view.note(n, f"{where}: {r}") for n, r in reasons if r != DELEGATION]
        moved = [e for e in found.extractions if e.handler is handler]
        taken = {id(e.run) for e in moved}
        top = [r for r in runs if id(r) not in taken and r.suite is function.body]
        note = _interleaved(view, handler, moved, top)
        if note is not None:
            found.notes.append(note)


def _interleaved(
    view: ViewModule, handler: Handler, moved: list[Extraction], others: list[Run]
) -> Note | None:
    """Business left in a handler once its runs moved, when request or response handling
    sits between its calls: say where, so a human can finish the cut."""
    index = view.index
    context = view.context
    covered = [s for e in moved for s in e.run.statements] + [
        s for r in others for s in r.statements
    ]
    body = handler.function.body
    assert isinstance(body, cst.IndentedBlock)
    for call in _outer(
        context, [c for c in context.of_type(body, cst.Call) if context.is_business_call(c)]
    ):
        if any(index.contains(statement, call) for statement in covered):
            continue
        mixed = _innermost_mixed(body, call, context)
        if mixed is None:
            continue
        transport = scan_transport(mixed, context)
        what = code(call.func)
        with_what = code(transport.func) if isinstance(transport, cst.Call) else code(transport)
        return view.note(
            call,
            f"{handler.line_name}: moved what could be; {what}() here is interleaved with "
            f"{with_what} (line {view.line(transport)}); return what the {handler.layer} needs "
            f"from the service and answer there, by hand",
        )
    return None


def _innermost_mixed(
    block: cst.IndentedBlock, call: cst.Call, context: Context
) -> cst.BaseStatement | None:
    index = context.index
    assert index is not None
    for statement in block.body:
        if not index.contains(statement, call):
            continue
        for inner in blocks_of(statement):
            found = _innermost_mixed(inner, call, context)
            if found is not None:
                return found
        return statement if scan(statement, context, False).transport else None
    return None


def scan_transport(statement: cst.BaseStatement, context: Context) -> cst.CSTNode:
    return scan(statement, context, False).transport[0]


def too_small(run: Run, context: Context) -> str | None:
    """One call is already a delegation (`notify(order)`, `try: summarise(ticket)` answered
    by the view), not a workflow."""
    statements = run.statements
    if len(statements) != 1:
        return None
    statement = statements[0]
    calls = _outer(
        context, [c for c in context.of_type(statement, cst.Call) if context.is_business_call(c)]
    )
    if len(calls) != 1:
        return None
    return DELEGATION


def _outer(context: Context, calls: list[cst.Call]) -> list[cst.Call]:
    """The calls not made inside another one (`on_commit(lambda: task.delay(...))` is one)."""
    index = context.index
    if index is None:
        return calls
    return [c for c in calls if not any(o is not c and index.contains(o, c) for o in calls)]


# -- what else of the module moves -------------------------------------------------------------
def definitions_needed(
    view: ViewModule, extractions: list[Extraction]
) -> tuple[list[str], dict[int, str]]:
    """Top-level definitions of the views module the moved code needs (transitively), and the
    extractions that cannot move because one of them cannot (by id, with the reason)."""
    moved: list[str] = []
    reasons: dict[int, str] = {}
    for extraction in extractions:
        pending = sorted(extraction.globals)
        mine: list[str] = []
        while pending:
            name = pending.pop(0)
            binding = view.bindings.get(name)
            if binding is None or binding.is_import or name in mine:
                continue
            reason = _immovable(view, binding)
            if reason:
                reasons[id(extraction)] = reason
                break
            mine.append(name)
            pending += sorted(globals_of(view, binding.statement))
        if id(extraction) not in reasons:
            moved += [name for name in mine if name not in moved]
    order = view.body_order
    moved.sort(key=lambda n: order[id(view.bindings[n].statement)])
    return moved, reasons


def _immovable(view: ViewModule, binding: Binding) -> str | None:
    name = binding.name
    if name in view.handler_names:
        return f"the workflow uses {name}, a view"
    if binding.guarded:
        return f"the workflow uses {name}, defined under a top-level `if`/`try`; move it by hand"
    if name in view.declared_global:
        return f"the workflow uses {name}, which the view rebinds with `global`"
    if not isinstance(binding.statement, cst.FunctionDef | cst.ClassDef | cst.SimpleStatementLine):
        return f"the workflow uses {name}, defined by a `{type(binding.statement).__name__}`"
    return None


def globals_of(view: ViewModule, statement: cst.CSTNode) -> set[str]:
    names = set()
    analysis = view.analysis
    for read in analysis.reads_in([statement], frozenset()):
        referents = analysis.names.referents(read)
        if not referents:
            names.add(read.value)
        for referent in referents:
            if isinstance(referent.scope, cst.Module):
                names.add(referent.name.split(".")[0])
    return names


def transport_reasons(view: ViewModule, extractions: list[Extraction]) -> dict[int, str]:
    """Workflows that would make the service import a views/serializers module."""
    reasons = {}
    for extraction in extractions:
        moved, _ = definitions_needed(view, [extraction])
        for name in sorted(used_names(view, [extraction], moved)):
            binding = view.bindings.get(name)
            origin = binding.origin if binding else None
            if origin and _from_transport(view.project, origin):
                reasons[id(extraction)] = (
                    f"the workflow uses {name} from {origin.rsplit('.', 1)[0]}, and services "
                    "never import views or serializers"
                )
                break
    return reasons


def _from_transport(project: Project, origin: str) -> bool:
    module = origin
    while module:
        if module_is_transport(project, module):
            return True
        if project.path_for(module) is not None:
            return False
        module = module.rpartition(".")[0]
    return False


def used_names(view: ViewModule, extractions: list[Extraction], moved: list[str]) -> frozenset[str]:
    names = {name for e in extractions for name in e.globals} | set(moved)
    for name in moved:
        names |= globals_of(view, view.bindings[name].statement)
    return frozenset(names)


def is_module_named(statement: cst.BaseStatement) -> bool:
    """`logger = logging.getLogger(__name__)`: a value named after its module. The service
    gets its own copy, still named after the views module (the same logger)."""
    return any(
        isinstance(node, cst.Name) and node.value == "__name__"
        for node in findall(statement, m.Name("__name__"))
    )
