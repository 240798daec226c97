"""split-settings: one settings module becomes base / development / production."""

from __future__ import annotations

import ast
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import assert_noop, assert_rewrites, dedent, make_project, run_codemod

MANAGE = """
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "{module}")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
"""

WSGI = """
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "{module}")
application = get_wsgi_application()
"""


def _project(settings: str, module: str = "mysite.settings") -> dict[str, str]:
    package = module.rsplit(".", 1)[0]
    return {
        "manage.py": MANAGE.format(module=module),
        f"{package}/__init__.py": "",
        f"{package}/wsgi.py": WSGI.format(module=module),
        f"{package}/urls.py": "urlpatterns = []\n",
        f"{module.replace('.', '/')}.py": settings,
    }


def _split(files: dict[str, str]) -> dict[str, str]:
    project = make_project(files)
    after, _ = run_codemod("split-settings", project)
    return {path: after.text(path) for path in after.paths}


OS_HELPERS = """

def _required_env(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"Set {name} in the environment for production.")
    return value


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _environ_list(name: str) -> list:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]
"""

HSTS = """\
# HSTS: browsers refuse plain HTTP for this long. It starts at an hour, so a
# mistake locks nobody out for long; once every page and subdomain serves HTTPS,
# raise DJANGO_SECURE_HSTS_SECONDS step by step (a day, a week, then 31536000).
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "3600"))
# ...on every subdomain too (they must all serve HTTPS).
SECURE_HSTS_INCLUDE_SUBDOMAINS = _flag("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
# Preload lists are hard to leave: opt in (DJANGO_SECURE_HSTS_PRELOAD=true) only
# after a long max-age has run without trouble.
SECURE_HSTS_PRELOAD = _flag("DJANGO_SECURE_HSTS_PRELOAD", False)
# Session and CSRF cookies never travel over plain HTTP.
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# W021 asks for HSTS preload, which is off on purpose until HSTS has run for a while.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
"""


def test_pathlib_project_with_debug_block_and_local_settings():
    before = {
        **_project(
            '''
            """Settings for mysite."""

            from pathlib import Path

            BASE_DIR = Path(__file__).resolve().parent.parent

            # SECURITY WARNING: keep the secret key used in production secret!
            SECRET_KEY = "django-insecure-abc123"

            DEBUG = True

            ALLOWED_HOSTS = []

            INSTALLED_APPS = [
                "django.contrib.contenttypes",
                "django_extensions",
            ]

            TEMPLATES_DIR = BASE_DIR / "templates"

            if DEBUG:
                # mails go to the terminal
                EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
            else:
                SECURE_SSL_REDIRECT = True

            try:
                from .local_settings import *  # noqa
            except ImportError:
                pass
            '''
        ),
        "pytest.ini": "[pytest]\nDJANGO_SETTINGS_MODULE = mysite.settings\n",
        "Procfile": "web: DJANGO_SETTINGS_MODULE=mysite.settings gunicorn mysite.wsgi\n",
    }
    production = (
        '''"""Production settings: DEBUG off, strict security, secrets from the environment.

Required environment: DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS; importing this module without them
fails. .env.example lists every variable production reads.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
'''
        + OS_HELPERS
        + """

DEBUG = False

SECRET_KEY = _required_env("DJANGO_SECRET_KEY")
# Rotating a committed key: put the old one here until sessions and reset links expire.
SECRET_KEY_FALLBACKS = _environ_list("DJANGO_SECRET_KEY_FALLBACKS")
ALLOWED_HOSTS = _required_env("DJANGO_ALLOWED_HOSTS").replace(" ", "").split(",")

# The platform's router terminates TLS and forwards plain HTTP with X-Forwarded-Proto;
# trust it, or SSL redirects loop forever. Turn off where Django faces clients
# directly: they could forge the header.
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https")
    if _flag("DJANGO_SECURE_PROXY_SSL_HEADER", True)
    else None
)
"""
        + HSTS
        + "\nSECURE_SSL_REDIRECT = True\n"
    )
    assert_rewrites(
        "split-settings",
        before,
        {
            "mysite/settings.py": None,
            "manage.py": MANAGE.format(module="mysite.settings.development"),
            "mysite/wsgi.py": WSGI.format(module="mysite.settings.production"),
            "pytest.ini": "[pytest]\nDJANGO_SETTINGS_MODULE = mysite.settings.test\n",
            "Procfile": (
                "web: DJANGO_SETTINGS_MODULE=mysite.settings.production gunicorn mysite.wsgi\n"
            ),
            "mysite/settings/__init__.py": (
                '"""Settings per environment: base (shared), development and production."""\n'
            ),
            "mysite/settings/base.py": '''
                """Settings for mysite."""

                from pathlib import Path

                BASE_DIR = Path(__file__).resolve().parent.parent.parent

                DEBUG = False

                INSTALLED_APPS = [
                    "django.contrib.contenttypes",
                ]

                TEMPLATES_DIR = BASE_DIR / "templates"
                ''',
            "mysite/settings/development.py": '''
                """Development settings: DEBUG on, local hosts, a dev-only secret, local tools.

                Never deploy these: production.py reads the secret and hosts from the environment.
                """

                from .base import *  # noqa: F403
                from .base import INSTALLED_APPS

                DEBUG = True

                # SECURITY WARNING: keep the secret key used in production secret!
                SECRET_KEY = "django-insecure-abc123"

                ALLOWED_HOSTS = []

                # mails go to the terminal
                EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

                INSTALLED_APPS += ["django_extensions"]

                try:
                    from ..local_settings import *  # noqa
                except ImportError:
                    pass
                ''',
            "mysite/settings/production.py": production,
            "mysite/settings/test.py": '''
                """Test settings: development's, with a fast password hasher and in-memory mail."""

                from .development import *  # noqa: F403

                PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
                EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
                ''',
            ".env.example": """
                # Also read in production (mysite/settings/production.py), with their defaults;
                # production requires DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS.
                # DJANGO_SECRET_KEY=
                # DJANGO_SECRET_KEY_FALLBACKS=
                # DJANGO_ALLOWED_HOSTS=
                # DJANGO_SECURE_PROXY_SSL_HEADER=True
                # DJANGO_SECURE_HSTS_SECONDS=3600
                # DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS=True
                # DJANGO_SECURE_HSTS_PRELOAD=False
                """,
        },
    )


