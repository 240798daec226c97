"""The hand-written parts of development.py and production.py, one flavour per env library.

Production reads new variables in the style the project already uses (`os.environ`,
django-environ or python-decouple). Every security default keeps `manage.py check --deploy`
quiet on the project's own Django, and the ones a deployment may need to change read
`DJANGO_<SETTING>` from the environment. Code is written for the project's own Python: no
f-strings or annotations below 3.6.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from enum import Enum

from djrefactor.discovery import Versions


class EnvStyle(Enum):
    OS = "os"
    ENVIRON = "environ"
    DECOUPLE = "decouple"


SECRET_ENV = "DJANGO_SECRET_KEY"
HOSTS_ENV = "DJANGO_ALLOWED_HOSTS"
LOCAL_HOSTS = '["localhost", "127.0.0.1", "[::1]"]'
LINE_LENGTH = 100
DEV_SECRET = "django-insecure-development-only-never-use-in-production"
HSTS_SECONDS = 3600
STAR = "from .base import *  # noqa: F403\n"

DEVELOPMENT_DOC = '''"""Development settings: DEBUG on, local hosts, a dev-only secret, local tools.

Never deploy these: production.py reads the secret and hosts from the environment.
"""
'''

BASE_DOC = '''"""Settings shared by every environment; development and production extend them."""
'''

TEST_DOC = '''"""Test settings: development's, with a fast password hasher and in-memory mail."""
'''


@dataclass(frozen=True)
class Style:
    """How generated code reads the environment: the library, and its reader's name."""

    kind: EnvStyle
    reader: str = "env"
    modern: bool = True
    """Python >= 3.6: f-strings and annotations are allowed."""

    def flag(self, name: str, default: bool) -> str:
        if self.kind is EnvStyle.ENVIRON:
            return f'{self.reader}.bool("{name}", default={default})'
        if self.kind is EnvStyle.DECOUPLE:
            return f'{self.reader}("{name}", default={default}, cast=bool)'
        return f'_flag("{name}", {default})'

    def number(self, name: str, default: int) -> str:
        if self.kind is EnvStyle.ENVIRON:
            return f'{self.reader}.int("{name}", default={default})'
        if self.kind is EnvStyle.DECOUPLE:
            return f'{self.reader}("{name}", default={default}, cast=int)'
        return f'int(os.environ.get("{name}", "{default}"))'

    def required(self, name: str) -> str:
        if self.kind is EnvStyle.ENVIRON:
            return f'{self.reader}("{name}")'
        if self.kind is EnvStyle.DECOUPLE:
            return f'{self.reader}("{name}")'
        return f'_required_env("{name}")'

    def host_list(self, name: str, default: list[str] | None) -> str:
        """Comma-separated host names, required when there is no default."""
        joined = ",".join(default or [])
        if self.kind is EnvStyle.ENVIRON:
            return (
                f'{self.reader}.list("{name}", default={default!r})'.replace("'", '"')
                if default
                else f'{self.reader}.list("{name}")'
            )
        if self.kind is EnvStyle.DECOUPLE:
            extra = f', default="{joined}"' if default else ""
            return f'{self.reader}("{name}"{extra}, cast=Csv())'
        if default:
            listed = ", ".join(f'"{host}"' for host in default)
            return f'_environ_list("{name}") or [{listed}]'
        return f'_required_env("{name}").replace(" ", "").split(",")'

    def empty_list(self, name: str) -> str:
        if self.kind is EnvStyle.ENVIRON:
            return f'{self.reader}("{name}", cast=list, default=[])'
        if self.kind is EnvStyle.DECOUPLE:
            return f'{self.reader}("{name}", default="", cast=Csv())'
        return f'_environ_list("{name}")'


def required_env_helper(style: Style) -> str:
    if style.modern:
        return (
            "def _required_env(name: str) -> str:\n"
            '    value = os.environ.get(name, "").strip()\n'
            "    if not value:\n"
            '        raise ImproperlyConfigured(f"Set {name} in the environment for production.")\n'
            "    return value\n"
        )
    return (
        "def _required_env(name):\n"
        '    value = os.environ.get(name, "").strip()\n'
        "    if not value:\n"
        '        raise ImproperlyConfigured("Set %s in the environment for production." % name)\n'
        "    return value\n"
    )


def flag_helper(style: Style) -> str:
    signature = (
        "def _flag(name: str, default: bool) -> bool:"
        if style.modern
        else ("def _flag(name, default):")
    )
    return (
        f"{signature}\n"
        "    value = os.environ.get(name)\n"
        "    if value is None:\n"
        "        return default\n"
        '    return value.strip().lower() in {"1", "true", "yes", "on"}\n'
    )


def list_helper(style: Style) -> str:
    signature = (
        "def _environ_list(name: str) -> list:" if style.modern else "def _environ_list(name):"
    )
    return (
        f"{signature}\n"
        "    return [item.strip() for item in "
        'os.environ.get(name, "").split(",") if item.strip()]\n'
    )


HELPERS = {
    "_required_env": required_env_helper,
    "_flag": flag_helper,
    "_environ_list": list_helper,
}


def wrapped(name: str, value: str) -> str:
    line = f"{name} = {value}\n"
    return line if len(line) - 1 <= LINE_LENGTH else f"{name} = (\n    {value}\n)\n"


def _proxy(style: Style, evident: bool) -> str:
    why = (
        "# The platform's router terminates TLS and forwards plain HTTP with X-Forwarded-Proto;\n"
        "# trust it, or SSL redirects loop forever. Turn off where Django faces clients\n"
        "# directly: they could forge the header.\n"
        if evident
        else "# Behind a TLS-terminating proxy (load balancer, PaaS router) that sets\n"
        "# X-Forwarded-Proto, set DJANGO_SECURE_PROXY_SSL_HEADER=true, or SSL redirects loop\n"
        "# forever. Off by default: without such a proxy, clients could forge the header.\n"
    )
    return (
        why + "SECURE_PROXY_SSL_HEADER = (\n"
        '    ("HTTP_X_FORWARDED_PROTO", "https")\n'
        f"    if {style.flag('DJANGO_SECURE_PROXY_SSL_HEADER', evident)}\n"
        "    else None\n"
        ")\n"
    )


def security_settings(style: Style, versions: Versions, proxy_evident: bool) -> dict[str, str]:
    """Setting name -> its production statement (with the comment saying why)."""
    settings = {
        "SECURE_PROXY_SSL_HEADER": _proxy(style, proxy_evident),
        "SECURE_SSL_REDIRECT": (
            "# Redirect plain HTTP to HTTPS (turn off if the proxy already does).\n"
            + wrapped("SECURE_SSL_REDIRECT", style.flag("DJANGO_SECURE_SSL_REDIRECT", True))
        ),
        "SECURE_HSTS_SECONDS": (
            "# HSTS: browsers refuse plain HTTP for this long. It starts at an hour, so a\n"
            "# mistake locks nobody out for long; once every page and subdomain serves HTTPS,\n"
            "# raise DJANGO_SECURE_HSTS_SECONDS step by step (a day, a week, then 31536000).\n"
            + wrapped(
                "SECURE_HSTS_SECONDS", style.number("DJANGO_SECURE_HSTS_SECONDS", HSTS_SECONDS)
            )
        ),
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": (
            "# ...on every subdomain too (they must all serve HTTPS).\n"
            + wrapped(
                "SECURE_HSTS_INCLUDE_SUBDOMAINS",
                style.flag("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True),
            )
        ),
        "SECURE_HSTS_PRELOAD": (
            "# Preload lists are hard to leave: opt in (DJANGO_SECURE_HSTS_PRELOAD=true) only\n"
            "# after a long max-age has run without trouble.\n"
            + wrapped("SECURE_HSTS_PRELOAD", style.flag("DJANGO_SECURE_HSTS_PRELOAD", False))
        ),
        "SESSION_COOKIE_SECURE": (
            "# Session and CSRF cookies never travel over plain HTTP.\n"
            "SESSION_COOKIE_SECURE = True\n"
        ),
        "CSRF_COOKIE_SECURE": "CSRF_COOKIE_SECURE = True\n",
    }
    if not versions.django_at_least(3, 0):
        settings.update(_before_django_3())
    if not versions.django_at_least(3, 1):
        settings["SECURE_REFERRER_POLICY"] = (
            "# Django 3.1 made this the default; check --deploy asks for it before.\n"
            'SECURE_REFERRER_POLICY = "same-origin"\n'
        )
    return settings


def _before_django_3() -> dict[str, str]:
    """Defaults Django 3.0 introduced, which check --deploy (W006, W007, W019) asks for."""
    return {
        "SECURE_CONTENT_TYPE_NOSNIFF": (
            "# Defaults from Django 3.0 on; this project targets an older Django.\n"
            "SECURE_CONTENT_TYPE_NOSNIFF = True\n"
        ),
        "SECURE_BROWSER_XSS_FILTER": "SECURE_BROWSER_XSS_FILTER = True\n",
        "X_FRAME_OPTIONS": 'X_FRAME_OPTIONS = "DENY"\n',
    }


def silenced_preload(defined_in_base: bool) -> str:
    current = "list(SILENCED_SYSTEM_CHECKS) + " if defined_in_base else ""
    return (
        "# W021 asks for HSTS preload, which is off on purpose until HSTS has run for a while.\n"
        f'SILENCED_SYSTEM_CHECKS = {current}["security.W021"]\n'
    )


def production_doc(required: list[str]) -> str:
    them = "it" if len(required) == 1 else "them"
    paragraph = (
        f"Required environment: {', '.join(required)}; importing this module without {them} "
        "fails. .env.example lists every variable production reads."
    )
    return (
        '"""Production settings: DEBUG off, strict security, secrets from the environment.\n\n'
        + textwrap.fill(paragraph, LINE_LENGTH - 1)
        + '\n"""\n'
    )


def test_module(imports_from: str) -> str:
    return (
        TEST_DOC
        + "\n"
        + f"from .{imports_from} import *  # noqa: F403\n\n"
        + 'PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]\n'
        + 'EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"\n'
    )
