"""add-observability (opt-in): request logging, error tracking when its DSN is set, health checks.

Before/after pairs on small projects, the notes operators read, the opt-in registry rule, and
the generated code at work in a restructured fixture: its own tests still pass, /health/ answers,
every log line is JSON with the request id."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from djrefactor.codemods.add_observability import templates
from djrefactor.config import Config
from djrefactor.engine import available_codemods, build_plan, select
from tests.helpers import assert_noop, assert_rewrites, codemod, make_project


def split_project(**extra: str) -> dict[str, str]:
    files = {
        "manage.py": """
            import os

            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.development")
        """,
        "requirements.txt": "Django>=5.2\nsentry-sdk>=2\ncelery>=5\n",
        "config/__init__.py": "",
        "config/celery.py": """
            from celery import Celery

            app = Celery("shop")
        """,
        "config/settings/__init__.py": "",
        "config/settings/base.py": """
            INSTALLED_APPS = ["django.contrib.auth", "shop"]
            MIDDLEWARE = [
                "django.middleware.security.SecurityMiddleware",
                "django.contrib.auth.middleware.AuthenticationMiddleware",
            ]
            ROOT_URLCONF = "config.urls"
        """,
        "config/settings/development.py": "from .base import *  # noqa: F403\n\nDEBUG = True\n",
        "config/settings/production.py": '''
            """Production: secrets from the environment."""

            from .base import *  # noqa: F403

            DEBUG = False
        ''',
        "config/urls.py": """
            from django.urls import include, path

            urlpatterns = [
                path("", include("shop.urls")),
            ]
        """,
        "shop/__init__.py": "",
    }
    files.update(extra)
    return files


BASE_AFTER = """
    INSTALLED_APPS = ["django.contrib.auth", "shop"]
    MIDDLEWARE = [
        "config.observability.RequestLogMiddleware",
        "django.middleware.security.SecurityMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
    ]
    ROOT_URLCONF = "config.urls"


    # Structured logging: JSON records with the request id, user id and path, and one line per
    # request with its status and latency (config/observability.py).
    LOGGING = {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request": {"()": "config.observability.RequestContextFilter"}},
        "formatters": {"json": {"()": "config.observability.JsonFormatter"}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "filters": ["request"],
                "formatter": "json",
            },
        },
        "root": {"handlers": ["console"], "level": "INFO"},
    }
"""
PRODUCTION_AFTER = '''
    """Production: secrets from the environment."""

    import os

    from .base import *  # noqa: F403

    DEBUG = False


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
'''
URLS_AFTER = """
    from django.urls import include, path

    from config.health import check_health, check_workers

    urlpatterns = [
        path("health/", check_health, name="health"),
        path("health/workers/", check_workers, name="health-workers"),
        path("", include("shop.urls")),
    ]
"""
LOGGED = (
    "config/settings/base.py: requests are logged once each (method, path, status, user_id, "
    "duration_ms) with an X-Request-ID: a caller's sane X-Request-ID is kept, else a new id is "
    "made, and it is returned in the response"
)
JSON_LOGS = (
    "config/settings/base.py: logs are now JSON objects on stderr, one per record, with "
    "request_id, user_id and path; the root level is INFO"
)
SENTRY_DSN = (
    "config/settings/production.py: set SENTRY_DSN in production to report errors to Sentry "
    "(optional: SENTRY_ENVIRONMENT, default production; SENTRY_RELEASE; "
    "SENTRY_TRACES_SAMPLE_RATE, default 0); without it nothing is sent"
)
HEALTH = (
    "config/urls.py: point the load balancer's health check at /health/ (databases and cache: "
    "200, or 503 naming what failed); point a monitor, not the load balancer, at "
    "/health/workers/ (Celery ping)"
)


def test_a_split_project_gets_logging_error_tracking_and_health_checks() -> None:
    assert_rewrites(
        "add-observability",
        split_project(),
        {
            "config/observability.py": templates.OBSERVABILITY.format(),
            "config/health.py": templates.health_module(("config.celery", "app")),
            "config/settings/base.py": BASE_AFTER,
            "config/settings/production.py": PRODUCTION_AFTER,
            "config/urls.py": URLS_AFTER,
        },
        notes=[LOGGED, JSON_LOGS, SENTRY_DSN, HEALTH],
    )


SINGLE_SETTINGS_AFTER = """
    import os

    MIDDLEWARE = ['site_.observability.RequestLogMiddleware', 'a.B']
    ROOT_URLCONF = 'site_.urls'


    # Structured logging: JSON records with the request id, user id and path, and one line per
    # request with its status and latency (site_/observability.py).
    LOGGING = {
        'version': 1,
        'disable_existing_loggers': False,
        'filters': {'request': {'()': 'site_.observability.RequestContextFilter'}},
        'formatters': {'json': {'()': 'site_.observability.JsonFormatter'}},
        'handlers': {
            'console': {
                'class': 'logging.StreamHandler',
                'filters': ['request'],
                'formatter': 'json',
            },
        },
        'root': {'handlers': ['console'], 'level': 'INFO'},
    }
