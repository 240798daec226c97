"""Small libcst node helpers every layer uses: source text of a node, dotted names."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import libcst as cst
from libcst._nodes.internal import CodegenState

_EMPTY = cst.Module(body=[])


def code(node: cst.CSTNode) -> str:
    """The source text of `node` (default formatting of an empty module)."""
    return _render(node, _EMPTY)


def module_code(tree: cst.Module) -> str:
    """`tree.code`, the same text, about a quarter cheaper (see `Codegen`)."""
    return _render(tree, tree)


def _render(node: cst.CSTNode, module: cst.Module) -> str:
    state = Codegen(default_indent=module.default_indent, default_newline=module.default_newline)
    node._codegen(state)
    return "".join(state.tokens)


class _NoPosition:
    """A context manager that does nothing, shared by every node."""

    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc_info: object) -> None:
        return None


_NO_POSITION = _NoPosition()


class Codegen(CodegenState):
    """libcst's code generation state, whose position hook (a no-op every node enters) is a
    shared object instead of a new generator-based context manager per node: libcst's own
    `record_syntactic_position` only yields, and building that context manager is a quarter of
    the cost of generating a module's code."""

    __slots__ = ()

    def record_syntactic_position(  # type: ignore[override]  # same no-op, cheaper object
        self,
        node: cst.CSTNode,
        *,
        start_node: cst.CSTNode | None = None,
        end_node: cst.CSTNode | None = None,
    ) -> _NoPosition:
        return _NO_POSITION


def string_value(node: cst.SimpleString) -> str | bytes:
    """`node.evaluated_value`; a string with no backslash (most) is the text between its quotes,
    read without libcst's `ast.literal_eval` (a compile per string)."""
    if "\\" in node.value or "b" in node.prefix:
        return node.evaluated_value
    return node.raw_value


def dotted_expr(dotted: str) -> cst.Attribute | cst.Name:
    """`a.b.c` as an expression node."""
    parts = dotted.split(".")
    node: cst.Attribute | cst.Name = cst.Name(parts[0])
    for part in parts[1:]:
        node = cst.Attribute(value=node, attr=cst.Name(part))
    return node


def dotted_name(node: cst.BaseExpression) -> str | None:
    """`a.b.c` for a pure Name/Attribute chain; None for anything else (calls, subscripts...)."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        head = dotted_name(node.value)
        return f"{head}.{node.attr.value}" if head else None
    return None


def start_lines(tree: cst.Module) -> dict[int, int]:
    """The line each node of `tree` starts on, by node id, as libcst's PositionProvider gives
    it (a statement's line is its own, not the comment above it), from one code generation that
    keeps nothing but line numbers: no metadata wrapper, no code ranges, no text."""
    state = _StartLines(default_indent=tree.default_indent, default_newline=tree.default_newline)
    tree._codegen(state)
    return state.lines


def code_and_start_lines(tree: cst.Module) -> tuple[str, dict[int, int]]:
    """`module_code(tree)` and `start_lines(tree)`, from one code generation."""
    state = _TextAndStartLines(
        default_indent=tree.default_indent, default_newline=tree.default_newline
    )
    tree._codegen(state)
    return "".join(state.tokens), state.lines


@dataclass(frozen=False)
class _StartLines(CodegenState):
    line: int = 1
    lines: dict[int, int] = field(default_factory=dict)
    starts: list[int] = field(default_factory=list)

    def add_indent_tokens(self) -> None:
        pass  # indentation never holds a newline

    def add_token(self, value: str) -> None:
        if "\n" in value or "\r" in value:
            self.line += len(NEWLINE.findall(value))

    def before_codegen(self, node: cst.CSTNode) -> None:
        self.starts.append(self.line)

    def after_codegen(self, node: cst.CSTNode) -> None:
        self.lines.setdefault(id(node), self.starts.pop())

    def record_syntactic_position(  # type: ignore[override]  # same hook, cheaper object
        self,
        node: cst.CSTNode,
        *,
        start_node: cst.CSTNode | None = None,
        end_node: cst.CSTNode | None = None,
    ) -> _Position:
        return _Position(self, node, start_node)


@dataclass(frozen=False)
class _TextAndStartLines(_StartLines):
    """`_StartLines` that also keeps the code it generates."""

    def add_indent_tokens(self) -> None:
        self.tokens.extend(self.indent_tokens)

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        if "\n" in value or "\r" in value:
            self.line += len(NEWLINE.findall(value))


class _Position:
    """Records the line `node` starts on (that of `start_node` when given) once its code is
    generated: what PositionProvider's own hook records, without a generator per node."""

    __slots__ = ("state", "node", "start_node", "start")

    def __init__(self, state: _StartLines, node: cst.CSTNode, start_node: cst.CSTNode | None):
        self.state, self.node, self.start_node = state, node, start_node

    def __enter__(self) -> None:
        self.start = self.state.line

    def __exit__(self, *exc_info: object) -> None:
        lines = self.state.lines
        start_node = self.start_node
        lines[id(self.node)] = lines[id(start_node)] if start_node is not None else self.start


NEWLINE = re.compile(r"\r\n?|\n")
"""A line break, as Python's tokenizer (and so `ast`'s line numbers) counts them."""
