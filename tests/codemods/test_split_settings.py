"""split-settings: one settings module becomes base / development / production."""

from __future__ import annotations

import os
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

PRODUCTION_OS_SECURITY = """
# Behind a TLS-terminating proxy (load balancer, PaaS router) requests reach Django
# as HTTP; trust the proxy's X-Forwarded-Proto, or SSL redirects loop forever.
# Turn off when Django faces clients directly: they could forge the header.
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https")
    if _flag("DJANGO_SECURE_PROXY_SSL_HEADER", True)
    else None
)
# HSTS: browsers refuse plain HTTP for this long; start with 3600 on a new domain.
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "31536000"))
# ...on every subdomain too (they must all serve HTTPS).
SECURE_HSTS_INCLUDE_SUBDOMAINS = _flag("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
# Allow listing the domain in browsers' HSTS preload lists (hard to undo).
SECURE_HSTS_PRELOAD = _flag("DJANGO_SECURE_HSTS_PRELOAD", True)
# Session and CSRF cookies never travel over plain HTTP.
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
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
    assert_rewrites(
        "split-settings",
        before,
        {
            "mysite/settings.py": None,
            "manage.py": MANAGE.format(module="mysite.settings.development"),
            "mysite/wsgi.py": WSGI.format(module="mysite.settings.production"),
            "pytest.ini": "[pytest]\nDJANGO_SETTINGS_MODULE = mysite.settings.development\n",
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

                ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]

                # mails go to the terminal
                EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

                INSTALLED_APPS += ["django_extensions"]

                try:
                    from ..local_settings import *  # noqa
                except ImportError:
                    pass
                ''',
            "mysite/settings/production.py": '''
                """Production settings: DEBUG off, strict security, secrets from the env.

                Required environment: DJANGO_SECRET_KEY (long and random) and DJANGO_ALLOWED_HOSTS
                (comma-separated host names); importing this module without them raises
                ImproperlyConfigured.
                """

                import os

                from django.core.exceptions import ImproperlyConfigured

                from .base import *  # noqa: F403


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


                DEBUG = False

                SECRET_KEY = _required_env("DJANGO_SECRET_KEY")
                ALLOWED_HOSTS = _required_env("DJANGO_ALLOWED_HOSTS").replace(" ", "").split(",")
                '''
            + "\n".join(
                "                " + line if line else ""
                for line in PRODUCTION_OS_SECURITY.splitlines()
            )
            + "\n\n                SECURE_SSL_REDIRECT = True\n",
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
    production = files["mysite/settings/production.py"]
    assert "from decouple import Csv, UndefinedValueError, config" in production
    assert 'SECRET_KEY = config("DJANGO_SECRET_KEY")' in production


def test_environ_secret_default_only_in_development():
    settings = """
        import environ

        env = environ.Env()
        SECRET_KEY = env("SECRET_KEY", default="insecure-dev-key")
        DEBUG = env.bool("DEBUG", default=True)
        ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost"])
        """
    project = make_project(_project(settings))
    after, changes = run_codemod("split-settings", project)
    assert "insecure-dev-key" not in after.text("mysite/settings/base.py")
    assert "insecure-dev-key" not in after.text("mysite/settings/production.py")
    development = after.text("mysite/settings/development.py")
    assert "from .base import env\n" in development
    assert 'SECRET_KEY = env("SECRET_KEY", default="insecure-dev-key")' in development
    assert 'SECRET_KEY = env("DJANGO_SECRET_KEY")' in after.text("mysite/settings/production.py")
    assert any("$SECRET_KEY" in note.message for note in changes.notes)


def test_secret_already_read_from_environment_gets_a_development_key():
    files = _split(
        _project(
            """
            import os

            SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
            DEBUG = False
            """
        )
    )
    development = files["mysite/settings/development.py"]
    assert 'SECRET_KEY = "django-insecure-development-only-never-use-in-production"' in development
    assert "import os" not in files["mysite/settings/base.py"]


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


@pytest.mark.parametrize("style", sorted(SETTINGS_STYLES))
def test_generated_settings_pass_django_checks(style, tmp_path):
    before = dedent(_project(SETTINGS_STYLES[style], module="config.settings"))
    files = _split({path: text for path, text in before.items() if text is not None})
    _write(files, tmp_path)
    for path, text in files.items():
        assert "django-insecure-committed" not in text or path.endswith("development.py"), path

    development = _manage(tmp_path, "check")
    assert development.returncode == 0, development.stderr

    deploy_env = {
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "example.com",
    }
    deploy = _manage(
        tmp_path, "check", "--deploy", "--settings=config.settings.production", env=deploy_env
    )
    assert deploy.returncode == 0, deploy.stderr
    assert "System check identified no issues" in deploy.stdout, deploy.stderr

    missing = _manage(tmp_path, "check", "--settings=config.settings.production")
    assert missing.returncode != 0
    assert "ImproperlyConfigured" in missing.stderr and "DJANGO_SECRET_KEY" in missing.stderr
