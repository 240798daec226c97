"""Move business workflows out of views and serializers into `services/<app>.py`.

Why: views are transport (read the request, call a service, build the response); a workflow that
takes plain values (a user, an id, cleaned data) can be reused from an API, a task or the admin,
and tested without a request.
Before: `def book(request)` validates a form, then creates rows, charges a card and sends mail
before redirecting.
After: `services/<app>.py` has `def book(user, cleaned_data)` holding those statements; the view
calls it and keeps the request reading, the messages and the response. Early returns inside the
moved statements become exceptions the view maps back to the same response; helpers of views.py
the workflow calls move along; imports follow on both sides and `mock.patch` targets that named
the moved code through the view module are redirected.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from functools import cached_property
from pathlib import PurePosixPath

import libcst as cst
import libcst.matchers as m
from libcst.metadata import MetadataWrapper, PositionProvider

from djrefactor.analysis.nodes import dotted_expr
from djrefactor.analysis.scopes import module_names
from djrefactor.analysis.tree import TreeIndex
from djrefactor.discovery.files import is_test_path
from djrefactor.engine import Changes, Note, Project, Redirect

from .build import (
    ImportLine,
    exception_classes,
    from_import,
    import_lines,
    leading_lines,
    ordered_imports,
    service_function,
    view_statements,
)
from .extract import Analysis, Extraction, Handler, analyse
from .names import (
    Binding,
    absolute_source,
    is_import,
    service_name,
    top_level_bindings,
    unique,
)
from .select import (
    MAIL,
    ORM_WRITES,
    TASK_CALLS,
    VENDOR_ROOTS,
    Context,
    Run,
    has_business,
    select_runs,
)
from .uses import NameCollector, NameUses

SUMMARY = "move business workflows from views and serializers into services/<app>.py"
AFTER: tuple[str, ...] = ("extract-integrations",)

Statement = cst.SimpleStatementLine | cst.BaseCompoundStatement
PACKAGE = "services"
TRANSPORT = frozenset({"views", "api", "viewsets", "serializers"})
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
LAYERS = ("services", "integrations", "config", "migrations")


def run(project: Project) -> Changes:
    notes: list[Note] = []
    services: dict[str, ServiceModule] = {}
    redirects: list[Redirect] = []
    writes: dict[str, cst.Module | str] = {}
    shared = Shared(project)
    for path in transport_files(project):
        label = app_label(project, path)
        service = services.setdefault(label, ServiceModule.load(project, label))
        result = extract_file(shared, path, service)
        notes += result.notes
        if result.view is not None:
            writes[path] = result.view
            redirects += result.redirects
    for service in services.values():
        writes.update(service.writes(project))
    return Changes(writes=writes, redirects=tuple(redirects), notes=tuple(notes))


def transport_files(project: Project) -> Iterator[str]:
    for path in project.python_paths():
        parts = PurePosixPath(path).parts
        rel = path[len(project.source_root) + 1 :] if project.source_root else path
        if is_test_path(rel) or PurePosixPath(rel).parts[0] in LAYERS or "migrations" in parts:
            continue
        if PurePosixPath(path).stem in TRANSPORT or any(p in TRANSPORT for p in parts[:-1]):
            yield path


def app_label(project: Project, path: str) -> str:
    for app in project.facts.apps:
        if path.startswith(app.path + "/"):
            return app.label
    module = project.module_for(path) or path
    return module.split(".")[0]


# -- the service module ----------------------------------------------------------------------
@dataclass
class ServiceModule:
    """`services/<label>.py` as it is and as this run extends it."""

    label: str
    path: str
    existing: cst.Module | None
    taken: set[str]
    imports: dict[str, ImportLine] = field(default_factory=dict)
    definitions: list[Statement] = field(default_factory=list)

    @staticmethod
    def load(project: Project, label: str) -> ServiceModule:
        module = f"{PACKAGE}.{label}"
        path = project.module_path(module) + (
            "/__init__.py" if project.is_package(module) else ".py"
        )
        existing = project.tree(path) if project.exists(path) else None
        taken = set(top_level_bindings(existing, None, False)) if existing else set()
        return ServiceModule(label, path, existing, taken)

    @property
    def module(self) -> str:
        return f"{PACKAGE}.{self.label}"

    def add_imports(self, lines: list[ImportLine]) -> None:
        """Imports the module lacks; a name it already binds is not imported again."""
        bound = set(top_level_bindings(self.existing, None, False)) if self.existing else set()
        for entry in lines:
            line = _pruned(entry.line, bound)
            if isinstance(line, cst.SimpleStatementLine):
                kept = ImportLine(entry.local, entry.key, line)
                self.imports.setdefault(cst.Module([]).code_for_node(line), kept)

    def writes(self, project: Project) -> dict[str, cst.Module | str]:
        if not self.definitions:
            return {}
        writes: dict[str, cst.Module | str] = {}
        init = project.module_path(PACKAGE) + "/__init__.py"
        if not project.exists(init):
            writes[init] = ""
        writes[self.path] = self._merged() if self.existing else self._new()
        return writes

    def _new(self) -> cst.Module:
        doc = cst.SimpleStatementLine(
            [
                cst.Expr(
                    cst.SimpleString(
                        f'"""Workflows of the {self.label} app: plain functions its views and '
                        'serializers call."""'
                    )
                )
            ]
        )
        imports = ordered_imports(list(self.imports.values()))
        if imports:
            imports[0] = imports[0].with_changes(leading_lines=[cst.EmptyLine()])
        return cst.Module(body=[doc, *imports, *self.definitions])

    def _merged(self) -> cst.Module:
        assert self.existing is not None
        body = list(self.existing.body)
        position = _after_imports(body)
        body[position:position] = ordered_imports(list(self.imports.values()))
        return self.existing.with_changes(body=[*body, *self.definitions])