"""


def test_one_settings_module_single_quoted_without_celery_or_sentry() -> None:
    before = {
        "manage.py": "import os\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site_.settings')\n",
        "site_/__init__.py": "",
        "site_/settings.py": "import os\n\nMIDDLEWARE = ['a.B']\nROOT_URLCONF = 'site_.urls'\n",
        "site_/urls.py": "from django.urls import path\n\nurlpatterns = [path('', index)]\n",
    }
    result = assert_rewrites(
        "add-observability",
        before,
        {
            "site_/observability.py": templates.OBSERVABILITY.format(),
            "site_/health.py": templates.health_module(None),
            "site_/settings.py": SINGLE_SETTINGS_AFTER,
            "site_/urls.py": "from django.urls import path\n\n"
            "from site_.health import check_health\n\n"
            "urlpatterns = [path('health/', check_health, name='health'), path('', index)]\n",
        },
    )
    assert (
        "site_/settings.py: no error tracking added: the project does not depend on an "
        "error-tracking SDK; add sentry-sdk to its requirements and run add-observability again"
    ) in notes_of(before)
    assert "/health/workers/" not in result.text("site_/health.py")


def notes_of(files: dict[str, str]) -> list[str]:
    return [str(note) for note in codemod("add-observability").run(make_project(files)).notes]


@pytest.mark.parametrize(
    ("extra", "note"),
    [
        pytest.param(
            {"requirements.txt": "Django\nrollbar\n"},
            "config/settings/production.py: rollbar is a dependency: initialise it in "
            "production by hand (add-observability sets up Sentry)",
            id="another error tracker",
        ),
        pytest.param(
            {
                "config/settings/base.py": 'MIDDLEWARE = []\nROOT_URLCONF = "config.urls"\n'
                'LOGGING = {"version": 1}\n'
            },
            "config/settings/base.py: LOGGING exists, so it was left as it is: give its "
            "handlers the formatter config.observability.JsonFormatter and the filter "
            "config.observability.RequestContextFilter",
            id="LOGGING already configured",
        ),
        pytest.param(
            {
                "config/settings/base.py": "MIDDLEWARE = BASE_MIDDLEWARE\n"
                'ROOT_URLCONF = "config.urls"\n'
            },
            "config/settings/base.py: MIDDLEWARE is not a list literal: add "
            "'config.observability.RequestLogMiddleware' first by hand",
            id="MIDDLEWARE computed",
        ),
        pytest.param(
            {"config/urls.py": "from django.urls import path\n\nurlpatterns = routes()\n"},
            "config/urls.py: health checks not wired: add path('health/', check_health) from "
            "config.health by hand (urlpatterns is not a list literal, or `path` is not "
            "imported)",
            id="urlpatterns computed",
        ),
    ],
)
def test_what_it_leaves_alone_is_a_note(extra: dict[str, str], note: str) -> None:
    assert note in notes_of(split_project(**extra))


@pytest.mark.parametrize(
    "files",
    [
        pytest.param(
            split_project(
                **{
                    "config/observability.py": "",
                    "config/health.py": "",
                    "config/settings/base.py": """
                        MIDDLEWARE = ["config.observability.RequestLogMiddleware"]
                        ROOT_URLCONF = "config.urls"
                        LOGGING = {"()": "config.observability.JsonFormatter"}
                    """,
                    "config/settings/production.py": "import sentry_sdk\n",
                }
            ),
            id="everything already there",
        ),
        pytest.param(
            split_project(
                **{
                    "config/settings/base.py": """
                        MIDDLEWARE = ["config.observability.RequestLogMiddleware"]
                        ROOT_URLCONF = "config.urls"
                        LOGGING = {"()": "config.observability.JsonFormatter"}
                    """,
                    "config/observability.py": "",
                    "requirements.txt": "Django\n",
                    "config/urls.py": "from django.urls import path\n\n"
                    'urlpatterns = [path("healthz/", ok)]\n',
                }
            ),
            id="a health route of the project's own, no SDK",
        ),
    ],
)
def test_noop(files: dict[str, str]) -> None:
    assert_noop("add-observability", files)


def test_no_root_urlconf_is_a_note() -> None:
    files = split_project(**{"config/settings/base.py": "MIDDLEWARE = []\n"})
    assert_noop(
        "add-observability",
        files,
        notes=[
            "config/settings/development.py: observability not added: no root URLconf in a "
            "package found"
        ],
    )


# -- opt-in ------------------------------------------------------------------------------------
def test_it_is_opt_in_and_runs_only_when_named() -> None:
    codemods = available_codemods()
    assert "add-observability" in [c.name for c in codemods if c.opt_in]
    assert "add-observability" not in [c.name for c in select(codemods, (), ())]
    assert "add-observability" not in [c.name for c in select(codemods, (), ("split-settings",))]
    assert [c.name for c in select(codemods, ("add-observability",), ())] == ["add-observability"]


def test_the_default_plan_leaves_it_out_and_the_configuration_can_name_it() -> None:
    project = make_project(split_project())
    default = build_plan(project, select(available_codemods(), (), ()))
    assert "add-observability" not in [step.name for step in default.steps]
    configured = make_project(split_project(), Config(only=("add-observability",)))
    codemods = select(available_codemods(), configured.config.only, configured.config.skip)
    named = build_plan(configured, codemods)
    assert [step.name for step in named.steps] == ["add-observability"]
    assert named.steps[0].files


# -- the generated code at work ----------------------------------------------------------------
CHECK = """
import json, logging, sys
import django
django.setup()
from django.test.utils import setup_test_environment
from django.db import connection
from django.test import Client

