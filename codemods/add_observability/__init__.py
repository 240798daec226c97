"""Add observability: structured request logging, error tracking when its DSN is set, health checks.

Why: observability before incidents (LAYOUT rule 7). When production fails, the questions are
which request, which user, how slow; unstructured logs, unreported errors and no health endpoint
leave them unanswered.
Opt-in: it changes what a deployment logs and exposes, so it runs only when named
(`--only add-observability`, or `[tool.djrefactor] only`).
Before: no LOGGING (or an unstructured one), no error tracking, no health URL.
After, all additive: `<glue>/observability.py` (a middleware giving each request an id and
logging it once with status, user id and latency; a filter adding request id, user id and path
to every record; a stdlib JSON formatter), first in MIDDLEWARE; a LOGGING that uses them (only
when the project has none); `sentry_sdk.init(...)` in production settings, run only when
SENTRY_DSN is set and only when the project already depends on sentry-sdk; `<glue>/health.py`
with `/health/` (databases and cache) and, with Celery, `/health/workers/` (a worker ping),
first in the root URLconf. What operators must set is listed in the notes (and the commit).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePosixPath

import libcst as cst

from djrefactor.analysis.tree import find_type
from djrefactor.discovery.dependencies import declared_dependencies
from djrefactor.discovery.files import is_test_path
from djrefactor.engine import Changes, Note, Project

from . import templates
from .edits import add_import, append, module_list, prepend, quote_of, requoted

SUMMARY = "add request logging, error tracking and health checks (opt-in)"
AFTER: tuple[str, ...] = ("extract-services", "move-apps")  # it edits the restructured layout
OPT_IN = True

MIDDLEWARE = "RequestLogMiddleware"
TRACKERS = ("rollbar", "bugsnag", "honeybadger", "raven", "newrelic", "ddtrace")


class Edits:
    """The files this run writes (trees, so several edits to one file chain) and its notes."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.writes: dict[str, cst.Module | str] = {}
        self.notes: list[Note] = []

    def tree(self, path: str) -> cst.Module:
        current = self.writes.get(path)
        return current if isinstance(current, cst.Module) else self.project.tree(path)

    def note(self, path: str, message: str) -> None:
        self.notes.append(Note(path, None, message))


def run(project: Project) -> Changes:
    urlconf = project.facts.root_urlconf
    urls = project.path_for(urlconf) if urlconf else None
    settings = _settings_paths(project)
    if urlconf is None or urls is None or "." not in urlconf or settings is None:
        where = project.facts.settings_path or ""
        return Changes.none(
            (Note(where, None, "observability not added: no root URLconf in a package found"),)
        )
    package = urlconf.rsplit(".", 1)[0]
    base, production = settings
    edits = Edits(project)
    _logging(edits, package, base)
    _error_tracking(edits, production)
    _health(edits, package, urls)
    if not edits.writes:
        return Changes.none(tuple(edits.notes))
    return Changes(writes=edits.writes, notes=tuple(edits.notes))


def _settings_paths(project: Project) -> tuple[str, str] | None:
    """(the shared settings module, the one production runs): base.py and production.py, or
    the single settings module twice."""
    facts = project.facts
    if facts.settings_module is None or facts.settings_path is None:
        return None
    if not facts.settings_split:
        return facts.settings_path, facts.settings_path
    module = facts.settings_module
    package = module if project.is_package(module) else module.rsplit(".", 1)[0]
    base = project.path_for(f"{package}.base")
    production = project.path_for(f"{package}.production")
    assert base is not None and production is not None
    return base, production


def _settings_files(project: Project, base: str) -> list[str]:
    """Every settings module: the package's modules in a split layout, else the one module."""
    if not project.facts.settings_split:
        return [base]
    folder = str(PurePosixPath(base).parent)
    return [path for path in project.python_paths() if str(PurePosixPath(path).parent) == folder]


# -- logging -----------------------------------------------------------------------------------
def _logging(edits: Edits, package: str, base: str) -> None:
    project = edits.project
    module_path = project.module_path(f"{package}.observability") + ".py"
    middleware = f"{package}.observability.{MIDDLEWARE}"
    if not project.exists(module_path):
        edits.writes[module_path] = templates.OBSERVABILITY.format()
    items = module_list(edits.tree(base), "MIDDLEWARE")
    if items is None:
        edits.note(base, f"MIDDLEWARE is not a list literal: add {middleware!r} first by hand")
    elif not any(MIDDLEWARE in text for text in _texts(items)):
        quote = quote_of(items)
        edits.writes[base] = prepend(edits.tree(base), "MIDDLEWARE", f"{quote}{middleware}{quote}")
        edits.note(
            base,
            "requests are logged once each (method, path, status, user_id, duration_ms) with "
            "an X-Request-ID: a caller's sane X-Request-ID is kept, else a new id is made, and "
            "it is returned in the response",
        )
    configured = [
        path for path in _settings_files(project, base) if _assigns(edits.tree(path), "LOGGING")
    ]
    if not configured:
        block = requoted(templates.LOGGING.format(package=package), quote_of(edits.tree(base)))
        edits.writes[base] = append(edits.tree(base), block)
        edits.note(
            base,
            "logs are now JSON objects on stderr, one per record, with request_id, user_id and "
            "path; the root level is INFO",
        )
    elif not any(project.mentions(path, f"{package}.observability") for path in configured):
        edits.note(
            configured[0],
            f"LOGGING exists, so it was left as it is: give its handlers the formatter "
            f"{package}.observability.JsonFormatter and the filter "
            f"{package}.observability.RequestContextFilter",
        )


