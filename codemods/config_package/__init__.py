"""Move the project package's Django glue (settings, urls, wsgi, asgi, Celery app) into `config/`.

Why: framework glue is not a domain; a fixed `config/` package tells every reader where settings
and routing live, and frees the old project package for real code (or removal).
Before: `mysite/settings.py`, `mysite/urls.py`, `mysite/wsgi.py`, `mysite/asgi.py`,
`mysite/celery.py` and `mysite/__init__.py` doing `from .celery import app as celery_app`.
After: `config/settings.py`, `config/urls.py`, `config/wsgi.py`, `config/asgi.py`,
`config/celery_app.py` (tasks keep their names) and `config/__init__.py` loading the app when
Django starts; every import, `DJANGO_SETTINGS_MODULE`, `ROOT_URLCONF`, `WSGI_APPLICATION`,
pytest.ini and Procfile entry names `config.*`, and `celery -A mysite` reads
`-A config.celery_app`. A settings package moves as a whole; a git-ignored overlay's committed
template moves with it. Other modules of `mysite/` stay where they are; a `config` module or
package already there is merged when that is safe, else the step is skipped with a note.
"""

from __future__ import annotations

from pathlib import PurePosixPath

import libcst as cst

from djrefactor.engine import Changes, Note, Project, Redirect

from .celery import Carried, carry_celery
from .clash import existing_config
from .names import keep_names

SUMMARY = "move settings, urls, wsgi, asgi and the Celery app into a top-level config/ package"
AFTER: tuple[str, ...] = ()

TARGET = "config"
GLUE = ("settings", "local_settings", "settings_local", "urls", "wsgi", "asgi")


def run(project: Project) -> Changes:
    facts = project.facts
    package = facts.project_package
    if package is None or package == TARGET or package.startswith(TARGET + "."):
        return Changes.none()
    if "." in package:
        return Changes.none(
            _skipped(project, f"project package {package} is nested; move it by hand")
        )
    existing = existing_config(project, TARGET)
    if existing.blocked:
        return Changes.none(_skipped(project, existing.blocked))
    moves = {module: _target(package, module) for module in _glue_modules(project, package)}
    inits, old_inits, package_redirects = _settings_package(project, package, moves)
    clashes = [new for new in moves.values() if project.path_for(new) or project.is_package(new)]
    if clashes:
        return Changes.none(_skipped(project, f"{clashes[0]} already exists; merge by hand"))
    carried = carry_celery(project, package, TARGET, set(moves))
    moves.update(carried.moves)
    writes: dict[str, str | cst.Module] = {**inits, **carried.writes}
    deletes = old_inits | carried.deletes
    notes = [*_settings_package_notes(project), *carried.notes]
    overlay = _overlay_template(project, package, writes, deletes, notes)
    init_text = _config_init(existing.text, carried)
    if init_text is not None:
        writes[f"{_config_dir(project)}/__init__.py"] = init_text
    if existing.path and not existing.path.endswith("__init__.py"):
        deletes.add(existing.path)
        notes.append(Note(existing.path, None, f"merged into {TARGET}/__init__.py (same names)"))
    kept, mixed = keep_names(
        project, moves, _pinned_tasks(project, carried), _app_path(project, carried)
    )
    return Changes(
        writes=writes,
        deletes=frozenset(deletes),
        moves=moves,
        redirects=(*kept, *package_redirects, *overlay, *carried.redirects),
        notes=(*notes, *mixed),
    )


def _target(package: str, module: str) -> str:
    return f"{TARGET}.{module[len(package) + 1 :]}"


def _config_dir(project: Project) -> str:
    return project.module_path(TARGET)


def _glue_modules(project: Project, package: str) -> list[str]:
    facts = project.facts
    named = [
        facts.settings_module or "",
        facts.root_urlconf or "",
        _module_of(facts.wsgi_application),
    ]
    named += [f"{package}.{name}" for name in GLUE]
    found = []
    for module in dict.fromkeys(named):
        if module.rsplit(".", 1)[0] != package:
            continue
        if project.path_for(module) and not project.is_package(module):
            found.append(module)
    return found


def _module_of(dotted_attribute: str | None) -> str:
    return dotted_attribute.rsplit(".", 1)[0] if dotted_attribute else ""


