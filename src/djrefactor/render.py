"""The products of a plan: a git-style unified diff that `git apply` accepts (renames paired as
`git diff -M` pairs them), `--stat` lines, the JSON document and GitHub annotations. Plain text;
the cli decides where and how it is shown."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from functools import lru_cache

from djrefactor.matching import LineMatcher
from djrefactor.model import FileChange, Note, Plan
from djrefactor.similarity import similarity

NO_NEWLINE = "\\ No newline at end of file\n"


def _lines(text: str) -> list[str]:
    # Only "\n" ends a line for git; str.splitlines would also split on \f, \r, \u2028...
    lines = [line + "\n" for line in text.split("\n")]
    lines[-1] = lines[-1][:-1]
    return lines if lines[-1] else lines[:-1]


@lru_cache(maxsize=16)
def _hunks(old: str, new: str) -> tuple[str, ...]:
    """The hunks of difflib's `unified_diff` (three lines of context), each line ending in a
    newline, git's marker after a last line without one. The diff and the line counts of one
    change ask for the same hunks, hence the small cache."""
    a, b = _lines(old), _lines(new)
    out: list[str] = []
    for group in LineMatcher(a, b).get_grouped_opcodes(3):
        first, last = group[0], group[-1]
        out.append(f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@\n")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out += [" " + line for line in a[i1:i2]]
                continue
            out += ["-" + line for line in a[i1:i2]]
            out += ["+" + line for line in b[j1:j2]]
    return tuple(line if line.endswith("\n") else line + "\n" + NO_NEWLINE for line in out)


def _range(start: int, stop: int) -> str:
    """A hunk header's range, as difflib writes it: one line is its number alone, no line is the
    line before and 0."""
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start + 1 if length else start},{length}"


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
    return "".join([*head, f"--- {source}\n", f"+++ {target}\n", *hunks])


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


KIND_WORDS = {"create": "created", "edit": "changed", "move": "moved", "delete": "deleted"}
"""The summary table's words for the kinds of change, used by the JSON document too."""
SCHEMA_VERSION = 1


def counts(changes: Iterable[FileChange]) -> dict[str, int]:
    found = dict.fromkeys(KIND_WORDS.values(), 0)
    for change in changes:
        found[KIND_WORDS[change.kind]] += 1
    return found


def _files(changes: Iterable[FileChange]) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for change in sort_changes(changes):
        added, removed = line_counts(change)
        moved = change.kind == "move"
        rows.append(
            {
                "kind": KIND_WORDS[change.kind],
                "old_path": change.old_path,
                "new_path": change.new_path,
                "similarity": similarity(change.old_text, change.new_text) if moved else None,
                "added": added,
                "removed": removed,
            }
        )
    return rows


def _note(step: str | None, note: Note) -> dict[str, object]:
    return {"step": step, "path": note.path or None, "line": note.line, "message": note.message}


def as_json(plan: Plan, version: str, notes: Sequence[tuple[str | None, Note]]) -> str:
    """The versioned JSON document (plan.schema.json): repository-relative paths only; `notes`
    are the plan's notes at their final paths, with the step that made each (None: the plan)."""
    data: dict[str, object] = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "djrefactor", "version": version},
        "nothing_to_do": plan.is_empty,
        "counts": counts(plan.total) | {"notes": len(notes)},
        "steps": [
            {
                "name": step.name,
                "summary": step.summary,
                "counts": counts(step.files)
                | {"notes": sum(owner == step.name for owner, _ in notes)},
                "files": _files(step.files),
                "diff": diff(step.files),
            }
            for step in plan.steps
        ],
        "files": _files(plan.total),
        "notes": [_note(owner, note) for owner, note in notes],
        "diff": diff(plan.total),
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def github_annotations(notes: Sequence[tuple[str | None, Note]], summary: str) -> str:
    """GitHub workflow commands: a warning per note (at its file and line when it has them)
    and a notice with the summary, for `plan --check --format github` in CI."""
    lines = []
    for step, note in notes:
        properties = [f"title={_property(f'djrefactor {step}' if step else 'djrefactor')}"]
        if note.path:
            properties.insert(0, f"file={_property(note.path)}")
            if note.line:
                properties.insert(1, f"line={note.line}")
        lines.append(f"::warning {','.join(properties)}::{_data(note.message)}\n")
    lines.append(f"::notice title=djrefactor::{_data(summary)}\n")
    return "".join(lines)


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