def test_os_path_base_dir_decouple_and_debug_toolbar_middleware():
    files = _split(
        _project(
            """
            import os

            from decouple import config

            BASE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
            SECRET_KEY = "x7#q2v!m0p$k9d@shop"
            DEBUG = config("DEBUG", default=False, cast=bool)
            ALLOWED_HOSTS = ["*"]
            MIDDLEWARE = [
                "debug_toolbar.middleware.DebugToolbarMiddleware",
                "django.middleware.security.SecurityMiddleware",
            ]
            STATIC_ROOT = os.path.join(BASE_DIR, "staticfiles")
            """
        )
    )
    base = files["mysite/settings/base.py"]
    assert (
        "BASE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))"
        in base
    )
    assert "from decouple import config" not in base  # only DEBUG used it
    assert "x7#q2v" not in base and "x7#q2v" not in files["mysite/settings/production.py"]
    assert '"debug_toolbar' not in base
    development = files["mysite/settings/development.py"]
    assert 'MIDDLEWARE.insert(0, "debug_toolbar.middleware.DebugToolbarMiddleware")' in development
    assert 'SECRET_KEY = "x7#q2v!m0p$k9d@shop"' in development
    assert 'DEBUG = config("DEBUG", default=True, cast=bool)' in development
    production = files["mysite/settings/production.py"]
    assert "from decouple import Csv, config\n" in production
    assert 'SECRET_KEY = config("DJANGO_SECRET_KEY")\n' in production
    assert 'ALLOWED_HOSTS = config("DJANGO_ALLOWED_HOSTS", cast=Csv())\n' in production


# -- the deployment's environment contract (issue 10, case 4) ---------------------------------
CONTRACT = [
    pytest.param(
        """
        import os

        SECRET_KEY = os.environ.get("SECRET_KEY", "django-insecure-abcdefghijklmnop")
        DEBUG = os.environ.get("DEBUG", "0") == "1"
        # space separated, same format as the old Heroku config var
        ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "localhost 127.0.0.1").split()
        """,
        [
            'SECRET_KEY = _required_env("SECRET_KEY")\n',
            'ALLOWED_HOSTS = _required_env("ALLOWED_HOSTS").split()\n',
        ],
        [
            "# $DEBUG switches DEBUG as before; unset, development runs with DEBUG on.\n"
            'DEBUG = os.environ.get("DEBUG", "0") == "1" if "DEBUG" in os.environ else True\n',
            'SECRET_KEY = os.environ.get("SECRET_KEY", "django-insecure-abcdefghijklmnop")\n',
            'ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "localhost 127.0.0.1").split()\n',
        ],
        id="os.environ, hosts split on spaces",
    ),
    pytest.param(
        """
        import environ

        env = environ.Env(DEBUG=(bool, False))
        SECRET_KEY = env("SECRET_KEY", default="django-insecure-abcdefghijklmnop")
        DEBUG = env("DEBUG")
        ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost"])
        """,
        ['SECRET_KEY = env("SECRET_KEY")\n', 'ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")\n'],
        ["from .base import env\n", 'DEBUG = env("DEBUG", default=True)\n'],
        id="django-environ, the same Env (and its schema) from base",
    ),
    pytest.param(
        """
        from decouple import Csv, config

        SECRET_KEY = config("SECRET_KEY")
        DEBUG = config("DEBUG", default=False, cast=bool)
        ALLOWED_HOSTS = config("ALLOWED_HOSTS", default="localhost", cast=Csv())
        """,
        [
            'SECRET_KEY = config("SECRET_KEY")\n',
            'ALLOWED_HOSTS = config("ALLOWED_HOSTS", cast=Csv())\n',
        ],
        [
            'SECRET_KEY = "django-insecure-development-only-never-use-in-production"\n',
            'DEBUG = config("DEBUG", default=True, cast=bool)\n',
        ],
        id="decouple, Csv() kept",
    ),
    pytest.param(
        """
        import os

        SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
        DEBUG = False
        ALLOWED_HOSTS = os.environ["DJANGO_ALLOWED_HOSTS"].split(",")
        """,
        [
            'SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]\n',
            'ALLOWED_HOSTS = os.environ["DJANGO_ALLOWED_HOSTS"].split(",")\n',
        ],
        [
            "DEBUG = True\n",
            'SECRET_KEY = "django-insecure-development-only-never-use-in-production"\n',
            'ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]\n',
        ],
        id="already on DJANGO_SECRET_KEY: nothing renamed",
    ),
    pytest.param(
        """
        import os

        SECRET_KEY = "django-insecure-abcdefghijklmnop"
        ALLOWED_HOSTS = ["example.com", "www.example.com", "localhost"]
        """,
        [
            "ALLOWED_HOSTS = "
            '_environ_list("DJANGO_ALLOWED_HOSTS") or ["example.com", "www.example.com"]\n'
        ],
        ['ALLOWED_HOSTS = ["example.com", "www.example.com", "localhost"]\n'],
        id="hard-coded hosts become production's default",
    ),
    pytest.param(
        """
        import os

        SECRET_KEY = os.environ.get("SECRET_KEY", "dev")
        ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "localhost api.example.com").split()
        """,
        ['ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "api.example.com").split()\n'],
        [],
        id="real hosts of an env default stay production's default",
    ),
    pytest.param(
        """
        import os

        if os.environ.get("CI"):
            SECRET_KEY = "ci-only-key"
        else:
            SECRET_KEY = os.environ["SECRET_KEY"]
        ALLOWED_HOSTS = []
        """,
        ['SECRET_KEY = os.environ["SECRET_KEY"]\n'],
        [
            'if os.environ.get("CI"):\n    SECRET_KEY = "ci-only-key"\n'
            'else:\n    SECRET_KEY = os.environ["SECRET_KEY"]\n'
        ],
        id="a conditional secret stays conditional in development",
    ),
]


