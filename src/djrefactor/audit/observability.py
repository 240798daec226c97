"""Rule 7: observability before incidents.

Why: when production fails, the questions are which request, which user, how slow, since when;
logs without a request id, errors nobody is told about and no health endpoint leave them
unanswered, and N+1 queries are cheapest to catch on a developer's machine.
Finds: no LOGGING, or LOGGING without a structured formatter; no error tracking (Sentry,
Rollbar, Bugsnag...); no health-check URL; no query monitoring in development
(django-debug-toolbar, silk, nplusone, query counters).
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from djrefactor.audit._code import Source, string_values
from djrefactor.audit._report import Finding
from djrefactor.audit._settings import Settings, assigned, settings_of
from djrefactor.discovery.dependencies import declared_dependencies
from djrefactor.discovery.files import is_test_path
from djrefactor.project import Project

NUMBER = 7
TITLE = "observability"

ERROR_TRACKERS = {
    "sentry_sdk": "sentry-sdk",
    "raven": "raven",
    "rollbar": "rollbar",
    "bugsnag": "bugsnag",
    "honeybadger": "honeybadger",
    "airbrake": "airbrake",
    "elasticapm": "elastic-apm",
    "newrelic": "newrelic",
    "ddtrace": "ddtrace",
}
"""Module -> distribution of the error trackers (and APM agents that report errors)."""
QUERY_TOOLS = ("debug_toolbar", "silk", "nplusone", "query_counter", "querycount", "zeal")
QUERY_DISTRIBUTIONS = frozenset(
    {
        "django-debug-toolbar",
        "django-silk",
        "nplusone",
        "django-query-counter",
        "django-querycount",
        "django-zeal",
    }
)
STRUCTURED = ("json", "structlog", "logfmt", "ecs_logging")
HEALTH_ROUTES = frozenset(
    {"health", "healthz", "healthcheck", "health-check", "health_check", "readyz", "livez", "ping"}
)
HEALTH_APPS = ("health_check", "watchman", "django_healthchecks")
APPLY = "run `djrefactor apply --only add-observability`"


def check(project: Project) -> Iterator[Finding]:
    settings = settings_of(project)
    if settings is None:
        return
    dependencies = declared_dependencies(project)
    yield from _logging(project, settings)
    yield from _error_tracking(project, settings, dependencies)
    yield from _health_check(project, settings)
    yield from _query_monitoring(project, settings, dependencies)


def _logging(project: Project, settings: Settings) -> Iterator[Finding]:
    configured = [
        (path, found)
        for path in settings.paths
        if (found := assigned(project, path, "LOGGING")) is not None
    ]
    if not configured:
        yield Finding(
            NUMBER,
            settings.base,
            None,
            "no LOGGING configuration: Django's defaults print unstructured lines, and nothing "
            "below WARNING in production",
            "without a request id, user id, path and latency on each line, one failing request "
            "cannot be followed through the logs",
            f"{APPLY}: a JSON formatter and a middleware adding request id, user id, path and "
            "latency to every record (stdlib only)",
        )
        return
    if any(_structured(value) for _, (value, _) in configured):
        return
    path, (_, statement) = configured[0]
    yield Finding(
        NUMBER,
        path,
        Source(project, path).line(statement),
        "LOGGING has no structured formatter: records carry no request id, user id or latency",
        "plain-text lines cannot be searched by request or user, and a log platform cannot "
        "parse them into fields",
        "give its handlers a JSON formatter and a filter setting request id, user id and path "
        "(JsonFormatter and RequestContextFilter in the observability module add-observability "
        "writes, or python-json-logger); add-observability wires them itself only where there "
        "is no LOGGING, so merge them into this one by hand",
    )


def _structured(value: cst.BaseExpression) -> bool:
    return any(word in text.lower() for text in string_values(value) for word in STRUCTURED)


def _error_tracking(
    project: Project, settings: Settings, dependencies: frozenset[str]
) -> Iterator[Finding]:
    modules = tuple(ERROR_TRACKERS)
    for path in project.python_paths():
        if is_test_path(path) or not project.mentions(path, *modules):
            continue
        if any(i.module.split(".")[0] in modules for i in project.imports(path).names):
            return
    texts = [text for path in settings.paths for text in string_values(project.tree(path))]
    if any(module in text for text in texts for module in modules):
        return  # configured by dotted path (a middleware, a handler class)
    declared = sorted(d for d in ERROR_TRACKERS.values() if d in dependencies)
    where = settings.production or settings.base
    if declared:
        message = f"{declared[0]} is a dependency, but nothing initialises it"
        fix = f"{APPLY}: it initialises {declared[0]} in {where} when its DSN variable is set"
    else:
        message = "no error tracking: an exception in production reaches nobody"
        fix = (
            "add sentry-sdk to the dependencies (or Rollbar, Bugsnag...), then "
            f"{APPLY}: it initialises it in {where} only when SENTRY_DSN is set"
        )
    yield Finding(
        NUMBER,
        where,
        None,
        message,
        "errors are found by users instead of alerts; without the stack, the request and the "
        "release they happened in, each one is a reconstruction",
        fix,
    )


def _health_check(project: Project, settings: Settings) -> Iterator[Finding]:
    installed = set(project.facts.installed_apps)
    for path in settings.paths:
        installed |= set(string_values(project.tree(path)))
    if installed & set(HEALTH_APPS):
        return
    urlconfs = [
        path
        for path in project.python_paths()
        if path.endswith("urls.py") and not is_test_path(path)
    ]
    for path in urlconfs:
        if not project.mentions(path, "health", "ping", "readyz", "livez"):
            continue
        routes = string_values(project.tree(path))
        if any(_is_health_route(route) for route in routes):
            return
    root = project.facts.root_urlconf
    where = (project.path_for(root) if root else None) or settings.base
    yield Finding(
        NUMBER,
        where,
        None,
        "no health-check URL: nothing tells a load balancer or a monitor whether the database, "
        "the cache and the workers answer",
        "a deploy with a broken database connection or no workers is found by users; a load "
        "balancer keeps sending traffic to an instance that cannot serve it",
        f"{APPLY}: /health/ checks the database and the cache, /health/workers/ pings the "
        "Celery workers; point the load balancer and the monitor at them",
    )


def _is_health_route(route: str) -> bool:
    """`health/`, `^healthz$`, or an include of a health-check app's URLs."""
    first = route.strip("^$/").split("/")[0]
    return first in HEALTH_ROUTES or route.split(".")[0] in HEALTH_APPS


def _query_monitoring(
    project: Project, settings: Settings, dependencies: frozenset[str]
) -> Iterator[Finding]:
    texts = [text for path in settings.paths for text in string_values(project.tree(path))]
    for text in texts:
        if text.split(".")[0] in QUERY_TOOLS:
            return
    declared = sorted(dependencies & QUERY_DISTRIBUTIONS)
    where = settings.development or settings.base
    yield Finding(
        NUMBER,
        where,
        None,
        "no query monitoring in development"
        + (
            f": {declared[0]} is a dependency but no settings module enables it" if declared else ""
        ),
        "N+1 queries and slow endpoints are invisible on a laptop's small database and show up "
        "as production latency",
        "add django-debug-toolbar (or nplusone, or django-silk) to "
        + (where if settings.split else "the development settings (split-settings writes them)")
        + ": its app and middleware, INTERNAL_IPS, and its URLs when DEBUG is on",
    )