setup_test_environment()
connection.creation.create_test_db(verbosity=0)
records = []
handler = logging.getLogger().handlers[0]
class Sink:
    def write(self, text):
        records.append(text)

    def flush(self):
        pass

handler.stream = Sink()
response = Client().get("/health/", HTTP_X_REQUEST_ID="probe-1")
lines = [json.loads(line) for chunk in records for line in chunk.splitlines() if line]
print(json.dumps({"status": response.status_code, "body": response.json(),
                  "header": response["X-Request-ID"], "lines": lines}))
"""


@pytest.fixture(scope="module")
def observed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """fixtures/clinic restructured, then with add-observability applied on top."""
    from tests.e2e.test_fixtures import copy_fixture, djrefactor

    repo = copy_fixture("clinic", tmp_path_factory.mktemp("observed") / "clinic")
    assert djrefactor("apply", "--no-verify", ".", cwd=repo).returncode == 0
    result = djrefactor("run", "add-observability", ".", "--apply", cwd=repo)
    assert result.returncode == 0, result.stderr
    return repo


def test_the_fixture_still_passes_its_tests_and_check_deploy(observed: Path) -> None:
    from tests.e2e.test_fixtures import TEST_COMMANDS, check_deploy, passed_tests, run

    passed_tests(run(TEST_COMMANDS["clinic"], observed))
    assert "no issues" in check_deploy(observed, "clinic")


def test_health_answers_and_every_log_line_is_json_with_the_request(observed: Path) -> None:
    from tests.e2e.test_fixtures import run

    result = run(
        [sys.executable, "-c", CHECK],
        observed,
        DJANGO_SETTINGS_MODULE="config.settings.development",
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["status"] == 200
    assert seen["body"] == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}
    assert seen["header"] == "probe-1"
    [access] = [line for line in seen["lines"] if line["logger"] == "config.observability"]
    assert access["message"] == "GET /health/ 200"
    assert access["request_id"] == "probe-1"
    assert access["path"] == "/health/"
    assert access["user_id"] is None
    assert access["status"] == 200 and access["duration_ms"] >= 0


def test_the_commit_says_what_operators_must_set(observed: Path) -> None:
    from tests.helpers import git_run

    message = git_run(observed, "log", "-1", "--format=%B")
    assert message.startswith("djrefactor: add-observability\n")
    assert "/health/" in message and "/health/workers/" in message
    assert "add sentry-sdk" in message


def test_generated_modules_pass_ruff_and_strict_mypy(observed: Path) -> None:
    modules = ["config/observability.py", "config/health.py"]
    ruff = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--select", "E,F,W,I,B,UP", *modules],
        cwd=observed,
        capture_output=True,
        text=True,
        check=False,
    )
    assert ruff.returncode == 0, ruff.stdout
    mypy = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--ignore-missing-imports",
            "--allow-untyped-decorators",
            "--no-incremental",
            *modules,
        ],
        cwd=observed,
        capture_output=True,
        text=True,
        check=False,
    )
    assert mypy.returncode == 0, mypy.stdout