@pytest.mark.parametrize(("settings", "production", "development"), CONTRACT)
def test_production_keeps_the_environment_contract(settings, production, development):
    files = _split(_project(settings))
    for line in production:
        assert line in files["mysite/settings/production.py"]
    for line in development:
        assert line in files["mysite/settings/development.py"]
    assert "django-insecure-abcdefghijklmnop" not in files["mysite/settings/production.py"]
    assert "ci-only-key" not in files["mysite/settings/production.py"]


def test_a_conditional_secret_is_not_overridden_in_development():
    files = _split(_project(CONTRACT[6].values[0]))
    development = files["mysite/settings/development.py"]
    assert development.count("SECRET_KEY =") == 2  # the two branches, no unconditional one


def test_contract_changes_are_notes():
    project = make_project(_project(CONTRACT[0].values[0]))
    _, changes = run_codemod("split-settings", project)
    messages = [note.message for note in changes.notes]
    assert "operators: production.py requires $SECRET_KEY, $ALLOWED_HOSTS in every deployment" in (
        messages
    )
    assert (
        "DEBUG: $DEBUG is read in development only; production.py sets DEBUG = False whatever "
        "$DEBUG says"
    ) in messages


def test_settings_computed_from_debug_are_evaluated_again_in_development():
    files = _split(
        _project(
            """
            DEBUG = True
            EMAIL_BACKEND = "console.EmailBackend" if DEBUG else "smtp.EmailBackend"
            TEMPLATE_DEBUG = DEBUG
            SIGNING = {"KEY": SECRET_KEY}
            """
        )
    )
    assert files["mysite/settings/base.py"].splitlines()[-3:] == [
        "DEBUG = False",
        'EMAIL_BACKEND = "smtp.EmailBackend"',
        "TEMPLATE_DEBUG = DEBUG",
    ]
    development = files["mysite/settings/development.py"]
    assert 'EMAIL_BACKEND = "console.EmailBackend"\nTEMPLATE_DEBUG = DEBUG\n' in development
    assert 'SIGNING = {"KEY": SECRET_KEY}' in development
    assert files["mysite/settings/production.py"].endswith('SIGNING = {"KEY": SECRET_KEY}\n')


def test_noop_when_already_split():
    assert_noop(
        "split-settings",
        {
            **_project("", module="mysite.settings.development"),
            "mysite/settings/__init__.py": "",
            "mysite/settings/base.py": "DEBUG = False\n",
            "mysite/settings/development.py": "from .base import *\n",
            "mysite/settings/production.py": "from .base import *\n",
        },
    )


def test_noop_with_note_when_settings_module_has_another_name():
    changes = assert_noop("split-settings", _project("DEBUG = True\n", module="mysite.conf"))
    assert "not a plain settings module" in changes.notes[0].message


# -- the generated modules run -------------------------------------------------------------------
SETTINGS_STYLES = {
    "os": """
        import os
        from pathlib import Path

        BASE_DIR = Path(__file__).resolve().parent.parent
        SECRET_KEY = "django-insecure-committed"
        DEBUG = True
        ALLOWED_HOSTS = []
        INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth",
                          "django.contrib.sessions"]
        MIDDLEWARE = [
            "django.middleware.security.SecurityMiddleware",
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.middleware.clickjacking.XFrameOptionsMiddleware",
        ]
        ROOT_URLCONF = "config.urls"
        DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3",
                                 "NAME": os.path.join(BASE_DIR, "db.sqlite3")}}
        """,
    "environ": """
        import environ

        env = environ.Env(DEBUG=(bool, False))
        SECRET_KEY = env("SECRET_KEY", default="django-insecure-committed")
        DEBUG = env("DEBUG")
        ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
        INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth"]
        MIDDLEWARE = [
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.middleware.clickjacking.XFrameOptionsMiddleware",
        ]
        ROOT_URLCONF = "config.urls"
        if DEBUG:
            EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
        """,
    "decouple": """
        from decouple import Csv, config

        SECRET_KEY = config("SECRET_KEY", default="django-insecure-committed")
        DEBUG = config("DEBUG", default=True, cast=bool)
        ALLOWED_HOSTS = config("ALLOWED_HOSTS", default="*", cast=Csv())
        INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth"]
        MIDDLEWARE = [
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.middleware.clickjacking.XFrameOptionsMiddleware",
        ]
        ROOT_URLCONF = "config.urls"
        """,
}


