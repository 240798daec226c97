"""Rule 7: structured logging, error tracking, health checks, query monitoring."""

from __future__ import annotations

import pytest

from djrefactor.audit import observability
from tests.audit.cases import found, legacy, split

NO_LOGGING = "mysite/settings.py: no LOGGING configuration"
NO_TRACKING = "mysite/settings.py: no error tracking"
NO_HEALTH = "mysite/urls.py: no health-check URL"
NO_QUERIES = "mysite/settings.py: no query monitoring in development"


def test_a_project_with_none_of_it_has_four_findings() -> None:
    assert [
        line.split(": ", 1)[0] + ": " + line.split(": ", 1)[1].split(":")[0]
        for line in found(observability, legacy())
    ] == [NO_LOGGING, NO_TRACKING, NO_HEALTH, NO_QUERIES]


def test_unstructured_logging_is_found_at_its_line() -> None:
    files = legacy('X = 1\nLOGGING = {"formatters": {"plain": {"format": "%(message)s"}}}\n')
    assert (
        "mysite/settings.py:2: LOGGING has no structured formatter: records carry no request id, "
        "user id or latency"
    ) in found(observability, files)


def test_an_error_tracker_declared_but_never_initialised() -> None:
    files = legacy(**{"requirements.txt": "Django\nsentry-sdk\n"})
    assert ("mysite/settings.py: sentry-sdk is a dependency, but nothing initialises it") in found(
        observability, files
    )


def test_query_tooling_declared_but_not_enabled() -> None:
    files = legacy(**{"requirements-dev.txt": "django-debug-toolbar\n"})
    assert (
        "mysite/settings.py: no query monitoring in development: django-debug-toolbar is a "
        "dependency but no settings module enables it"
    ) in found(observability, files)


OBSERVED = {
    "config/settings/base.py": """
        ROOT_URLCONF = "config.urls"
        LOGGING = {"formatters": {"json": {"()": "pythonjsonlogger.jsonlogger.JsonFormatter"}}}
    """,
    "config/settings/development.py": 'INSTALLED_APPS = ["debug_toolbar"]\n',
    "config/settings/production.py": "import sentry_sdk\n",
    "config/urls.py": 'urlpatterns = [path("healthz/", ok)]\n',
}


NPLUSONE = 'MIDDLEWARE = ["nplusone.ext.django.NPlusOneMiddleware"]\n'
ROLLBAR = 'MIDDLEWARE = ["rollbar.contrib.django.middleware.RollbarNotifierMiddleware"]\n'


@pytest.mark.parametrize(
    "files",
    [
        pytest.param(split(**OBSERVED), id="json logging, sentry, healthz, toolbar"),
        pytest.param(
            split(
                **{
                    **OBSERVED,
                    "config/settings/base.py": 'ROOT_URLCONF = "config.urls"\n'
                    'INSTALLED_APPS = ["health_check"]\n'
                    'LOGGING = {"()": "structlog.stdlib.ProcessorFormatter"}\n',
                    "config/settings/development.py": NPLUSONE,
                    "config/settings/production.py": ROLLBAR,
                    "config/urls.py": "urlpatterns = []\n",
                }
            ),
            id="structlog, django-health-check, nplusone, rollbar by dotted path",
        ),
        pytest.param(
            split(**{**OBSERVED, "config/urls.py": 'urlpatterns = [re_path(r"^health/?$", ok)]\n'}),
            id="a regex health route",
        ),
    ],
)
def test_no_finding(files: dict[str, str]) -> None:
    assert found(observability, files) == []


def test_a_status_route_of_the_domain_is_no_health_check() -> None:
    files = split(**{**OBSERVED, "config/urls.py": 'urlpatterns = [path("orders/status/", s)]\n'})
    assert found(observability, files) == [
        "config/urls.py: no health-check URL: nothing tells a load balancer or a monitor whether "
        "the database, the cache and the workers answer"
    ]
