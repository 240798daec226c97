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
    shared = Shared(project)
    services: dict[str, ServiceModule | str] = {}
    drafts: list[tuple[Draft, ServiceModule]] = []
    notes: list[Note] = []
    for path in transport_files(project):
        view = load_view(shared, path)
        if view is None:
            continue
        label = app_label(project, path)
        if label not in services:
            services[label] = ServiceModule.load(project, label, _app_module(project, label))
            loaded = services[label]
            if isinstance(loaded, ServiceModule):
                loaded.width = shared.line_length
        service = services[label]
        if isinstance(service, str):
            notes.append(Note(path, None, f"left in the view: {service}"))
            continue
        draft = draft_file(view)
        notes += draft.notes
        if draft.extractions:
            drafts.append((draft, service))
    notes += name_extractions(drafts)
    return _changes(project, drafts, services, notes)


def _changes(
    project: Project,
    drafts: Sequence[tuple[Draft, ServiceModule]],
    services: dict[str, ServiceModule | str],
    notes: list[Note],
) -> Changes:
    writes: dict[str, cst.Module | str] = {}
    imports: dict[str, tuple[ImportRequest, ...]] = {}
    redirects: list[Redirect] = []
    deletes: set[str] = set()
    for draft, service in drafts:
        if not draft.extractions:
            continue
        view, requests, found = emit_file(draft, service)
        writes[draft.view.path] = view
        imports[draft.view.path] = tuple(requests)
        redirects += found
    for module in services.values():
        if isinstance(module, ServiceModule):
            files, removed, requested = module.changes(project)
            writes.update(files)
            deletes |= removed
            imports.update(requested)
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