def _write(files: dict[str, str], root: Path) -> None:
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)


def _manage(
    root: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=root,
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


# The variables each style's production reads: the project's own names where it read any.
DEPLOY_VARIABLES = {
    "os": ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "ImproperlyConfigured"),
    "environ": ("SECRET_KEY", "ALLOWED_HOSTS", "ImproperlyConfigured"),
    "decouple": ("SECRET_KEY", "ALLOWED_HOSTS", "UndefinedValueError"),
}


@pytest.mark.parametrize("style", sorted(SETTINGS_STYLES))
def test_generated_settings_pass_django_checks(style, tmp_path):
    before = dedent(_project(SETTINGS_STYLES[style], module="config.settings"))
    files = _split({path: text for path, text in before.items() if text is not None})
    _write(files, tmp_path)
    for path, text in files.items():
        assert "django-insecure-committed" not in text or path.endswith("development.py"), path
    # every production line naming the secret reads it from the environment, none holds it
    secret_lines = [
        line
        for line in files["config/settings/production.py"].splitlines()
        if "SECRET_KEY" in line and ('"' in line or "'" in line)
    ]
    assert secret_lines
    assert all(re.search(r"environ|env\(|config\(", line) for line in secret_lines)

    development = _manage(tmp_path, "check")
    assert development.returncode == 0, development.stderr

    secret, hosts, error = DEPLOY_VARIABLES[style]
    deploy_env = {secret: secrets.token_urlsafe(64), hosts: "example.com"}
    deploy = _manage(
        tmp_path, "check", "--deploy", "--settings=config.settings.production", env=deploy_env
    )
    assert deploy.returncode == 0, deploy.stderr
    assert "System check identified no issues (1 silenced)" in deploy.stdout, deploy.stderr

    missing = _manage(tmp_path, "check", "--settings=config.settings.production")
    assert missing.returncode != 0
    assert error in missing.stderr and secret in missing.stderr


# -- safe production defaults (case 6), the project's Django and Python (case 14) ----------------
def _production(settings: str, **extra: str) -> str:
    return _split({**_project(settings), **extra})["mysite/settings/production.py"]


def test_hsts_starts_at_an_hour_without_preload():
    production = _production("SECRET_KEY = 'x'\n")
    assert 'SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "3600"))' in (
        production
    )
    assert 'SECURE_HSTS_PRELOAD = _flag("DJANGO_SECURE_HSTS_PRELOAD", False)' in production
    assert "raise DJANGO_SECURE_HSTS_SECONDS step by step" in production
    assert 'SILENCED_SYSTEM_CHECKS = ["security.W021"]' in production


def test_silenced_checks_of_base_are_kept():
    production = _production("SILENCED_SYSTEM_CHECKS = ['fields.W342']\n")
    assert 'SILENCED_SYSTEM_CHECKS = list(SILENCED_SYSTEM_CHECKS) + ["security.W021"]' in production
    assert "from .base import SILENCED_SYSTEM_CHECKS" in production


@pytest.mark.parametrize(
    ("extra", "trusted"),
    [
        pytest.param({}, False, id="no proxy in sight"),
        pytest.param({"Procfile": "web: gunicorn mysite.wsgi\n"}, True, id="Procfile"),
        pytest.param({"app.json": "{}\n"}, True, id="app.json"),
        pytest.param({"fly.toml": "app = 'x'\n"}, True, id="fly.toml"),
        pytest.param({"render.yaml": "services: []\n"}, True, id="render.yaml"),
    ],
)
def test_the_proxy_ssl_header_is_trusted_only_where_a_proxy_is_evident(extra, trusted):
    production = _production("SECRET_KEY = 'x'\n", **extra)
    assert f'if _flag("DJANGO_SECURE_PROXY_SSL_HEADER", {trusted})' in production


def test_the_original_proxy_setting_is_kept():
    settings = """
        DEBUG = True
        if not DEBUG:
            SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    """
    production = _production(settings)
    assert production.count("SECURE_PROXY_SSL_HEADER") == 1
    assert 'SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")' in production


def test_django_before_3_gets_the_defaults_it_lacked():
    production = _production("SECRET_KEY = 'x'\n", **{"requirements.txt": "Django==2.2.28\n"})
    for line in (
        "SECURE_CONTENT_TYPE_NOSNIFF = True",  # W006
        "SECURE_BROWSER_XSS_FILTER = True",  # W007
        'X_FRAME_OPTIONS = "DENY"',  # W019
        'SECURE_REFERRER_POLICY = "same-origin"',  # W022 (Django 3.0)
    ):
        assert line in production
    assert "X_FRAME_OPTIONS" not in _production("SECRET_KEY = 'x'\n")


def test_python_3_5_targets_get_no_f_strings_or_annotations():
    settings = "import os\nSECRET_KEY = os.environ.get('SECRET_KEY', 'dev-key-dev-key-dev-key')\n"
    production = _production(settings, **{"runtime.txt": "python-3.5.2\n"})
    assert "def _required_env(name):" in production
    assert '"Set %s in the environment for production." % name' in production
    assert "def _flag(name, default):" in production
    ast.parse(production, feature_version=(3, 5))  # parses under the project's grammar
    nodes = list(ast.walk(ast.parse(production)))
    assert not [node for node in nodes if isinstance(node, ast.JoinedStr)]
    assert not [node for node in nodes if isinstance(node, ast.arg) and node.annotation]
    assert not [node for node in nodes if isinstance(node, ast.FunctionDef) and node.returns]


