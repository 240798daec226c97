"""Code generation for `extract-services`: the service function, the domain exceptions, and the
call (with the view's answers to each exit) that replaces the run in the view."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar, cast

import libcst as cst

from djrefactor.analysis.nodes import code
from djrefactor.analysis.tree import TreeIndex

from .extract import Extraction, Stop
from .hints import Hint

_Node = TypeVar("_Node", bound=cst.CSTNode)
INDENT = "    "


def line(node: cst.BaseSmallStatement | cst.BaseExpression) -> cst.SimpleStatementLine:
    if isinstance(node, cst.BaseExpression):
        node = cst.Expr(node)
    return cst.SimpleStatementLine(body=[node])


def annotation(text: str, returns: bool = False) -> cst.Annotation:
    """`: text` for a parameter or `-> text` for a result, with its whitespace spelled out (a
    node printed on its own, as the import editor does, needs it)."""
    return cst.Annotation(
        cst.parse_expression(text),
        whitespace_before_indicator=cst.SimpleWhitespace(" " if returns else ""),
        whitespace_after_indicator=cst.SimpleWhitespace(" "),
    )


def docstring(text: str) -> cst.SimpleStatementLine:
    return line(cst.SimpleString(f'"""{text}"""'))


def leading_lines(statement: cst.BaseStatement) -> Sequence[cst.EmptyLine]:
    assert isinstance(statement, cst.SimpleStatementLine | cst.BaseCompoundStatement)
    return statement.leading_lines


def comments_only(statement: _Node) -> _Node:
    """The statement with its blank leading lines dropped and its comments kept."""
    assert isinstance(statement, cst.SimpleStatementLine | cst.BaseCompoundStatement)
    kept = [ln for ln in statement.leading_lines if ln.comment]
    return cast(_Node, statement.with_changes(leading_lines=kept))


@dataclass(frozen=True)
class ExceptionSpec:
    """A domain exception of a service module: its attributes (with hints; those some raise
    sites do not pass default to None) and whether raise sites pass the cause's message."""

    name: str
    doc: str
    attributes: Mapping[str, Hint]
    optional: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Signature:
    """Everything about a service function that is not its body."""

    name: str
    params: tuple[tuple[str, Hint], ...]
    returns: Hint
    doc: str


@dataclass
class BodyEdits:
    """How moved code changes on its way into the service: lifted expressions become
    parameters, renamed parameters and module names are read under their new names, hoisted
    reads are dropped, and each exit raises its exception (or returns False)."""

    lifted: Mapping[int, str] = field(default_factory=dict)
    names: Mapping[int, cst.BaseExpression] = field(default_factory=dict)
    dropped: frozenset[int] = frozenset()
    stops: Mapping[int, Stop] = field(default_factory=dict)
    handler_names: Mapping[int, str] = field(default_factory=dict)
    """Except clauses (by id) that need an `as` name so the raise can chain its cause."""
    width: int = 88
    """The project's line length: longer generated lines are wrapped like black does."""


class Edited:
    """The nodes (by id) a transformer may change in a tree it walks, placed by the tree's
    `index`: a subtree holding none of them can be kept as it is, where libcst's transformer
    would rebuild it node by node. Without an index, or for a node it does not know,
    everything is visited."""

    def __init__(self, index: TreeIndex | None, ids: Iterable[int]) -> None:
        self.index = index
        found = [index.starts.get(key) for key in ids] if index is not None else [None]
        known = [position for position in found if position is not None]
        self.positions = sorted(known) if len(known) == len(found) else None

    def below(self, node: cst.CSTNode) -> bool:
        """Does a changed node sit strictly under `node` (or may one)?"""
        if self.index is None or self.positions is None:
            return True
        return self.index.holds(node, self.positions, strictly_below=True)


