"""Rule 5: integrations are not apps.

Why: when SDK calls spread across views, models and tasks, changing or mocking a vendor touches
the whole project; behind one small module per provider in integrations/ it stays local.
Finds: vendor SDKs (the registry plus `[tool.djrefactor] vendors`) imported outside
integrations/ (tests may import them), and integrations that import services or apps (the
integrations and vendors contracts, as `lint-imports` checks them).
"""

from __future__ import annotations

from collections.abc import Iterator

from djrefactor.audit._report import Finding
from djrefactor.discovery.layering import (
    INTEGRATIONS_CONTRACT,
    VENDORS_CONTRACT,
    Violation,
    violations,
)
from djrefactor.project import Project

NUMBER = 5
TITLE = "integrations"


def check(project: Project) -> Iterator[Finding]:
    found = violations(project)
    yield from _vendor_imports([v for v in found if v.contract == VENDORS_CONTRACT])
    for violation in found:
        if violation.contract != INTEGRATIONS_CONTRACT:
            continue
        what, _, how = violation.reason.partition(": ")
        yield Finding(
            NUMBER,
            violation.path,
            violation.line,
            f"{what} from an integration",
            "an integration that knows the apps cannot be reused or tested without them, and "
            "the apps' imports of it become a cycle",
            how,
        )


def _vendor_imports(found: list[Violation]) -> Iterator[Finding]:
    """One finding per file and vendor, at its first import."""
    grouped: dict[tuple[str, str], list[Violation]] = {}
    for violation in found:
        vendor = violation.imported.split(".")[0]
        grouped.setdefault((violation.path, vendor), []).append(violation)
    for (path, vendor), imports in grouped.items():
        modules = ", ".join(dict.fromkeys(v.imported for v in imports))
        yield Finding(
            NUMBER,
            path,
            imports[0].line,
            f"imports {vendor} outside integrations/"
            + (f" ({modules})" if modules != vendor else ""),
            "every module importing the SDK must change (and be mocked) when the vendor or "
            "its API version changes",
            "run `djrefactor apply`: extract-integrations moves the calls behind "
            "integrations/<vendor>.py and lists as a note what it cannot move safely",
        )