def test_a_missing_security_middleware_is_added_without_newer_syntax():
    production = _production("MIDDLEWARE = ['django.middleware.common.CommonMiddleware']\n")
    assert (
        'MIDDLEWARE = ["django.middleware.security.SecurityMiddleware"] + list(MIDDLEWARE)'
        in production
    )


# -- vendor keys and the committed secret (case 12) ------------------------------------------------
VENDOR_SETTINGS = """
    import os

    SECRET_KEY = "django-insecure-committed-0123456789"
    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "sk_test_placeholder")
    TWILIO_ACCOUNT_SID = os.environ.get("TWILIO_ACCOUNT_SID", "ACxxxxxxxx")
    OPENAI_API_KEY = os.environ.get("OPENAI_API_KEY", "")
    UNUSED_API_KEY = os.environ.get("UNUSED_API_KEY", "placeholder")
    SITE_NAME = os.environ.get("SITE_NAME", "Shop")
"""
VENDOR_CODE = {
    "shop/__init__.py": "",
    "shop/pay.py": (
        "from django.conf import settings\n\n\ndef keys():\n"
        "    return settings.STRIPE_SECRET_KEY, settings.TWILIO_ACCOUNT_SID,"
        " settings.OPENAI_API_KEY, settings.SITE_NAME\n"
    ),
}


def test_production_never_falls_back_to_placeholder_vendor_keys():
    project = make_project({**_project(VENDOR_SETTINGS), **VENDOR_CODE})
    result, changes = run_codemod("split-settings", project)
    production = result.text("mysite/settings/production.py")
    assert 'STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")\n' in production
    assert 'TWILIO_ACCOUNT_SID = os.environ.get("TWILIO_ACCOUNT_SID", "")\n' in production
    # no placeholder to drop, or no code using it, or not a key: base's value stands
    for name in ("OPENAI_API_KEY", "UNUSED_API_KEY", "SITE_NAME"):
        assert name not in production
    assert "sk_test_placeholder" in result.text("mysite/settings/base.py")
    assert any(
        note.message.startswith(
            "operators: production.py reads $STRIPE_SECRET_KEY, $TWILIO_ACCOUNT_SID without"
        )
        for note in changes.notes
    )


@pytest.mark.parametrize(
    ("requirements", "fallbacks"),
    [
        pytest.param("Django==4.2\n", True, id="Django 4.2"),
        pytest.param("Django==3.2\n", False, id="Django 3.2"),
    ],
)
def test_a_committed_secret_comes_with_rotation_advice(requirements, fallbacks):
    project = make_project({**_project(VENDOR_SETTINGS), "requirements.txt": requirements})
    result, changes = run_codemod("split-settings", project)
    [note] = [n for n in changes.notes if "treat it as leaked" in n.message]
    production = result.text("mysite/settings/production.py")
    assert ("SECRET_KEY_FALLBACKS" in production) is fallbacks
    assert ("$DJANGO_SECRET_KEY_FALLBACKS" in note.message) is fallbacks
    assert ("no SECRET_KEY_FALLBACKS" in note.message) is not fallbacks
    assert "django-insecure-committed-0123456789" in result.text("mysite/settings/development.py")


# -- .env.example and test settings ---------------------------------------------------------------
def test_env_example_is_extended_with_what_production_reads():
    example = "# copy to .env\nSECRET_KEY=change-me\n"
    settings = """
        import os

        SECRET_KEY = os.environ.get("SECRET_KEY", "dev")
        DATABASE_URL = os.environ.get("DATABASE_URL", "sqlite:///db.sqlite3")
    """
    files = _split({**_project(settings), ".env.example": example})
    added = files[".env.example"][len(example) :]
    assert added.startswith("\n# Also read in production (mysite/settings/production.py)")
    assert "# SECRET_KEY=" not in added  # listed already
    assert "\n# DATABASE_URL=sqlite:///db.sqlite3\n" in added
    assert "\n# DJANGO_ALLOWED_HOSTS=\n" in added
    assert "\n# DJANGO_SECURE_HSTS_SECONDS=3600\n" in added
    # a second run finds them listed
    again = _split({**_project(settings), ".env.example": files[".env.example"]})
    assert again[".env.example"] == files[".env.example"]


@pytest.mark.parametrize(
    ("path", "before", "after"),
    [
        pytest.param(
            "pytest.ini",
            "[pytest]\nDJANGO_SETTINGS_MODULE = mysite.settings\n",
            "[pytest]\nDJANGO_SETTINGS_MODULE = mysite.settings.test\n",
            id="pytest.ini",
        ),
        pytest.param(
            "pyproject.toml",
            '[tool.pytest.ini_options]\nDJANGO_SETTINGS_MODULE = "mysite.settings"\n',
            '[tool.pytest.ini_options]\nDJANGO_SETTINGS_MODULE = "mysite.settings.test"\n',
            id="pyproject",
        ),
        pytest.param(
            "setup.cfg",
            "[tool:pytest]\naddopts = --ds=mysite.settings\n",
            "[tool:pytest]\naddopts = --ds=mysite.settings.test\n",
            id="setup.cfg --ds",
        ),
        pytest.param(
            "tox.ini",
            "[testenv]\nsetenv =\n    DJANGO_SETTINGS_MODULE=mysite.settings\n",
            "[testenv]\nsetenv =\n    DJANGO_SETTINGS_MODULE=mysite.settings.test\n",
            id="tox.ini",
        ),
    ],
)
def test_tests_that_ran_on_the_single_module_get_test_settings(path, before, after):
    files = _split({**_project("SECRET_KEY = 'x'\n"), path: before})
    assert files[path] == after
    test = files["mysite/settings/test.py"]
    assert "from .development import *  # noqa: F403" in test
    assert '"django.contrib.auth.hashers.MD5PasswordHasher"' in test
    assert '"django.core.mail.backends.locmem.EmailBackend"' in test