def _after_imports(body: Sequence[cst.BaseStatement]) -> int:
    position = 0
    for index, statement in enumerate(body):
        if m.matches(statement, m.SimpleStatementLine(body=[m.Import() | m.ImportFrom()])):
            position = index + 1
    return position


# -- facts of the whole project, computed once per run ---------------------------------------
class Shared:
    """What every views module of a run asks about the rest of the project: model methods that
    do business, which helpers of other modules do, which strings the tests patch."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._contexts: dict[str, Context] = {}
        self._strings: dict[str, list[str]] = {}
        self._targets: dict[str, frozenset[str]] = {}

    @cached_property
    def business_methods(self) -> frozenset[str]:
        return _business_methods(self)

    @cached_property
    def is_local(self) -> Callable[[str], bool]:
        return _local_test(self.project)

    @cached_property
    def test_paths(self) -> list[str]:
        return [path for path in self.project.python_paths() if is_test_path(path)]

    def module_context(self, path: str) -> Context:
        if path not in self._contexts:
            self._contexts[path] = _module_context(self.project, path)
        return self._contexts[path]

    def patched_targets(self, module: str) -> frozenset[str]:
        """Dotted strings naming something through `module`, in test files."""
        if module not in self._targets:
            prefix = module + "."
            # a literal whose value starts with the prefix has it right after its quote
            quoted = (f'"{prefix}', f"'{prefix}")
            self._targets[module] = frozenset(
                value[len(prefix) :]
                for path in self.test_paths
                if self.project.mentions(path, *quoted)
                for value in self._string_values(path)
                if value.startswith(prefix)
            )
        return self._targets[module]

    def _string_values(self, path: str) -> list[str]:
        if path not in self._strings:
            self._strings[path] = [
                node.evaluated_value
                for node in m.findall(self.project.tree(path), m.SimpleString())
                if isinstance(node, cst.SimpleString) and isinstance(node.evaluated_value, str)
            ]
        return self._strings[path]


# -- one views module ------------------------------------------------------------------------
@dataclass(frozen=True)
class FileResult:
    view: cst.Module | None
    redirects: tuple[Redirect, ...]
    notes: tuple[Note, ...]


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

    @property
    def project(self) -> Project:
        return self.shared.project

    @cached_property
    def _wrapper(self) -> MetadataWrapper:
        return MetadataWrapper(self.tree, unsafe_skip_copy=True)

    @cached_property
    def analysis(self) -> Analysis:
        return Analysis(module_names(self.tree), self.index)

    @cached_property
    def lines(self) -> Mapping[cst.CSTNode, object]:
        return self._wrapper.resolve(PositionProvider)

    def line(self, node: cst.CSTNode) -> int | None:
        position = self.lines.get(node)
        return getattr(getattr(position, "start", None), "line", None)

    def note(self, node: cst.CSTNode, message: str) -> Note:
        return Note(self.path, self.line(node), message)


def load_view(shared: Shared, path: str) -> ViewModule | None:
    """The views module at `path`, or None when nothing in it can be a business call."""
    project = shared.project
    tree = project.tree(path)
    module = project.module_for(path)
    is_package = path.endswith("__init__.py")
    bindings = top_level_bindings(tree, module, is_package)
    imports = {name: b.origin for name, b in bindings.items() if b.origin is not None}
    mentions = _mentions_business(shared, path)
    imported = _imported_business(shared, imports)
    if not mentions and not imported:
        return None
    index = TreeIndex(tree)
    helpers = _business_helpers(tree, imports, index) | imported
    context = Context(imports, helpers, shared.business_methods, index)
    return ViewModule(shared, path, tree, module, is_package, bindings, context, index)


# Every business call names one of these in the file's text: the attribute called, the vendor
# or mail module it is imported from (`from django.db import transaction`), or a local helper
# that itself makes such a call. Names imported from a business helper elsewhere are checked
# separately, and so is a views module inside a package named like a vendor (its relative
# imports resolve to that vendor root without naming it).
CALL_WORDS = tuple(
    sorted(ORM_WRITES | TASK_CALLS | VENDOR_ROOTS | {name.split(".")[2] for name in MAIL})
)


def _mentions_business(shared: Shared, path: str) -> bool:
    if VENDOR_ROOTS & set(PurePosixPath(path).parts):
        return True
    return shared.project.mentions(path, *CALL_WORDS, *shared.business_methods)


def _module_context(project: Project, path: str) -> Context:
    tree = project.tree(path)
    bindings = top_level_bindings(tree, project.module_for(path), path.endswith("__init__.py"))
    imports = {name: b.origin for name, b in bindings.items() if b.origin is not None}
    index = TreeIndex(tree)
    return Context(imports, _business_helpers(tree, imports, index), index=index)


def _imported_business(shared: Shared, imports: Mapping[str, str]) -> frozenset[str]:
    """Names imported from the project's own non-transport modules whose function does
    business (`from .notifications import notify_doctor` that sends mail)."""
    found = set()
    for name, origin in imports.items():
        module, _, function = origin.rpartition(".")
        path = shared.project.path_for(module) if module else None
        if path is None or PurePosixPath(path).stem in TRANSPORT:
            continue
        context = shared.module_context(path)
        if function in context.business_helpers:
            found.add(name)
    return frozenset(found)


NOT_WORKFLOW_METHODS = frozenset({"save", "delete", "clean", "full_clean", "get", "__str__"})


def _business_methods(shared: Shared) -> frozenset[str]:
    """Model methods that do business (`payment.refund()` calling the payment provider)."""
    found: set[str] = set()
    for path in shared.project.python_paths():
        if PurePosixPath(path).stem != "models" or is_test_path(path):
            continue
        context = shared.module_context(path)
        assert context.index is not None
        for node in context.index.of_type(shared.project.tree(path), cst.ClassDef):
            found |= {
                item.name.value
                for item in node.body.body
                if isinstance(item, cst.FunctionDef) and has_business(item.body, context)
            }
    return frozenset(found - NOT_WORKFLOW_METHODS)


def _business_helpers(
    tree: cst.Module, imports: Mapping[str, str], index: TreeIndex
) -> frozenset[str]:
    """Top-level functions that do business, directly or through each other."""
    functions = {s.name.value: s for s in tree.body if isinstance(s, cst.FunctionDef)}
    found: frozenset[str] = frozenset()
    while True:
        context = Context(imports, found, index=index)
        grown = frozenset(name for name, f in functions.items() if has_business(f.body, context))
        if grown == found:
            return found
        found = grown


def handlers(view: ViewModule) -> Iterator[Handler]:
    label = app_label(view.project, view.path)
    for statement in view.tree.body:
        if isinstance(statement, cst.FunctionDef) and _is_view_function(statement):
            yield Handler(statement, None, label)
        elif isinstance(statement, cst.ClassDef):
            for item in statement.body.body:
                if isinstance(item, cst.FunctionDef) and _is_handler_method(item):
                    yield Handler(item, statement.name.value, label)


def _is_view_function(function: cst.FunctionDef) -> bool:
    params = function.params.params
    return bool(params) and params[0].name.value == "request"


def _is_handler_method(function: cst.FunctionDef) -> bool:
    if function.name.value in HANDLER_METHODS:
        return True
    return any(
        m.matches(
            d.decorator,
            m.Name("action") | m.Call(func=m.Name("action") | m.Attribute(attr=m.Name("action"))),
        )
        for d in function.decorators
    )


def extract_file(shared: Shared, path: str, service: ServiceModule) -> FileResult:
    view = load_view(shared, path)
    if view is None:
        return FileResult(None, (), ())
    blocked: dict[int, str] = {}
    while True:
        plan = _plan(view, service, blocked)
        conflicts = _patch_conflicts(view, plan, service)
        if not conflicts:
            break
        blocked.update(conflicts)
    if not plan.extractions:
        return FileResult(None, (), tuple(plan.notes))
    service.taken |= {e.name for e in plan.extractions}
    _emit_service(view, plan, service)
    return FileResult(plan.view, tuple(_redirects(view, plan, service)), tuple(plan.notes))


@dataclass
class FilePlan:
    extractions: list[Extraction]
    moved: list[str]
    notes: list[Note]
    view: cst.Module
    still_bound: frozenset[str]
    alias: str
    used: frozenset[str]
    """Every top-level name of the view module the moved code needs."""


def _plan(view: ViewModule, service: ServiceModule, blocked: Mapping[int, str]) -> FilePlan:
    handler_names = {h.function.name.value for h in handlers(view) if h.class_name is None}
    # the service module will import or define these too
    taken = set(service.taken) | (set(view.bindings) - handler_names)
    extractions: list[Extraction] = []
    notes: list[Note] = []
    for handler in handlers(view):
        found = _extract_handler(view, handler, taken, blocked, notes)
        extractions += found
    moved, reason = _moved_definitions(view, extractions)
    reason |= _transport_imports(view, extractions)
    if reason:
        notes += [
            view.note(
                e.handler.function, f"{e.handler.line_name} left in the view: {reason[e.name]}"
            )
            for e in extractions
            if e.name in reason
        ]
        extractions = [e for e in extractions if e.name not in reason]
        moved, _ = _moved_definitions(view, extractions)
    alias = _service_alias(view, service)
    new_view, still_bound = _rewrite_view(view, extractions, moved, service, alias)
    used = _used_names(view, extractions, moved)
    return FilePlan(extractions, moved, notes, new_view, still_bound, alias, used)


def _used_names(
    view: ViewModule, extractions: list[Extraction], moved: list[str]
) -> frozenset[str]:
    names = {name for e in extractions for name in e.globals} | set(moved)
    for name in moved:
        names |= _globals_of(view, view.bindings[name].statement)
    return frozenset(names)


def _extract_handler(
    view: ViewModule,
    handler: Handler,
    taken: set[str],
    blocked: Mapping[int, str],
    notes: list[Note],
) -> list[Extraction]:
    function = handler.function
    if not isinstance(function.body, cst.IndentedBlock) or not has_business(
        function.body, view.context
    ):
        return []
    where = f"{handler.line_name}"
    if function.asynchronous is not None:
        notes.append(view.note(function, f"{where} left in the view: async views are not moved"))
        return []
    runs = list(select_runs(function.body, view.context, final=True))
    if not runs:
        notes.append(
            view.note(
                function,
                f"{where} left in the view: its business calls are mixed "
                "with request or response handling; split them by hand",
            )
        )
        return []
    found: list[Extraction] = []
    reasons: list[tuple[cst.CSTNode, str]] = []
    base = service_name(handler.class_name, function.name.value)
    for run in runs:
        first = run.suite.body[run.start]
        reason = blocked.get(id(first)) or _too_small(run, view.context)
        if reason is None:
            name = unique(_run_name(base, run, view.context, bool(found)), taken)
            result = analyse(handler, run, name, view.context, view.analysis)
            if isinstance(result, Extraction):
                found.append(result)
                continue
            taken.discard(name)
            reason = result
        reasons.append((first, reason))
    if not found and reasons:
        node, reason = reasons[0]
        notes.append(view.note(node, f"{where} left in the view: {reason}"))
    return found


def _run_name(base: str, run: Run, context: Context, follows: bool) -> str:
    """A later run of the same handler that only sends mail says so (`send_checkout_emails`)."""
    calls = [
        call
        for statement in run.statements
        for call in context.of_type(statement, cst.Call)
        if context.is_business_call(call)
    ]
    if follows and calls and all(context.is_mail(call) for call in calls):
        return f"send_{base}_emails"
    return base


def _too_small(run: Run, context: Context) -> str | None:
    """One call is already a delegation (`form.save()`, `notify(order)`), not a workflow."""
    if len(run.statements) != 1 or not isinstance(run.statements[0], cst.SimpleStatementLine):
        return None
    one_call = m.SimpleStatementLine(
        body=[m.Expr(m.Call()) | m.Assign(value=m.Call()) | m.Return(m.Call())]
    )
    statement = run.statements[0]
    calls = [c for c in context.of_type(statement, cst.Call) if context.is_business_call(c)]
    if m.matches(statement, one_call) and len(calls) == 1:
        return "its only business is one call, which already reads as a delegation"
    return None


def _moved_definitions(
    view: ViewModule, extractions: list[Extraction]
) -> tuple[list[str], dict[str, str]]:
    """Top-level definitions of the views module the moved code needs (transitively)."""
    handler_names = {h.function.name.value for h in handlers(view)} | {
        h.class_name for h in handlers(view) if h.class_name
    }
    moved: list[str] = []
    reasons: dict[str, str] = {}
    for extraction in extractions:
        pending = sorted(extraction.globals)
        while pending:
            name = pending.pop(0)
            binding = view.bindings.get(name)
            if binding is None or is_import(binding) or name in moved:
                continue
            if name in handler_names or not isinstance(
                binding.statement, cst.FunctionDef | cst.ClassDef | cst.SimpleStatementLine
            ):
                reasons[extraction.name] = f"the workflow uses {name}, a view"
                break
            moved.append(name)
            pending += sorted(_globals_of(view, binding.statement))
    order = {id(s): i for i, s in enumerate(view.tree.body)}
    moved.sort(key=lambda n: order[id(view.bindings[n].statement)])
    return moved, reasons


def _transport_imports(view: ViewModule, extractions: list[Extraction]) -> dict[str, str]:
    """Workflows that would make the service import a views/serializers module."""
    reasons = {}
    is_local = view.shared.is_local
    for extraction in extractions:
        moved, _ = _moved_definitions(view, [extraction])
        for name in sorted(_used_names(view, [extraction], moved)):
            binding = view.bindings.get(name)
            origin = binding.origin if binding else None
            if origin and is_local(origin) and TRANSPORT & set(origin.split(".")):
                reasons[extraction.name] = (
                    f"the workflow uses {name} from {origin.rsplit('.', 1)[0]}, and services "
                    "never import views or serializers"
                )
                break
    return reasons


def _globals_of(view: ViewModule, statement: cst.CSTNode) -> set[str]:
    names = set()
    analysis = view.analysis
    for read in analysis.reads_in([statement], frozenset()):
        for referent in analysis.names.referents(read):
            if isinstance(referent.scope, cst.Module):
                names.add(referent.name.split(".")[0])
    return names


# -- rewriting the view --------------------------------------------------------------------------
Replacements = Mapping[int, list[tuple[Run, list[cst.BaseStatement]]]]


def _rewritten(
    view: ViewModule, replacements: Replacements, removed: frozenset[int]
) -> tuple[cst.Module, NameUses]:
    """The view with the service calls in place of the runs and without the moved definitions,
    and the names it binds and reads. Only the nodes on the way to a changed block are rebuilt
    (a transformer would rebuild every node of the module)."""
    suites = [runs[0][0].suite for runs in replacements.values()]
    skipped = removed | {
        id(statement)
        for runs in replacements.values()
        for run, _ in runs
        for statement in run.statements
    }
    uses = NameUses()
    names = NameCollector(uses, uses.module, skipped, frozenset(replacements))
    view.index.visit(view.tree, names)
    for suite_id, runs in replacements.items():
        scope = names.scopes.get(suite_id)
        if scope is None:
            continue  # inside a statement another run replaces
        for _, statements in runs:
            for statement in statements:
                statement.visit(NameCollector(uses, scope))
    tree = _rebuilt(view.tree, view.index, replacements, suites)
    assert isinstance(tree, cst.Module)
    body = [
        new for old, new in zip(view.tree.body, tree.body, strict=True) if id(old) not in removed
    ]
    return tree.with_changes(body=body), uses


def _rebuilt(
    node: cst.CSTNode, index: TreeIndex, replacements: Replacements, suites: Sequence[cst.CSTNode]
) -> cst.CSTNode:
    inside = [suite for suite in suites if index.contains(node, suite)]
    if not inside:
        return node
    changes: dict[str, object] = {}
    for item in fields(node):
        value = getattr(node, item.name)
        if isinstance(value, cst.CSTNode):
            new = _rebuilt(value, index, replacements, inside)
            if new is not value:
                changes[item.name] = new
        elif isinstance(value, tuple | list):
            items = [
                _rebuilt(v, index, replacements, inside) if isinstance(v, cst.CSTNode) else v
                for v in value
            ]
            if any(new is not old for new, old in zip(items, value, strict=True)):
                changes[item.name] = items
    updated = node.with_changes(**changes) if changes else node
    runs = replacements.get(id(node))
    if not runs or not isinstance(updated, cst.IndentedBlock):
        return updated
    body = list(updated.body)
    for run, statements in sorted(runs, key=lambda item: -item[0].start):
        body[run.start : run.end] = statements
    return updated.with_changes(body=body)


def _rewrite_view(
    view: ViewModule,
    extractions: list[Extraction],
    moved: list[str],
    service: ServiceModule,
    alias: str,
) -> tuple[cst.Module, frozenset[str]]:
    replacements: dict[int, list[tuple[Run, list[cst.BaseStatement]]]] = {}
    for extraction in extractions:
        run = extraction.run
        stopped = "stop_" if _names_stopped(view, extraction.handler) else "stopped"
        indent = 4 * (1 + _depth(view, extraction.handler, run))
        statements = view_statements(extraction, alias, stopped, indent)
        replacements.setdefault(id(run.suite), []).append((run, statements))
    removed = frozenset(
        id(view.bindings[name].statement)
        for name in moved
        if isinstance(view.bindings[name].statement, cst.FunctionDef | cst.ClassDef)
    )
    if not extractions:
        return view.tree, frozenset(view.bindings)
    tree, uses = _rewritten(view, replacements, removed)
    touched = set(_used_names(view, extractions, moved))
    definitions = [n for n in moved if id(view.bindings[n].statement) in removed]
    unresolved, unused = _name_uses(uses, touched)
    tree = _add_imports(tree, service, alias, [n for n in definitions if n in unresolved])
    return _prune_imports(tree, unused)


def _names_stopped(view: ViewModule, handler: Handler) -> bool:
    return any(
        isinstance(node, cst.Name) and node.value == "stopped"
        for node in view.index.subtree(handler.function, frozenset())
    )


def _depth(view: ViewModule, handler: Handler, run: Run) -> int:
    depth = 1 if handler.class_name else 0
    return depth + sum(
        1
        for node in view.index.of_type(handler.function.body, cst.IndentedBlock)
        if view.index.contains(node, run.suite)
    )


def _name_uses(uses: NameUses, touched: set[str]) -> tuple[frozenset[str], set[str]]:
    """Names the view reads but no longer binds, and `touched` names it binds but no longer
    reads. Both are taken before `_add_imports`: the imports added then bind only the service
    alias and unresolved names, which the view reads, so the unread set is the same either side
    of them."""
    read = uses.global_reads()
    unused = {name for name in touched if name in uses.module.bound and name not in read}
    return uses.unresolved(), unused


def _service_alias(view: ViewModule, service: ServiceModule) -> str:
    """The view's name for the service module: the one it already imports it as, if any."""
    for name, binding in sorted(view.bindings.items()):
        if binding.origin == service.module:
            return name
    return PACKAGE if PACKAGE not in view.bindings else f"{service.label}_{PACKAGE}"


