"""A configuration file as a run of sections, so one section can be replaced and the rest keeps
every byte (comments, order, spacing). TOML and INI differ only in how a header and a key's
continuation lines look; each format passes its own patterns.

The text edits here are checked afterwards by parsing the result (see toml_file and ini_file):
an edit that does not say exactly what was wanted is never written.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Section:
    """`header` is the table or section name (None before the first header); `lines` include
    the header line and end with the blank lines before the next header."""

    header: str | None
    array: bool
    lines: list[str] = field(default_factory=list)

    def body_end(self) -> int:
        """Where trailing blank lines start (new keys and sections go there)."""
        end = len(self.lines)
        while end > 1 and not self.lines[end - 1].strip():
            end -= 1
        return end


def split(text: str, header: re.Pattern[str]) -> list[Section]:
    sections = [Section(None, False)]
    for line in text.splitlines(keepends=True):
        match = header.match(line)
        if match:
            sections.append(Section(match.group("name").strip(), bool(match.group("array"))))
        sections[-1].lines.append(line)
    return sections


def join(sections: list[Section]) -> str:
    return "".join(line for section in sections for line in section.lines)


def drop_keys(
    section: Section, keys: frozenset[str], key_line: re.Pattern[str], continues: ContinuesFn
) -> int:
    """Remove `keys` (with their continuation lines) from `section`; the index of the first one
    removed, or of the line after the header when none was there."""
    kept: list[str] = []
    first: int | None = None
    index = 0
    lines = section.lines
    while index < len(lines):
        match = key_line.match(lines[index])
        if index > 0 and match and match.group("key") in keys:
            first = len(kept) if first is None else first
            end = index + 1
            while end < len(lines) and continues(lines[index:end], lines[end]):
                end += 1
            index = end
            continue
        kept.append(lines[index])
        index += 1
    section.lines = kept
    return 1 if first is None else first


ContinuesFn = Callable[[list[str], str], bool]
"""Does `line` still belong to the key whose lines so far are the first argument?"""


def as_block(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def ensure_newline(text: str) -> str:
    return text if not text or text.endswith("\n") else text + "\n"
