"""Naming and writing for `extract-services`: every extraction of an app named at once (so two
views whose natural names collide are told apart), then each views module's share written into
its service module and the view rewritten to call it."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace

import libcst as cst
from libcst.helpers import get_full_name_for_node

from djrefactor.analysis import patterns as m
from djrefactor.analysis.naming import snake
from djrefactor.analysis.nodes import code
from djrefactor.analysis.tree import findall
from djrefactor.engine import ImportRequest, Note, Redirect

from .build import (
    BodyEdits,
    ExceptionSpec,
    Signature,
    annotation,
    moved_statements,
    service_function,
)
from .conditions import (
    DECLINED,
    MISSING,
    NETWORK,
    SIGNATURE,
    Condition,
    Provider,
    caught_condition,
    guard_condition,
    provider_of,
    shortcut_condition,
)
from .describe import describe, docstring_of
from .extract import Extraction, Stop
from .hints import ANY, BOOL, NONE, HandlerTypes, Hint, model_namer
from .importing import import_requests, module_request, star_import
from .naming import Facts, assign_names, writes_of
from .plan import Draft
from .rewrite import rewrite_view, settle_imports
from .select import Context
from .service import ServiceModule
from .view import ViewModule, is_api

NOTIFY_WORDS = ("send", "sms", "notify", "message", "mail", "email", "push")


# -- naming ------------------------------------------------------------------------------------
def name_extractions(drafts: Sequence[tuple[Draft, ServiceModule]]) -> list[Note]:
    notes: list[Note] = []
    groups: dict[int, list[tuple[Draft, ServiceModule]]] = {}
    for draft, service in drafts:
        groups.setdefault(id(service), []).append((draft, service))
    for group in groups.values():
        service = group[0][1]
        members = [_facts(draft, e) for draft, _ in group for e in draft.extractions]
        taken = set(service.taken) | {n for draft, _ in group for n in draft.moved}
        names, clashes = assign_names(members, taken)
        for draft, _ in group:
            for extraction in list(draft.extractions):
                key = id(extraction)
                if key in clashes:
                    notes.append(_clash_note(draft, extraction, clashes[key]))
                    draft.extractions.remove(extraction)
                else:
                    draft.names[key] = names[key]
            notes += _name_conditions(draft, service)
    return notes


def _clash_note(draft: Draft, extraction: Extraction, name: str) -> Note:
    handler = extraction.handler
    return draft.view.note(
        handler.function,
        f"{handler.line_name} left in the {handler.layer}: its workflow would be named {name}, "
        "like another one of the app, and nothing tells them apart; move it by hand under a "
        "name that says what differs",
    )


def _facts(draft: Draft, extraction: Extraction) -> Facts:
    view = draft.view
    handler = extraction.handler
    types = draft.types[id(extraction)]
    model_of = model_namer(types)
    context = view.context
    calls = [
        call
        for statement in extraction.run.statements
        for call in context.of_type(statement, cst.Call)
        if context.is_business_call(call)
    ]
    mail_only = bool(calls) and all(context.is_mail(call) for call in calls)
    notices = bool(calls) and all(context.is_mail(c) or _notifies(c) for c in calls)
    route = view.route(handler)
    model = view.class_model(handler.class_name)
    return Facts(
        extraction,
        writes_of(extraction.run.statements, context, model_of, view.classes),
        model.text if model else None,
        notices,
        mail_only,
        _latest_model(extraction, model_of, context),
        draft.order[id(extraction)] > 0,
        tuple(route.name.replace("-", "_").split("_")) if route and route.name else (),
        is_api(view, handler),
    )


def _notifies(call: cst.Call) -> bool:
    name = (get_full_name_for_node(call.func) or "").lower()
    return any(word in name for word in NOTIFY_WORDS)


def _latest_model(
    extraction: Extraction, model_of: Callable[[str], str | None], context: Context
) -> str | None:
    """The model of the parameter the handler bound last: what a notification is about."""
    order = [
        target.value
        for node in context.of_type(extraction.handler.function.body, cst.AssignTarget)
        for target in context.of_type(node.target, cst.Name)
    ]
    params = [p.argument.value for p in extraction.params if isinstance(p.argument, cst.Name)]
    ranked = sorted(
        (p for p in params if model_of(p)),
        key=lambda p: max(i for i, n in enumerate(order + [p]) if n == p),
    )
    return model_of(ranked[-1]) if ranked else None


def _name_conditions(draft: Draft, service: ServiceModule) -> list[Note]:
    """Each failure exit gets the exception its condition names; two different answers to
    one condition in the same workflow cannot be told apart, so that workflow stays."""
    notes: list[Note] = []
    for extraction in list(draft.extractions):
        seen: dict[str, str] = {}
        conditions: dict[int, Condition] = {}
        for stop in extraction.failures:
            condition = _condition(draft, extraction, stop)
            conditions[id(stop)] = condition
            tail = "".join(code(s) for s in stop.exit.tail)
            if seen.setdefault(condition.name, tail) != tail:
                handler = extraction.handler
                notes.append(
                    draft.view.note(
                        stop.exit.suite,
                        f"{handler.line_name} left in the {handler.layer}: two of its failures "
                        f"read as {condition.name} but the view answers them differently; "
                        "move it by hand",
                    )
                )
                draft.extractions.remove(extraction)
                break
        else:
            draft.conditions.update(conditions)
    return notes


def _condition(draft: Draft, extraction: Extraction, stop: Stop) -> Condition:
    view = draft.view
    name = draft.names[id(extraction)]
    verb = name.split("_", 1)[0]
    model_of = model_namer(draft.types[id(extraction)])
    facts_model = view.class_model(extraction.handler.class_name)
    obj = snake(facts_model.text) if facts_model else None
    if stop.handler is not None:
        error = _error_name(stop.handler)
        try_node = _try_of(view, extraction, stop)
        inputs = _inputs(view, try_node)
        missing = _missing_model(view, stop.handler, try_node) if error in MISSING else None
        provider = _provider(view, extraction, stop)
        return caught_condition(error, provider, verb, obj, inputs, missing)
    test = _guard_test(view, extraction, stop)
    if test is None:
        return guard_condition(cst.Name("_"), model_of, obj)
    return guard_condition(test, model_of, obj)


def _missing_model(
    view: ViewModule, handler: cst.ExceptHandler, try_node: cst.Try | None
) -> str | None:
    """The model a caught `DoesNotExist` is about: `Order` of `except Order.DoesNotExist`,
    else of the one lookup the `try` makes (`Order.objects.get(...)`,
    `get_object_or_404(Order, ...)`); None when it looks up several."""
    caught = get_full_name_for_node(handler.type) if handler.type is not None else None
    parts = (caught or "").split(".")
    if len(parts) > 1 and parts[-1] == "DoesNotExist":
        return parts[-2]
    if try_node is None:
        return None
    models: set[str] = set()
    for call in view.context.of_type(try_node.body, cst.Call):
        name = get_full_name_for_node(call.func) or ""
        if name.endswith(".objects.get"):
            models.add(name.split(".")[-3])
        elif name.split(".")[-1] == "get_object_or_404" and call.args:
            models.add(get_full_name_for_node(call.args[0].value) or "")
    models = {model.split(".")[-1] for model in models if model}
    return models.pop() if len(models) == 1 and next(iter(models))[:1].isupper() else None


def _error_name(handler: cst.ExceptHandler) -> str:
    kinds = handler.type
    names = []
    if isinstance(kinds, cst.Tuple):
        names = [get_full_name_for_node(e.value) or "" for e in kinds.elements]
    elif kinds is not None:
        names = [get_full_name_for_node(kinds) or ""]
    last = [n.rsplit(".", 1)[-1] for n in names if n]
    for name in last:
        if name in DECLINED | SIGNATURE | NETWORK:
            return name
    return last[0] if last else "Exception"


def _provider(view: ViewModule, extraction: Extraction, stop: Stop) -> Provider | None:
    """Who the caught error comes from: the integration called in the `try` body, else the
    module the error class comes from."""
    try_node = _try_of(view, extraction, stop)
    origins: list[str] = []
    if try_node is not None:
        origins += [
            view.context.origin(call.func) or ""
            for call in view.context.of_type(try_node.body, cst.Call)
        ]
    if stop.handler is not None and stop.handler.type is not None:
        origins.append(view.context.origin(stop.handler.type) or "")
    for origin in origins:
        parts = origin.split(".")
        if parts[0] == "integrations" and len(parts) > 1:
            return provider_of(parts[1], view.shared.vendor_title(parts[1]))
    for origin in origins:
        top = origin.split(".")[0]
        vendor = view.shared.vendors.get(top)
        if vendor is not None and not vendor.per_api:
            return provider_of(vendor.integration, vendor.title)
    return None


def _try_of(view: ViewModule, extraction: Extraction, stop: Stop) -> cst.Try | None:
    """The `try` whose handler is the exit of `stop`."""
    return next(
        (
            node
            for statement in extraction.run.statements
            for node in view.context.of_type(statement, cst.Try)
            if any(h is stop.handler for h in node.handlers)
        ),
        None,
    )


def _inputs(view: ViewModule, try_node: cst.Try | None) -> tuple[cst.BaseExpression, ...]:
    """The first argument of each call the `try` makes, in order: what an error such as
    `ValueError` says is not valid."""
    if try_node is None:
        return ()
    return tuple(
        call.args[0].value for call in view.context.of_type(try_node.body, cst.Call) if call.args
    )


def _guard_test(view: ViewModule, extraction: Extraction, stop: Stop) -> cst.BaseExpression | None:
    for statement in extraction.run.statements:
        for node in view.context.of_type(statement, cst.If):
            if node.body is stop.exit.suite:
                return node.test
            orelse = node.orelse
            if isinstance(orelse, cst.Else) and orelse.body is stop.exit.suite:
                return cst.UnaryOperation(cst.Not(), node.test)
    return None


# -- writing -----------------------------------------------------------------------------------
def emit_file(
    draft: Draft, service: ServiceModule
) -> tuple[cst.Module, list[ImportRequest], list[Redirect]]:
    """The rewritten view and the imports it asks for; the service module gets its share."""
    view = draft.view
    alias = _alias(view, service)
    qualified = _qualified_imports(draft, service)
    renames = _state_renames(draft, service)
    global_names = {**qualified, **{k: cst.Name(v) for k, v in renames.items()}}
    _emit_imports(draft, service, set(qualified))
    _emit_definitions(draft, service, renames, global_names)
    for extraction in draft.extractions:
        _emit_service(draft, service, extraction, global_names)
    tree, requests = _rewrite(draft, service, alias)
    return tree, requests, list(_redirects(draft, service, set(qualified)))


def _alias(view: ViewModule, service: ServiceModule) -> str:
    """The view's name for the service module: the one it already imports it as, if any."""
    for name, binding in sorted(view.bindings.items()):
        if binding.origin == service.module:
            return name
    return "services" if "services" not in view.bindings else f"{service.label}_services"


