"""One extraction for `extract-services`: a run of a handler turned into a service function
(free variables in, results out, exits as exceptions or a returned flag) and what the view keeps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace

import libcst as cst

from djrefactor.analysis import patterns as m
from djrefactor.analysis.naming import snake
from djrefactor.analysis.scopes import Binding, Names
from djrefactor.analysis.tree import TreeIndex

from .select import Context, Exit, Lift, Run, find_exits, is_failure_tail, scan

BROAD = frozenset({"Exception", "BaseException"})


@dataclass(frozen=True)
class Handler:
    """A view function, a view/serializer method, or a DRF action. `kind` is `function`,
    `view` (a class-based view or APIView), `viewset` or `serializer`."""

    function: cst.FunctionDef
    class_name: str | None
    label: str
    kind: str = "function"
    path: str = ""

    @property
    def line_name(self) -> str:
        name = self.function.name.value
        return f"{self.class_name}.{name}" if self.class_name else name

    @property
    def layer(self) -> str:
        """Where a note says the code was left: the serializer or the view."""
        return "serializer" if self.kind == "serializer" else "view"


@dataclass(frozen=True)
class Param:
    """A parameter of the service; `argument` is what the view passes for it."""

    name: str
    argument: cst.BaseExpression


@dataclass(frozen=True)
class Stop:
    """An exit of the run: on a failure the service raises `exception` with the `carried`
    values of its own locals the view's answer reads (and, for a caught error, the attributes
    of it the answer reads); a success exit returns False instead."""

    exit: Exit
    failure: bool
    carried: tuple[str, ...]
    handler: cst.ExceptHandler | None = None
    caught_name: str | None = None
    caught_attributes: tuple[str, ...] = ()
    caught_whole: bool = False
    carried_reads: frozenset[int] = frozenset()
    """The reads (Name nodes of the tail, by id) of the carried values."""
    exception: str = ""
    terminal: bool = False
    """A success exit every run that does not raise ends at (the answer after a `try` whose
    handlers all answer a failure): the service just ends there, and the view answers after
    the call, with no flag."""

    @property
    def attributes(self) -> tuple[str, ...]:
        return (*self.carried, *(a for a in self.caught_attributes if a not in self.carried))


@dataclass(frozen=True)
class Extraction:
    handler: Handler
    run: Run
    params: tuple[Param, ...]
    results: tuple[str, ...]
    stops: tuple[Stop, ...]
    globals: frozenset[str]
    lifts: tuple[Lift, ...]
    renames: Mapping[int, str] = field(default_factory=dict)
    """Name nodes of the moved code (by id) that read a parameter renamed for what it is."""
    name: str = ""

    @property
    def flag(self) -> bool:
        """The service returns True, or False at its one success exit."""
        return any(not stop.failure and not stop.terminal for stop in self.stops)

    @property
    def terminal(self) -> Stop | None:
        """The success exit the view answers after the call, if the run has one."""
        return next((stop for stop in self.stops if stop.terminal), None)

    @property
    def failures(self) -> tuple[Stop, ...]:
        return tuple(stop for stop in self.stops if stop.failure)


@dataclass(frozen=True)
class Analysis:
    """The names of one views module (the shared resolver) and its preorder index."""

    names: Names
    index: TreeIndex

    def reads_in(self, nodes: Sequence[cst.CSTNode], skip: frozenset[int]) -> Iterator[cst.Name]:
        for node in nodes:
            for inner in self.index.subtree(node, skip):
                # class tests, here and below: `isinstance` is slow on libcst's classes
                if type(inner) is cst.Name and self.names.is_read(inner):
                    yield inner


def blocker(run: Run, stops: Sequence[Exit], index: TreeIndex) -> str | None:
    """Why moving this run could change behaviour, or None when it is safe."""
    for statement in run.statements:
        for node in index.subtree(statement, frozenset()):
            if not (type(node) is cst.With or type(node) is cst.Try):
                continue
            for stop in stops:
                if not index.contains(node.body, stop.suite):
                    continue
                if isinstance(node, cst.With) and not stop.raises:
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
        definitions = [n for n in nodes if type(n) is cst.FunctionDef or type(n) is cst.Lambda]
        for line in nodes:
            if (
                _is_return_line(line)
                and id(line) not in allowed
                and not any(index.contains(d, line) for d in definitions)
            ):
                return True
    return False


def _is_return_line(node: cst.CSTNode) -> bool:
    return type(node) is cst.SimpleStatementLine and any(
        type(small) is cst.Return for small in node.body
    )


def analyse(
    handler: Handler,
    run: Run,
    context: Context,
    analysis: Analysis,
    model_of: Callable[[str], str | None],
) -> Extraction | str:
    """The extraction of `run`, or the reason it stays in the view. `model_of` names the model
    class a handler-level name holds, when known (a parameter called `instance` becomes
    `order` when it holds an Order)."""
    exits = exits_of(run, context)
    index = analysis.index
    reason = blocker(run, exits, index) or (
        "a `return` not at the end of a branch" if stray_return(run, exits, index) else None
    )
    if reason:
        return reason
    lifts = _lifts(run, context)
    exit_ids = index.ids([s for e in exits for s in e.tail])
    hoisted_ids = index.ids(list(run.hoisted))
    lift_ids = frozenset(id(lift.node) for lift in lifts)
    run_ids = index.ids(list(run.span))
    moved = run_ids - exit_ids - hoisted_ids
    params: dict[str, None] = {}
    globals_: set[str] = set()
    reads: list[tuple[cst.Name, str]] = []
    hoisted = frozenset(id(s) for s in run.hoisted)
    skipped = exit_ids | lift_ids | hoisted_ids

    def visit(nodes: Sequence[cst.CSTNode], defined: set[str]) -> None:
        for read in analysis.reads_in(nodes, skipped):
            outside = _classify(read, analysis.names.referents(read), moved, globals_, defined)
            if outside is not None:
                params[outside] = None
                reads.append((read, outside))

    _walk_flow(run.statements, set(), visit, hoisted)
    bound_here = _names_bound(run, analysis, moved)
    stops = _stops(run, exits, context, analysis, moved)
    flagged = [stop for stop in stops if not stop.failure]
    results = tuple(
        name
        for name, refs in bound_here.items()
        if any(
            id(r) not in run_ids
            and not _reassigned_before(run, index, name, r)
            and not _never_sees_run(run, handler, analysis, r)
            and not _assigned_first(run, handler, index, name, r)
            for r in refs
        )
    )
    success = _success_blocker(run, flagged, results)
    if success:
        return success
    unsure = [name for name in results if not _block_binds(run.statements, name)]
    if unsure:
        return (
            f"`{unsure[0]}` is set on only some paths of the workflow and read after it; "
            "move it by hand"
        )
    if flagged and flagged[0].exit.start > 0 and always_exits(run.span[-1]):
        stops = [replace(stop, terminal=True) if stop is flagged[0] else stop for stop in stops]
    renamed = _renames(params, model_of, set(bound_here) | globals_)
    lifted = _name_lifts(lifts, {renamed.get(p, p) for p in params} | set(bound_here) | globals_)
    ordered = sorted(params, key=lambda p: (model_of(p) is None, model_of(p) in USER_MODELS))
    all_params = [Param(renamed.get(p, p), cst.Name(p)) for p in ordered]
    all_params += sorted(
        (Param(lifted[lift.code], lift.node) for lift in _dedup(lifts)),
        key=lambda p: p.name != "user",
    )
    return Extraction(
        handler,
        run,
        tuple(all_params),
        results,
        tuple(stops),
        frozenset(globals_),
        tuple(Lift(lift.code, lifted[lift.code], lift.node) for lift in lifts),
        {id(node): renamed[name] for node, name in reads if name in renamed},
    )


def _block_binds(statements: Sequence[cst.BaseStatement], name: str) -> bool:
    """Does every way through `statements` that goes on after them bind `name`?"""
    return any(_binds(statement, name) or always_exits(statement) for statement in statements)


def _binds(statement: cst.BaseStatement, name: str) -> bool:
    if isinstance(statement, cst.SimpleStatementLine):
        return any(_small_binds(small, name) for small in statement.body)
    if isinstance(statement, cst.If):
        if statement.orelse is None:
            return False
        orelse = statement.orelse
        other = [orelse] if isinstance(orelse, cst.If) else _suite(orelse.body)
        return _block_binds(_suite(statement.body), name) and _block_binds(other, name)
    if isinstance(statement, cst.Try):
        if statement.finalbody is not None and _block_binds(_suite(statement.finalbody.body), name):
            return True
        body = _suite(statement.body) + (_suite(statement.orelse.body) if statement.orelse else [])
        return _block_binds(body, name) and all(
            _block_binds(_suite(handler.body), name) for handler in statement.handlers
        )
    if isinstance(statement, cst.With):
        return _block_binds(_suite(statement.body), name)
    return False  # a loop may not run, a `match` may match no case


def _suite(block: cst.BaseSuite) -> list[cst.BaseStatement]:
    if isinstance(block, cst.IndentedBlock):
        return list(block.body)
    assert isinstance(block, cst.SimpleStatementSuite)
    return [cst.SimpleStatementLine(body=block.body)]


def _small_binds(small: cst.BaseSmallStatement, name: str) -> bool:
    if isinstance(small, cst.Assign):
        return any(_target_binds(target.target, name) for target in small.targets)
    if isinstance(small, cst.AnnAssign):
        return small.value is not None and _target_binds(small.target, name)
    return False


def _target_binds(target: cst.BaseExpression, name: str) -> bool:
    if isinstance(target, cst.Name):
        return target.value == name
    if isinstance(target, cst.Tuple | cst.List):
        return any(_target_binds(element.value, name) for element in target.elements)
    if isinstance(target, cst.StarredElement):
        return _target_binds(target.value, name)
    return False


def always_exits(statement: cst.BaseStatement) -> bool:
    """Does every way through `statement` end in a `return` or a `raise` (no loop, no
    falling through to what follows)?"""
    if isinstance(statement, cst.SimpleStatementLine):
        return bool(statement.body) and isinstance(statement.body[-1], cst.Return | cst.Raise)
    if isinstance(statement, cst.If):
        return _block_exits(statement.body) and (
            statement.orelse is not None
            and (
                always_exits(statement.orelse)
                if isinstance(statement.orelse, cst.If)
                else _block_exits(statement.orelse.body)
            )
        )
    if isinstance(statement, cst.Try):
        body = _block_exits(statement.body) or (
            statement.orelse is not None and _block_exits(statement.orelse.body)
        )
        return body and all(_block_exits(handler.body) for handler in statement.handlers)
    if isinstance(statement, cst.With):
        return _block_exits(statement.body)
    return False


def _block_exits(block: cst.BaseSuite) -> bool:
    if isinstance(block, cst.SimpleStatementSuite):
        return bool(block.body) and isinstance(block.body[-1], cst.Return | cst.Raise)
    assert isinstance(block, cst.IndentedBlock)
    return bool(block.body) and always_exits(block.body[-1])


def _success_blocker(run: Run, flagged: Sequence[Stop], results: Sequence[str]) -> str | None:
    """A success exit becomes `return False` only when the view needs nothing else back."""
    if not flagged:
        return None
    if len(flagged) > 1 or results or run.returns or flagged[0].carried:
        return (
            "an early return on the success path needs values from the workflow; return "
            "them from a service by hand"
        )
    return None


USER_MODELS = frozenset({"User", "AbstractBaseUser", "AbstractUser"})
GENERIC_PARAMS = frozenset({"instance", "obj", "object", "item", "entity", "record"})


def _renames(
    params: Mapping[str, None], model_of: Callable[[str], str | None], taken: set[str]
) -> dict[str, str]:
    """`instance` holding an Order becomes `order`: parameters are named for what they are."""
    renamed: dict[str, str] = {}
    for name in params:
        model = model_of(name) if name in GENERIC_PARAMS else None
        candidate = snake(model) if model else None
        if candidate and candidate not in params and candidate not in taken:
            renamed[name] = candidate
            taken.add(candidate)
    return renamed


Visit = Callable[[Sequence[cst.CSTNode], set[str]], None]


def _walk_flow(
    statements: Sequence[cst.BaseStatement],
    defined: set[str],
    visit: Visit,
    hoisted: frozenset[int],
) -> set[str]:
    """Step through `statements` in execution order, calling `visit(nodes, surely_bound)` for
    what each step reads; returns the names surely bound afterwards. A branch's bindings count
    after it only when every branch binds them. Hoisted statements stay in the view."""
    defined = set(defined)
    for statement in statements:
        if id(statement) in hoisted:
            continue
        if isinstance(statement, cst.SimpleStatementLine):
            visit([statement], defined)
            defined |= _bound_names(statement.body)
        elif isinstance(statement, cst.With):
            visit(list(statement.items), defined)
            defined |= {
                n for item in statement.items if item.asname for n in _targets(item.asname.name)
            }
            defined = _walk_flow(_body(statement.body), defined, visit, hoisted)
        elif isinstance(statement, cst.For | cst.While):
            visit([statement.iter if isinstance(statement, cst.For) else statement.test], defined)
            inner = defined | (
                _targets(statement.target) if isinstance(statement, cst.For) else set()
            )
            _walk_flow(_body(statement.body), inner, visit, hoisted)
            if statement.orelse is not None:
                _walk_flow(_body(statement.orelse.body), defined, visit, hoisted)
        elif isinstance(statement, cst.If):
            defined = _walk_if(statement, defined, visit, hoisted)
        elif isinstance(statement, cst.Try):
            _walk_try(statement, defined, visit, hoisted)
        else:
            visit([statement], defined)
    return defined


def _walk_if(
    statement: cst.If, defined: set[str], visit: Visit, hoisted: frozenset[int]
) -> set[str]:
    visit([statement.test], defined)
    then = _walk_flow(_body(statement.body), defined, visit, hoisted)
    if statement.orelse is None:
        return defined
    if isinstance(statement.orelse, cst.If):
        other = _walk_if(statement.orelse, defined, visit, hoisted)
    else:
        other = _walk_flow(_body(statement.orelse.body), defined, visit, hoisted)
    return defined | (then & other)


def _walk_try(statement: cst.Try, defined: set[str], visit: Visit, hoisted: frozenset[int]) -> None:
    after_body = _walk_flow(_body(statement.body), defined, visit, hoisted)
    for handler in statement.handlers:
        if handler.type is not None:
            visit([handler.type], defined)
        caught = _targets(handler.name.name) if handler.name else set()
        _walk_flow(_body(handler.body), defined | caught, visit, hoisted)
    if statement.orelse is not None:
        _walk_flow(_body(statement.orelse.body), after_body, visit, hoisted)
    if statement.finalbody is not None:
        _walk_flow(_body(statement.finalbody.body), defined, visit, hoisted)


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
    globals_: set[str],
    defined: set[str],
) -> str | None:
    """Record a module-level read in `globals_`; return the name when the read sees a binding
    of the handler made outside the run (a parameter of the service)."""
    if not referents:
        globals_.add(read.value)
        return None
    outside = None
    for referent in referents:
        if referent.is_builtin:
            continue
        if isinstance(referent.scope, cst.Module):
            globals_.add(referent.name.split(".")[0])
        elif id(referent.node) not in moved and referent.name not in defined:
            outside = referent.name
    return outside


def _reassigned_before(run: Run, index: TreeIndex, name: str, read: cst.Name) -> bool:
    """Does a plain `name = ...` after the run, in the run's own block, always come between
    the run and `read` (so the read never sees what the run bound)?"""
    for statement in run.suite.body[run.end :]:
        if index.contains(statement, read):
            return False
        if _assigns(statement, name):
            return True
    return False


def _never_sees_run(run: Run, handler: Handler, analysis: Analysis, read: cst.Name) -> bool:
    """Does `read` run before the run or instead of it, so it never sees what the run binds: it
    comes earlier in the handler's own code, or in another branch of an `if` (or `try`) the
    run is in, with no loop around the run?"""
    index = analysis.index
    first = run.first
    read_at, run_at = index.starts.get(id(read)), index.starts.get(id(first))
    if read_at is None or run_at is None:
        return False
    if analysis.names.scope_of(read) is not analysis.names.scope_of(first):
        return False  # a closure may run at any time
    loops = [*index.of_type(handler.function, cst.For), *index.of_type(handler.function, cst.While)]
    if any(index.contains(loop, first) for loop in loops):
        return False
    if read_at < run_at:
        return True
    branchings: list[cst.If | cst.Try] = [*index.of_type(handler.function, cst.If)]
    branchings += index.of_type(handler.function, cst.Try)
    for branching in branchings:
        if index.contains(branching, first) and index.contains(branching, read):
            branches = _branches(branching)
            taken = [b for b in branches if index.contains(b, first)]
            if (
                taken
                and not index.contains(taken[0], read)
                and any(index.contains(b, read) for b in branches)
            ):
                return True
    return False


def _assigned_first(
    run: Run, handler: Handler, index: TreeIndex, name: str, read: cst.Name
) -> bool:
    """Is `read` preceded in its own code by a plain `name = ...` that comes after the run
    (in a block around the read the run is not in, or between the two in a block around
    both), so the read sees that value, never the run's?"""
    first = run.first
    body = handler.function.body
    blocks = [body, *index.of_type(handler.function, cst.IndentedBlock)]
    for block in blocks:
        if not isinstance(block, cst.IndentedBlock) or not index.contains(block, read):
            continue
        if block is run.suite:
            continue  # _reassigned_before looks there
        statements = list(block.body)
        at = next(i for i, statement in enumerate(statements) if index.contains(statement, read))
        around = [i for i, statement in enumerate(statements) if index.contains(statement, first)]
        since = around[0] + 1 if around else 0
        if any(_assigns(statement, name) for statement in statements[since:at]):
            return True
    return False


