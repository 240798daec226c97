"""Rule 2: a custom user model before the first migration.

Why: `AUTH_USER_MODEL` is read by every migration that points at users; Django's documentation
calls switching it mid-project complicated, and each new foreign key to `auth.User` makes it more
so. Before the first migration it is one setting and a one-class app; later it is the procedure
below, on every database.
Finds: no custom user model (no AUTH_USER_MODEL, no AbstractUser/AbstractBaseUser subclass),
with this project's migrations and code that name the user model; a custom user model that
AUTH_USER_MODEL does not name.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath

import libcst as cst

from djrefactor.analysis.nodes import dotted_name
from djrefactor.analysis.tree import find_type
from djrefactor.audit._code import Source
from djrefactor.audit._report import Finding
from djrefactor.audit._settings import assigned, settings_of
from djrefactor.discovery.files import is_migration
from djrefactor.project import Project

NUMBER = 2
TITLE = "custom user model"

USER_BASES = (
    "django.contrib.auth.models.AbstractUser",
    "django.contrib.auth.models.AbstractBaseUser",
    "django.contrib.auth.base_user.AbstractBaseUser",
)
AUTH_USER = "django.contrib.auth.models.User"
WHY = (
    "the user model is the one swappable model: every migration with a foreign key to users "
    "depends on it, so switching later means rewriting the migration history of each database"
)


@dataclass(frozen=True)
class UserModel:
    path: str
    line: int
    name: str


def check(project: Project) -> Iterator[Finding]:
    settings = settings_of(project)
    if settings is None:
        return
    configured = any(assigned(project, path, "AUTH_USER_MODEL") for path in settings.paths)
    if configured:
        return
    models = list(user_models(project))
    if models:
        for model in models:
            yield Finding(
                NUMBER,
                model.path,
                model.line,
                f"{model.name} subclasses a Django user base class, but AUTH_USER_MODEL does "
                "not name it: Django still uses auth.User",
                WHY,
                f'set AUTH_USER_MODEL = "<app label>.{model.name}" in {settings.base}; if a '
                "deployed database already has auth.User rows, give the class "
                'Meta.db_table = "auth_user", record its initial migration as applied and move '
                "the content type (Django ticket #25313)",
            )
        return
    yield _absent(project, settings.base)


def user_models(project: Project) -> Iterator[UserModel]:
    for path in project.python_paths():
        if is_migration(path) or not project.mentions(path, "AbstractUser", "AbstractBaseUser"):
            continue
        source = Source(project, path)
        for cls in source.classes():
            if any(source.origin(base.value) in USER_BASES for base in cls.bases):
                yield UserModel(path, source.line(cls), cls.name.value)


# -- the procedure, for this project -----------------------------------------------------------
def _absent(project: Project, base: str) -> Finding:
    migrations = list(_migration_references(project))
    code = list(_code_references(project))
    apps = _apps_with_migrations(project)
    files = sorted({path for path, _ in migrations})
    cost = (
        f"{_count(len(apps), 'app')} with migrations ({', '.join(apps) or 'none'}); "
        f"{_count(len(migrations), 'reference')} to the user model in "
        f"{_count(len(files), 'migration file')}; "
        f"{_count(len(code), 'import')} of django.contrib.auth.models.User"
    )
    return Finding(
        NUMBER,
        base,
        None,
        "no custom user model: AUTH_USER_MODEL is not set and no model subclasses AbstractUser",
        f"{WHY}. Here, today: {cost}. Every new model pointing at users adds to that; before "
        "the first production migration the switch would be a one-line setting.",
        _procedure(base, migrations, code),
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _procedure(base: str, migrations: list[tuple[str, int]], code: list[tuple[str, int]]) -> str:
    steps = [
        "Back up the database first. Then, the documented mid-project switch:",
        "1. Create an app `users` (apps/users/) holding",
        "     class User(AbstractUser):",
        "         class Meta:",
        '             db_table = "auth_user"',
        "   so it keeps the existing table (and its auth_user_groups and",
        "   auth_user_user_permissions tables).",
        f'2. In {base}: add the app to INSTALLED_APPS and set AUTH_USER_MODEL = "users.User".',
        "3. `python manage.py makemigrations users` writes users/migrations/0001_initial.py.",
        "   On every existing database, record it as applied without running it (the table is",
        "   there): `migrate users --fake-initial` is refused while older migrations that depend",
        "   on the user model are applied, so insert the row by hand in the same deploy:",
        "     INSERT INTO django_migrations (app, name, applied)",
        "     VALUES ('users', '0001_initial', CURRENT_TIMESTAMP);",
        "   and move the model's content type:",
        "     UPDATE django_content_type SET app_label = 'users'",
        "     WHERE app_label = 'auth' AND model = 'user';",
        "   A fresh database (tests, CI) just runs `migrate`.",
        "4. Point every reference at the setting:",
    ]
    if migrations:
        steps.append("   migrations naming the user model (settings.AUTH_USER_MODEL follows the")
        steps.append('   switch; a literal "auth.User" must become it):')
        steps += [f"     {path}:{line}" for path, line in migrations]
    if code:
        steps.append("   code importing django.contrib.auth.models.User (use get_user_model() or")
        steps.append("   settings.AUTH_USER_MODEL):")
        steps += [f"     {path}:{line}" for path, line in code]
    if not migrations and not code:
        steps.append("   nothing in this project names auth.User directly.")
    steps.append(
        "5. Once every database runs the new model, customise it with ordinary migrations."
    )
    return "\n".join(steps)


def _migration_references(project: Project) -> Iterator[tuple[str, int]]:
    """`settings.AUTH_USER_MODEL` and `"auth.User"` in migrations, one per line."""
    for path in project.python_paths():
        if not is_migration(path) or not project.mentions(
            path, "AUTH_USER_MODEL", "auth.", "auth'"
        ):
            continue
        source = Source(project, path)
        lines: set[int] = set()
        for node in find_type(source.tree, cst.Attribute):
            if node.attr.value == "AUTH_USER_MODEL" and dotted_name(node) is not None:
                lines.add(source.line(node))
        for string in find_type(source.tree, cst.SimpleString):
            value = string.evaluated_value
            if isinstance(value, str) and value.lower() == "auth.user":
                lines.add(source.line(string))
        yield from ((path, line) for line in sorted(lines))


def _code_references(project: Project) -> Iterator[tuple[str, int]]:
    for path in project.python_paths():
        if is_migration(path) or not project.mentions(path, "django.contrib.auth"):
            continue
        lines = {
            imported.line
            for imported in project.imports(path).names
            if imported.dotted == AUTH_USER and imported.line
        }
        yield from ((path, line) for line in sorted(lines))


def _apps_with_migrations(project: Project) -> list[str]:
    found = []
    for app in project.facts.apps:
        prefix = f"{app.path}/migrations/"
        if any(
            path.startswith(prefix) and PurePosixPath(path).name[:1].isdigit()
            for path in project.python_paths()
        ):
            found.append(app.label)
    return sorted(found)
