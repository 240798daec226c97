"""The products of a plan: a git-style unified diff that `git apply` accepts (renames paired as
`git diff -M` pairs them), `--stat` lines, the JSON document and GitHub annotations. Plain text;
the cli decides where and how it is shown."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from djrefactor.matching import LineMatcher
from djrefactor.model import FileChange, Note, Plan, Step
from djrefactor.similarity import similarity

NO_NEWLINE = "\\ No newline at end of file\n"


def _lines(text: str) -> list[str]:
    # Only "\n" ends a line for git; str.splitlines would also split on \f, \r, \u2028...
    lines = [line + "\n" for line in text.split("\n")]
    lines[-1] = lines[-1][:-1]
    return lines if lines[-1] else lines[:-1]


def _hunks(old: str, new: str) -> tuple[str, ...]:
    """The hunks of difflib's `unified_diff` (three lines of context), each line ending in a
    newline, git's marker after a last line without one."""
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
    return _render(change, _hunks(change.old_text, change.new_text))


def _render(change: FileChange, hunks: Sequence[str]) -> str:
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
    if not hunks:
        return "".join(head)
    source = "/dev/null" if kind == "create" else f"a/{old_path}"
    target = "/dev/null" if kind == "delete" else f"b/{new_path}"
    return "".join([*head, f"--- {source}\n", f"+++ {target}\n", *hunks])


def diff(changes: Iterable[FileChange]) -> str:
    return _joined(_with_hunks(changes))


def _with_hunks(changes: Iterable[FileChange]) -> list[tuple[FileChange, tuple[str, ...]]]:
    """The changes in diff order, each with its hunks: what both the diff and the line counts
    of the JSON document are made from, so that each file is compared once."""
    return [(change, _hunks(change.old_text, change.new_text)) for change in sort_changes(changes)]


def _joined(rendered: Sequence[tuple[FileChange, Sequence[str]]]) -> str:
    return "".join(_render(change, hunks) for change, hunks in rendered)


def sort_changes(changes: Iterable[FileChange]) -> list[FileChange]:
    return sorted(changes, key=lambda change: change.new_path or change.old_path or "")


def line_counts(change: FileChange) -> tuple[int, int]:
    """Lines added and removed, as `git diff --stat` counts them."""
    return _counts(_hunks(change.old_text, change.new_text))


def _counts(hunks: Sequence[str]) -> tuple[int, int]:
    added = removed = 0
    for line in hunks:
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


def _files(rendered: Sequence[tuple[FileChange, Sequence[str]]]) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for change, hunks in rendered:
        added, removed = _counts(hunks)
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


def _step(step: Step, notes: Sequence[tuple[str | None, Note]]) -> dict[str, object]:
    rendered = _with_hunks(step.files)
    return {
        "name": step.name,
        "summary": step.summary,
        "counts": counts(step.files) | {"notes": sum(owner == step.name for owner, _ in notes)},
        "files": _files(rendered),
        "diff": _joined(rendered),
    }


def as_json(plan: Plan, version: str, notes: Sequence[tuple[str | None, Note]]) -> str:
    """The versioned JSON document (plan.schema.json): repository-relative paths only; `notes`
    are the plan's notes at their final paths, with the step that made each (None: the plan)."""
    total = _with_hunks(plan.total)
    data: dict[str, object] = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "djrefactor", "version": version},
        "nothing_to_do": plan.is_empty,
        "counts": counts(plan.total) | {"notes": len(notes)},
        "steps": [_step(step, notes) for step in plan.steps],
        "files": _files(total),
        "notes": [_note(owner, note) for owner, note in notes],
        "diff": _joined(total),
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