def _assigns(statement: cst.BaseStatement, name: str) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and any(
        isinstance(small, cst.Assign)
        and any(m.matches(target.target, m.Name(name)) for target in small.targets)
        for small in statement.body
    )


def _branches(node: cst.If | cst.Try) -> list[cst.CSTNode]:
    """The alternatives of an `if` (its body, its `elif`/`else`) or of a `try`'s handlers:
    at most one of them runs."""
    if isinstance(node, cst.If):
        return [node.body, node.orelse] if node.orelse is not None else [node.body]
    return list(node.handlers)


def _names_bound(run: Run, analysis: Analysis, moved: frozenset[int]) -> dict[str, list[cst.Name]]:
    """Names the run assigns (in the handler's scope), with every read of them."""
    names = analysis.names
    bound: dict[str, list[cst.Name]] = {}
    for binding in names.assignments(names.scope_of(run.first)):
        if id(binding.node) in moved:
            bound.setdefault(binding.name, []).extend(names.references(binding))
    return bound


def _lifts(run: Run, context: Context) -> list[Lift]:
    hoisted = {id(s) for s in run.hoisted}
    found = []
    for statement in run.statements:
        found += [
            lift
            for lift in scan(statement, context, True).lifts
            if not any(context.index and context.index.contains(h, lift.node) for h in run.hoisted)
        ]
    return [lift for lift in found if id(lift.node) not in hoisted]