def _qualified_imports(draft: Draft, service: ServiceModule) -> dict[str, cst.BaseExpression]:
    """An imported name the service module also defines as a workflow is read through its
    module instead (`ai.summarise_ticket(...)`), so neither hides the other."""
    functions = set(draft.names.values()) | {f.name.value for f in service.functions}
    found: dict[str, cst.BaseExpression] = {}
    for name in sorted(draft.used):
        binding = draft.view.bindings.get(name)
        if binding is None or binding.origin is None or name not in functions:
            continue
        module, _, attr = binding.origin.rpartition(".")
        if not module:
            continue
        found[name] = cst.Attribute(cst.Name(module.rsplit(".", 1)[-1]), cst.Name(attr))
    return found


def _state_renames(draft: Draft, service: ServiceModule) -> dict[str, str]:
    """Module state of this views module that another views module of the app already put in
    the service under the same name (a logger of another name): `api_logger`."""
    view = draft.view
    stem = (view.module or "views").rsplit(".", 1)[-1]
    renames: dict[str, str] = {}
    for name in draft.moved:
        statement = view.bindings[name].statement
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        named = _module_named(statement, view)
        typed = _typed_state(named)
        if typed[0] is not named:
            service.add_hint_imports([ANY])
        if not service.add_state(name, typed):
            renames[name] = f"{stem}_{name}"
    return renames


