"""The products of a plan: a git-style unified diff that `git apply` accepts (renames included),
`--stat` lines and the JSON document. Plain text; the cli decides where and how it is shown."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable

from djrefactor.model import FileChange, Plan

NO_NEWLINE = "\\ No newline at end of file\n"


def _lines(text: str) -> list[str]:
    # Only "\n" ends a line for git; str.splitlines would also split on \f, \r, \u2028...
    lines = [line + "\n" for line in text.split("\n")]
    lines[-1] = lines[-1][:-1]
    return lines if lines[-1] else lines[:-1]


def _hunks(old: str, new: str) -> list[str]:
    out: list[str] = []
    diff = difflib.unified_diff(_lines(old), _lines(new), n=3, lineterm="\n")
    for index, line in enumerate(diff):
        if index < 2:  # difflib's own ---/+++ header; ours is written by the caller
            continue
        if line.endswith("\n"):
            out.append(line)
        else:
            out.append(line + "\n" + NO_NEWLINE)
    return out


def similarity(old: str, new: str) -> int:
    if old == new:
        return 100
    return int(difflib.SequenceMatcher(None, old, new, autojunk=False).quick_ratio() * 100)


def render_change(change: FileChange) -> str:
    old_path = change.old_path or change.new_path
    new_path = change.new_path or change.old_path
    head = [f"diff --git a/{old_path} b/{new_path}\n"]
    kind = change.kind
    if kind == "create":
        head.append(f"new file mode {change.mode}\n")
    elif kind == "delete":
        head.append(f"deleted file mode {change.mode}\n")
    elif kind == "move":
        head += [
            f"similarity index {similarity(change.old_text, change.new_text)}%\n",
            f"rename from {change.old_path}\n",
            f"rename to {change.new_path}\n",
        ]
    hunks = _hunks(change.old_text, change.new_text)
    if not hunks:
        return "".join(head)
    source = "/dev/null" if kind == "create" else f"a/{old_path}"
    target = "/dev/null" if kind == "delete" else f"b/{new_path}"
    return "".join(head + [f"--- {source}\n", f"+++ {target}\n"] + hunks)


def diff(changes: Iterable[FileChange]) -> str:
    return "".join(render_change(change) for change in sort_changes(changes))


def sort_changes(changes: Iterable[FileChange]) -> list[FileChange]:
    return sorted(changes, key=lambda change: change.new_path or change.old_path or "")


def line_counts(change: FileChange) -> tuple[int, int]:
    """Lines added and removed, as `git diff --stat` counts them."""
    added = removed = 0
    for line in _hunks(change.old_text, change.new_text):
        if line.startswith("+"):
            added += 1
        elif line.startswith("-"):
            removed += 1
    return added, removed


def stat(plan: Plan) -> str:
    lines = []
    for change in sort_changes(plan.total):
        added, removed = line_counts(change)
        name = change.new_path or change.old_path or ""
        if change.kind == "move":
            name = f"{change.old_path} => {change.new_path}"
        lines.append(f" {name} | +{added} -{removed}\n")
    lines.append(f" {len(plan.total)} files changed\n")
    return "".join(lines)


def _files(changes: Iterable[FileChange]) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for change in sort_changes(changes):
        added, removed = line_counts(change)
        rows.append(
            {
                "kind": change.kind,
                "old_path": change.old_path,
                "new_path": change.new_path,
                "added": added,
                "removed": removed,
            }
        )
    return rows


def as_json(plan: Plan) -> str:
    data = {
        "root": plan.root,
        "nothing_to_do": plan.is_empty,
        "steps": [
            {
                "name": step.name,
                "summary": step.summary,
                "files": _files(step.files),
                "notes": [
                    {"path": n.path, "line": n.line, "message": n.message} for n in step.notes
                ],
                "diff": diff(step.files),
            }
            for step in plan.steps
        ],
        "diff": diff(plan.total),
    }
    return json.dumps(data, indent=2) + "\n"