class _ServiceBody(cst.CSTTransformer):
    """Applies the edits to moved statements; with the `index` of the view's tree, a subtree
    holding no edited node is kept as it is instead of being rebuilt node by node."""

    def __init__(self, edits: BodyEdits, index: TreeIndex | None) -> None:
        super().__init__()
        self.edits = edits
        self.index = index
        self.depth = 1  # the moved statements sit in the service function's body
        keys = [*edits.lifted, *edits.names, *edits.dropped, *edits.stops, *edits.handler_names]
        self.edited = Edited(index, keys)

    def on_visit(self, node: cst.CSTNode) -> bool:
        if type(node) is cst.IndentedBlock:
            self.depth += 1
        return self.edited.below(node)

    def on_leave(
        self, original_node: _Node, updated_node: _Node
    ) -> _Node | cst.RemovalSentinel | cst.FlattenSentinel[_Node]:
        key = id(original_node)
        if isinstance(original_node, cst.IndentedBlock):
            self.depth -= 1
        if key in self.edits.dropped:
            return cst.RemovalSentinel.REMOVE
        name = self.edits.lifted.get(key)
        if name is not None:
            return cast(_Node, cst.Name(name))
        replacement = self.edits.names.get(key)
        if replacement is not None:
            return cast(_Node, replacement)
        handler_name = self.edits.handler_names.get(key)
        if handler_name is not None and isinstance(updated_node, cst.ExceptHandler):
            return cast(_Node, updated_node.with_changes(name=cst.AsName(cst.Name(handler_name))))
        stop = self.edits.stops.get(key)
        if stop is not None and isinstance(updated_node, cst.IndentedBlock):
            kept = list(updated_node.body[: stop.exit.start])
            if stop.terminal:  # the service ends here; the view answers after the call
                return cast(_Node, updated_node.with_changes(body=kept))
            exit_line = self.exit_statement(stop, original_node)
            if stop.exit.start < len(updated_node.body):
                first = stop.exit.suite.body[stop.exit.start]
                exit_line = exit_line.with_changes(
                    leading_lines=[ln for ln in leading_lines(first) if not ln.comment]
                )
            return cast(_Node, updated_node.with_changes(body=[*kept, exit_line]))
        return updated_node

    def exit_statement(self, stop: Stop, block: cst.CSTNode) -> cst.SimpleStatementLine:
        if not stop.failure:
            return line(cst.Return(cst.Name("False")))
        args: list[cst.Arg] = []
        cause = stop.caught_name or self.edits.handler_names.get(id(stop.handler))
        if stop.handler is not None and cause:
            args.append(cst.Arg(cst.Call(cst.Name("str"), [cst.Arg(cst.Name(cause))])))
        for name in stop.carried:
            args.append(_keyword(name, cst.Name(name)))
        for attribute in stop.caught_attributes:
            if attribute not in stop.carried and cause:
                args.append(
                    _keyword(attribute, cst.Attribute(cst.Name(cause), cst.Name(attribute)))
                )
        raised = cst.Raise(
            exc=cst.Call(cst.Name(stop.exception), args=args),
            cause=cst.From(cst.Name(cause)) if stop.handler is not None and cause else None,
        )
        if len(INDENT) * (self.depth + 1) + len(code(raised)) > self.edits.width:
            assert isinstance(raised.exc, cst.Call)
            raised = raised.with_changes(exc=wrapped(raised.exc))
        return line(raised)


def _keyword(name: str, value: cst.BaseExpression) -> cst.Arg:
    return cst.Arg(
        value,
        keyword=cst.Name(name),
        equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
    )


def _results(names: Sequence[str]) -> cst.Name | cst.Tuple:
    if len(names) == 1:
        return cst.Name(names[0])
    return cst.Tuple([cst.Element(cst.Name(n)) for n in names], lpar=[], rpar=[])


def moved_statements(
    statements: Sequence[cst.BaseStatement], edits: BodyEdits, index: TreeIndex | None
) -> list[cst.BaseStatement]:
    """The statements with the edits applied; `index` is that of the tree they come from."""
    transformer = _ServiceBody(edits, index)
    moved = []
    for statement in statements:
        new = statement.visit(transformer)
        assert isinstance(new, cst.BaseStatement)
        moved.append(new)
    return moved


