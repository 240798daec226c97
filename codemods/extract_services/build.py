"""Code generation for `extract-services`: the service function, the exceptions for early
returns, the call that replaces the run in the view, and import lines."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar, cast

import libcst as cst
import libcst.matchers as m

from djrefactor.analysis.nodes import dotted_expr

from .extract import Extraction, Stop
from .names import Binding, absolute_source

_Node = TypeVar("_Node", bound=cst.CSTNode)
MAX_LINE = 100
INDENT = "    "


def _line(node: cst.BaseSmallStatement | cst.BaseExpression) -> cst.SimpleStatementLine:
    if isinstance(node, cst.BaseExpression):
        node = cst.Expr(node)
    return cst.SimpleStatementLine(body=[node])


def _docstring(text: str) -> cst.SimpleStatementLine:
    return _line(cst.SimpleString(f'"""{text}"""'))


class _ServiceBody(cst.CSTTransformer):
    """Lifted expressions become parameters; each exit becomes `raise <Exception>(values)`."""

    def __init__(self, extraction: Extraction) -> None:
        super().__init__()
        self.lifted = {id(lift.node): lift.name for lift in extraction.lifts}
        self.stops = {id(stop.exit.suite): stop for stop in extraction.stops}

    def on_leave(
        self, original_node: _Node, updated_node: _Node
    ) -> _Node | cst.RemovalSentinel | cst.FlattenSentinel[_Node]:
        name = self.lifted.get(id(original_node))
        if name is not None:
            return cast(_Node, cst.Name(name))  # an expression replaced by an expression
        stop = self.stops.get(id(original_node))
        if stop is not None and isinstance(updated_node, cst.IndentedBlock):
            body = [*updated_node.body[: stop.exit.start], _raise(stop)]
            return cast(_Node, updated_node.with_changes(body=body))
        return updated_node


def _raise(stop: Stop) -> cst.SimpleStatementLine:
    args = [cst.Arg(cst.Name(value)) for value in stop.carried]
    return _line(cst.Raise(exc=cst.Call(cst.Name(stop.exception), args=args)))


def leading_lines(statement: cst.BaseStatement) -> Sequence[cst.EmptyLine]:
    assert isinstance(statement, cst.SimpleStatementLine | cst.BaseCompoundStatement)
    return statement.leading_lines


def _results(names: Sequence[str]) -> cst.Name | cst.Tuple:
    if len(names) == 1:
        return cst.Name(names[0])
    return cst.Tuple([cst.Element(cst.Name(n)) for n in names], lpar=[], rpar=[])


def service_function(extraction: Extraction, origin: str) -> cst.FunctionDef:
    body: list[cst.BaseStatement] = [_docstring(_doc(extraction, origin))]
    transformer = _ServiceBody(extraction)
    for index, statement in enumerate(extraction.run.statements):
        moved = statement.visit(transformer)
        assert isinstance(moved, cst.BaseStatement)
        if index == 0:
            comments = [line for line in leading_lines(moved) if line.comment]
            moved = moved.with_changes(leading_lines=comments)
        body.append(moved)
    if extraction.results:
        body.append(_line(cst.Return(_results(extraction.results))))
    params = [cst.Param(cst.Name(param.name)) for param in extraction.params]
    return cst.FunctionDef(
        name=cst.Name(extraction.name),
        params=cst.Parameters(params),
        body=cst.IndentedBlock(body),
        leading_lines=[cst.EmptyLine(), cst.EmptyLine()],
    )


def _doc(extraction: Extraction, origin: str) -> str:
    text = f"Workflow moved out of {origin}.{extraction.handler.line_name}."
    saved = [
        param.name
        for param in extraction.params
        if ("form" in param.name or "serializer" in param.name)
        and any(
            m.findall(s, m.Call(func=m.Attribute(value=m.Name(param.name), attr=m.Name("save"))))
            for s in extraction.run.statements
        )
    ]
    if saved:
        text += (
            f"\n\n    Takes `{saved[0]}` itself: its save() builds the instance from the validated"
            "\n    data (and sets what the view shows next), which no plainer value can do.\n    "
        )
    return text


def exception_classes(extraction: Extraction) -> list[cst.ClassDef]:
    return [
        cst.ClassDef(
            name=cst.Name(stop.exception),
            bases=[cst.Arg(cst.Name("Exception"))],
            body=cst.IndentedBlock(
                [_docstring(f"{extraction.name} stopped early; the view answers as it did before.")]
            ),
            leading_lines=[cst.EmptyLine(), cst.EmptyLine()],
        )
        for stop in extraction.stops
    ]


def _call(extraction: Extraction, alias: str, indent: int, prefix: int) -> cst.Call:
    args = [
        cst.Arg(param.argument)
        if isinstance(param.argument, cst.Name) and param.argument.value == param.name
        else cst.Arg(
            param.argument,
            keyword=cst.Name(param.name),
            equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
        )
        for param in extraction.params
    ]
    call = cst.Call(cst.Attribute(cst.Name(alias), cst.Name(extraction.name)), args=args)
    if len(cst.Module([]).code_for_node(call)) + indent + prefix <= MAX_LINE or not args:
        return call
    return _wrapped(call)


def _wrapped(call: cst.Call) -> cst.Call:
    """One argument a line, like black does when a call is too long."""
    newline = cst.ParenthesizedWhitespace(
        first_line=cst.TrailingWhitespace(), indent=True, last_line=cst.SimpleWhitespace(INDENT)
    )
    closing = cst.ParenthesizedWhitespace(first_line=cst.TrailingWhitespace(), indent=True)
    args = [
        arg.with_changes(
            comma=cst.Comma(whitespace_after=closing if i == len(call.args) - 1 else newline)
        )
        for i, arg in enumerate(call.args)
    ]
    return call.with_changes(args=args, whitespace_before_args=newline)


def view_statements(
    extraction: Extraction, alias: str, stopped: str, indent: int
) -> list[cst.BaseStatement]:
    """What replaces the run in the view: the call, its results, the exits mapped back."""
    prefix = len("return ") if extraction.run.returns else 0
    if extraction.results and not extraction.run.returns:
        prefix = len(", ".join(extraction.results)) + len(" = ")
    call = _call(extraction, alias, indent + (len(INDENT) if extraction.stops else 0), prefix)
    if extraction.run.returns:
        small: cst.BaseSmallStatement = cst.Return(call)
    elif extraction.results:
        small = cst.Assign([cst.AssignTarget(_results(extraction.results))], call)
    else:
        small = cst.Expr(call)
    first = extraction.run.statements[0]
    blank = [line for line in leading_lines(first) if not line.comment]
    statement: cst.BaseStatement = _line(small)
    if extraction.stops:
        statement = cst.Try(
            body=cst.IndentedBlock([statement]),
            handlers=[_handler(stop, alias, stopped) for stop in extraction.stops],
        )
    return [statement.with_changes(leading_lines=blank)]


def _handler(stop: Stop, alias: str, stopped: str) -> cst.ExceptHandler:
    body: list[cst.BaseStatement] = []
    if stop.carried:
        values: cst.BaseExpression = cst.Attribute(cst.Name(stopped), cst.Name("args"))
        if len(stop.carried) == 1:
            values = cst.Subscript(values, [cst.SubscriptElement(cst.Index(cst.Integer("0")))])
        body.append(_line(cst.Assign([cst.AssignTarget(_results(stop.carried))], values)))
    tail = list(stop.exit.suite.body[stop.exit.start :])
    tail[0] = tail[0].with_changes(leading_lines=[])
    body += tail
    return cst.ExceptHandler(
        body=cst.IndentedBlock(body),
        type=cst.Attribute(cst.Name(alias), cst.Name(stop.exception)),
        name=cst.AsName(cst.Name(stopped)) if stop.carried else None,
    )


def import_lines(
    needed: Sequence[str],
    bindings: Mapping[str, Binding],
    module: str | None,
    is_package: bool,
    is_local: Callable[[str], bool],
) -> list[ImportLine]:
    """Imports of `needed` names exactly as the views module binds them, made absolute."""
    plain: list[cst.ImportAlias] = []
    grouped: dict[str, list[cst.ImportAlias]] = {}
    for name in needed:
        statement = bindings[name].statement
        assert isinstance(statement, cst.SimpleStatementLine)
        for small in statement.body:
            if isinstance(small, cst.Import):
                plain += [_bare(a) for a in small.names if _binds(a, name)]
            elif isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
                source = absolute_source(small, module, is_package) or ""
                grouped.setdefault(source, []).extend(
                    _bare(a) for a in small.names if _binds(a, name)
                )
    lines = [
        ImportLine(is_local(_alias_key(alias)), _alias_key(alias), _line(cst.Import([alias])))
        for alias in plain
    ]
    for source, aliases in grouped.items():
        node = cst.ImportFrom(
            module=dotted_expr(source), names=_commas(sorted(aliases, key=_alias_key))
        )
        lines.append(ImportLine(is_local(source), "~" + source, _line(node)))
    return lines


@dataclass(frozen=True)
class ImportLine:
    """An import for a service module; `key` sorts `import x` before `from x import y`."""

    local: bool
    key: str
    line: cst.SimpleStatementLine

    @property
    def group(self) -> int:
        """isort's sections: standard library, other packages, the project's own."""
        if self.local:
            return 2
        return 0 if self.key.lstrip("~").split(".")[0] in sys.stdlib_module_names else 1


def _merged(imports: Sequence[ImportLine]) -> list[ImportLine]:
    """`from a import x` and `from a import y` become `from a import x, y`."""
    merged: dict[str, ImportLine] = {}
    for entry in imports:
        known = merged.get(entry.key)
        first, second = (known.line.body[0], entry.line.body[0]) if known else (None, None)
        if not isinstance(first, cst.ImportFrom) or not isinstance(second, cst.ImportFrom):
            merged.setdefault(entry.key, entry)
            continue
        assert known is not None
        assert not isinstance(first.names, cst.ImportStar)
        assert not isinstance(second.names, cst.ImportStar)
        aliases = {_alias_key(_bare(a)): _bare(a) for a in [*first.names, *second.names]}
        names = _commas([aliases[key] for key in sorted(aliases)])
        merged[entry.key] = ImportLine(
            entry.local, entry.key, _line(first.with_changes(names=names))
        )
    return list(merged.values())


def ordered_imports(imports: Sequence[ImportLine]) -> list[cst.SimpleStatementLine]:
    """Standard library, other packages, the project's own; a blank line between (isort)."""
    entries = sorted(_merged(imports), key=lambda entry: (entry.group, entry.key))
    lines = []
    for index, entry in enumerate(entries):
        blank = index > 0 and entry.group != entries[index - 1].group
        lines.append(entry.line.with_changes(leading_lines=[cst.EmptyLine()] if blank else []))
    return lines


def _alias_key(alias: cst.ImportAlias) -> str:
    return cst.Module([]).code_for_node(alias)


def _commas(aliases: list[cst.ImportAlias]) -> list[cst.ImportAlias]:
    return [
        alias.with_changes(
            comma=cst.MaybeSentinel.DEFAULT
            if i == len(aliases) - 1
            else cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        )
        for i, alias in enumerate(aliases)
    ]


def _bare(alias: cst.ImportAlias) -> cst.ImportAlias:
    return alias.with_changes(comma=cst.MaybeSentinel.DEFAULT)


def _binds(alias: cst.ImportAlias, name: str) -> bool:
    if alias.asname is not None:
        return isinstance(alias.asname.name, cst.Name) and alias.asname.name.value == name
    return cst.Module([]).code_for_node(alias.name).split(".")[0] == name


def from_import(
    source: str, names: Sequence[str], asname: str | None = None
) -> cst.SimpleStatementLine:
    aliases = [
        cst.ImportAlias(
            cst.Name(name),
            asname=cst.AsName(cst.Name(asname)) if asname and asname != name else None,
        )
        for name in names
    ]
    return _line(cst.ImportFrom(module=dotted_expr(source), names=_commas(aliases)))