def _texts(node: cst.List) -> Iterator[str]:
    for element in node.elements:
        if isinstance(element.value, cst.SimpleString):
            value = element.value.evaluated_value
            if isinstance(value, str):
                yield value


def _assigns(tree: cst.Module, name: str) -> bool:
    return any(
        isinstance(small, cst.Assign | cst.AnnAssign)
        and any(isinstance(target, cst.Name) and target.value == name for target in _targets(small))
        for statement in tree.body
        if isinstance(statement, cst.SimpleStatementLine)
        for small in statement.body
    )


def _targets(small: cst.BaseSmallStatement) -> list[cst.BaseExpression]:
    if isinstance(small, cst.Assign):
        return [target.target for target in small.targets]
    if isinstance(small, cst.AnnAssign):
        return [small.target]
    return []


# -- error tracking ----------------------------------------------------------------------------
def _error_tracking(edits: Edits, production: str) -> None:
    project = edits.project
    if any(
        project.mentions(path, "sentry_sdk")
        for path in project.python_paths()
        if not is_test_path(path)
    ):
        return
    dependencies = declared_dependencies(project)
    if "sentry-sdk" not in dependencies:
        others = [tracker for tracker in TRACKERS if tracker in dependencies]
        message = (
            f"{others[0]} is a dependency: initialise it in production by hand (add-observability "
            "sets up Sentry)"
            if others
            else "no error tracking added: the project does not depend on an error-tracking "
            "SDK; add sentry-sdk to its requirements and run add-observability again"
        )
        edits.note(production, message)
        return
    tree = edits.tree(production)
    if not _binds_os(project, production):
        tree = add_import(tree, "import os\n", first=True)
    edits.writes[production] = append(tree, requoted(templates.SENTRY, quote_of(tree)))
    edits.note(
        production,
        "set SENTRY_DSN in production to report errors to Sentry (optional: SENTRY_ENVIRONMENT, "
        "default production; SENTRY_RELEASE; SENTRY_TRACES_SAMPLE_RATE, default 0); without it "
        "nothing is sent",
    )


def _binds_os(project: Project, path: str) -> bool:
    return any(
        imported.local == "os" and imported.top_level for imported in project.imports(path).names
    )


# -- health checks -----------------------------------------------------------------------------
def _health(edits: Edits, package: str, urls: str) -> None:
    project = edits.project
    module = f"{package}.health"
    module_path = project.module_path(module) + ".py"
    if project.exists(module_path) or _has_health_route(project, urls):
        return
    items = module_list(edits.tree(urls), "urlpatterns")
    bound = {imported.local for imported in project.imports(urls).names}
    if items is None or "path" not in bound or bound & {"check_health", "check_workers"}:
        edits.note(
            urls,
            f"health checks not wired: add path('health/', check_health) from {module} by "
            "hand (urlpatterns is not a list literal, or `path` is not imported)",
        )
        return
    celery = _celery_app(project)
    edits.writes[module_path] = templates.health_module(celery)
    tree = edits.tree(urls)
    routes = ['path("health/", check_health, name="health")']
    names = ["check_health"]
    if celery is not None:
        routes.append('path("health/workers/", check_workers, name="health-workers")')
        names.append("check_workers")
    quote = quote_of(items)
    for route in reversed(routes):
        tree = prepend(tree, "urlpatterns", requoted(route, quote))
    statement = f"from {module} import {', '.join(names)}\n"
    edits.writes[urls] = add_import(
        tree, statement, own_group=not _last_import_is_local(project, urls)
    )
    edits.note(
        urls,
        "point the load balancer's health check at /health/ (databases and cache: 200, or 503 "
        "naming what failed)"
        + (
            "; point a monitor, not the load balancer, at /health/workers/ (Celery ping)"
            if celery
            else ""
        ),
    )


def _last_import_is_local(project: Project, path: str) -> bool:
    tops = [i.module.split(".")[0] for i in project.imports(path).names if i.top_level]
    return bool(tops) and (project.is_package(tops[-1]) or project.path_for(tops[-1]) is not None)


def _has_health_route(project: Project, urls: str) -> bool:
    """A route whose first segment starts with `health` (`health/`, `^healthz$`)."""
    for string in find_type(project.tree(urls), cst.SimpleString):
        value = string.evaluated_value
        if isinstance(value, str) and value.lstrip("^/").startswith("health"):
            return True
    return False


def _celery_app(project: Project) -> tuple[str, str] | None:
    """(module, name) of the module-level `name = Celery(...)` the project creates."""
    for path in project.python_paths():
        if is_test_path(path) or not project.mentions(path, "Celery("):
            continue
        module = project.module_for(path)
        bound = {i.local: i.dotted for i in project.imports(path).names}
        for statement in project.tree(path).body:
            if not isinstance(statement, cst.SimpleStatementLine):
                continue
            for small in statement.body:
                if (
                    module
                    and isinstance(small, cst.Assign)
                    and isinstance(small.value, cst.Call)
                    and isinstance(small.value.func, cst.Name)
                    and bound.get(small.value.func.value) == "celery.Celery"
                    and isinstance(small.targets[0].target, cst.Name)
                ):
                    return module, small.targets[0].target.value
    return None
