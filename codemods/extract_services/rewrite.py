"""The view after `extract-services`: each run replaced by the call to its service and the view's
own answer to each exit, the moved definitions gone (imported back from the service where the
view still reads them) and the imports nothing reads any more dropped."""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from dataclasses import fields

import libcst as cst

from djrefactor.analysis import patterns as m
from djrefactor.analysis.nodes import code
from djrefactor.analysis.scopes import module_names
from djrefactor.analysis.tree import TreeIndex, preorder
from djrefactor.engine import ImportRequest

from .build import Answer, Edited, leading_lines, view_statements
from .extract import Extraction, Stop
from .select import Context, Run

Replacements = Mapping[int, list[tuple[Run, list[cst.BaseStatement]]]]
BUILTINS = frozenset(dir(builtins))


class _Tail(cst.CSTTransformer):
    """The view's answer to an exit: values the service computed are read off the exception
    (`deposit` -> `error.deposit`); a transport error raised in the answer chains it."""

    def __init__(self, stop: Stop, name: str | None, context: Context) -> None:
        super().__init__()
        self.stop = stop
        self.name = name
        raises = [id(n) for s in stop.exit.tail for n in context.of_type(s, cst.Raise)]
        self.edited = Edited(context.index, [*stop.carried_reads, *(raises if name else ())])

    def on_visit(self, node: cst.CSTNode) -> bool:
        return self.edited.below(node)

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
        if id(original_node) in self.stop.carried_reads and self.name:
            return cst.Attribute(cst.Name(self.name), cst.Name(original_node.value))
        return updated_node

    def leave_Raise(self, original_node: cst.Raise, updated_node: cst.Raise) -> cst.Raise:
        if updated_node.cause is None and updated_node.exc is not None and self.name:
            return updated_node.with_changes(cause=cst.From(cst.Name(self.name)))
        return updated_node


def answer(stop: Stop, taken: set[str], context: Context) -> Answer:
    """`except services.PaymentDeclined as e:` with the exit's own statements."""
    name = stop.caught_name
    needs_name = bool(stop.carried) or stop.exit.raises
    if name is None and needs_name:
        name = next(c for c in ("error", "exc", "failure") if c not in taken)
    if name is not None and not (needs_name or stop.caught_attributes or stop.caught_whole):
        name = None
    transformer = _Tail(stop, name, context)
    tail = []
    for statement in stop.exit.tail:
        new = statement.visit(transformer)
        assert isinstance(new, cst.BaseStatement)
        tail.append(new)
    return Answer(stop.exception, name, tuple(tail))


def answers_of(extraction: Extraction, taken: set[str], context: Context) -> list[Answer]:
    """One `except` per exception; exits raising the same one answer the same way."""
    found: dict[str, Answer] = {}
    for stop in extraction.failures:
        if stop.exception not in found:
            found[stop.exception] = answer(stop, taken, context)
    return list(found.values())


def rewrite_view(
    tree: cst.Module,
    context: Context,
    extractions: Sequence[Extraction],
    names: Mapping[int, str],
    alias: str,
    depth: Mapping[int, int],
    removed: frozenset[int],
    taken: Mapping[int, set[str]],
    width: int,
) -> cst.Module:
    replacements: dict[int, list[tuple[Run, list[cst.BaseStatement]]]] = {}
    for extraction in extractions:
        run = extraction.run
        success = next((s.exit.tail for s in extraction.stops if not s.failure), ())
        statements = view_statements(
            extraction,
            alias,
            names[id(extraction)],
            answers_of(extraction, taken[id(extraction)], context),
            success,
            4 * depth[id(extraction)],
            width,
        )
        replacements.setdefault(id(run.suite), []).append((run, statements))
    suites = [runs[0][0].suite for runs in replacements.values()]
    assert context.index is not None
    rebuilt = _rebuilt(tree, context.index, replacements, suites)
    assert isinstance(rebuilt, cst.Module)
    body = [new for old, new in zip(tree.body, rebuilt.body, strict=True) if id(old) not in removed]
    return rebuilt.with_changes(body=body)


def _rebuilt(
    node: cst.CSTNode, index: TreeIndex, replacements: Replacements, suites: Sequence[cst.CSTNode]
) -> cst.CSTNode:
    """Only the nodes on the way to a changed block are rebuilt (a transformer would rebuild
    every node of the module)."""
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