def _dedup(lifts: Sequence[Lift]) -> list[Lift]:
    seen: dict[str, Lift] = {}
    for lift in lifts:
        seen.setdefault(lift.code, lift)
    return list(seen.values())


def _name_lifts(lifts: Sequence[Lift], taken: set[str]) -> dict[str, str]:
    names: dict[str, str] = {}
    for lift in _dedup(lifts):
        candidate = snake(lift.name)
        if candidate in taken:
            candidate = "current_user" if candidate == "user" else f"{candidate}_{_kind(lift)}"
        while candidate in taken:
            candidate += "_"
        taken.add(candidate)
        names[lift.code] = candidate
    return names


def _kind(lift: Lift) -> str:
    """What a lifted request value is, to tell it from a local of the same name."""
    text = lift.code
    return "text" if ".POST" in text or ".GET" in text else "value"


def _stops(
    run: Run, exits: Sequence[Exit], context: Context, analysis: Analysis, moved: frozenset[int]
) -> list[Stop]:
    handlers = _handlers_of(run, analysis.index)
    stops = []
    for exit_ in exits:
        handler = handlers.get(id(exit_.suite))
        caught = _caught_name(handler)
        carried: dict[str, None] = {}
        carried_reads: set[int] = set()
        for read in analysis.reads_in(list(exit_.tail), frozenset()):
            if read.value == caught:
                continue
            for referent in analysis.names.referents(read):
                if referent.node is not None and id(referent.node) in moved:
                    carried[referent.name] = None
                    carried_reads.add(id(read))
        attributes, whole = _caught_reads(exit_, caught, analysis)
        failure = handler is not None or is_failure_tail(exit_.tail, context)
        stops.append(
            Stop(
                exit_,
                failure,
                tuple(carried),
                handler,
                caught,
                attributes,
                whole,
                frozenset(carried_reads),
            )
        )
    return stops


