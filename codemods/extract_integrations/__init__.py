"""Put every third-party SDK call behind a wrapper in `integrations/<vendor>.py`.

Why: integrations are not apps (LAYOUT rule 5). When Stripe, Twilio or S3 calls are spread across
views, models and tasks, a vendor change touches the whole project; behind one module per
provider it stays local, and nothing else imports the SDK.
Before: `stripe.api_key = settings.STRIPE_SECRET_KEY` and `stripe.PaymentIntent.create(amount=...,
currency="usd", ...)` in views, `Client(sid, token).messages.create(...)` in a task, a
`requests.post(f"{settings.INSURANCE_API_URL}/eligibility", headers=..., json=...)` in a helper.
After: `integrations/stripe.py` sets the key once and holds `create_payment_intent(amount: int,
...) -> stripe.PaymentIntent`; `integrations/insurance.py` holds `check_eligibility(member_id)`
with the URL and the auth header; callers do `from integrations import stripe` and call
`stripe.create_payment_intent(...)`, `except stripe.CardError`; `mock.patch` targets through the
callers name the integration modules. Every call of one operation shares one wrapper.
What cannot move safely (a client stored on an object, dynamic access) stays, with a note;
HTTP calls without a timeout are noted with a suggested value (never changed silently), and
third-party SDKs the registry does not know are reported so the project can name them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

import libcst as cst

from djrefactor.analysis.nodes import code
from djrefactor.discovery.files import is_migration, is_test_path
from djrefactor.discovery.vendors import Vendor, registry
from djrefactor.discovery.versions import target_versions
from djrefactor.engine import Changes, ImportRequest, Note, Project, Redirect

from .build import PACKAGE, Build, build, module_path
from .likely import likely_vendors
from .render import render
from .reuse import defined
from .rewrite import local_names, requests, rewrite
from .scan import FileScan, Site, scan_file
from .source import ProjectContext

SUMMARY = "move third-party SDK calls behind wrappers in integrations/"
AFTER: tuple[str, ...] = ("split-settings",)

INIT_DOC = '"""Wrappers around third-party services: the only place vendor SDKs are imported."""\n'


def run(project: Project) -> Changes:
    vendors = registry(project.config.vendors)
    context = _context(project)
    callers = list(_callers(project, context))
    notes = likely_vendors(project, callers, vendors, context.first_party)
    blocked = _blocked(project)
    if blocked is not None:
        return Changes.none((*notes, blocked))
    scans = [scan_file(path, context, vendors) for path in _candidates(project, callers, vendors)]
    notes += [note for scan in scans for note in scan.notes]
    scans = [scan for scan in scans if not scan.is_empty]
    if not scans:
        return Changes.none(tuple(notes))
    result = build(context, scans, vendors)
    shadowed = _shadowed(project, result)
    if shadowed is not None:
        return Changes.none((*notes, shadowed))
    writes: dict[str, str | cst.Module] = {}
    imports: dict[str, tuple[ImportRequest, ...]] = {}
    for integration in result.integrations.values():
        path = module_path(project, integration.module)
        writes[path], imports[path] = render(integration, context)
    init = project.module_path(PACKAGE) + "/__init__.py"
    if not project.exists(init):
        writes[init] = INIT_DOC
    generated = {
        comment
        for tree in writes.values()
        if isinstance(tree, cst.Module)
        for comment in _comments(tree)
    }
    redirects: list[Redirect] = []
    for scan in scans:
        names = local_names(scan, result)
        writes[scan.path] = rewrite(scan, result, names, generated, context.line_length)
        imports[scan.path] = requests(names)
        redirects += _redirects(project, scan, result)
    notes += _timeouts([site for scan in scans for site in scan.sites], result)
    notes += result.notes
    redirects.sort(key=lambda redirect: -len(redirect.old))
    return Changes(writes=writes, imports=imports, redirects=tuple(redirects), notes=tuple(notes))


# -- the project -------------------------------------------------------------------------------
def _context(project: Project) -> ProjectContext:
    def first_party(top: str) -> bool:
        return top == PACKAGE or project.is_package(top) or project.path_for(top) is not None

    settings = project.facts.settings_module
    split = project.facts.settings_split
    package = settings.rsplit(".", 1)[0] if settings and split else settings

    def settings_modules(module: str) -> bool:
        if not package:
            return False
        if module in (settings, package):
            return True
        return module.startswith(package + ".") and project.path_for(module) is not None

    tests = "\n".join(project.text(path) for path in project.python_paths() if is_test_path(path))
    python = target_versions(project).python
    return ProjectContext(
        project, settings_modules, first_party, tests, _line_length(project), python
    )


_LINE_LENGTH = (
    re.compile(r"^\s*line[-_]length\s*=\s*(\d+)", re.MULTILINE),
    re.compile(r"^\s*max[-_]line[-_]length\s*=\s*(\d+)", re.MULTILINE),
)


def _line_length(project: Project) -> int:
    """The project's configured line length (ruff, black, flake8), else black's 88."""
    for path in ("pyproject.toml", "ruff.toml", ".ruff.toml", "setup.cfg", "tox.ini", ".flake8"):
        if not project.exists(path):
            continue
        for pattern in _LINE_LENGTH:
            found = pattern.search(project.text(path))
            if found:
                return int(found.group(1))
    return 88


def _blocked(project: Project) -> Note | None:
    """A module `integrations.py` of the project: a package beside it would shadow it."""
    module = project.module_path(PACKAGE) + ".py"
    if project.exists(module):
        return Note(
            module,
            None,
            (
                f"{module} exists: an integrations/ package would shadow it; move it into "
                "integrations/__init__.py (its importers keep working) and run this step again"
            ),
        )
    return None


def _shadowed(project: Project, result: Build) -> Note | None:
    """`integrations/__init__.py` already binds a name a new module would have: importers of
    `from integrations import stripe` would get that name, not the module."""
    init = project.module_path(PACKAGE) + "/__init__.py"
    if not project.exists(init):
        return None
    bound = set().union(*(defined(statement) for statement in project.tree(init).body))
    for module in sorted(result.integrations):
        if module in bound and not project.exists(module_path(project, module)):
            return Note(
                init,
                None,
                (
                    f"{init} already defines `{module}`: a module integrations/{module}.py would "
                    "be hidden behind it; rename one of them and run this step again"
                ),
            )
    return None


def _callers(project: Project, context: ProjectContext) -> Iterable[str]:
    """Modules whose vendor calls move: not tests, migrations, settings or integrations/."""
    own = project.module_path(PACKAGE) + "/"
    for path in project.python_paths():
        if path.startswith(own) or is_test_path(path) or is_migration(path):
            continue
        module = project.module_for(path)
        if module is not None and context.settings_modules(module):
            continue
        yield path


def _candidates(
    project: Project, callers: Sequence[str], vendors: dict[str, Vendor]
) -> Iterable[str]:
    """The callers that import a vendor module: the text says so before any parse."""
    words = tuple(vendors)
    imports = _vendor_import(words)
    for path in callers:
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


def _comments(tree: cst.Module) -> list[str]:
    return re.findall(r"#[^\n]*", tree.code)


# -- mock.patch targets through the callers ---------------------------------------------------
def _redirects(project: Project, scan: FileScan, result: Build) -> list[Redirect]:
    """Names that left the caller (`app.views.stripe`, `app.utils.s3`) now live in the
    integration: `mock.patch` targets through the caller follow them there."""
    module = project.module_for(scan.path)
    if module is None:
        return []
    found: dict[str, str] = {}
    for (path, spelling), target in result.constructor_targets.items():
        if path == scan.path:
            found[f"{module}.{spelling}"] = target
    for local, binding in scan.removed_names.items():
        home = _integration_importing(result, scan, binding.statement)
        if home is None:
            continue
        name = local.split(".")[0]
        expr = binding.expr.split(".")[0] if "." in local else binding.expr
        found.setdefault(f"{module}.{name}", f"{PACKAGE}.{home}.{expr}")
    for shared in scan.shared:
        instance = result.shared_names.get(shared)
        if instance is not None:
            found.setdefault(f"{module}.{shared.name}", f"{PACKAGE}.{shared.module}.{instance}")
    return [Redirect(old, new) for old, new in found.items()]


def _integration_importing(result: Build, scan: FileScan, statement: str) -> str | None:
    used = [result.plans[site].module for site in scan.sites if site in result.plans]
    used += [reexport.module for reexport in scan.reexports]
    for module in [*dict.fromkeys(used), *result.integrations]:
        if statement in result.integrations[module].imports:
            return module
    return None


# -- timeouts ----------------------------------------------------------------------------------
def _timeouts(sites: Sequence[Site], result: Build) -> list[Note]:
    """HTTP calls without a timeout: a changed timeout is a behaviour change, so it is noted
    with the value the project's other calls use (or 10 seconds), never set silently."""
    http = [site for site in sites if site.vendor.per_api and site in result.plans]
    used = Counter(
        code(arg.value)
        for site in http
        for arg in site.call.args
        if arg.keyword is not None
        and arg.keyword.value == "timeout"
        and isinstance(arg.value, (cst.Integer, cst.Float))
    )
    suggested, why = "10", "a common choice"
    if used:
        suggested = max(used, key=lambda value: (used[value], float(value)))
        why = "what the project's other calls use"
    untimed = [
        site
        for site in http
        if not any(
            arg.star == "**" or (arg.keyword is not None and arg.keyword.value == "timeout")
            for arg in site.call.args
        )
    ]
    notes = []
    for site in sorted(untimed, key=lambda site: (site.source.path, site.source.line(site.call))):
        library = site.vendor.modules[0]
        default = "httpx's default of 5 s applies" if library == "httpx" else "it can wait forever"
        plan = result.plans[site]
        notes.append(
            Note(
                site.source.path,
                site.source.line(site.call),
                (
                    f"this {library} call has no timeout ({default}); {plan.function}() in "
                    f"integrations/{plan.module}.py keeps it that way: add `timeout={suggested}` "
                    f"there ({why}) if that suits it"
                ),
            )
        )
    return notes
