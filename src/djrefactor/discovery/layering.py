"""The layering contract of the target layout, and the imports that break it.

Three contracts (LAYOUT.md): `integrations/` imports nothing from services or apps (views live in
apps); `services/` never imports views, serializers or HTTP modules; vendor SDKs are imported only
in `integrations/`. `layering(project)` states them as data, in import-linter's terms (the
add-layering-contract codemod writes them so `lint-imports` enforces them in CI), and
`violations(project)` checks them on a snapshot with the import index the way lint-imports does:
direct imports, modules of the project's top-level packages, tests free to import any SDK. It
also checks the HTTP modules, which import-linter cannot name: it sees an outside package only
as a whole (`django`, never `django.http`).
"""

from __future__ import annotations

from dataclasses import dataclass

from djrefactor.analysis.imports import ImportedName
from djrefactor.discovery import App
from djrefactor.discovery.files import is_test_path
from djrefactor.discovery.vendors import registry
from djrefactor.project import Project

INTEGRATIONS = "integrations"
SERVICES = "services"
VIEW_LAYERS = ("serializers", "views", "viewsets")
"""Module names that are transport wherever they sit below a top-level package."""
HTTP_MODULES = (
    "django.contrib.messages",
    "django.http",
    "django.shortcuts",
    "django.template.response",
    "rest_framework.request",
    "rest_framework.response",
)
TEST_PACKAGES = ("test", "tests")

INTEGRATIONS_CONTRACT = "djrefactor-integrations"
SERVICES_CONTRACT = "djrefactor-services"
VENDORS_CONTRACT = "djrefactor-vendors"


@dataclass(frozen=True)
class Contract:
    """One import-linter `forbidden` contract: no module of `source_modules` imports (directly)
    a module of `forbidden_modules`, except the imports `ignore_imports` matches."""

    id: str
    name: str
    source_modules: tuple[str, ...]
    forbidden_modules: tuple[str, ...]
    ignore_imports: tuple[str, ...] = ()


@dataclass(frozen=True)
class Layering:
    """The contracts of one project, over the top-level packages import-linter must analyse."""

    root_packages: tuple[str, ...]
    contracts: tuple[Contract, ...]


@dataclass(frozen=True)
class Violation:
    """An import that breaks a contract: `path:line` imports `imported`."""

    contract: str
    path: str
    line: int | None
    imported: str
    reason: str

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


def has_layers(project: Project) -> bool:
    """Both layers exist as packages, so there is a contract to state."""
    return project.is_package(SERVICES) and project.is_package(INTEGRATIONS)


def root_packages(project: Project) -> tuple[str, ...]:
    """The project's top-level packages (beside manage.py), test packages aside."""
    found = set()
    for path in project.python_paths():
        module = project.module_for(path)
        if module is None or not path.endswith("/__init__.py") or "." in module:
            continue
        if module.isidentifier() and module not in TEST_PACKAGES:
            found.add(module)
    return tuple(sorted(found))


def layering(project: Project) -> Layering:
    roots = root_packages(project)
    apps = _app_modules(project.facts.apps)
    contracts = [
        Contract(
            INTEGRATIONS_CONTRACT,
            "integrations import nothing from services or apps",
            (INTEGRATIONS,),
            tuple(sorted({SERVICES, *apps})),
        ),
        Contract(
            SERVICES_CONTRACT,
            "services never import views or serializers",
            (SERVICES,),
            tuple(f"**.{name}" for name in VIEW_LAYERS) + _api_view_modules(project),
        ),
    ]
    sources = tuple(root for root in roots if root != INTEGRATIONS)
    vendors = tuple(sorted(set(_vendors(project)) - set(roots)))
    if sources and vendors:
        contracts.append(
            Contract(
                VENDORS_CONTRACT,
                "vendor SDKs are imported only in integrations",
                sources,
                vendors,
                _test_ignores(project, roots),
            )
        )
    return Layering(roots, tuple(contracts))


def _app_modules(apps: tuple[App, ...]) -> list[str]:
    layers = (SERVICES, INTEGRATIONS)
    return [
        app.module
        for app in apps
        if not any(app.module == layer or app.module.startswith(layer + ".") for layer in layers)
    ]