def service_function(
    extraction: Extraction, signature: Signature, edits: BodyEdits, index: TreeIndex | None
) -> cst.FunctionDef:
    body: list[cst.BaseStatement] = [docstring(signature.doc)]
    moved = moved_statements(extraction.run.statements, edits, index)
    moved[0] = comments_only(moved[0])
    body += moved
    if extraction.flag:
        body.append(line(cst.Return(cst.Name("True"))))
    elif extraction.results:
        body.append(line(cst.Return(_results(extraction.results))))
    params = [
        cst.Param(cst.Name(name), annotation=annotation(hint.text))
        for name, hint in signature.params
    ]
    function = cst.FunctionDef(
        name=cst.Name(signature.name),
        params=cst.Parameters(params),
        body=cst.IndentedBlock(body),
        returns=annotation(signature.returns.text, returns=True),
        leading_lines=[cst.EmptyLine(), cst.EmptyLine()],
    )
    return fit_signature(function, 0, edits.width)


def fit_signature(function: cst.FunctionDef, indent: int, width: int) -> cst.FunctionDef:
    """Parameters one a line (with a trailing comma) when the `def` line is too long."""
    header = function.with_changes(body=cst.IndentedBlock([line(cst.Pass())]), leading_lines=[])
    first = code(header).splitlines()[0]
    if indent + len(first) <= width or not function.params.params:
        return function
    newline = cst.ParenthesizedWhitespace(
        first_line=cst.TrailingWhitespace(), indent=True, last_line=cst.SimpleWhitespace(INDENT)
    )
    closing = cst.ParenthesizedWhitespace(first_line=cst.TrailingWhitespace(), indent=True)
    parameters = function.params
    every = [*parameters.params, *parameters.kwonly_params]
    fitted = [
        param.with_changes(
            comma=cst.Comma(whitespace_after=closing if param is every[-1] else newline)
        )
        for param in every
    ]
    star = parameters.star_arg
    if isinstance(star, cst.ParamStar):
        star = star.with_changes(comma=cst.Comma(whitespace_after=newline))
    return function.with_changes(
        whitespace_before_params=newline,
        params=parameters.with_changes(
            params=fitted[: len(parameters.params)],
            star_arg=star,
            kwonly_params=fitted[len(parameters.params) :],
        ),
    )


def exception_class(spec: ExceptionSpec, width: int) -> cst.ClassDef:
    body: list[cst.BaseStatement] = [docstring(spec.doc)]
    if spec.attributes:
        body.append(fit_signature(_exception_init(spec), len(INDENT), width))
    return cst.ClassDef(
        name=cst.Name(spec.name),
        bases=[cst.Arg(cst.Name("Exception"))],
        body=cst.IndentedBlock(body),
        leading_lines=[cst.EmptyLine(), cst.EmptyLine()],
    )


def _exception_init(spec: ExceptionSpec) -> cst.FunctionDef:
    params = [
        cst.Param(
            cst.Name(name),
            annotation=annotation(
                f"{hint.text} | None"
                if name in spec.optional and not hint.text.endswith("None")
                else hint.text
            ),
            default=cst.Name("None") if name in spec.optional else None,
        )
        for name, hint in spec.attributes.items()
    ]
    message = cst.Param(
        cst.Name("message"),
        annotation=annotation("str"),
        default=cst.SimpleString('""'),
    )
    body = [line(cst.parse_expression("super().__init__(message)"))]
    body += [
        line(
            cst.Assign(
                [cst.AssignTarget(cst.Attribute(cst.Name("self"), cst.Name(name)))], cst.Name(name)
            )
        )
        for name in spec.attributes
    ]
    return cst.FunctionDef(
        name=cst.Name("__init__"),
        params=cst.Parameters(
            params=[cst.Param(cst.Name("self")), message],
            star_arg=cst.ParamStar(),
            kwonly_params=params,
        ),
        body=cst.IndentedBlock(body),
        returns=annotation("None", returns=True),
        leading_lines=[cst.EmptyLine(indent=False)],
    )


