"""The libcst edits add-observability makes to existing modules, each one additive: an element
put first in a module-level list, an import next to the others, statements appended."""

from __future__ import annotations

import libcst as cst

from djrefactor.analysis.tree import find_type


def module_list(tree: cst.Module, name: str) -> cst.List | None:
    """The list literal a module-level `name = [...]` assigns, if that is how it is written."""
    found = None
    for statement in tree.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if (
                isinstance(small, cst.Assign)
                and len(small.targets) == 1
                and isinstance(small.targets[0].target, cst.Name)
                and small.targets[0].target.value == name
            ):
                found = small.value if isinstance(small.value, cst.List) else None
    return found


def quote_of(node: cst.CSTNode) -> str:
    """The quote character most of the strings below `node` use (double when even)."""
    quotes = [string.quote[-1] for string in find_type(node, cst.SimpleString)]
    return "'" if quotes.count("'") > quotes.count('"') else '"'


def requoted(text: str, quote: str) -> str:
    """A template of ours (double quotes only, none inside a string) in the file's quotes."""
    return text if quote == '"' else text.replace('"', quote)


def prepend(tree: cst.Module, name: str, element: str) -> cst.Module:
    """`name = [a, b]` -> `name = [element, a, b]`: one per line in a list written one per line."""
    items = module_list(tree, name)
    assert items is not None
    value = cst.parse_expression(element)
    if not items.elements:
        new = cst.Element(value)
    else:
        opening = items.lbracket.whitespace_after
        after: cst.BaseParenthesizableWhitespace = (
            opening
            if isinstance(opening, cst.ParenthesizedWhitespace)
            else cst.SimpleWhitespace(" ")
        )
        new = cst.Element(value, comma=cst.Comma(whitespace_after=after))
    return tree.visit(_Replace(items, items.with_changes(elements=[new, *items.elements])))


class _Replace(cst.CSTTransformer):
    def __init__(self, old: cst.List, new: cst.List) -> None:
        super().__init__()
        self.old, self.new = old, new

    def leave_List(self, original_node: cst.List, updated_node: cst.List) -> cst.List:
        return self.new if original_node is self.old else updated_node


def append(tree: cst.Module, text: str) -> cst.Module:
    """The statements of `text` after the module's last one; its leading blank lines and
    comments stay with its first statement."""
    block = cst.parse_module(text)
    body = list(block.body)
    if body:
        first = body[0]
        body[0] = first.with_changes(leading_lines=[*block.header, *first.leading_lines])
    return tree.with_changes(body=[*tree.body, *body])


def add_import(
    tree: cst.Module, statement: str, first: bool = False, own_group: bool = False
) -> cst.Module:
    """`statement` after the module's last top-level import, or after its docstring when it
    has none; with `first`, before the first import and a blank line (a stdlib import ahead of
    the others); `own_group` puts a blank line before it (first-party after third-party)."""
    line = cst.parse_statement(statement)
    if own_group:
        line = line.with_changes(leading_lines=[cst.EmptyLine()])
    body = list(tree.body)
    positions = [index for index, node in enumerate(body) if _is_import(node)]
    if positions:
        at = positions[0] if first else positions[-1] + 1
    else:
        at = 1 if body and _is_docstring(body[0]) else 0
    if first and positions:
        line = line.with_changes(leading_lines=body[at].leading_lines)
        body[at] = body[at].with_changes(leading_lines=[cst.EmptyLine()])
    body.insert(at, line)
    return tree.with_changes(body=body)


def _is_import(node: cst.CSTNode) -> bool:
    return isinstance(node, cst.SimpleStatementLine) and isinstance(
        node.body[0], cst.Import | cst.ImportFrom
    )


def _is_docstring(node: cst.CSTNode) -> bool:
    return (
        isinstance(node, cst.SimpleStatementLine)
        and isinstance(node.body[0], cst.Expr)
        and isinstance(node.body[0].value, cst.SimpleString | cst.ConcatenatedString)
    )
