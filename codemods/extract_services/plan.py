"""What `extract-services` does to one views module, decided before anything is named: the
extractions that can move, the module-level definitions that move with them, the names the view
keeps reading, and the notes for what stays."""

from __future__ import annotations

from dataclasses import dataclass, field

from djrefactor.engine import Note

from .conditions import Condition
from .extract import Extraction
from .hints import HandlerTypes
from .view import (
    ViewModule,
    definitions_needed,
    find_extractions,
    is_module_named,
    transport_reasons,
    used_names,
)


@dataclass
class Draft:
    """One views module's share of the run."""

    view: ViewModule
    extractions: list[Extraction]
    moved: list[str]
    """Module-level definitions that move to the service (a module-named value is copied)."""
    used: frozenset[str]
    """Every module-level name of the view the moved code needs."""
    still_read: frozenset[str]
    """Module-level names the view still reads once the moved code is gone."""
    notes: list[Note]
    types: dict[int, HandlerTypes]
    order: dict[int, int]
    names: dict[int, str] = field(default_factory=dict)
    conditions: dict[int, Condition] = field(default_factory=dict)
    """Failure stop (by id) -> the condition naming its exception."""

    @property
    def copied(self) -> list[str]:
        return [n for n in self.moved if is_module_named(self.view.bindings[n].statement)]

    @property
    def removed(self) -> list[str]:
        return [n for n in self.moved if n not in self.copied]


def draft_file(view: ViewModule) -> Draft:
    blocked: dict[int, str] = {}
    notes: list[Note] = []
    while True:
        found = find_extractions(view, blocked)
        extractions = list(found.extractions)
        moved, reasons = definitions_needed(view, extractions)
        reasons |= transport_reasons(view, extractions)
        for extraction in extractions:
            if id(extraction) in reasons:
                handler = extraction.handler
                where = f"{handler.line_name} left in the {handler.layer}"
                notes.append(view.note(handler.function, f"{where}: {reasons[id(extraction)]}"))
        extractions = [e for e in extractions if id(e) not in reasons]
        moved, _ = definitions_needed(view, extractions)
        still = still_read(view, extractions, moved)
        conflicts = _patch_conflicts(view, extractions, moved, still)
        if not conflicts:
            break
        blocked.update(conflicts)
        notes = []
    used = used_names(view, extractions, moved)
    return Draft(
        view,
        extractions,
        moved,
        used,
        still,
        [*found.notes, *notes],
        found.types,
        found.order,
    )


def moved_ids(view: ViewModule, extractions: list[Extraction], removed: list[str]) -> set[int]:
    """The nodes that leave the view: the moved statements of every run (exits, hoisted reads
    and lifted expressions stay) and the definitions that move."""
    index = view.index
    ids: set[int] = set()
    for extraction in extractions:
        run = extraction.run
        stay = index.ids(
            [*(s for stop in extraction.stops for s in stop.exit.tail), *run.hoisted]
        ) | index.ids([lift.node for lift in extraction.lifts])
        ids |= set(index.ids(list(run.span)) - stay)
    for name in removed:
        ids |= index.ids([view.bindings[name].statement])
    return ids


def still_read(view: ViewModule, extractions: list[Extraction], moved: list[str]) -> frozenset[str]:
    removed = [n for n in moved if not is_module_named(view.bindings[n].statement)]
    gone = moved_ids(view, extractions, removed)
    names = view.analysis.names
    found = set()
    for binding in names.assignments(view.tree):
        if any(id(ref) not in gone for ref in names.references(binding)):
            found.add(binding.name)
    return frozenset(found)


def _patch_conflicts(
    view: ViewModule, extractions: list[Extraction], moved: list[str], still: frozenset[str]
) -> dict[int, str]:
    """Runs whose names tests patch through the view while the view still uses them too."""
    targets = {t for t in view.patched() if "." not in t}
    conflicts: dict[int, str] = {}
    for extraction in extractions:
        used = used_names(view, [extraction], moved) & targets & still
        if used:
            name = sorted(used)[0]
            conflicts[id(extraction.run.first)] = (
                f"tests patch {view.module}.{name}, which both the view and the workflow use; "
                "patch it in both places, then move the workflow by hand"
            )
    return conflicts