EMPTY = {cst.Dict: "dict[Any, Any]", cst.List: "list[Any]", cst.Set: "set[Any]"}


def _typed_state(statement: cst.SimpleStatementLine) -> list[cst.SimpleStatementLine]:
    """`RECENT = {}` -> `RECENT: dict[Any, Any] = {}`: an empty container says nothing of what
    it will hold, and the service module is type-checked."""
    small = statement.body[0] if len(statement.body) == 1 else None
    if not isinstance(small, cst.Assign) or len(small.targets) != 1:
        return [statement]
    value = small.value
    hint = EMPTY.get(type(value)) if not getattr(value, "elements", True) else None
    target = small.targets[0].target
    if hint is None or not isinstance(target, cst.Name):
        return [statement]
    typed = cst.AnnAssign(target=target, annotation=annotation(hint), value=value)
    return [statement.with_changes(body=[typed])]


def _module_named(statement: cst.SimpleStatementLine, view: ViewModule) -> cst.SimpleStatementLine:
    """`logging.getLogger(__name__)` -> `logging.getLogger("shop.views")`, with why."""
    if not findall(statement, m.Name("__name__")):
        return statement
    literal = cst.SimpleString(f'"{view.module}"')
    replaced = m.replace(statement, m.Name("__name__"), literal)
    assert isinstance(replaced, cst.SimpleStatementLine)
    comment = cst.EmptyLine(
        comment=cst.Comment(
            "# the views' logger name: logging config and alerts keyed on it still apply"
        )
    )
    kept = [ln for ln in replaced.leading_lines if ln.comment]
    return replaced.with_changes(leading_lines=[*kept, comment])


