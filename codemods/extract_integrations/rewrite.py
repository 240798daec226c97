"""Rewrite one caller module: wrapper calls for SDK calls, re-exported names, imports, comments.

Not a codemod. Callers import the integration modules (`from integrations import stripe`) and
call through them (`stripe.create_refund(...)`, `except stripe.CardError`), so a wrapper never
clashes with a name of the caller. The engine adds that import and drops the vendor imports
(and any other) the caller no longer reads; a removed line hands its comments to the next
statement.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeVar, cast

import libcst as cst

from djrefactor.analysis.nodes import code, dotted_expr
from djrefactor.analysis.tree import class_test, preorder
from djrefactor.engine import ImportRequest

from .build import PACKAGE, Build, CallPlan
from .layout import reindent
from .scan import FileScan, Site

_NodeT = TypeVar("_NodeT", bound=cst.CSTNode)
_ImportT = TypeVar("_ImportT", cst.Import, cst.ImportFrom)


def local_names(scan: FileScan, result: Build) -> dict[str, str]:
    """Integration module -> the name this caller binds it to (`stripe`, or `stripe_api` where
    the caller already uses the plain name)."""
    modules = [result.plans[site].module for site in scan.sites if site in result.plans]
    modules += [reexport.module for reexport in scan.reexports]
    taken = _taken_names(scan)
    return {
        module: module if module not in taken else f"{module}_api"
        for module in dict.fromkeys(modules)
    }


def _taken_names(scan: FileScan) -> set[str]:
    source = scan.source
    removed = set(scan.removed_names)
    taken = {b.name for b in source.names.assignments(source.tree)} - removed
    nodes: list[cst.CSTNode] = [site.call for site in scan.sites]
    nodes += [node for reexport in scan.reexports for node in reexport.nodes]
    seen: set[cst.CSTNode] = set()
    for node in nodes:
        scope = source.names.scope_of(node)
        while scope is not source.tree and scope not in seen:
            seen.add(scope)
            taken |= {b.name for b in source.names.assignments(scope)}
            scope = source.found.scope_parents.get(scope, source.tree)
    return taken


def rewrite(
    scan: FileScan,
    result: Build,
    names: Mapping[str, str],
    generated_comments: set[str],
    width: int,
) -> cst.Module:
    """The caller with its calls going through the integrations; the engine adds the
    `from integrations import ...` it asks for (`requests`) and drops the imports it no longer
    reads."""
    plans = {site.call: (site, result.plans[site]) for site in scan.sites if site in result.plans}
    scan.removed_statements |= _moved_constants(scan, result)
    scan.removed_statements |= {
        statement
        for statement, aliases in scan.unused_imports.items()
        if not isinstance(statement.names, cst.ImportStar) and len(aliases) == len(statement.names)
    }
    transformer = _Caller(scan, plans, names, generated_comments, width)
    transformer.enclosing = _enclosing(scan, list(plans))
    return scan.source.tree.visit(transformer)


def requests(names: Mapping[str, str]) -> tuple[ImportRequest, ...]:
    """`from integrations import stripe [as stripe_api]` for each module the caller uses."""
    return tuple(
        ImportRequest(PACKAGE, module, None if local == module else local)
        for module, local in sorted(names.items())
    )


def _moved_constants(scan: FileScan, result: Build) -> set[cst.CSTNode]:
    """The `url = "..."` lines whose only read moved into a wrapper."""
    source = scan.source
    kept: set[int] = set()
    moved: set[int] = set()
    for site in scan.sites:
        plan = result.plans.get(site)
        if plan is None:
            continue
        moved.add(id(site.call))
        kept |= {id(value) for _, value, _ in plan.args}
        if plan.passthrough:
            kept |= {id(arg.value) for arg in site.call.args}
    moved |= {id(statement) for statement in scan.removed_statements | scan.moved_statements}
    found: set[cst.CSTNode] = set()
    for name, (assign, _) in source.local_constants.items():
        ancestors = _ancestors(source.parents, name)
        if ancestors & moved and not ancestors & kept:
            found.add(assign)
    return found


def _ancestors(parents: Mapping[cst.CSTNode, cst.CSTNode], node: cst.CSTNode) -> set[int]:
    found = set()
    current: cst.CSTNode | None = node
    while current is not None:
        found.add(id(current))
        current = parents.get(current)
    return found


def _enclosing(scan: FileScan, calls: list[cst.Call]) -> set[cst.CSTNode]:
    """The nodes to rewrite and their ancestors: the only ones the rewrite enters."""
    parents = scan.source.parents
    targets: list[cst.CSTNode] = [*calls, *scan.removed_statements, *scan.moved_statements]
    targets += [node for reexport in scan.reexports for node in reexport.nodes]
    targets += [*scan.removed_params, *scan.removed_args, *scan.unused_imports]
    found: set[cst.CSTNode] = set()
    for target in targets:
        current: cst.CSTNode | None = target
        while current is not None and current not in found:
            found.add(current)
            current = parents.get(current)
    return found


# -- the transformer ---------------------------------------------------------------------------
class _Caller(cst.CSTTransformer):
    def __init__(
        self,
        scan: FileScan,
        plans: Mapping[cst.Call, tuple[Site, CallPlan]],
        names: Mapping[str, str],
        generated_comments: set[str],
        width: int,
    ) -> None:
        super().__init__()
        self.scan = scan
        self.source = scan.source
        self.plans = plans
        self.names = names
        self.generated_comments = generated_comments
        self.width = width
        self.reexports = {
            node: names[reexport.module] + "." + reexport.name
            for reexport in scan.reexports
            for node in reexport.nodes
        }
        self.wanted = {value for _, plan in plans.values() for _, value, _ in plan.args}
        self.updated: dict[cst.CSTNode, cst.BaseExpression] = {}
        self.gone = scan.removed_statements | scan.moved_statements
        self.emptied_lines: dict[cst.SimpleStatementLine, bool] = {}
        self.lost_comments: dict[cst.CSTNode, list[str]] = {}
        self.statements: list[cst.CSTNode] = []
        self.enclosing: set[cst.CSTNode] = set()

    # -- calls and names ------------------------------------------------------------------------
    def on_visit(self, node: cst.CSTNode) -> bool:
        if _IS_STATEMENT[type(node)]:
            self.statements.append(node)
        # a subtree with nothing to rewrite is kept as it is (its own leave_* still runs)
        return node in self.enclosing and super().on_visit(node)

    def on_leave(
        self, original_node: _NodeT, updated_node: _NodeT
    ) -> _NodeT | cst.RemovalSentinel | cst.FlattenSentinel[_NodeT]:
        result = super().on_leave(original_node, updated_node)
        if original_node in self.wanted and isinstance(result, cst.BaseExpression):
            self.updated[original_node] = result
        if _IS_STATEMENT[type(original_node)]:
            self.statements.pop()
            lost = self.lost_comments.pop(original_node, [])
            if lost and isinstance(result, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                lines = [cst.EmptyLine(comment=cst.Comment(text)) for text in lost]
                leading = [*result.leading_lines, *lines]
                return cast(_NodeT, result.with_changes(leading_lines=leading))
        return result

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        planned = self.plans.get(original)
        if planned is None:
            return self._drop_args(original, updated)
        site, plan = planned
        func = cst.Attribute(cst.Name(self.names[plan.module]), cst.Name(plan.function))
        if plan.passthrough:
            new = updated.with_changes(func=func)
        else:
            new = self._call(site, plan, func, updated)
        self._keep_comments(original, new)
        return new

    def _call(self, site: Site, plan: CallPlan, func: cst.Attribute, updated: cst.Call) -> cst.Call:
        args = []
        for keyword, value, star in plan.args:
            new_value = self.updated.get(value, value)
            if keyword is None or star:
                args.append(cst.Arg(new_value, star=star))  # type: ignore[arg-type]
            else:
                args.append(
                    cst.Arg(
                        new_value,
                        keyword=cst.Name(keyword),
                        equal=cst.AssignEqual(
                            whitespace_before=cst.SimpleWhitespace(""),
                            whitespace_after=cst.SimpleWhitespace(""),
                        ),
                    )
                )
        flat = cst.Call(func, args)
        layout = self.source.layout(site.call)
        text = code(flat)
        if "\n" not in text and layout.column + len(text) <= self.width:
            return flat
        if "\n" in text:  # a value spanning lines; one-line values keep their text
            args = [
                arg.with_changes(value=self._reindented(arg.value, original, layout.indent + 4))
                for arg, (_, original, _) in zip(args, plan.args, strict=True)
            ]
        return self._exploded(site, func, args, updated)

    def _reindented(
        self, value: cst.BaseExpression, original: cst.BaseExpression, column: int
    ) -> cst.BaseExpression:
        """A multi-line value hoisted out of a deeper place, lined up under its new line."""
        text = code(value)
        if "\n" not in text:
            return value
        layout = self.source.layout(original)
        old, new = layout.relative, column - (layout.indent - layout.relative)
        moved = reindent(text, old, new)
        if moved == text:
            return value
        parsed = cst.parse_expression(f"({moved})")
        return parsed.with_changes(lpar=value.lpar, rpar=value.rpar)

    def _exploded(
        self, site: Site, func: cst.Attribute, args: list[cst.Arg], updated: cst.Call
    ) -> cst.Call:
        # relative to the block (indent=True), so the lines follow the statement when a later
        # step moves it to another depth (extract-services into a service function)
        indent = " " * self.source.layout(site.call).relative
        inner = cst.ParenthesizedWhitespace(
            first_line=cst.TrailingWhitespace(),
            last_line=cst.SimpleWhitespace(indent + "    "),
            indent=True,
        )
        closing = cst.ParenthesizedWhitespace(
            first_line=cst.TrailingWhitespace(),
            last_line=cst.SimpleWhitespace(indent),
            indent=True,
        )
        laid = [
            arg.with_changes(
                comma=cst.Comma(whitespace_after=inner if i < len(args) - 1 else closing)
            )
            for i, arg in enumerate(args)
        ]
        return cst.Call(func, laid, whitespace_before_args=inner)

    def _keep_comments(self, original: cst.Call, new: cst.Call) -> None:
        """Comments of the old call that neither the new call nor the wrapper carries go above
        the statement."""
        if not self.source.has_comments:
            return
        before = _comments(original)
        if not before:
            return
        after = set(_comments(new)) | self.generated_comments
        lost = [comment for comment in before if comment not in after]
        if lost and self.statements:
            self.lost_comments.setdefault(self.statements[-1], []).extend(lost)

    def _drop_args(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        removed = self.scan.removed_args
        if not removed or not any(arg in removed for arg in original.args):
            return updated
        kept = [
            new for old, new in zip(original.args, updated.args, strict=True) if old not in removed
        ]
        if kept:
            kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return updated.with_changes(args=kept)

    def leave_Parameters(self, original: cst.Parameters, updated: cst.Parameters) -> cst.Parameters:
        removed = self.scan.removed_params
        if not any(param in removed for param in original.params):
            return updated
        kept = [
            new
            for old, new in zip(original.params, updated.params, strict=True)
            if old not in removed
        ]
        if kept and not (updated.star_arg or updated.kwonly_params or updated.star_kwarg):
            kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return updated.with_changes(params=kept)

    def leave_Import(self, original: cst.Import, updated: cst.Import) -> cst.Import:
        return self._without_unused(original, updated)

    def leave_ImportFrom(self, original: cst.ImportFrom, updated: cst.ImportFrom) -> cst.ImportFrom:
        return self._without_unused(original, updated)

    def _without_unused(self, original: _ImportT, updated: _ImportT) -> _ImportT:
        """An import some of whose names were unused vendor names keeps the others."""
        unused = self.scan.unused_imports.get(original)
        if not unused or isinstance(original.names, cst.ImportStar):
            return updated
        assert not isinstance(updated.names, cst.ImportStar)
        kept = [
            new for old, new in zip(original.names, updated.names, strict=True) if old not in unused
        ]
        if not kept:  # the whole statement goes, with the line
            return updated
        kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return updated.with_changes(names=kept)

    def leave_Attribute(
        self, original: cst.Attribute, updated: cst.Attribute
    ) -> cst.BaseExpression:
        dotted = self.reexports.get(original)
        return updated if dotted is None else dotted_expr(dotted)

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        dotted = self.reexports.get(original)
        return updated if dotted is None else dotted_expr(dotted)

    # -- removed statements -----------------------------------------------------------------------
    def leave_SimpleStatementLine(
        self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine:
        gone = self.gone
        body = [
            new for old, new in zip(original.body, updated.body, strict=True) if old not in gone
        ]
        if not body:
            self.emptied_lines[updated] = original in self.scan.moved_statements
            return updated
        if len(body) == len(updated.body):
            return updated
        body[-1] = body[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
        return updated.with_changes(body=body)

    def leave_IndentedBlock(
        self, original: cst.IndentedBlock, updated: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        body, footer = self._without_emptied(updated.body, list(updated.footer))
        if not body:
            body = [cst.SimpleStatementLine(body=[cst.Pass()])]
        elif body[0] is not updated.body[0]:  # a block opens with code, not a blank line
            leading = list(getattr(body[0], "leading_lines", ()))
            blanks = len(leading) - len(_from_first_comment(leading))
            body[0] = body[0].with_changes(leading_lines=leading[blanks:])
        return updated.with_changes(body=body, footer=footer)

    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        body, footer = self._without_emptied(updated.body, list(updated.footer))
        if body and body[0] is not updated.body[0]:
            leading = _from_first_comment(list(getattr(body[0], "leading_lines", ())))
            body[0] = body[0].with_changes(leading_lines=leading)
        return updated.with_changes(body=body, footer=footer)

    def _without_emptied(
        self, statements: Sequence[cst.BaseStatement], footer: list[cst.EmptyLine]
    ) -> tuple[list[cst.BaseStatement], list[cst.EmptyLine]]:
        """Drop emptied lines. One that opened a group hands its blank line to the next; its
        comments go to the next statement too, unless they moved with it to an integration."""
        body: list[cst.BaseStatement] = []
        blank: cst.EmptyLine | None = None
        carried: list[cst.EmptyLine] = []
        for statement in statements:
            leading = list(getattr(statement, "leading_lines", ()))
            starts_blank = bool(leading) and leading[0].comment is None
            if isinstance(statement, cst.SimpleStatementLine) and statement in self.emptied_lines:
                if starts_blank and blank is None:
                    blank = leading[0]
                if not self.emptied_lines[statement]:
                    carried += _comment_lines(statement)
                continue
            if blank is not None or carried:
                blanks = len(leading) - len(_from_first_comment(leading))
                new = [blank] if blank is not None and body and not starts_blank else []
                new += [*leading[:blanks], *carried, *leading[blanks:]]
                statement = statement.with_changes(leading_lines=new)
            blank, carried = None, []
            body.append(statement)
        return body, [*carried, *footer]


_IS_STATEMENT = class_test(cst.BaseStatement)
"""`isinstance(node, cst.BaseStatement)` per node class (an abstract base class check costs
more than a transform's own work on the nodes it passes)."""


def _from_first_comment(lines: list[cst.EmptyLine]) -> list[cst.EmptyLine]:
    for index, line in enumerate(lines):
        if line.comment is not None:
            return lines[index:]
    return []


def _comment_lines(statement: cst.SimpleStatementLine) -> list[cst.EmptyLine]:
    lines = [line for line in statement.leading_lines if line.comment is not None]
    trailing = statement.trailing_whitespace.comment
    if trailing is not None:
        lines.append(cst.EmptyLine(comment=trailing))
    return lines


def _comments(node: cst.CSTNode) -> list[str]:
    return [c.value for c in preorder(node) if type(c) is cst.Comment]