def test_no_test_settings_when_no_test_configuration_named_the_module():
    files = _split(_project("SECRET_KEY = 'x'\n"))
    assert "mysite/settings/test.py" not in files


# -- every deployed process runs production (cases 2 and 3) ------------------------------------
DEPLOYED = {
    "Procfile": (
        "web: gunicorn mysite.wsgi --log-file -\n"
        "worker: celery -A mysite worker -l info\n"
        "release: python manage.py migrate && python manage.py createcachetable\n"
        "clock: DJANGO_SETTINGS_MODULE=mysite.settings python manage.py send_reminders\n"
    ),
    "Procfile.dev": "web: python manage.py runserver\n",
}


def test_procfile_processes_run_production_explicitly():
    files = _split({**_project("SECRET_KEY = 'x'\n"), **DEPLOYED})
    assert files["Procfile"] == (
        "web: gunicorn mysite.wsgi --log-file -\n"
        "worker: celery -A mysite worker -l info\n"
        "release: python manage.py migrate --settings=mysite.settings.production"
        " && python manage.py createcachetable --settings=mysite.settings.production\n"
        "clock: DJANGO_SETTINGS_MODULE=mysite.settings.production python manage.py"
        " send_reminders\n"
    )
    assert files["Procfile.dev"] == DEPLOYED["Procfile.dev"]


def test_the_celery_app_defaults_to_production():
    celery = (
        "import os\n\nfrom celery import Celery\n\n"
        'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\n'
        'app = Celery("mysite")\n'
    )
    files = _split({**_project("SECRET_KEY = 'x'\n"), "mysite/celery.py": celery})
    assert files["mysite/celery.py"] == celery.replace(
        '"mysite.settings"', '"mysite.settings.production"'
    )


DOCKERFILE = """\
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \\
    DJANGO_SETTINGS_MODULE=mysite.settings
COPY . .
RUN python manage.py collectstatic --noinput
CMD ["gunicorn", "mysite.wsgi:application"]
"""


def test_a_docker_build_step_gets_placeholders_for_what_production_requires():
    settings = (
        "import os\nSECRET_KEY = os.environ.get('SECRET_KEY', 'dev-key')\nALLOWED_HOSTS = []\n"
    )
    project = make_project({**_project(settings), "Dockerfile": DOCKERFILE})
    result, changes = run_codemod("split-settings", project)
    assert result.text("Dockerfile") == (
        "FROM python:3.11-slim\n"
        "ENV PYTHONUNBUFFERED=1 \\\n"
        "    DJANGO_SETTINGS_MODULE=mysite.settings.production\n"
        "COPY . .\n"
        "# Production settings require SECRET_KEY and DJANGO_ALLOWED_HOSTS. This build step has\n"
        "# no secrets, so it gets placeholders that exist only while this RUN runs (never stored\n"
        "# in the image); the real values come from the runtime environment.\n"
        "RUN SECRET_KEY=build-only-placeholder DJANGO_ALLOWED_HOSTS=localhost"
        " python manage.py collectstatic --noinput\n"
        'CMD ["gunicorn", "mysite.wsgi:application"]\n'
    )
    assert any(
        note.path == "Dockerfile" and note.line == 5 and "placeholders" in note.message
        for note in changes.notes
    )


def test_dockerfile_manage_py_commands_without_env_name_production():
    dockerfile = (
        "FROM python:3.11\nRUN python manage.py compilemessages\n"
        'CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]\n'
    )
    files = _split({**_project("SECRET_KEY = 'x'\n"), "Dockerfile": dockerfile})
    assert files["Dockerfile"].splitlines()[-2:] == [
        "RUN DJANGO_SECRET_KEY=build-only-placeholder DJANGO_ALLOWED_HOSTS=localhost python"
        " manage.py compilemessages --settings=mysite.settings.production",
        'CMD ["python", "manage.py", "runserver", "0.0.0.0:8000",'
        ' "--settings=mysite.settings.production"]',
    ]


COMPOSE = """\
services:
  web:
    build: .
    command: python manage.py migrate && gunicorn mysite.wsgi
    environment:
      - CELERY_BROKER_URL=redis://redis:6379/0
  worker:
    build: .
    command: celery -A mysite worker
  dev:
    build: .
    command: python manage.py runserver 0.0.0.0:8000
    volumes:
      - .:/app
  local-worker:
    build: .
    command: celery -A mysite worker
    environment:
      DEBUG: "1"
"""


def test_compose_services_that_are_not_development_run_production():
    files = _split({**_project("SECRET_KEY = 'x'\n"), "docker-compose.yml": COMPOSE})
    assert files["docker-compose.yml"] == COMPOSE.replace(
        "python manage.py migrate && gunicorn",
        "python manage.py migrate --settings=mysite.settings.production && gunicorn",
    ).replace(
        '    environment:\n      DEBUG: "1"',
        "    environment:\n"
        "      DJANGO_SETTINGS_MODULE: mysite.settings.development\n"
        '      DEBUG: "1"',
    )


