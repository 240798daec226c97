"""The hand-written parts of development.py and production.py, one flavour per env library.

Production reads its secret and hosts in the style the project already uses (`os.environ`,
django-environ or python-decouple) and refuses to import without them
(`ImproperlyConfigured`). Every security default makes `manage.py check --deploy` quiet; those
a deployment may need to relax read `DJANGO_<SETTING>` from the environment.
"""

from __future__ import annotations

from enum import Enum


class EnvStyle(Enum):
    OS = "os"
    ENVIRON = "environ"
    DECOUPLE = "decouple"


SECRET_ENV = "DJANGO_SECRET_KEY"
HOSTS_ENV = "DJANGO_ALLOWED_HOSTS"
LOCAL_HOSTS = '["localhost", "127.0.0.1", "[::1]"]'
LINE_LENGTH = 100
DEV_SECRET = "django-insecure-development-only-never-use-in-production"

DEVELOPMENT_DOC = '''"""Development settings: DEBUG on, local hosts, a dev-only secret, local tools.

Never deploy these: production.py reads the secret and hosts from the environment.
"""
'''

PRODUCTION_DOC = f'''"""Production settings: DEBUG off, strict security, secrets from the env.

Required environment: {SECRET_ENV} (long and random) and {HOSTS_ENV}
(comma-separated host names); importing this module without them raises
ImproperlyConfigured.
"""
'''

BASE_DOC = '''"""Settings shared by every environment; development and production extend them."""
'''

STAR = "from .base import *  # noqa: F403\n"

_OS_HEAD = """import os

from django.core.exceptions import ImproperlyConfigured

{star}

def _required_env(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"Set {{name}} in the environment for production.")
    return value


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {{"1", "true", "yes", "on"}}


"""

_OS_SECRETS = f"""DEBUG = False

SECRET_KEY = _required_env("{SECRET_ENV}")
ALLOWED_HOSTS = _required_env("{HOSTS_ENV}").replace(" ", "").split(",")
"""

_ENVIRON_HEAD = """import environ

{star}
env = environ.Env()

"""

_ENVIRON_SECRETS = f"""DEBUG = False

# django-environ raises ImproperlyConfigured naming the variable when it is missing.
SECRET_KEY = env("{SECRET_ENV}")
ALLOWED_HOSTS = env.list("{HOSTS_ENV}")
"""

_DECOUPLE_HEAD = """from decouple import Csv, UndefinedValueError, config
from django.core.exceptions import ImproperlyConfigured

{star}
"""

_DECOUPLE_SECRETS = f"""DEBUG = False

try:
    SECRET_KEY = config("{SECRET_ENV}")
    ALLOWED_HOSTS = config("{HOSTS_ENV}", cast=Csv())
except UndefinedValueError as error:
    raise ImproperlyConfigured(f"{{error}} (required by the production settings)") from error
"""


def _flag(style: EnvStyle, name: str, default: bool) -> str:
    if style is EnvStyle.ENVIRON:
        return f'env.bool("DJANGO_{name}", default={default})'
    if style is EnvStyle.DECOUPLE:
        return f'config("DJANGO_{name}", default={default}, cast=bool)'
    return f'_flag("DJANGO_{name}", {default})'


def _number(style: EnvStyle, name: str, default: int) -> str:
    if style is EnvStyle.ENVIRON:
        return f'env.int("DJANGO_{name}", default={default})'
    if style is EnvStyle.DECOUPLE:
        return f'config("DJANGO_{name}", default={default}, cast=int)'
    return f'int(os.environ.get("DJANGO_{name}", "{default}"))'


def _wrapped(name: str, value: str) -> str:
    line = f"{name} = {value}\n"
    return line if len(line) <= LINE_LENGTH else f"{name} = (\n    {value}\n)\n"


def security_settings(style: EnvStyle) -> dict[str, str]:
    """Setting name -> its production statement (with the comment saying why)."""
    proxy = '("HTTP_X_FORWARDED_PROTO", "https")'
    return {
        "SECURE_PROXY_SSL_HEADER": (
            "# Behind a TLS-terminating proxy (load balancer, PaaS router) requests reach Django\n"
            "# as HTTP; trust the proxy's X-Forwarded-Proto, or SSL redirects loop forever.\n"
            "# Turn off when Django faces clients directly: they could forge the header.\n"
            "SECURE_PROXY_SSL_HEADER = (\n"
            f"    {proxy}\n"
            f"    if {_flag(style, 'SECURE_PROXY_SSL_HEADER', True)}\n"
            "    else None\n"
            ")\n"
        ),
        "SECURE_SSL_REDIRECT": (
            "# Redirect plain HTTP to HTTPS (turn off if the proxy already does).\n"
            + _wrapped("SECURE_SSL_REDIRECT", _flag(style, "SECURE_SSL_REDIRECT", True))
        ),
        "SECURE_HSTS_SECONDS": (
            "# HSTS: browsers refuse plain HTTP for this long; start with 3600 on a new domain.\n"
            + _wrapped("SECURE_HSTS_SECONDS", _number(style, "SECURE_HSTS_SECONDS", 31536000))
        ),
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": (
            "# ...on every subdomain too (they must all serve HTTPS).\n"
            + _wrapped(
                "SECURE_HSTS_INCLUDE_SUBDOMAINS",
                _flag(style, "SECURE_HSTS_INCLUDE_SUBDOMAINS", True),
            )
        ),
        "SECURE_HSTS_PRELOAD": (
            "# Allow listing the domain in browsers' HSTS preload lists (hard to undo).\n"
            + _wrapped("SECURE_HSTS_PRELOAD", _flag(style, "SECURE_HSTS_PRELOAD", True))
        ),
        "SESSION_COOKIE_SECURE": (
            "# Session and CSRF cookies never travel over plain HTTP.\n"
            "SESSION_COOKIE_SECURE = True\n"
        ),
        "CSRF_COOKIE_SECURE": "CSRF_COOKIE_SECURE = True\n",
    }


def production_head(style: EnvStyle) -> str:
    heads = {
        EnvStyle.OS: _OS_HEAD,
        EnvStyle.ENVIRON: _ENVIRON_HEAD,
        EnvStyle.DECOUPLE: _DECOUPLE_HEAD,
    }
    secrets = {
        EnvStyle.OS: _OS_SECRETS,
        EnvStyle.ENVIRON: _ENVIRON_SECRETS,
        EnvStyle.DECOUPLE: _DECOUPLE_SECRETS,
    }
    return PRODUCTION_DOC + "\n" + heads[style].format(star=STAR) + secrets[style]


def development_head() -> str:
    return DEVELOPMENT_DOC + "\n" + STAR + "\nDEBUG = True\n"
