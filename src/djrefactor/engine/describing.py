"""What a reviewer reads about a plan: its notes where the files end up (final paths and lines),
grouped when one message concerns several places; what operators must set; and the pull
request description, with the layering before and after as Mermaid graphs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from djrefactor.discovery.files import is_migration, is_settings_path, is_test_path
from djrefactor.discovery.vendors import registry
from djrefactor.matching import LineMatcher
from djrefactor.model import FileChange, Note, Plan, Step
from djrefactor.project import Project

OPERATORS = "operators:"


@dataclass(frozen=True)
class NoteGroup:
    """One message and every place it concerns (`path` or `path:line`, final paths)."""

    step: str | None
    message: str
    places: tuple[str, ...]

    def __str__(self) -> str:
        where = ", ".join(place for place in self.places if place)
        return f"{where}: {self.message}" if where else self.message


def located_notes(plan: Plan) -> list[tuple[str | None, Note]]:
    """Every note with the step that made it (None: the plan's own), at the path and line it
    has in the final tree."""
    found: list[tuple[str | None, Note]] = [(None, note) for note in plan.notes]
    for index, step in enumerate(plan.steps):
        found += [(step.name, final_note(plan.steps, index, note)) for note in step.notes]
    return found


def grouped_notes(plan: Plan) -> list[NoteGroup]:
    """`located_notes`, one group per step and message, places in the order noted."""
    groups: dict[tuple[str | None, str], list[str]] = {}
    for step, note in located_notes(plan):
        groups.setdefault((step, note.message), []).append(_place(note))
    return [
        NoteGroup(step, message, tuple(dict.fromkeys(places)))
        for (step, message), places in groups.items()
    ]


def in_original_tree(plan: Plan, note: Note) -> Note:
    """A note at its final place, placed in the tree before the plan (the one CI checks out):
    a file the plan creates has no place there, so the message names it."""
    change = next((c for c in plan.total if c.new_path == note.path), None) if note.path else None
    if change is None:
        return note
    if change.old_path is None:
        return Note("", None, f"{_place(note)}: {note.message}")
    line = _line_after(change.new_text, change.old_text, note.line) if note.line else None
    return Note(change.old_path, line, note.message)


def operator_notes(plan: Plan) -> list[str]:
    """What operators must set or change, from the notes that say `operators: ...`."""
    found = []
    for step in plan.steps:
        for note in step.notes:
            if note.message.startswith(OPERATORS):
                found.append(note.message.removeprefix(OPERATORS).strip())
    return list(dict.fromkeys(found))


def _place(note: Note) -> str:
    return f"{note.path}:{note.line}" if note.path and note.line else note.path


def final_note(steps: Sequence[Step], index: int, note: Note) -> Note:
    """`note` of step `index`, following its file through that step (a note names the file as
    the codemod read it) and the later ones: renames give the final path, edits move the line.
    A line whose text a step removed keeps the place it was noted at."""
    path, line = note.path, note.line
    if not path:
        return note
    own = _change_from(steps[index], path)
    later = steps[index + 1 :] if own is None else [steps[index], *steps[index + 1 :]]
    for step in later:
        change = _change_from(step, path)
        if change is None:
            continue
        if change.new_path is None:
            return note
        if line is not None:
            mapped = _line_after(change.old_text, change.new_text, line)
            if mapped is None:
                return note
            line = mapped
        path = change.new_path
    return Note(path, line, note.message)


def _change_from(step: Step, path: str) -> FileChange | None:
    return next((change for change in step.files if change.old_path == path), None)


def _line_after(old: str, new: str, line: int) -> int | None:
    if old == new:
        return line
    for tag, old_start, old_end, new_start, _ in _opcodes(old, new):
        if old_start < line <= old_end:
            return new_start + line - old_start if tag == "equal" else None
    return None


@lru_cache(maxsize=512)
def _opcodes(old: str, new: str) -> tuple[tuple[str, int, int, int, int], ...]:
    matcher = LineMatcher(old.splitlines(), new.splitlines(), autojunk=False)
    return tuple(matcher.get_opcodes())


# -- the pull request description --------------------------------------------------------------
LAYERS = ("views", "tasks", "commands", "models", "services", "integrations", "app code")


def layer_of(path: str, module: str) -> str | None:
    """Which layer a module of the project belongs to (None: settings, tests, migrations)."""
    parts = module.split(".")
    if is_test_path(path) or is_migration(path) or is_settings_path(path):
        return None
    if parts[0] in ("integrations", "services"):
        return parts[0]
    if "management" in parts and "commands" in parts:
        return "commands"
    if any(part in ("views", "viewsets", "api", "serializers") for part in parts):
        return "views"
    if "tasks" in parts:
        return "tasks"
    if "models" in parts:
        return "models"
    return None if parts[0] == "config" else "app code"


@dataclass(frozen=True)
class Layering:
    """Who imports whom, by layer: module counts per layer, per layer edge and per vendor SDK,
    and which modules import a vendor SDK."""

    modules: dict[str, int]
    edges: dict[tuple[str, str], int]
    vendor_importers: dict[str, tuple[str, ...]]


def layering(project: Project) -> Layering:
    vendors = set(registry(project.config.vendors))
    modules: dict[str, int] = {}
    edges: dict[tuple[str, str], set[str]] = {}
    importers: dict[str, tuple[str, ...]] = {}
    for path in project.python_paths():
        module = project.module_for(path)
        layer = layer_of(path, module) if module else None
        if module is None or layer is None:
            continue
        modules[layer] = modules.get(layer, 0) + 1
        used = sorted({m.split(".")[0] for m in project.imports(path).modules()} & vendors)
        if used:
            importers[path] = tuple(used)
        for vendor in used:
            edges.setdefault((layer, vendor), set()).add(path)
        for target in _imported_layers(project, path):
            if target != layer:
                edges.setdefault((layer, target), set()).add(path)
    counted = {edge: len(paths) for edge, paths in sorted(edges.items())}
    return Layering(modules, counted, importers)


def _imported_layers(project: Project, path: str) -> set[str]:
    found = set()
    for imported in project.imports(path).names:
        for dotted in (imported.dotted, imported.module):
            target = project.path_for(dotted)
            if target is not None:
                layer = layer_of(target, dotted)
                if layer is not None:
                    found.add(layer)
                break
    return found


def final_project(plan: Plan, original: Project) -> Project:
    """The snapshot the plan leaves, from the original and the plan's total change."""
    texts = {c.new_path: c.new_text for c in plan.total if c.new_path is not None}
    gone = [c.old_path for c in plan.total if c.old_path and c.old_path != c.new_path]
    return original.evolve(texts, {}, gone)


def mermaid(shape: Layering) -> str:
    lines = ["```mermaid", "flowchart LR"]
    layers = [layer for layer in LAYERS if layer in shape.modules]
    for layer in layers:
        lines.append(f'  {_node(layer)}["{layer} ({shape.modules[layer]})"]')
    vendors = sorted({target for (_, target) in shape.edges if target not in LAYERS})
    for vendor in vendors:
        lines.append(f'  {_node(vendor)}(["{vendor}"])')
    for (source, target), count in shape.edges.items():
        lines.append(f"  {_node(source)} -->|{count}| {_node(target)}")
    lines.append("```")
    return "\n".join(lines)


def _node(name: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in name)


def pr_description(plan: Plan, original: Project) -> str:
    """Markdown for the pull request: each step with what it did and left, what operators must
    set, and the layering before and after (Mermaid), so the shape shows before the diff."""
    before, after = layering(original), layering(final_project(plan, original))
    steps = [step for step in plan.steps if step.files]
    lines = [
        "# Restructure the project with djrefactor",
        "",
        f"{len(steps)} commits, one per step, made by `djrefactor apply`; review them one at a "
        "time. Every import and string reference to a moved name was rewritten.",
        "",
        "| step | created | changed | moved | deleted | notes |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for step in steps:
        counts = [str(step.count(kind)) for kind in ("create", "edit", "move", "delete")]
        lines.append(f"| `{step.name}` | {' | '.join(counts)} | {len(step.notes)} |")
    lines += ["", *_operators_section(plan), *_steps_section(plan)]
    lines += ["## Layering", "", *_shape_lines(before, after), ""]
    lines += ["Before:", "", mermaid(before), "", "After:", "", mermaid(after), ""]
    return "\n".join(lines)


def _operators_section(plan: Plan) -> list[str]:
    operators = operator_notes(plan)
    if not operators:
        return []
    return ["## Before deploying, operators must", "", *(f"- {item}" for item in operators), ""]


def _steps_section(plan: Plan) -> list[str]:
    lines = ["## What each step did", ""]
    groups = grouped_notes(plan)
    for step in plan.steps:
        if not step.files:
            continue
        lines += [f"### `{step.name}`", "", f"{step.summary[:1].upper()}{step.summary[1:]}.", ""]
        left = [g for g in groups if g.step == step.name and not g.message.startswith(OPERATORS)]
        if left:
            lines += ["Left for a human:", ""]
            lines += [f"- {_markdown_places(group)}{group.message}" for group in left]
            lines.append("")
    return lines


def _markdown_places(group: NoteGroup) -> str:
    places = [f"`{place}`" for place in group.places if place]
    return f"{', '.join(places)}: " if places else ""


def _shape_lines(before: Layering, after: Layering) -> list[str]:
    def listed(shape: Layering) -> str:
        found = [f"`{path}` ({', '.join(v)})" for path, v in sorted(shape.vendor_importers.items())]
        return ", ".join(found) or "none"

    return [
        f"Modules importing a vendor SDK: {len(before.vendor_importers)} before, "
        f"{len(after.vendor_importers)} after.",
        "",
        f"- before: {listed(before)}",
        f"- after: {listed(after)}",
        "",
        'Arrows read "imports", labelled with the number of modules; settings, tests and '
        "migrations are left out.",
    ]
