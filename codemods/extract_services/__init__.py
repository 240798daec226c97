"""Move business workflows out of views and serializers into `services/<app>.py`.

Why: views are transport (read the request, call a service, build the response); a workflow that
takes plain values (a user, an id, cleaned data) can be reused from an API, a task or the admin,
and tested without a request.
Before: `def book_appointment(request, doctor_id)` validates a form, then creates rows, charges a
card and sends mail before redirecting, with early returns when the card is declined.
After: `services/appointments.py` has `def book_appointment(doctor: Doctor, data: dict[str, Any],
user: User) -> None` (typed, documented, named for what it does) holding those statements and the
domain rules around them; its failures raise exceptions named for the condition
(`PaymentDeclined`, with named attributes, raised `from` their cause) that the view catches to
answer as before, and a success shortcut returns False instead. The view keeps the request
reading, the messages and the response. Module state the workflow shares with the view moves to
one home, loggers keep their names, every comment stays next to its code, and `mock.patch`
targets that named the moved code through the view module are redirected.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import libcst as cst

from djrefactor.discovery.files import is_test_path
from djrefactor.discovery.layers import LAYER_PACKAGES, is_transport_module
from djrefactor.engine import Changes, ImportRequest, Note, Project, Redirect

from .emit import emit_file, name_extractions
from .facts import Shared
from .plan import Draft, draft_file
from .service import ServiceModule
from .view import app_label, load_view

SUMMARY = "move business workflows from views and serializers into services/<app>.py"
AFTER: tuple[str, ...] = ("extract-integrations",)


def run(project: Project) -> Changes:
    """The views modules are read app by app: an app's workflows are named together (names
    are unique per service module), then emitted, and only then is the next app read, so one
    app's analyses are alive at a time, not the whole repository's. What the step returns is
    put back in repository order."""
    shared = Shared(project)
    services: dict[str, ServiceModule | str] = {}
    found = _Found()
    for group in _by_app(project, list(transport_files(project))):
        _run_app(shared, group, services, found)
        for _, path, _ in group:
            shared.forget(path)
    order = sorted(found.first_use, key=found.first_use.__getitem__)
    return _changes(project, found, [services[label] for label in order])


def _run_app(
    shared: Shared,
    group: Sequence[tuple[int, str, str]],
    services: dict[str, ServiceModule | str],
    found: _Found,
) -> None:
    """One app's views modules: drafted, named together, emitted (its own function, so that
    its drafts and analyses are freed on return)."""
    project = shared.project
    drafts: list[tuple[int, Draft, ServiceModule]] = []
    for at, path, label in group:
        view = load_view(shared, path)
        if view is None:
            continue
        if label not in services:
            found.first_use[label] = at
            services[label] = ServiceModule.load(project, label, _app_module(project, label))
            loaded = services[label]
            if isinstance(loaded, ServiceModule):
                loaded.width = shared.line_length
        service = services[label]
        if isinstance(service, str):
            found.notes[at] = [Note(path, None, f"left in the view: {service}")]
            continue
        draft = draft_file(view)
        found.notes[at] = list(draft.notes)
        if draft.extractions:
            drafts.append((at, draft, service))
    if drafts:
        found.naming[drafts[0][0]] = name_extractions([(d, s) for _, d, s in drafts])
    for at, draft, service in drafts:
        if draft.extractions:
            found.views[at] = (draft.view.path, *emit_file(draft, service))


@dataclass
class _Found:
    """What the step found, by the place of its views module among the transport files."""

    notes: dict[int, list[Note]] = field(default_factory=dict)
    naming: dict[int, list[Note]] = field(default_factory=dict)
    """Naming notes of an app, by the place of its first views module with workflows."""
    views: dict[int, tuple[str, cst.Module, list[ImportRequest], list[Redirect]]] = field(
        default_factory=dict
    )
    first_use: dict[str, int] = field(default_factory=dict)
    """App label -> the place of its first views module (the order its service comes in)."""


def _by_app(project: Project, paths: Sequence[str]) -> list[list[tuple[int, str, str]]]:
    """The transport files grouped by app label, each with its place in `paths`."""
    groups: dict[str, list[tuple[int, str, str]]] = {}
    for at, path in enumerate(paths):
        label = app_label(project, path)
        groups.setdefault(label, []).append((at, path, label))
    return list(groups.values())


def _changes(project: Project, found: _Found, services: Sequence[ServiceModule | str]) -> Changes:
    writes: dict[str, cst.Module | str] = {}
    imports: dict[str, tuple[ImportRequest, ...]] = {}
    redirects: list[Redirect] = []
    deletes: set[str] = set()
    for at in sorted(found.views):
        path, view, requests, redirected = found.views[at]
        writes[path] = view
        imports[path] = tuple(requests)
        redirects += redirected
    for module in services:
        if isinstance(module, ServiceModule):
            files, removed, requested = module.changes(project)
            writes.update(files)
            deletes |= removed
            imports.update(requested)
    notes = [note for at in sorted(found.notes) for note in found.notes[at]]
    notes += [note for at in sorted(found.naming) for note in found.naming[at]]
    return Changes(
        writes=writes,
        deletes=frozenset(deletes),
        imports=imports,
        redirects=tuple(redirects),
        notes=tuple(notes),
    )


def transport_files(project: Project) -> Iterator[str]:
    """Views, viewsets, serializers and API modules, tests and migrations aside."""
    for path in project.python_paths():
        rel = path[len(project.source_root) + 1 :] if project.source_root else path
        parts = rel.split("/")
        if is_test_path(rel) or parts[0] in LAYER_PACKAGES or "migrations" in parts:
            continue
        if is_transport_module(project, path):
            yield path


def _app_module(project: Project, label: str) -> str | None:
    for app in project.facts.apps:
        if app.label == label:
            return app.module
    return label if project.is_package(label) else None
