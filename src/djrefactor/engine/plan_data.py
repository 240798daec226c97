"""A plan (and a step) as plain JSON-able data and back: what `plan --save` writes and the
step cache keeps.

Reading checks what it trusts: paths stay inside the repository, modes are git's file modes."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from djrefactor.model import FileChange, Note, Plan, Step


def plan_data(plan: Plan) -> dict[str, Any]:
    return {
        "root": plan.root,
        "notes": [asdict(note) for note in plan.notes],
        "steps": [step_data(step) for step in plan.steps],
        "total": [asdict(change) for change in plan.total],
    }


def step_data(step: Step) -> dict[str, Any]:
    return {
        "name": step.name,
        "summary": step.summary,
        "notes": [asdict(note) for note in step.notes],
        "files": [asdict(change) for change in step.files],
    }


def plan_from(data: dict[str, Any]) -> Plan:
    steps = tuple(step_from(step) for step in data["steps"])
    notes = tuple(_note(note) for note in data["notes"])
    total = tuple(_change(change) for change in data["total"])
    return Plan(str(data["root"]), steps, total, notes)


def step_from(data: dict[str, Any]) -> Step:
    return Step(
        str(data["name"]),
        str(data["summary"]),
        tuple(_change(change) for change in data["files"]),
        tuple(_note(note) for note in data["notes"]),
    )


def _change(data: dict[str, Any]) -> FileChange:
    change = FileChange(
        _path(data["old_path"]),
        _path(data["new_path"]),
        str(data["old_text"]),
        str(data["new_text"]),
        str(data["mode"]),
        bool(data.get("opaque", False)),
    )
    if change.mode not in ("100644", "100755"):
        raise ValueError(f"mode {change.mode}")
    return change


def _path(value: Any) -> str | None:
    if value is None:
        return None
    path = str(value)
    if not path or path.startswith("/") or ".." in path.split("/"):
        raise ValueError(f"path {path!r}")
    return path


def _note(data: dict[str, Any]) -> Note:
    line = data["line"]
    return Note(str(data["path"]), None if line is None else int(line), str(data["message"]))
