"""The code add-observability writes: two modules in the project's glue package and the settings
blocks. Plain text templates, parsed by libcst before they reach a tree; `{package}` is the glue
package (`config`), `{celery_module}` / `{celery_app}` the project's Celery app."""

from __future__ import annotations

OBSERVABILITY = '''\
"""Structured logging: one JSON object per record, tagged with its request.

`RequestLogMiddleware` gives each request an id (the caller's X-Request-ID when it is
a sane token, else a new one), returns it in the X-Request-ID response header and
logs one line per request with its method, path, status, user id and latency.
`RequestContextFilter` adds the request id, path and user id to every record logged
while the request runs; `JsonFormatter` writes each record as one JSON object.
Standard library only.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_ID = re.compile(r"[A-Za-z0-9._-]{{1,128}}")
_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {{
    "message",
    "asctime",
}}


@dataclass(frozen=True)
class _Request:
    request: HttpRequest
    request_id: str


_current: ContextVar[_Request | None] = ContextVar("current_request", default=None)


class RequestLogMiddleware:
    """Tag each request with an id, and log it once with its status and latency."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _SAFE_ID.fullmatch(incoming) else uuid.uuid4().hex
        # Kept until the response is closed: Django's error log carries the id too.
        _current.set(_Request(request, request_id))
        started = time.monotonic()
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        logger.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={{
                "method": request.method,
                "status": response.status_code,
                "duration_ms": round((time.monotonic() - started) * 1000, 1),
                "user_id": _user_pk(getattr(request, "user", None)),
            }},
        )
        return response


def _forget_request(**kwargs: object) -> None:
    _current.set(None)


request_finished.connect(_forget_request, dispatch_uid="observability-forget-request")


class RequestContextFilter(logging.Filter):
    """Add the request's id, path and user id to each record (None outside one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        current = _current.get()
        fields: dict[str, object] = {{"request_id": None, "path": None, "user_id": None}}
        if current is not None:
            # Only a user already loaded (by AuthenticationMiddleware, for the view)
            # is read: a log filter must never query the database.
            fields = {{
                "request_id": current.request_id,
                "path": current.request.path,
                "user_id": _user_pk(getattr(current.request, "_cached_user", None)),
            }}
        for name, value in fields.items():
            if name not in vars(record):
                vars(record)[name] = value
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, each `extra=` field
    and the exception, if any."""

    def format(self, record: logging.LogRecord) -> str:
        data = {{
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }}
        data.update({{k: v for k, v in vars(record).items() if k not in _RECORD_FIELDS}})
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, default=str)


def _user_pk(user: object) -> object:
    authenticated = getattr(user, "is_authenticated", False)
    return getattr(user, "pk", None) if authenticated else None
'''

HEALTH = '''\
"""Health checks for load balancers and monitors: 200, or 503 naming what failed.

`/health/` checks what every web request needs (the databases and the cache);
point the load balancer at it.{workers_doc}
"""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

logger = logging.getLogger(__name__)

CACHE_KEY = "health-check"
HEALTHY = ("ok", "disabled")


@never_cache
def check_health(request: HttpRequest) -> JsonResponse:
    """The databases answer a query; the cache stores and returns a value."""
    return _response({{"database": _database(), "cache": _cache()}})
{workers_view}

def _database() -> str:
    try:
        for alias in connections:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT 1")
    except Exception:  # any failure is the answer; the log has the details
        logger.exception("health check: database unreachable")
        return "unreachable"
    return "ok"


def _cache() -> str:
    if type(cache).__name__ == "DummyCache":
        return "disabled"
    try:
        cache.set(CACHE_KEY, "ok", timeout=10)
        stored = cache.get(CACHE_KEY) == "ok"
    except Exception:  # any failure is the answer; the log has the details
        logger.exception("health check: cache unreachable")
        return "unreachable"
    return "ok" if stored else "not storing"


def _response(checks: dict[str, str]) -> JsonResponse:
    healthy = all(state in HEALTHY for state in checks.values())
    body = {{"status": "ok" if healthy else "unavailable", "checks": checks}}
    return JsonResponse(body, status=200 if healthy else 503)
'''

WORKERS_DOC = """ `/health/workers/` pings the Celery workers; point a
monitor at it, not the load balancer: stopped workers must not take web instances
out of rotation."""

WORKERS_VIEW = '''

@never_cache
def check_workers(request: HttpRequest) -> JsonResponse:
    """At least one Celery worker answers a ping within a second."""
    from {celery_module} import {celery_app} as celery_app  # only this view needs the app

    try:
        replies = celery_app.control.ping(timeout=1.0)
    except Exception:  # the broker itself is down; the log has the details
        logger.exception("health check: Celery broker unreachable")
        return _response({{"workers": "broker unreachable"}})
    return _response({{"workers": "ok" if replies else "no worker answered"}})
'''

LOGGING = """

# Structured logging: JSON records with the request id, user id and path, and one line per
# request with its status and latency ({package}/observability.py).
LOGGING = {{
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {{"request": {{"()": "{package}.observability.RequestContextFilter"}}}},
    "formatters": {{"json": {{"()": "{package}.observability.JsonFormatter"}}}},
    "handlers": {{
        "console": {{
            "class": "logging.StreamHandler",
            "filters": ["request"],
            "formatter": "json",
        }},
    }},
    "root": {{"handlers": ["console"], "level": "INFO"}},
}}
"""

SENTRY = """

# Error tracking: Sentry reports unhandled exceptions, only where SENTRY_DSN is set.
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
        release=os.environ.get("SENTRY_RELEASE") or None,
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")),
        send_default_pii=False,
    )
"""


def health_module(celery: tuple[str, str] | None) -> str:
    if celery is None:
        return HEALTH.format(workers_doc="", workers_view="")
    view = WORKERS_VIEW.format(celery_module=celery[0], celery_app=celery[1])
    return HEALTH.format(workers_doc=WORKERS_DOC, workers_view=view)