def _api_view_modules(project: Project) -> tuple[str, ...]:
    """View modules not named like a view layer (`shop/api.py` holding viewsets)."""
    found = []
    for app in project.facts.apps:
        for path in app.views:
            module = project.module_for(path)
            if module and not set(module.split(".")[1:]) & set(VIEW_LAYERS):
                found.append(module)
    return tuple(sorted(found))


def _vendors(project: Project) -> list[str]:
    return list(registry(project.config.vendors))


def _test_ignores(project: Project, roots: tuple[str, ...]) -> tuple[str, ...]:
    """Tests may import an SDK (to build its errors): wildcards for test packages, and the test
    modules that sit outside one by name."""
    packages: set[str] = set()
    modules: set[str] = set()
    for path in project.python_paths():
        module = project.module_for(path)
        if module is None or module.split(".")[0] not in roots or not is_test_path(path):
            continue
        parts = module.split(".")
        named = [part for part in parts[1:] if part in TEST_PACKAGES]
        if named:
            packages.add(named[0])
        else:
            modules.add(module)
    wildcards = [f"**.{name}{tail} -> *" for name in sorted(packages) for tail in ("", ".**")]
    return (*wildcards, *(f"{module} -> *" for module in sorted(modules)))


# -- the check ---------------------------------------------------------------------------------
def violations(project: Project) -> list[Violation]:
    """Every import of the snapshot that breaks a contract, one per statement and contract, in
    path and line order."""
    roots = set(root_packages(project))
    vendors = set(_vendors(project)) - roots
    api_views = set(_api_view_modules(project))
    forbidden_for_integrations = [SERVICES, *_app_modules(project.facts.apps)]
    found: dict[tuple[str, int | None, str, str], Violation] = {}
    for path in project.python_paths():
        module = project.module_for(path)
        layer = module.split(".")[0] if module else None
        if layer is None or layer not in roots:
            continue
        for imported in project.imports(path).names:
            violation = None
            if layer == INTEGRATIONS:
                violation = _from_integrations(path, imported, forbidden_for_integrations)
            else:
                if layer == SERVICES:
                    violation = _from_services(path, imported, roots, api_views)
                if violation is None and not is_test_path(path):
                    violation = _vendor_import(path, imported, vendors)
            if violation is not None:
                key = (
                    path,
                    violation.line,
                    violation.contract,
                    "" if violation.line else violation.imported,
                )
                found.setdefault(key, violation)
    return sorted(found.values(), key=lambda v: (v.path, v.line or 0, v.imported))


def _within(dotted: str, module: str) -> bool:
    return dotted == module or dotted.startswith(module + ".")


def _from_integrations(path: str, imported: ImportedName, forbidden: list[str]) -> Violation | None:
    dotted = imported.dotted
    if not any(_within(dotted, module) for module in forbidden):
        return None
    return Violation(
        INTEGRATIONS_CONTRACT,
        path,
        imported.line or None,
        dotted,
        f"imports {dotted}: integrations wrap a vendor and import nothing from services or "
        "apps; pass what the wrapper needs as arguments",
    )


def _from_services(
    path: str, imported: ImportedName, roots: set[str], api_views: set[str]
) -> Violation | None:
    dotted = imported.dotted
    parts = dotted.split(".")
    if any(_within(dotted, module) for module in HTTP_MODULES):
        reason = (
            f"imports {dotted}, an HTTP module: services take plain values and return them; "
            "build the response (and its messages) in the view"
        )
    elif parts[0] in roots and (
        set(parts[1:]) & set(VIEW_LAYERS) or any(_within(dotted, view) for view in api_views)
    ):
        reason = (
            f"imports {dotted}: services never import views or serializers; move what it uses "
            "into the service, a model or a plain module both can import"
        )
    else:
        return None
    return Violation(SERVICES_CONTRACT, path, imported.line or None, dotted, reason)


def _vendor_import(path: str, imported: ImportedName, vendors: set[str]) -> Violation | None:
    if imported.module.split(".")[0] not in vendors:
        return None
    return Violation(
        VENDORS_CONTRACT,
        path,
        imported.line or None,
        imported.module,
        f"imports {imported.module}: vendor SDKs are imported only in integrations/; call a "
        "wrapper in integrations/ instead",
    )
