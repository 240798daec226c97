"""libcst's parse of a module, in pieces when the module is large.

Why: libcst's native parser needs memory in proportion to the text it parses at once, several
hundred times the size of the text (parsing a 1.8 MB views module peaks above 700 MiB, though
its tree takes less than 100), and it is slower on one long text than on the same lines in
pieces. A large module is parsed as runs of whole top-level statements (`ast` says where they
start), and the pieces are joined into the tree a parse of the whole text gives: the same nodes,
the same code.

The native parser also leaves what it freed in the C heap, between the trees that stay: a
repository's trees took half as much again as they need until the heap is trimmed, which is done
after every `TRIM_EVERY` characters parsed (where the C library can: glibc's `malloc_trim`).

A piece ends where the next top-level statement (or its first decorator) starts, so what
libcst gives the end of a piece (a block's trailing comments, the module footer) is what it
gives the whole text there, except the footer of a piece, which belongs in front of the
statement that starts the next piece. Whatever cannot be joined so (a piece whose own default
newline or indentation differs from the module's, a text `ast` cannot read) is parsed whole.
"""

from __future__ import annotations

import ast
import ctypes
import re
from collections.abc import Callable, Sequence
from itertools import pairwise

import libcst as cst

PIECE_LINES = 400
"""Lines a piece holds at least (the last piece may be shorter); a module with fewer than twice
as many is parsed whole."""

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
"""A line with its end, split where Python's tokenizer (and so `ast`'s line numbers) splits."""


def parse_module(text: str, piece_lines: int = PIECE_LINES) -> cst.Module:
    """`cst.parse_module(text)`, in pieces of at least `piece_lines` lines for a large text.
    Raises `cst.ParserSyntaxError` as the parse of the whole text does."""
    try:
        return _parse(text, piece_lines)
    finally:
        _parsed(len(text))


TRIM_EVERY = 1_000_000
"""Characters of source parsed between two trims of the C heap."""


def trim_heap() -> None:
    """Give the memory the C heap holds free back to the system (a few milliseconds); nothing
    where the C library has no `malloc_trim`."""
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


def _malloc_trim() -> Callable[[int], int] | None:
    try:
        found: Callable[[int], int] = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError, TypeError):  # not glibc (macOS, musl, Windows)
        return None
    return found


_MALLOC_TRIM = _malloc_trim()


class _Trims:
    """Trims the heap once every `TRIM_EVERY` characters parsed."""

    def __init__(self) -> None:
        self.pending = 0

    def parsed(self, size: int) -> None:
        self.pending += size
        if self.pending >= TRIM_EVERY:
            self.pending = 0
            trim_heap()


_parsed = _Trims().parsed


def _parse(text: str, piece_lines: int) -> cst.Module:
    if text.count("\n") < 2 * piece_lines:
        return cst.parse_module(text)
    cuts = _cuts(text, piece_lines)
    if not cuts:
        return cst.parse_module(text)
    lines = _LINE.findall(text)
    bounds = [0, *cuts, len(lines)]
    try:
        pieces = [cst.parse_module("".join(lines[a:b])) for a, b in pairwise(bounds)]
    except cst.ParserSyntaxError:
        return cst.parse_module(text)  # its error, with the whole text's line numbers
    joined = _join(pieces)
    return cst.parse_module(text) if joined is None else joined


def _cuts(text: str, piece_lines: int) -> list[int]:
    """The 0-based lines where a piece starts: at a top-level statement (its first decorator)
    that begins a line of its own, at least `piece_lines` after the previous cut."""
    try:
        module = ast.parse(text.removeprefix("\ufeff"))
    except (SyntaxError, ValueError):
        return []  # newer syntax than this interpreter reads: libcst parses it whole
    cuts: list[int] = []
    previous = 0
    ended = 0  # the line after the last statement so far, 0-based
    for statement in module.body:
        first = _first_line(statement)
        if first is not None and first >= ended and first - previous >= piece_lines:
            cuts.append(first)
            previous = first
        ended = statement.end_lineno or statement.lineno
    return cuts


def _first_line(statement: ast.stmt) -> int | None:
    """The 0-based line a top-level statement starts on, with its decorators; None when it
    does not start a line (`a = 1; b = 2`, a form feed before it)."""
    decorators: Sequence[ast.expr] = getattr(statement, "decorator_list", ())
    starts = [(statement.lineno, statement.col_offset)]
    starts += [(d.lineno, d.col_offset - 1) for d in decorators]  # `@` is left of it
    line, column = min(starts)
    return line - 1 if column == 0 else None


def _join(pieces: Sequence[cst.Module]) -> cst.Module | None:
    first, last = pieces[0], pieces[-1]
    blocky = [piece for piece in pieces if any(_has_block(s) for s in piece.body)]
    indent = blocky[0].default_indent if blocky else first.default_indent
    if any(piece.default_indent != indent for piece in blocky):
        return None
    body: list[cst.BaseStatement] = list(first.body)
    for before, piece in pairwise(pieces):
        if piece.header or piece.default_newline != first.default_newline or not piece.body:
            return None
        opening = piece.body[0]
        moved = opening.with_changes(leading_lines=(*before.footer, *opening.leading_lines))
        body += [moved, *piece.body[1:]]
    return first.with_changes(
        body=body,
        footer=last.footer,
        default_indent=indent,
        has_trailing_newline=last.has_trailing_newline,
    )


_SUITES = ("body", "orelse", "handlers", "finalbody")  # a `match` is a block itself


def _has_block(node: object) -> bool:
    """Does a top-level statement hold an indented block (whose indentation libcst reads
    against the module's default)? A simple statement or suite holds none."""
    if isinstance(node, cst.IndentedBlock | cst.Match):
        return True
    if not isinstance(node, cst.CSTNode) or isinstance(
        node, cst.SimpleStatementLine | cst.SimpleStatementSuite
    ):
        return False
    for field in _SUITES:
        value = getattr(node, field, None)
        if isinstance(value, tuple | list):
            if any(_has_block(item) for item in value):
                return True
        elif value is not None and _has_block(value):
            return True
    return False
