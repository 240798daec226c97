"""Move the project package's Django glue (settings, urls, wsgi, asgi) into a top-level `config/`.

Why: framework glue is not a domain; a fixed `config/` package tells every reader where settings
and routing live, and frees the old project package for real code (or removal).
Before: `mysite/settings.py`, `mysite/urls.py`, `mysite/wsgi.py`, `mysite/asgi.py`.
After: `config/settings.py`, `config/urls.py`, `config/wsgi.py`, `config/asgi.py`; every import,
`DJANGO_SETTINGS_MODULE`, `ROOT_URLCONF`, `WSGI_APPLICATION`, pytest.ini and Procfile entry now
names `config.*`. Other modules of `mysite/` stay where they are.
"""

from __future__ import annotations

from djrefactor.engine import Changes, Note, Project

SUMMARY = "move settings, urls, wsgi and asgi into a top-level config/ package"
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
    moves = {
        module: f"{TARGET}.{module.rsplit('.', 1)[1]}" for module in _glue_modules(project, package)
    }
    clashes = [new for new in moves.values() if project.path_for(new) or project.is_package(new)]
    if project.path_for(TARGET) and not project.is_package(TARGET):
        clashes.append(TARGET)
    if clashes:
        return Changes.none(_skipped(project, f"{clashes[0]} already exists; merge by hand"))
    return Changes(moves=moves)


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


def _skipped(project: Project, reason: str) -> tuple[Note, ...]:
    return (Note(project.facts.settings_path or "", None, f"config package not created: {reason}"),)