# -- the view side -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Answer:
    """How the view answers one failure: `except <alias>.<exception> [as <name>]: <tail>`."""

    exception: str
    name: str | None
    tail: tuple[cst.BaseStatement, ...]


def call_expression(
    extraction: Extraction, alias: str, name: str, indent: int, prefix: int, width: int
) -> cst.Call:
    positional = [p for p in extraction.params if isinstance(p.argument, cst.Name)]
    keywords = [p for p in extraction.params if not isinstance(p.argument, cst.Name)]
    args = [cst.Arg(p.argument) for p in positional]
    args += [_keyword(p.name, p.argument) for p in keywords]
    call = cst.Call(cst.Attribute(cst.Name(alias), cst.Name(name)), args=args)
    if len(code(call)) + indent + prefix <= width or not args:
        return call
    return wrapped(call)


def wrapped(call: cst.Call) -> cst.Call:
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
    extraction: Extraction,
    alias: str,
    name: str,
    answers: Sequence[Answer],
    success_tail: Sequence[cst.BaseStatement],
    indent: int,
    width: int,
) -> list[cst.BaseStatement]:
    """What replaces the run in the view: the hoisted reads, the call and its results, the
    answers to each failure, and the success exit's answer when the service returns False."""
    run = extraction.run
    inner = indent + (len(INDENT) if answers else 0)
    flag_inline = extraction.flag and not answers
    prefix = len("return ") if run.returns else len("if not ") if flag_inline else 0
    if extraction.results and not run.returns:
        prefix = len(", ".join(extraction.results)) + len(" = ")
    elif extraction.flag and answers:
        prefix = len("done = ")
    call = call_expression(extraction, alias, name, inner, prefix, width)
    statements: list[cst.BaseStatement] = []
    if flag_inline:
        core: cst.BaseStatement = _unless(call, success_tail)
    elif run.returns:
        core = line(cst.Return(call))
    elif extraction.results:
        core = line(cst.Assign([cst.AssignTarget(_results(extraction.results))], call))
    elif extraction.flag:
        core = line(cst.Assign([cst.AssignTarget(cst.Name("done"))], call))
    else:
        core = line(call)
    if answers:
        core = cst.Try(
            body=cst.IndentedBlock([core]),
            handlers=[_handler(answer, alias) for answer in answers],
        )
    statements.append(core)
    if extraction.flag and answers:
        statements.append(_unless(cst.Name("done"), success_tail))
    elif extraction.terminal is not None:
        statements += success_tail
    hoisted = [s if i == 0 else comments_only(s) for i, s in enumerate(run.hoisted)]
    result = [*hoisted, *statements]
    if hoisted and run.span[0] is run.hoisted[0]:
        return result
    blank = [ln for ln in leading_lines(run.span[0]) if not ln.comment]
    kept = [ln for ln in leading_lines(result[0]) if ln.comment] if hoisted else []
    result[0] = result[0].with_changes(leading_lines=[*blank, *kept])
    return result


def _unless(test: cst.BaseExpression, tail: Sequence[cst.BaseStatement]) -> cst.If:
    body = list(tail)
    body[0] = comments_only(body[0])
    return cst.If(
        test=cst.UnaryOperation(cst.Not(), test),
        body=cst.IndentedBlock(body),
    )


def _handler(answer: Answer, alias: str) -> cst.ExceptHandler:
    body = list(answer.tail)
    body[0] = comments_only(body[0])
    return cst.ExceptHandler(
        body=cst.IndentedBlock(body),
        type=cst.Attribute(cst.Name(alias), cst.Name(answer.exception)),
        name=cst.AsName(cst.Name(answer.name)) if answer.name else None,
    )