def test_a_compose_file_that_says_it_is_the_local_stack_stays_development():
    compose = "# local stack: docker compose up\n" + COMPOSE.replace(
        "    command: celery -A mysite worker\n  dev:",
        "    command: celery -A mysite worker\n  dev:",
    )
    files = _split({**_project("SECRET_KEY = 'x'\n"), "docker-compose.yml": compose})
    assert "--settings" not in files["docker-compose.yml"]
    assert files["docker-compose.yml"].count("DJANGO_SETTINGS_MODULE") == 3  # the web and workers


def test_start_scripts_run_production_unless_told_otherwise():
    script = "#!/bin/sh\nset -e\n\npython manage.py migrate --noinput\nexec gunicorn mysite.wsgi\n"
    project = make_project(
        {
            **_project("SECRET_KEY = 'x'\n"),
            "bin/start-web.sh": script,
            "scripts/dev.sh": "python manage.py runserver\n",
            "Procfile": "web: bin/start-web.sh\n",
        }
    )
    result, _ = run_codemod("split-settings", project)
    assert result.text("bin/start-web.sh") == (
        "#!/bin/sh\nset -e\n\n"
        "# This script runs in deployments: production settings unless the caller chose others.\n"
        'export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-mysite.settings.production}"\n'
        "\npython manage.py migrate --noinput\nexec gunicorn mysite.wsgi\n"
    )
    assert result.text("scripts/dev.sh") == "python manage.py runserver\n"


@pytest.mark.parametrize(
    ("path", "before", "after"),
    [
        pytest.param(
            "fly.toml",
            '[deploy]\n  release_command = "python manage.py migrate"\n',
            '[deploy]\n  release_command = "python manage.py migrate'
            ' --settings=mysite.settings.production"\n',
            id="fly.toml",
        ),
        pytest.param(
            ".ebextensions/django.config",
            "container_commands:\n  01_migrate:\n    command: python manage.py migrate\n",
            "container_commands:\n  01_migrate:\n    command: python manage.py migrate"
            " --settings=mysite.settings.production\n",
            id=".ebextensions",
        ),
        pytest.param(
            "deploy/web.service",
            "[Service]\nExecStartPre=/venv/bin/python manage.py migrate\n",
            "[Service]\nExecStartPre=/venv/bin/python manage.py migrate"
            " --settings=mysite.settings.production\n",
            id="systemd unit",
        ),
    ],
)
def test_platform_files_run_manage_py_with_production(path, before, after):
    assert _split({**_project("SECRET_KEY = 'x'\n"), path: before})[path] == after


# -- app code importing the settings module (case 5; repros directimp, under) --------------------
def test_app_code_reads_django_conf_settings_instead_of_the_module():
    before = {
        **_project(
            """
            import os

            DEBUG = os.environ.get("DEBUG") == "1"
            OPENAI_API_KEY = os.environ.get("OPENAI_API_KEY", "")


            def _env_list(name, default):
                return os.environ.get(name, default).split(",")
            """
        ),
        "shop/__init__.py": "",
        "shop/utils.py": """
            from mysite.settings import DEBUG, OPENAI_API_KEY as KEY


            def verbose(settings=None):
                return DEBUG, KEY
            """,
        "shop/views.py": """
            from mysite import settings as project_settings


            def key():
                return project_settings.OPENAI_API_KEY
            """,
        "tests/__init__.py": "",
        "tests/test_settings.py": """
            from mysite.settings import _env_list


            def test_env_list():
                assert _env_list("NOPE", "a,b") == ["a", "b"]
            """,
    }
    files = _split(before)
    assert (
        files["shop/utils.py"]
        == dedent(
            {
                "x": """
            from django.conf import settings as django_settings


            def verbose(settings=None):
                return django_settings.DEBUG, django_settings.OPENAI_API_KEY
            """
            }
        )["x"]
    )
    assert files["shop/views.py"].startswith(
        "from django.conf import settings as project_settings\n"
    )
    assert files["tests/test_settings.py"].startswith(
        "from mysite.settings.base import _env_list\n"
    )


def test_a_patched_settings_name_is_left_with_a_note():
    before = {
        **_project("TIMEOUT = 3\n"),
        "shop/__init__.py": "",
        "shop/client.py": "from mysite.settings import TIMEOUT\n\n\ndef wait():\n"
        "    return TIMEOUT\n",
        "shop/tests.py": "from unittest import mock\n\n\n"
        '@mock.patch("shop.client.TIMEOUT", 0)\ndef test(): ...\n',
    }
    project = make_project(before)
    result, changes = run_codemod("split-settings", project)
    assert result.text("shop/client.py").startswith(
        "from mysite.settings.development import TIMEOUT"
    )
    assert any(
        note.path == "shop/client.py" and "something patches shop.client.TIMEOUT" in note.message
        for note in changes.notes
    )


def test_settings_overlays_keep_importing_the_module():
    before = {
        **_project("DEBUG = True\n"),
        "mysite/settings_ci.py": "from mysite.settings import *  # noqa\n\nDEBUG = False\n",
    }
    files = _split(before)
    assert files["mysite/settings_ci.py"].startswith("from mysite.settings.development import *")


# -- no-ops and notes ------------------------------------------------------------------------------
def test_a_settings_package_is_named_in_the_note():
    files = {
        "manage.py": MANAGE.format(module="config.settings.base"),
        "config/__init__.py": "",
        "config/settings/__init__.py": "",
        "config/settings/base.py": "DEBUG = True\n",
        "config/settings/dev.py": "from .base import *\n",
    }
    changes = assert_noop("split-settings", files)
    assert [note.message for note in changes.notes] == [
        "settings not split: config.settings is already a settings package (base.py, dev.py) and "
        "config.settings.base is one of its modules; split-settings splits a single settings.py, "
        "so it leaves the package as it is: give it development.py and production.py by hand"
    ]