def _emit_imports(draft: Draft, service: ServiceModule, qualified: set[str]) -> None:
    view = draft.view
    needed = [
        name
        for name in sorted(draft.used)
        if name in view.bindings and view.bindings[name].is_import and name not in qualified
    ]
    requests, guarded = import_requests(needed, view.bindings, view.module, view.is_package)
    requests += [module_request(view.bindings[name].origin or "") for name in sorted(qualified)]
    service.add_imports(requests)
    for statement in guarded:
        service.guarded.setdefault(code(statement), statement)
    if view.star_sources and _unresolved(draft):
        service.stars |= {source: star_import(source) for source in view.star_sources}


def _unresolved(draft: Draft) -> bool:
    """Does the moved code read a name nothing binds (one a star import may bring)?"""
    return any(
        name not in draft.view.bindings and not name.startswith("__")
        for name in draft.used
        if not _is_builtin(name)
    )


def _is_builtin(name: str) -> bool:
    return hasattr(builtins, name)


def _emit_definitions(
    draft: Draft,
    service: ServiceModule,
    renames: dict[str, str],
    global_names: dict[str, cst.BaseExpression],
) -> None:
    """Helpers move whole; module state was added by `_state_renames` (renamed there when
    another views module already used the name)."""
    view = draft.view
    edits = BodyEdits(
        names=_global_reads(view, [view.bindings[n].statement for n in draft.moved], global_names)
    )
    for name in draft.moved:
        statement = view.bindings[name].statement
        if isinstance(statement, cst.SimpleStatementLine):
            if name in renames:
                renamed = _module_named(statement, view)
                target = m.replace(
                    renamed,
                    m.AssignTarget(target=m.Name(name)),
                    cst.AssignTarget(cst.Name(renames[name])),
                )
                assert isinstance(target, cst.SimpleStatementLine)
                service.add_state(renames[name], [target])
            continue
        moved = moved_statements([statement], edits, view.index)[0]
        assert isinstance(moved, cst.SimpleStatementLine | cst.BaseCompoundStatement)
        service.definitions.append(moved)


def _global_reads(
    view: ViewModule, statements: Sequence[cst.CSTNode], global_names: dict[str, cst.BaseExpression]
) -> dict[int, cst.BaseExpression]:
    """Reads (by node id) of module-level names the service knows under another name."""
    if not global_names:
        return {}
    found: dict[int, cst.BaseExpression] = {}
    analysis = view.analysis
    for read in analysis.reads_in(statements, frozenset()):
        if read.value in global_names and all(
            isinstance(r.scope, cst.Module) for r in analysis.names.referents(read)
        ):
            found[id(read)] = global_names[read.value]
    return found


