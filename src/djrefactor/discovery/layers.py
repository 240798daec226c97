"""Which layer a module belongs to: transport (views, viewsets, serializers, API modules), models,
or the rest. One home for the fact, read by every codemod instead of guessing from a dotted name:
an app named `api` that holds models is a models package, not the view layer.

A module is transport when its own name is a transport name (`views.py`, `serializers.py`,
`api.py`, `viewsets.py`) or when it sits in a folder named so that is not itself a Django app
(an `api/` package of DRF views); a models module is `models.py` or anything in a `models/`
package. `services/` and `integrations/` are never transport.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from djrefactor.project import Project

TRANSPORT_NAMES = frozenset({"views", "viewsets", "serializers", "api"})
"""Module and folder names of the request/response layer."""

LAYER_PACKAGES = frozenset({"services", "integrations"})
"""Top-level packages the restructuring creates: never transport."""


def is_models_module(project: Project, path: str) -> bool:
    """`app/models.py` or a module of an `app/models/` package."""
    parts = _parts(project, path)
    return bool(parts) and (PurePosixPath(path).stem == "models" or "models" in parts[:-1])


def is_transport_module(project: Project, path: str) -> bool:
    """Views, viewsets, serializers and API modules: the layer that should stay thin."""
    parts = _parts(project, path)
    if not parts or parts[0] in LAYER_PACKAGES or is_models_module(project, path):
        return False
    if PurePosixPath(path).stem in TRANSPORT_NAMES:
        return True
    return any(
        part in TRANSPORT_NAMES and not is_app_folder(project, "/".join(parts[: index + 1]))
        for index, part in enumerate(parts[:-1])
    )


def module_is_transport(project: Project, module: str) -> bool:
    """`is_transport_module` for a dotted name; a module the project does not define is not."""
    path = project.path_for(module)
    return path is not None and is_transport_module(project, path)


def is_app_folder(project: Project, rel_folder: str) -> bool:
    """A folder (relative to the source root) holding a Django app: its models or its AppConfig,
    or named in INSTALLED_APPS."""
    folder = f"{project.source_root}/{rel_folder}" if project.source_root else rel_folder
    if any(project.exists(f"{folder}/{name}") for name in ("models.py", "apps.py")):
        return True
    if project.exists(f"{folder}/models/__init__.py"):
        return True
    return any(app.path == folder for app in project.facts.apps)


def _parts(project: Project, path: str) -> tuple[str, ...]:
    root = project.source_root
    if root:
        if not path.startswith(root + "/"):
            return ()
        path = path[len(root) + 1 :]
    return PurePosixPath(path).parts
