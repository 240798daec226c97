"""How generated calls and signatures are laid out: one line when it fits, else one item per line
with a trailing comma (what black and ruff format produce), and moved code re-indented."""

from __future__ import annotations

import re
from collections.abc import Sequence

_MULTILINE_STRING = re.compile(r"'''|\"\"\"")


def reindent(text: str, old: int, new: int) -> str:
    """Shift the continuation lines of `text` from indentation `old` to `new` (left alone when
    a triple-quoted string could span them)."""
    if "\n" not in text or old == new or _MULTILINE_STRING.search(text):
        return text
    first, *rest = text.split("\n")
    shifted = []
    for line in rest:
        stripped = line.lstrip(" ")
        indent = len(line) - len(stripped)
        shifted.append(" " * max(indent - old + new, 0) + stripped if stripped else line)
    return "\n".join([first, *shifted])


def wrap(opening: str, items: Sequence[str], closing: str, indent: int, width: int) -> str:
    """`opening` + items + `closing` on one line when it fits at `indent`, else exploded."""
    line = f"{opening}{', '.join(map(flat, items))}{closing}"
    commented = any("\0" in item for item in items)
    if not commented and "\n" not in line and indent + len(line) <= width:
        return line
    inner = " " * (indent + 4)
    lines = []
    for item in items:
        text, comment = _split_comment(item)
        lines.append(f"{inner}{text},{'  ' + comment if comment else ''}\n")
    return f"{opening}\n{''.join(lines)}{' ' * indent}{closing}"


def _split_comment(item: str) -> tuple[str, str]:
    """An item may carry the comment that followed it in the caller (`\\0# comment`)."""
    text, _, comment = item.partition("\0")
    return text, comment


def with_comment(item: str, comment: str | None) -> str:
    return f"{item}\0{comment}" if comment else item


def flat(item: str) -> str:
    return item.partition("\0")[0]


_GENERIC = re.compile(r"\b(dict|list|tuple|set|type)\[")
_OPTIONAL = re.compile(r"^(.+) \| None$")


def typing_form(annotation: str) -> tuple[str, set[str]]:
    """`dict[str, Any] | None` -> `Optional[Dict[str, Any]]` for a Python that evaluates
    annotations and has neither PEP 585 nor PEP 604 (before 3.7, no `__future__` import)."""
    names: set[str] = set()

    def capital(match: re.Match[str]) -> str:
        names.add(match.group(1).capitalize())
        return f"{match.group(1).capitalize()}["

    text = _GENERIC.sub(capital, annotation)
    optional = _OPTIONAL.match(text)
    if optional:
        names.add("Optional")
        text = f"Optional[{optional.group(1)}]"
    return text, {f"from typing import {name}" for name in names}