def _emit_service(
    draft: Draft,
    service: ServiceModule,
    extraction: Extraction,
    global_names: dict[str, cst.BaseExpression],
) -> None:
    view = draft.view
    types = draft.types[id(extraction)]
    name = draft.names[id(extraction)]
    stops = {id(s): replace(s, exception=draft.conditions[id(s)].name) for s in extraction.failures}
    taken = _function_names(view, extraction.handler.function)
    handler_names = {
        id(s.handler): next(c for c in ("exc", "error", "failure") if c not in taken)
        for s in extraction.failures
        if s.handler is not None and s.caught_name is None
    }
    names: dict[int, cst.BaseExpression] = {
        key: cst.Name(value) for key, value in extraction.renames.items()
    }
    names |= _global_reads(view, list(extraction.run.statements), global_names)
    edits = BodyEdits(
        lifted={id(lift.node): lift.name for lift in extraction.lifts},
        names=names,
        dropped=frozenset(
            id(s) for s in extraction.run.hoisted if not any(s is t for t in extraction.run.span)
        ),
        stops={id(s.exit.suite): stops.get(id(s), s) for s in extraction.stops},
        handler_names=handler_names,
        width=view.shared.line_length,
    )
    signature = _signature(draft, extraction, name, types)
    service.functions.append(service_function(extraction, signature, edits, view.index))
    hints = [hint for _, hint in signature.params] + [signature.returns]
    for stop in extraction.failures:
        spec = _exception(view, draft.conditions[id(stop)], stop, types)
        service.add_exception(spec, frozenset(stop.attributes))
        hints += list(spec.attributes.values())
    service.add_hint_imports(hints)


def _function_names(view: ViewModule, function: cst.FunctionDef) -> set[str]:
    """The variables a function's code mentions (attribute and keyword names aside)."""
    nodes = view.context.subtree(function)
    skipped: set[int] = set()
    for node in nodes:
        # a class test first: `isinstance` on libcst's classes is slow when it fails
        kind = type(node)
        if kind is cst.Attribute and isinstance(node, cst.Attribute):
            skipped.add(id(node.attr))
        elif kind is cst.Arg and isinstance(node, cst.Arg) and node.keyword is not None:
            skipped.add(id(node.keyword))
    return {node.value for node in nodes if type(node) is cst.Name and id(node) not in skipped}


def _exception(
    view: ViewModule, condition: Condition, stop: Stop, types: HandlerTypes
) -> ExceptionSpec:
    attributes = {name: types.of_name(name) or ANY for name in stop.carried}
    known = _error_attributes(view, stop)
    for attribute in stop.caught_attributes:
        attributes.setdefault(attribute, known.get(attribute, ANY))
    return ExceptionSpec(condition.name, condition.docstring, attributes)


def _error_attributes(view: ViewModule, stop: Stop) -> dict[str, Hint]:
    """The annotations of what the caught error carries (`e.user_message` of Stripe's
    `CardError` is `str | None`), when every class the handler names is one SDK's."""
    caught = stop.handler.type if stop.handler is not None else None
    if caught is None:
        return {}
    classes = [e.value for e in caught.elements] if isinstance(caught, cst.Tuple) else [caught]
    vendors = [view.shared.error_vendor(view.context.origin(c) or "") for c in classes]
    vendor = vendors[0]
    if vendor is None or any(other is not vendor for other in vendors):
        return {}
    return {
        name: Hint(text, (("typing", "Any"),) if "Any" in text else ())
        for name, text in vendor.error_attributes.items()
    }


def _signature(draft: Draft, extraction: Extraction, name: str, types: HandlerTypes) -> Signature:
    lifts = {lift.name: lift for lift in extraction.lifts}
    params: list[tuple[str, Hint]] = []
    for param in extraction.params:
        if isinstance(param.argument, cst.Name):
            hint = types.of_name(param.argument.value) or ANY
        else:
            lift = lifts.get(param.name)
            hint = types.of_lift(lift) if lift else ANY
        params.append((param.name, hint))
    return Signature(
        name, tuple(params), _returns(extraction, types), _doc(draft, extraction, name)
    )