# -- a settings package (mysite/settings/{__init__,base,dev}.py) moves as a whole -----------------
def _settings_package(
    project: Project, package: str, moves: dict[str, str]
) -> tuple[dict[str, str], set[str], tuple[Redirect, ...]]:
    """Module moves for every module of the settings package, and its `__init__.py` files
    written at their new place and deleted at the old one (the engine moves modules only)."""
    settings = project.facts.settings_package
    if settings is None or settings.rsplit(".", 1)[0] != package:
        return {}, set(), ()
    directory = project.module_path(settings) + "/"
    inits: dict[str, str] = {}
    old_inits: set[str] = set()
    for path in project.python_paths():
        module = project.module_for(path)
        if not path.startswith(directory) or module is None:
            continue
        if path.endswith("__init__.py"):
            new_init = project.module_path(_target(package, module)) + "/__init__.py"
            inits[new_init] = project.text(path)
            old_inits.add(path)
        else:
            moves[module] = _target(package, module)
    return inits, old_inits, (Redirect(settings, _target(package, settings)),)


def _settings_package_notes(project: Project) -> list[Note]:
    settings = project.facts.settings_package
    if settings is None:
        return []
    modules = sorted(
        PurePosixPath(path).name
        for path in project.python_paths()
        if path.startswith(project.module_path(settings) + "/") and not path.endswith("__init__.py")
    )
    return [
        Note(
            project.path_for(settings) or "",
            None,
            f"{settings} is a settings package ({', '.join(modules)}): moved as a whole to "
            f"{TARGET}/settings/",
        )
    ]


# -- a git-ignored overlay's committed template moves with the settings ---------------------------
def _overlay_template(
    project: Project,
    package: str,
    writes: dict[str, str | cst.Module],
    deletes: set[str],
    notes: list[Note],
) -> tuple[Redirect, ...]:
    overlay = project.facts.overlay
    if overlay is None or overlay.module.rsplit(".", 1)[0] != package:
        return ()
    new_module = _target(package, overlay.module)
    new_template = f"{_config_dir(project)}/{PurePosixPath(overlay.template).name}"
    writes[new_template] = project.text(overlay.template)
    deletes.add(overlay.template)
    old_file = project.module_path(overlay.module) + ".py"
    notes.append(
        Note(
            overlay.template,
            None,
            f"the template of the git-ignored {old_file} moved to {new_template}; "
            f"developers move their copy to {project.module_path(new_module)}.py "
            "(and .gitignore should name the new path)",
        )
    )
    return (Redirect(overlay.module, new_module),)


# -- config/__init__.py ---------------------------------------------------------------------------
def _config_init(existing: str, carried: Carried) -> str | None:
    """What config/__init__.py holds: its own code (if it was there) and the Celery bootstrap."""
    if not carried.bootstrap:
        return existing or None
    tree = cst.parse_module(existing)
    body = list(tree.body)
    first = carried.bootstrap[0]
    leading = [*carried.bootstrap_header, *getattr(first, "leading_lines", ())]
    if body and leading and leading[0].comment is not None:
        leading = [cst.EmptyLine(), *leading]
    statements = [first.with_changes(leading_lines=leading), *carried.bootstrap[1:]]
    return tree.with_changes(body=[*body, *statements], has_trailing_newline=True).code


def _app_path(project: Project, carried: Carried) -> dict[str, str]:
    """The moved app module names its tasks by their old names (`name="mysite.celery.x"`)."""
    return {project.module_path(new) + ".py": old for old, new in carried.moves.items()}


def _pinned_tasks(project: Project, carried: Carried) -> frozenset[str]:
    app = project.facts.celery
    if app is None or app.path not in carried.writes:
        return frozenset()
    pinned = carried.writes[app.path]
    assert isinstance(pinned, cst.Module)
    names = {
        f"{app.module}.{statement.name.value}"
        for statement in pinned.body
        if isinstance(statement, cst.FunctionDef)
    }
    return frozenset(names)


def _skipped(project: Project, reason: str) -> tuple[Note, ...]:
    return (Note(project.facts.settings_path or "", None, f"config package not created: {reason}"),)
