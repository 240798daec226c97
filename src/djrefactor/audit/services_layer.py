"""Rule 3: a services layer for business logic.

Why: a workflow written inside a view (or a serializer) can only run from that one HTTP
endpoint; as a plain function in services/ taking plain values it is reusable from API views,
admin actions, tasks and tests, and the view stays transport.
Finds: view and serializer functions that write through the ORM, call a vendor SDK or an
integration, send mail or open a transaction; services that import views, serializers or HTTP
modules (the services contract).
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from djrefactor.audit._code import Function, Source, calls
from djrefactor.audit._report import Finding
from djrefactor.discovery.files import is_test_path
from djrefactor.discovery.layering import SERVICES_CONTRACT, violations
from djrefactor.discovery.vendors import registry
from djrefactor.project import Project

NUMBER = 3
TITLE = "services layer"

CREATES = frozenset({"create", "get_or_create", "update_or_create", "bulk_create", "bulk_update"})
SAVES = frozenset({"save", "delete"})
QUERYSETS = frozenset(
    {"objects", "filter", "exclude", "all", "select_for_update", "select_related"}
)
WHY = (
    "the workflow can only run through this endpoint: an API view, an admin action or a task "
    "that needs it copies it, and its tests need a request"
)


def check(project: Project) -> Iterator[Finding]:
    vendors = frozenset(registry(project.config.vendors))
    for app in project.facts.apps:
        for path in (*app.views, *app.serializers):
            if not is_test_path(path):
                yield from _fat_functions(Source(project, path), vendors, app.label)
    for violation in violations(project):
        if violation.contract == SERVICES_CONTRACT:
            yield Finding(
                NUMBER,
                violation.path,
                violation.line,
                violation.reason.split(":", 1)[0],
                "a service that builds responses or reaches into views can only be called "
                "from a request, and ties the business rules to one transport",
                violation.reason.split(": ", 1)[1]
                + "; `lint-imports` checks this once add-layering-contract wrote the contract",
            )


def _fat_functions(source: Source, vendors: frozenset[str], app: str) -> Iterator[Finding]:
    for function in source.functions():
        business = list(_business(source, function, vendors))
        if not business:
            continue
        listed = "; ".join(f"{what} (line {source.line(node)})" for what, node in business[:3])
        more = f"; and {len(business) - 3} more" if len(business) > 3 else ""
        yield Finding(
            NUMBER,
            source.path,
            source.line(function.node),
            f"{function.qualname} runs business logic in the transport layer: {listed}{more}",
            WHY,
            f"run `djrefactor apply`: extract-services moves the workflow to services/{app}.py "
            "as a function taking plain values, and lists as a note each view it leaves alone "
            "(move those by hand)",
        )


def _business(
    source: Source, function: Function, vendors: frozenset[str]
) -> Iterator[tuple[str, cst.Call]]:
    for call in calls(function.node.body):
        what = _what(source, call, vendors)
        if what:
            yield what, call


def _what(source: Source, call: cst.Call, vendors: frozenset[str]) -> str | None:
    origin = source.origin(call.func) or ""
    top = origin.split(".")[0]
    if top in vendors:
        return f"calls {top} ({origin})"
    if top == "integrations":
        return f"calls {origin}"
    if origin.startswith("django.core.mail."):
        return f"sends mail ({origin.rsplit('.', 1)[1]})"
    if origin == "django.db.transaction.atomic":
        return "opens a transaction"
    func = call.func
    if isinstance(func, cst.Attribute) and not _is_cache(source, func.value):
        method = func.attr.value
        if method in SAVES or (method in CREATES | {"update"} and _is_queryset(func.value)):
            return f"writes through the ORM (.{method}())"
    return None


def _is_cache(source: Source, receiver: cst.BaseExpression) -> bool:
    return (source.origin(receiver) or "").startswith(
        ("django.core.cache", "django.contrib.sessions")
    )


def _is_queryset(node: cst.BaseExpression) -> bool:
    """`Model.objects...` or `<anything>.filter(...)`: `.update()` on a dict, `.create()` on a
    vendor client are not writes (a related manager's `.create()` is missed, on purpose)."""
    while True:
        if isinstance(node, cst.Call):
            node = node.func
        elif isinstance(node, cst.Attribute):
            if node.attr.value in QUERYSETS:
                return True
            node = node.value
        else:
            return False