def _returns(extraction: Extraction, types: HandlerTypes) -> Hint:
    if extraction.flag:
        return BOOL
    run = extraction.run
    if run.returns:
        last = run.statements[-1]
        assert isinstance(last, cst.SimpleStatementLine)
        value = last.body[0].value  # type: ignore[attr-defined]  # a Return, the run's last
        return (types.of_expression(value) if value is not None else NONE) or ANY
    if not extraction.results:
        return NONE
    hints = [types.of_name(n) or ANY for n in extraction.results]
    if len(hints) == 1:
        return hints[0]
    return Hint(
        f"tuple[{', '.join(h.text for h in hints)}]",
        tuple(i for h in hints for i in h.imports),
    )


def _doc(draft: Draft, extraction: Extraction, name: str) -> str:
    view = draft.view
    model_of = model_namer(draft.types[id(extraction)])
    summary = describe(
        name,
        docstring_of(extraction.handler.function),
        writes_of(extraction.run.statements, view.context, model_of, view.classes),
        extraction.run.statements,
        view.context,
        view.shared.vendor_title,
        view.shared.line_length,
    )
    success = next((s for s in extraction.stops if not s.failure and not s.terminal), None)
    if success is None:
        return summary
    test = _guard_test(view, extraction, success)
    when = shortcut_condition(test, model_of) if test is not None else "it stops early"
    return f"{summary}\n\n    Returns False, and does nothing more, when {when}.\n    "


def _rewrite(
    draft: Draft, service: ServiceModule, alias: str
) -> tuple[cst.Module, list[ImportRequest]]:
    view = draft.view
    depth = {id(e): _depth(view, e) for e in draft.extractions}
    taken = {id(e): _function_names(view, e.handler.function) for e in draft.extractions}
    removed = frozenset(id(view.bindings[n].statement) for n in draft.removed)
    named = {id(e): draft.names[id(e)] for e in draft.extractions}
    extractions = [_with_exceptions(draft, e) for e in draft.extractions]
    names = {
        id(new): named[id(old)] for old, new in zip(draft.extractions, extractions, strict=True)
    }
    depth = {
        id(new): depth[id(old)] for old, new in zip(draft.extractions, extractions, strict=True)
    }
    taken = {
        id(new): taken[id(old)] for old, new in zip(draft.extractions, extractions, strict=True)
    }
    tree = rewrite_view(
        view.tree,
        view.context,
        extractions,
        names,
        alias,
        depth,
        removed,
        taken,
        view.shared.line_length,
    )
    exported = [n for n in draft.removed if n in draft.still_read]
    copied = frozenset(draft.copied)
    return settle_imports(tree, service.module, alias, exported, draft.used, copied)


def _with_exceptions(draft: Draft, extraction: Extraction) -> Extraction:
    stops = tuple(
        replace(s, exception=draft.conditions[id(s)].name) if s.failure else s
        for s in extraction.stops
    )
    return replace(extraction, stops=stops)


def _depth(view: ViewModule, extraction: Extraction) -> int:
    handler = extraction.handler
    depth = 1 if handler.class_name else 0
    return (
        depth
        + 1
        + sum(
            1
            for node in view.context.of_type(handler.function.body, cst.IndentedBlock)
            if view.index.contains(node, extraction.run.suite) and node is not extraction.run.suite
        )
    )


def _redirects(draft: Draft, service: ServiceModule, qualified: set[str]) -> Iterator[Redirect]:
    view = draft.view
    if view.module is None:
        return
    targets = {t.split(".")[0] for t in view.patched()}
    for name in sorted(draft.used):
        if name in draft.still_read:
            continue
        if name in draft.removed or name in targets:
            binding = view.bindings.get(name)
            if name in qualified and binding is not None and binding.origin:
                yield Redirect(f"{view.module}.{name}", binding.origin)
            else:
                yield Redirect(f"{view.module}.{name}", f"{service.module}.{name}")