def _caught_name(handler: cst.ExceptHandler | None) -> str | None:
    if handler is None or handler.name is None or not isinstance(handler.name.name, cst.Name):
        return None
    return handler.name.name.value


def _caught_reads(
    exit_: Exit, caught: str | None, analysis: Analysis
) -> tuple[tuple[str, ...], bool]:
    """The attributes of the caught error the view's answer reads (`e.user_message`), and
    whether it reads the error itself (`"failed: %s" % e`)."""
    if caught is None:
        return (), False
    attributes: dict[str, None] = {}
    through: set[int] = set()
    for statement in exit_.tail:
        for node in analysis.index.of_type(statement, cst.Attribute):
            if isinstance(node.value, cst.Name) and node.value.value == caught:
                attributes[node.attr.value] = None
                through.add(id(node.value))
    reads = [r for r in analysis.reads_in(list(exit_.tail), frozenset()) if r.value == caught]
    return tuple(attributes), any(id(r) not in through for r in reads)


def _handlers_of(run: Run, index: TreeIndex) -> dict[int, cst.ExceptHandler]:
    """Handler bodies of the run -> their `except` clause."""
    found = {}
    for statement in run.statements:
        for node in index.subtree(statement, frozenset()):
            if type(node) is cst.ExceptHandler:
                found[id(node.body)] = node
    return found