def settle_imports(
    tree: cst.Module,
    service_module: str,
    alias: str,
    exported: Sequence[str],
    touched: frozenset[str],
    copied: frozenset[str],
) -> tuple[cst.Module, list[ImportRequest]]:
    """What the view imports from the service module (the module, and the moved names it still
    reads), and the view without what nothing reads any more among the guarded import blocks
    and the values the service copied (a logger the view no longer uses); the engine's import
    editor drops the plain imports left unused."""
    names = module_names(tree)
    wanted = set(exported) - BUILTINS  # only these reads matter: not every read of the module
    reads = [
        n
        for n in (preorder(tree) if wanted else ())
        if type(n) is cst.Name and n.value in wanted and names.is_read(n)
    ]
    unresolved = {n.value for n in reads if not names.referents(n)}
    package, _, last = service_module.rpartition(".")
    requests = [ImportRequest(package, last, alias)]
    requests += [ImportRequest(service_module, n) for n in sorted(exported) if n in unresolved]
    while True:  # a dropped guarded import can leave its condition's names unread
        names = module_names(tree)
        unused = {
            binding.name
            for binding in names.assignments(tree)
            if binding.name in touched and not names.references(binding)
        }
        pruned = _prune(tree, unused, copied)
        if pruned.deep_equals(tree):
            return pruned, requests
        tree = pruned


def _prune(tree: cst.Module, unused: set[str], copied: frozenset[str]) -> cst.Module:
    """Drop the imports (and copied values) of `unused` names; a removed line hands its
    comments to the next statement (and its blank lines, unless that has its own)."""
    body: list[cst.BaseStatement] = []
    carried: list[cst.EmptyLine] = []
    dropped = False
    for statement in tree.body:
        pruned = _pruned(statement, unused & copied if _assigns(statement) else unused)
        if pruned is None:
            carried += leading_lines(statement)
            dropped = True
            continue
        if dropped:
            own = list(leading_lines(pruned))
            comments = [ln for ln in carried if ln.comment]
            blank = [ln for ln in carried if not ln.comment][:1]
            if not body:  # the module's first statement: no blank line above it
                own, blank = [ln for ln in own if ln.comment], []
            pruned = pruned.with_changes(
                leading_lines=[*comments, *own] if own else [*blank, *comments]
            )
            carried, dropped = [], False
        body.append(pruned)
    return tree.with_changes(body=body)


def _pruned(statement: cst.BaseStatement, unused: set[str]) -> cst.BaseStatement | None:
    """A top-level block of guarded imports without its unused names, gone when nothing is
    left (the import editor would leave an `if ...: pass`), or an assignment of an unused
    name; plain imports are the editor's."""
    if isinstance(statement, cst.If) and _imports_only(statement):
        return _pruned_block(statement, unused)
    if _assigns(statement) and _assigns(statement) <= unused:
        return None
    return statement


def _assigns(statement: cst.BaseStatement) -> set[str]:
    """The name `x = ...` assigns, alone on its line."""
    if m.matches(
        statement, m.SimpleStatementLine(body=[m.Assign(targets=[m.AssignTarget(m.Name())])])
    ):
        assert isinstance(statement, cst.SimpleStatementLine)
        assign = statement.body[0]
        assert isinstance(assign, cst.Assign) and isinstance(assign.targets[0].target, cst.Name)
        return {assign.targets[0].target.value}
    return set()


def _pruned_line(statement: cst.BaseStatement, unused: set[str]) -> cst.BaseStatement | None:
    assert isinstance(statement, cst.SimpleStatementLine)
    node = statement.body[0]
    if not isinstance(node, cst.Import | cst.ImportFrom) or isinstance(node.names, cst.ImportStar):
        return statement
    kept = [a for a in node.names if _local(a) not in unused]
    if not kept:
        return None
    return statement.with_changes(body=[_with_names(node, kept)])


def _imports_only(statement: cst.If) -> bool:
    """`if settings.AUDIT: from x import y` (with elifs/else of imports too)."""
    blocks: list[cst.BaseSuite] = [statement.body]
    orelse = statement.orelse
    while orelse is not None:
        blocks.append(orelse.body)
        orelse = orelse.orelse if isinstance(orelse, cst.If) else None
    return all(
        isinstance(block, cst.IndentedBlock)
        and all(
            m.matches(s, m.SimpleStatementLine(body=[m.Import() | m.ImportFrom()]))
            for s in block.body
        )
        for block in blocks
    )


def _pruned_block(statement: cst.If, unused: set[str]) -> cst.If | None:
    """A guarded block of imports without the unused names; gone when nothing is left."""
    assert isinstance(statement.body, cst.IndentedBlock)
    kept = [p for s in statement.body.body if (p := _pruned_line(s, unused)) is not None]
    if statement.orelse is not None:
        return statement
    if not kept:
        return None
    return statement.with_changes(body=statement.body.with_changes(body=kept))


def _local(alias: cst.ImportAlias) -> str:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return code(alias.name).split(".")[0]


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
