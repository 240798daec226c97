"""Rule 1: split settings from day one.

Why: with one settings module every environment runs the same file, so a production deploy can
inherit `DEBUG = True` or the committed secret by accident. Split into base / development /
production, production reads its secret from the environment and fails loudly without it.
Finds: one settings module for every environment; `DEBUG` on, or a secret written in the code,
in what production runs (the shared module, or production's own).
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from djrefactor.audit._code import Source, calls
from djrefactor.audit._report import Finding
from djrefactor.audit._settings import Settings, production_value, settings_of
from djrefactor.project import Project

NUMBER = 1
TITLE = "split settings"

APPLY = (
    "run `djrefactor apply`: split-settings writes config/settings/{base,development,production}.py"
)


def check(project: Project) -> Iterator[Finding]:
    settings = settings_of(project)
    if settings is None:
        return
    if not settings.split:
        yield Finding(
            NUMBER,
            settings.base,
            None,
            "one settings module serves every environment",
            "development conveniences (DEBUG, a local secret, console email) and production "
            "defaults live in the same file; nothing stops a deploy from inheriting the wrong one",
            f"{APPLY}; manage.py then runs development, wsgi/asgi and deployment files production",
        )
    yield from _debug(project, settings)
    yield from _secret(project, settings)


def _fix(settings: Settings, effect: str, by_hand: str) -> str:
    return f"{APPLY}; {effect}" if not settings.split else by_hand


def _debug(project: Project, settings: Settings) -> Iterator[Finding]:
    found = production_value(project, settings, "DEBUG")
    if found is None:
        return
    path, value, statement = found
    if not (_is_true(value) or _defaults_to_true(value)):
        return
    source = Source(project, path)
    yield Finding(
        NUMBER,
        path,
        source.line(statement),
        "DEBUG is on in what production runs" if _is_true(value) else "DEBUG defaults to on",
        "DEBUG shows tracebacks, settings and SQL to anyone who triggers an error, and keeps "
        "every query in memory",
        _fix(
            settings,
            "production.py then sets DEBUG = False, development.py True",
            f"set DEBUG = False in {settings.production}, and True only in development",
        ),
    )


def _secret(project: Project, settings: Settings) -> Iterator[Finding]:
    found = production_value(project, settings, "SECRET_KEY")
    if found is None:
        return
    path, value, statement = found
    if not _written_secret(value):
        return
    source = Source(project, path)
    yield Finding(
        NUMBER,
        path,
        source.line(statement),
        "SECRET_KEY is written in the code"
        if _is_string(value)
        else "SECRET_KEY falls back to a secret written in the code",
        "anyone with the repository can sign sessions, password-reset links and messages as "
        "the site; a deploy that forgets the variable runs with the committed one",
        _fix(
            settings,
            "production.py then reads it from the environment and refuses to start without it, "
            "and the committed one stays in development.py",
            f"read it in {settings.production} from the environment with no default, failing at "
            "start when it is missing; keep a development secret in development only",
        ),
    )


def _is_true(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "True"


def _is_string(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.SimpleString | cst.ConcatenatedString | cst.FormattedString)


def _defaults_to_true(node: cst.BaseExpression) -> bool:
    """`env.bool("DEBUG", default=True)`, `config("DEBUG", default=True, cast=bool)`."""
    return any(
        arg.keyword is not None and arg.keyword.value == "default" and _is_true(arg.value)
        for call in calls(node)
        for arg in call.args
    )


def _written_secret(node: cst.BaseExpression) -> bool:
    """A literal, or a non-empty literal default of an environment lookup
    (`os.environ.get("SECRET_KEY", "...")`, `env("SECRET_KEY", default="...")`)."""
    if _is_string(node):
        return _non_empty(node)
    for call in calls(node):
        for index, arg in enumerate(call.args):
            is_default = (arg.keyword is None and index > 0) or (
                arg.keyword is not None and arg.keyword.value == "default"
            )
            if is_default and _is_string(arg.value) and _non_empty(arg.value):
                return True
    return False


def _non_empty(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.SimpleString):
        return bool(node.evaluated_value)
    return True