def _add_imports(
    tree: cst.Module, service: ServiceModule, alias: str, helpers: list[str]
) -> cst.Module:
    known = top_level_bindings(tree, None, False)
    lines = []
    if known.get(alias) is None or known[alias].origin != service.module:
        lines.append(from_import(PACKAGE, [service.label], alias))
    if helpers:
        lines.append(from_import(service.module, helpers))
    body = list(tree.body)
    position = _after_imports(body)
    body[position:position] = lines
    return tree.with_changes(body=body)


def _prune_imports(tree: cst.Module, unused: set[str]) -> tuple[cst.Module, frozenset[str]]:
    """Drop the imports (and copied constants) of `unused` names; a removed line hands its blank
    lines to the next statement."""
    body: list[cst.BaseStatement] = []
    carried: list[cst.EmptyLine] = []
    for statement in tree.body:
        pruned = _pruned(statement, unused)
        if pruned is None:
            carried = carried or list(leading_lines(statement))
            continue
        if carried:
            if not leading_lines(pruned):
                pruned = pruned.with_changes(leading_lines=carried)
            carried = []
        body.append(pruned)
    pruned_tree = tree.with_changes(body=body)
    return pruned_tree, frozenset(top_level_bindings(pruned_tree, None, False))


def _pruned(statement: cst.BaseStatement, unused: set[str]) -> cst.BaseStatement | None:
    """`statement` without the names in `unused`, or None when nothing is left.

    Module constants the workflow needed are copied to the service; the view's own copy goes
    only when nothing in the view reads it any more."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return statement
    node = statement.body[0]
    if m.matches(node, m.Assign(targets=[m.AssignTarget(m.Name())])):
        assert isinstance(node, cst.Assign) and isinstance(node.targets[0].target, cst.Name)
        return None if node.targets[0].target.value in unused else statement
    if not isinstance(node, cst.Import | cst.ImportFrom) or isinstance(node.names, cst.ImportStar):
        return statement
    kept = [a for a in node.names if _local(a) not in unused]
    if not kept:
        return None
    return statement.with_changes(body=[_with_names(node, kept)])


def _local(alias: cst.ImportAlias) -> str:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return cst.Module([]).code_for_node(alias.name).split(".")[0]


def _with_names(
    node: cst.Import | cst.ImportFrom, kept: list[cst.ImportAlias]
) -> cst.Import | cst.ImportFrom:
    assert not isinstance(node.names, cst.ImportStar)
    if len(kept) == len(node.names):
        return node
    kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    if isinstance(node, cst.ImportFrom) and len(kept) == 1 and node.lpar:
        return node.with_changes(names=kept, lpar=None, rpar=None)
    return node.with_changes(names=kept)


# -- service side, patches -----------------------------------------------------------------------
def _emit_service(view: ViewModule, plan: FilePlan, service: ServiceModule) -> None:
    imports = [n for n in sorted(plan.used) if n in view.bindings and is_import(view.bindings[n])]
    service.add_imports(
        import_lines(imports, view.bindings, view.module, view.is_package, view.shared.is_local)
    )
    service.add_imports(_star_imports(view))
    for index, name in enumerate(plan.moved):
        statement = view.bindings[name].statement
        assert isinstance(statement, cst.SimpleStatementLine | cst.BaseCompoundStatement)
        if index == 0 or isinstance(statement, cst.FunctionDef | cst.ClassDef):
            statement = statement.with_changes(leading_lines=[cst.EmptyLine(), cst.EmptyLine()])
        service.definitions.append(statement)
    origin = view.module or view.path
    for extraction in plan.extractions:
        service.definitions += exception_classes(extraction)
        service.definitions.append(service_function(extraction, origin))


def _local_test(project: Project) -> Callable[[str], bool]:
    modules = (project.module_for(path) for path in project.python_paths())
    roots = {module.split(".")[0] for module in modules if module}

    def is_local(dotted: str) -> bool:
        return dotted.lstrip("~").split(".")[0] in roots

    return is_local


def _star_imports(view: ViewModule) -> list[ImportLine]:
    lines = []
    for statement in view.tree.body:
        if m.matches(statement, m.SimpleStatementLine(body=[m.ImportFrom(names=m.ImportStar())])):
            assert isinstance(statement, cst.SimpleStatementLine)
            node = statement.body[0]
            assert isinstance(node, cst.ImportFrom)
            source = absolute_source(node, view.module, view.is_package)
            if source:
                line = statement.with_changes(
                    body=[node.with_changes(module=dotted_expr(source), relative=[])],
                    leading_lines=[],
                )
                lines.append(ImportLine(view.shared.is_local(source), "~" + source, line))
    return lines


def _patched_targets(view: ViewModule) -> frozenset[str]:
    """Dotted strings naming something through this views module, in test files."""
    if view.module is None:
        return frozenset()
    return view.shared.patched_targets(view.module)


def _patch_conflicts(view: ViewModule, plan: FilePlan, service: ServiceModule) -> dict[int, str]:
    """Runs whose names tests patch through the view while the view still uses them too."""
    targets = {t for t in _patched_targets(view) if "." not in t}
    conflicts: dict[int, str] = {}
    for extraction in plan.extractions:
        used = _used_names(view, [extraction], plan.moved) & targets & plan.still_bound
        if used:
            name = sorted(used)[0]
            run = extraction.run
            conflicts[id(run.suite.body[run.start])] = (
                f"tests patch {view.module}.{name}, which both the view and the workflow use; "
                "patch it in both places, then move the workflow by hand"
            )
    return conflicts


def _redirects(view: ViewModule, plan: FilePlan, service: ServiceModule) -> Iterator[Redirect]:
    if view.module is None:
        return
    names = plan.used
    targets = {t.split(".")[0] for t in _patched_targets(view)}
    for name in sorted(names):
        moved = name in plan.moved and name not in plan.still_bound
        if moved or (name in targets and name not in plan.still_bound):
            yield Redirect(f"{view.module}.{name}", f"{service.module}.{name}")
