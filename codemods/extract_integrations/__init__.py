"""Put every third-party SDK call behind a small wrapper in `integrations/<vendor>.py`.

Why: integrations are not apps (LAYOUT rule 5). When Stripe, Twilio or S3 calls are spread across
views, models and tasks, a vendor change touches the whole project; behind one module per
provider it stays local, and nothing else imports the SDK.
Before: `stripe.api_key = settings.STRIPE_SECRET_KEY` and `stripe.PaymentIntent.create(...)` in
views, `Client(sid, token).messages.create(...)` in a task, `except stripe.error.CardError`.
After: `integrations/stripe.py` holds `create_payment_intent(**kwargs)` (keys set inside) and
re-exports `CardError`; the callers import those, vendor imports they no longer need are gone,
and `mock.patch("app.views.stripe...")` targets in the tests name the integration module.
What cannot move safely (a client passed around, dynamic access) stays, with a note.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import libcst as cst

from djrefactor.discovery.files import is_test_path
from djrefactor.discovery.vendors import Vendor, registry
from djrefactor.engine import Changes, Project, Redirect

from .build import PACKAGE, Build, build, module_path, render
from .rewrite import Imported, imported_names, rewrite
from .scan import FileScan, scan_file

SUMMARY = "move third-party SDK calls behind wrappers in integrations/"
AFTER: tuple[str, ...] = ("split-settings",)

INIT_DOC = '"""Wrappers around third-party services: the only place vendor SDKs are imported."""\n'


def run(project: Project) -> Changes:
    vendors = registry(project.config.vendors)
    scans = [scan_file(project, path, vendors) for path in _candidates(project, vendors)]
    notes = [note for scan in scans for note in scan.notes]
    scans = [scan for scan in scans if not scan.is_empty]
    if not scans:
        return Changes.none(tuple(notes))
    result = build(project, scans, vendors)
    writes: dict[str, str | cst.Module] = {
        module_path(project, integration.module): render(project, integration)
        for integration in result.integrations.values()
    }
    init = project.module_path(PACKAGE) + "/__init__.py"
    if not project.exists(init):
        writes[init] = INIT_DOC
    redirects: list[Redirect] = []

    def first_party(top: str) -> bool:
        return top == PACKAGE or project.is_package(top) or project.path_for(top) is not None

    for scan in scans:
        names = imported_names(scan, result)
        writes[scan.path] = rewrite(project.tree(scan.path), scan, result, names, first_party)
        redirects += _redirects(project, scan, result, names)
    notes += result.notes
    return Changes(writes=writes, redirects=tuple(redirects), notes=tuple(notes))


def _candidates(project: Project, vendors: dict[str, Vendor]) -> Iterable[str]:
    """Non-test, non-migration modules outside integrations/ that import a vendor module.

    Only these can have anything to move, and the text says so before any parse."""
    own = project.module_path(PACKAGE) + "/"
    words = tuple(vendors)
    imports = _vendor_import(words)
    for path in project.python_paths():
        if path.startswith(own) or is_test_path(path) or "/migrations/" in f"/{path}":
            continue
        if project.mentions(path, *words) and imports.search(project.text(path)):
            yield path


_SPACE = r"(?:[ \t\f]|\\\r?\n)"
"""Whitespace inside an import statement, including a backslash continuation."""


def _vendor_import(words: Sequence[str]) -> re.Pattern[str]:
    """`from stripe...` or `import ..., stripe...`: any statement that may bind a vendor name
    (a superset: `from x import stripe` matches too and is then found to be no vendor)."""
    names = "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))
    return re.compile(
        rf"\bfrom{_SPACE}+(?:{names})\b"
        rf"|\bimport{_SPACE}+(?:(?:[^\n;#\\]|\\\r?\n)*[ \t\f,])?(?:{names})\b"
    )


def _redirects(
    project: Project, scan: FileScan, result: Build, names: Sequence[Imported]
) -> list[Redirect]:
    """Names that left the caller (`app.views.stripe`, `app.utils.s3`) now live in the
    integration: `mock.patch` targets through the caller follow them there."""
    module = project.module_for(scan.path)
    if module is None:
        return []
    still_bound = {item.local for item in names}
    redirects = []
    for local, binding in scan.removed_names.items():
        if local in still_bound:
            continue
        target = _integration_importing(result, scan, binding.statement)
        if target is None:
            continue
        name = local.split(".")[0] if "." in local else local
        expr = binding.expr.split(".")[0] if "." in local else binding.expr
        redirects.append(Redirect(f"{module}.{name}", f"{PACKAGE}.{target}.{expr}"))
    for _, client in scan.clients:
        if client.name in still_bound:
            continue
        moved = result.client_names[(client.module, client.construct)]
        redirects.append(Redirect(f"{module}.{client.name}", f"{PACKAGE}.{client.module}.{moved}"))
    return redirects


def _integration_importing(result: Build, scan: FileScan, statement: str) -> str | None:
    used = [site.operation.module for site in scan.sites]
    used += [reexport.module for reexport in scan.reexports]
    used += [client.module for _, client in scan.clients]
    for module in [*dict.fromkeys(used), *result.integrations]:
        if statement in result.integrations[module].imports:
            return module
    return None