def test_base_keeps_two_blank_lines_after_a_def_when_the_secret_between_moves_out():
    files = _split(
        _project(
            """
            import os


            def _env_int(name, default):
                return int(os.environ.get(name, default))


            SECRET_KEY = "x"

            # SECURITY WARNING: don't run with debug turned on in production!
            DEBUG = True
            PORT = _env_int("PORT", 25)
            """
        )
    )
    assert files["mysite/settings/base.py"].endswith(
        "    return int(os.environ.get(name, default))\n\n\n"
        "# SECURITY WARNING: don't run with debug turned on in production!\n"
        "DEBUG = False\n"
        'PORT = _env_int("PORT", 25)\n'
    )


def test_build_placeholders_go_to_the_manage_py_command_of_a_chained_run():
    dockerfile = (
        "FROM python:3.12\nENV DJANGO_SETTINGS_MODULE=mysite.settings\n"
        "RUN pip install -r requirements.txt \\\n"
        "    && python manage.py collectstatic --noinput\n"
    )
    files = _split({**_project("SECRET_KEY = 'x'\n"), "Dockerfile": dockerfile})
    assert files["Dockerfile"].endswith(
        "RUN pip install -r requirements.txt \\\n"
        "    && DJANGO_SECRET_KEY=build-only-placeholder DJANGO_ALLOWED_HOSTS=localhost"
        " python manage.py collectstatic --noinput\n"
    )


def test_security_settings_the_project_chose_stand():
    settings = """
        import os

        SECRET_KEY = "x"
        SECURE_HSTS_SECONDS = 31536000  # 1 year
        SECURE_HSTS_PRELOAD = True
        SESSION_COOKIE_SECURE = False
        if os.environ.get("TRUST_PROXY_SSL_HEADER") == "1":
            SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    """
    production = _production(settings, Procfile="web: gunicorn mysite.wsgi\n")
    for name in ("SECURE_HSTS_SECONDS", "SECURE_HSTS_PRELOAD", "SECURE_PROXY_SSL_HEADER"):
        assert f"{name} =" not in production  # base.py's choice is production's
    assert "security.W021" not in production  # preload is on: nothing to silence
    assert "\nSESSION_COOKIE_SECURE = True\n" in production  # an insecure literal is not kept


def test_a_flag_named_like_a_key_keeps_its_default():
    settings = """
        import os

        SECRET_KEY = "x"
        ORG_API_KEY_AUTH_ENABLED = os.environ.get("ORG_API_KEY_AUTH", "true") != "false"
        WEBHOOK_TOKEN = os.environ.get("WEBHOOK_TOKEN", "changeme").strip()
    """
    code = {
        "shop/__init__.py": "",
        "shop/hooks.py": "print(ORG_API_KEY_AUTH_ENABLED, WEBHOOK_TOKEN)\n",
    }
    production = _production(settings, **code)
    assert "ORG_API_KEY_AUTH_ENABLED" not in production  # not a key
    assert "WEBHOOK_TOKEN" not in production  # computed from the read: left as it is


def test_importing_the_settings_module_whole_is_a_note():
    before = {
        **_project("TIMEOUT = 3\n"),
        "shop/__init__.py": "",
        "shop/tests.py": "import importlib\n\nimport mysite.settings\n\n"
        "importlib.reload(mysite.settings)\n",
    }
    _, changes = run_codemod("split-settings", make_project(before))
    assert any(
        note.path == "shop/tests.py" and "imports it with `import`" in note.message
        for note in changes.notes
    )


def test_a_presence_toggle_for_debug_keeps_working_in_development():
    settings = """
        import os

        SECRET_KEY = os.environ.get("SECRET_KEY", "")
        DEBUG = "DEVELOPMENT" in os.environ
    """
    project = make_project(_project(settings))
    result, changes = run_codemod("split-settings", project)
    assert (
        '# DEBUG is on where $DEVELOPMENT is set, as before.\nDEBUG = "DEVELOPMENT" in os.environ\n'
    ) in result.text("mysite/settings/development.py")
    assert any(
        note.message.startswith("DEBUG: $DEVELOPMENT is read in development only")
        for note in changes.notes
    )
    assert "# DEVELOPMENT=" not in result.text(".env.example")  # development's, not production's


def test_a_project_already_on_the_django_names_renames_nothing():
    settings = """
        import os

        SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
        ALLOWED_HOSTS = os.environ["DJANGO_ALLOWED_HOSTS"].split(",")
    """
    _, changes = run_codemod("split-settings", make_project(_project(settings)))
    messages = [note.message for note in changes.notes]
    assert not [message for message in messages if "read no variable" in message]
    assert (
        "operators: production.py requires $DJANGO_SECRET_KEY, $DJANGO_ALLOWED_HOSTS in every "
        "deployment"
    ) in messages


def test_developers_are_told_how_to_run_a_worker_locally():
    celery = 'from celery import Celery\n\napp = Celery("mysite")\n'
    project = make_project({**_project("SECRET_KEY = 'x'\n"), "mysite/celery.py": celery})
    _, changes = run_codemod("split-settings", project)
    assert any(
        note.path == "mysite/celery.py"
        and "a worker started at a developer's keyboard" in note.message
        for note in changes.notes
    )
