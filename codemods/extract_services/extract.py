"""One extraction for `extract-services`: a run of a handler turned into a service function
(free variables in, results out, exits as exceptions) and the call that replaces it."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import libcst as cst

from djrefactor.analysis.naming import camel
from djrefactor.analysis.scopes import Binding, Names
from djrefactor.analysis.tree import TreeIndex

from .select import Context, Exit, Lift, Run, find_exits, scan

BROAD = frozenset({"Exception", "BaseException"})


@dataclass(frozen=True)
class Handler:
    """A view function, a view/serializer method, or a DRF action."""

    function: cst.FunctionDef
    class_name: str | None
    label: str

    @property
    def line_name(self) -> str:
        name = self.function.name.value
        return f"{self.class_name}.{name}" if self.class_name else name


@dataclass(frozen=True)
class Param:
    name: str
    argument: cst.BaseExpression


@dataclass(frozen=True)
class Stop:
    """An exit of the run: the exception the service raises and the values it carries."""

    exit: Exit
    exception: str
    carried: tuple[str, ...]


@dataclass(frozen=True)
class Extraction:
    handler: Handler
    run: Run
    name: str
    params: tuple[Param, ...]
    results: tuple[str, ...]
    stops: tuple[Stop, ...]
    globals: frozenset[str]
    lifts: tuple[Lift, ...]


@dataclass(frozen=True)
class Analysis:
    """The names of one views module (the shared resolver) and its preorder index."""

    names: Names
    index: TreeIndex

    def reads_in(self, nodes: Sequence[cst.CSTNode], skip: frozenset[int]) -> Iterator[cst.Name]:
        for node in nodes:
            for inner in self.index.subtree(node, skip):
                if isinstance(inner, cst.Name) and self.names.is_read(inner):
                    yield inner


def blocker(run: Run, stops: Sequence[Exit], index: TreeIndex) -> str | None:
    """Why moving this run could change behaviour, or None when it is safe."""
    for statement in run.statements:
        for node in index.subtree(statement, frozenset()):
            if not isinstance(node, cst.With | cst.Try):
                continue
            for stop in stops:
                if not index.contains(node.body, stop.suite):
                    continue
                if isinstance(node, cst.With):
                    return "an early return inside a `with` block (raising would change its exit)"
                if isinstance(node, cst.Try) and _catches_everything(node):
                    return "an early return inside `try` with a broad `except`"
    return None


def _catches_everything(node: cst.Try) -> bool:
    for handler in node.handlers:
        if handler.type is None:
            return True
        if isinstance(handler.type, cst.Name) and handler.type.value in BROAD:
            return True
    return False


def exits_of(run: Run, context: Context) -> list[Exit]:
    return [e for statement in run.statements for e in find_exits(statement, context)]


def stray_return(run: Run, exits: Sequence[Exit], index: TreeIndex) -> bool:
    """A `return` the run would lose: neither the final one nor the end of an exit."""
    allowed = {id(e.suite.body[-1]) for e in exits}
    if run.returns:
        allowed.add(id(run.statements[-1]))
    for statement in run.statements:
        nodes = list(index.subtree(statement, frozenset()))
        definitions = [n for n in nodes if isinstance(n, cst.FunctionDef | cst.Lambda)]
        for line in nodes:
            if (
                _is_return_line(line)
                and id(line) not in allowed
                and not any(index.contains(d, line) for d in definitions)
            ):
                return True
    return False


def _is_return_line(node: cst.CSTNode) -> bool:
    return isinstance(node, cst.SimpleStatementLine) and any(
        isinstance(small, cst.Return) for small in node.body
    )


def analyse(
    handler: Handler,
    run: Run,
    name: str,
    context: Context,
    analysis: Analysis,
) -> Extraction | str:
    """The extraction of `run`, or the reason it stays in the view."""
    exits = exits_of(run, context)
    index = analysis.index
    reason = blocker(run, exits, index) or (
        "a `return` not at the end of a branch" if stray_return(run, exits, index) else None
    )
    if reason:
        return reason
    lifts = _lifts(run, context)
    exit_ids = index.ids([s for e in exits for s in e.suite.body[e.start :]])
    lift_ids = frozenset(id(lift.node) for lift in lifts)
    run_ids = index.ids(list(run.statements))
    moved = run_ids - exit_ids
    params: dict[str, None] = {}
    globals_: set[str] = set()

    def visit(nodes: Sequence[cst.CSTNode], defined: set[str]) -> None:
        for read in analysis.reads_in(nodes, exit_ids | lift_ids):
            _classify(read, analysis.names.referents(read), moved, params, globals_, defined)

    _walk_flow(run.statements, set(), visit)
    bound_here = _names_bound(run, analysis, moved)
    lifted = _name_lifts(lifts, set(params) | set(bound_here) | globals_)
    results = tuple(n for n, refs in bound_here.items() if any(id(r) not in run_ids for r in refs))
    stops = _stops(run, exits, name, analysis, moved)
    all_params = [Param(p, cst.Name(p)) for p in params]
    all_params += [Param(lifted[lift.code], lift.node) for lift in _dedup(lifts)]
    return Extraction(
        handler,
        run,
        name,
        tuple(all_params),
        results,
        tuple(stops),
        frozenset(globals_),
        tuple(Lift(lift.code, lifted[lift.code], lift.node) for lift in lifts),
    )


Visit = Callable[[Sequence[cst.CSTNode], set[str]], None]


def _walk_flow(
    statements: Sequence[cst.BaseStatement], defined: set[str], visit: Visit
) -> set[str]:
    """Step through `statements` in execution order, calling `visit(nodes, surely_bound)` for
    what each step reads; returns the names surely bound afterwards. A branch's bindings count
    after it only when every branch binds them."""
    defined = set(defined)
    for statement in statements:
        if isinstance(statement, cst.SimpleStatementLine):
            visit([statement], defined)
            defined |= _bound_names(statement.body)
        elif isinstance(statement, cst.With):
            visit(list(statement.items), defined)
            defined |= {
                n for item in statement.items if item.asname for n in _targets(item.asname.name)
            }
            defined = _walk_flow(_body(statement.body), defined, visit)
        elif isinstance(statement, cst.For | cst.While):
            visit([statement.iter if isinstance(statement, cst.For) else statement.test], defined)
            inner = defined | (
                _targets(statement.target) if isinstance(statement, cst.For) else set()
            )
            _walk_flow(_body(statement.body), inner, visit)
            if statement.orelse is not None:
                _walk_flow(_body(statement.orelse.body), defined, visit)
        elif isinstance(statement, cst.If):
            defined = _walk_if(statement, defined, visit)
        elif isinstance(statement, cst.Try):
            _walk_try(statement, defined, visit)
        else:
            visit([statement], defined)
    return defined


def _walk_if(statement: cst.If, defined: set[str], visit: Visit) -> set[str]:
    visit([statement.test], defined)
    then = _walk_flow(_body(statement.body), defined, visit)
    if statement.orelse is None:
        return defined
    if isinstance(statement.orelse, cst.If):
        other = _walk_if(statement.orelse, defined, visit)
    else:
        other = _walk_flow(_body(statement.orelse.body), defined, visit)
    return defined | (then & other)


def _walk_try(statement: cst.Try, defined: set[str], visit: Visit) -> None:
    after_body = _walk_flow(_body(statement.body), defined, visit)
    for handler in statement.handlers:
        if handler.type is not None:
            visit([handler.type], defined)
        caught = _targets(handler.name.name) if handler.name else set()
        _walk_flow(_body(handler.body), defined | caught, visit)
    if statement.orelse is not None:
        _walk_flow(_body(statement.orelse.body), after_body, visit)
    if statement.finalbody is not None:
        _walk_flow(_body(statement.finalbody.body), defined, visit)


def _body(block: cst.BaseSuite) -> Sequence[cst.BaseStatement]:
    if isinstance(block, cst.IndentedBlock):
        return block.body
    return (
        [cst.SimpleStatementLine(body=block.body)]
        if isinstance(block, cst.SimpleStatementSuite)
        else []
    )


def _targets(node: cst.BaseExpression) -> set[str]:
    if isinstance(node, cst.Name):
        return {node.value}
    if isinstance(node, cst.Tuple | cst.List):
        return {n for element in node.elements for n in _targets(element.value)}
    if isinstance(node, cst.StarredElement):
        return _targets(node.value)
    return set()


def _bound_names(nodes: Sequence[cst.CSTNode]) -> set[str]:
    names: set[str] = set()
    for node in nodes:
        if isinstance(node, cst.Assign):
            for target in node.targets:
                names |= _targets(target.target)
        elif isinstance(node, cst.AnnAssign) and node.value is not None:
            names |= _targets(node.target)
    return names


def _classify(
    read: cst.Name,
    referents: Sequence[Binding],
    moved: frozenset[int],
    params: dict[str, None],
    globals_: set[str],
    defined: set[str],
) -> None:
    if not referents:
        globals_.add(read.value)
        return
    for referent in referents:
        if referent.is_builtin:
            continue
        if isinstance(referent.scope, cst.Module):
            globals_.add(referent.name.split(".")[0])
        elif id(referent.node) not in moved and referent.name not in defined:
            params[referent.name] = None


def _names_bound(run: Run, analysis: Analysis, moved: frozenset[int]) -> dict[str, list[cst.Name]]:
    """Names the run assigns (in the handler's scope), with every read of them."""
    names = analysis.names
    bound: dict[str, list[cst.Name]] = {}
    for binding in names.assignments(names.scope_of(run.statements[0])):
        if id(binding.node) in moved:
            bound.setdefault(binding.name, []).extend(names.references(binding))
    return bound


def _lifts(run: Run, context: Context) -> list[Lift]:
    return [lift for statement in run.statements for lift in scan(statement, context, True).lifts]


def _dedup(lifts: Sequence[Lift]) -> list[Lift]:
    seen: dict[str, Lift] = {}
    for lift in lifts:
        seen.setdefault(lift.code, lift)
    return list(seen.values())


def _name_lifts(lifts: Sequence[Lift], taken: set[str]) -> dict[str, str]:
    names: dict[str, str] = {}
    for lift in _dedup(lifts):
        candidate = lift.name
        if candidate in taken:
            candidate = f"request_{lift.name}" if lift.name == "user" else f"{lift.name}_value"
        while candidate in taken:
            candidate += "_"
        taken.add(candidate)
        names[lift.code] = candidate
    return names


def _stops(
    run: Run, exits: Sequence[Exit], name: str, analysis: Analysis, moved: frozenset[int]
) -> list[Stop]:
    stops = []
    caught = _caught_types(run, analysis.index)
    taken: set[str] = set()
    for index, exit_ in enumerate(exits, start=1):
        tail = list(exit_.suite.body[exit_.start :])
        carried: dict[str, None] = {}
        for read in analysis.reads_in(tail, frozenset()):
            for referent in analysis.names.referents(read):
                if referent.node is not None and id(referent.node) in moved:
                    carried[referent.name] = None
        reason = caught.get(id(exit_.suite), "Stopped")
        exception = f"{camel(name)}{reason}"
        if exception in taken:
            exception = f"{exception}{index}"
        taken.add(exception)
        stops.append(Stop(exit_, exception, tuple(carried)))
    return stops


def _caught_types(run: Run, index: TreeIndex) -> dict[int, str]:
    """Handler bodies of the run -> what they catch (`except CardError` -> CardError)."""
    found = {}
    for statement in run.statements:
        for handler in index.subtree(statement, frozenset()):
            if not isinstance(handler, cst.ExceptHandler) or not isinstance(
                handler.type, cst.Name | cst.Attribute
            ):
                continue
            kind = handler.type
            name = kind.attr.value if isinstance(kind, cst.Attribute) else kind.value
            found[id(handler.body)] = (
                name if name.endswith(("Error", "Exception")) else f"{name}Error"
            )
    return found
