"""Move every local Django app into `apps/<app>/`, keeping its label.

Why: the target layout keeps the project's domains in one `apps/` package, apart from the
framework glue (`config/`) and the `services/` and `integrations/` layers, so a reader knows
where every app lives (LAYOUT rule 4).
Opt-in (`--only ...,move-apps,...`, or `[tool.djrefactor] only`): a rename reaches past what the
repository's tests see (every open branch, logger names from `__name__`, objects pickled under
the old module paths, importers outside the repository), so a team takes it on purpose.
Before: `shop/` at the top (or `mysite/shop/` inside the project package), in INSTALLED_APPS
as `"shop"`, its AppConfig saying `name = "shop"`; importers write `from shop.models import
Order`, `include("shop.urls")`, `mock.patch("shop.views.stripe")`; its tasks are named
`shop.tasks.<task>` by Celery.
After: `apps/shop/` (and `apps/__init__.py`), every file of the app carried along (templates,
static files and fixtures too, binary ones as pure renames); its AppConfig says `name =
"apps.shop"` and `label = "shop"` (an `apps.py` is created when it had none), so migrations,
tables, content types, permissions, `"shop.Order"` strings, `AUTH_USER_MODEL` and fixtures stay
valid; the engine rewrites imports (migrations too), INSTALLED_APPS, URL includes, patch targets,
loggers and config files, while strings naming the label stay; each task keeps its old name
(`name="shop.tasks.<task>"`), so queued messages and beat entries still run.
Noted: a path into the app's folder built in code (`BASE_DIR / "shop" / "static"`).
Left with a note: the project package when it is also an app (config-package moves its glue
first), a top-level app named like a standard-library or third-party module, an app holding
symlinks or excluded files, a target that already exists, an AppConfig whose name is computed,
and a file where `import shop...` would bind `apps` over a name it already uses.
"""

from __future__ import annotations

from djrefactor.engine import Changes, Note, Project, Redirect, Source

from .appconfig import AppConfigs, new_config, renamed_config
from .names import label_models, pin_tasks
from .paths import path_notes
from .select import TARGET, AppMove, select_moves

SUMMARY = "move every local Django app into apps/<app>/, keeping its label (opt-in)"
AFTER: tuple[str, ...] = ("extract-services",)
OPT_IN = True


def run(project: Project) -> Changes:
    if project.facts.settings_module is None:
        return Changes.none()
    moves, notes = select_moves(project)
    if not moves:
        return Changes.none(tuple(notes))
    writes: dict[str, Source] = {}
    redirects = []
    for move in moves:
        _configure(project, move, writes)
        pinned = pin_tasks(project, move, writes)
        if pinned:
            notes.append(_pinned_note(move, pinned))
        notes += path_notes(project, move)
        names = frozenset(pinned) | label_models(project, move)
        redirects.append(Redirect(move.old, move.new, app=True, names=names))
    notes.append(_deploy_note(project, moves))
    return Changes(
        writes=writes,
        moves={move.old: move.new for move in moves},
        redirects=tuple(redirects),
        notes=tuple(notes),
    )


def _configure(project: Project, move: AppMove, writes: dict[str, Source]) -> None:
    """The app's AppConfig (and those of the apps inside it) name the new package."""
    _config(project, move.configs, move.old, move.new, move.app.path, writes)
    for inner, configs in move.inner:
        new = move.new + inner.module[len(move.old) :]
        _config(project, configs, inner.module, new, inner.path, writes)


def _config(
    project: Project,
    configs: AppConfigs,
    old: str,
    new: str,
    folder: str,
    writes: dict[str, Source],
) -> None:
    if configs.path is None:
        writes[f"{folder}/{configs.module.rsplit('.', 1)[-1]}.py"] = new_config(new, configs.label)
    else:
        writes[configs.path] = renamed_config(project, configs, old, new)


def _pinned_note(move: AppMove, pinned: tuple[str, ...]) -> Note:
    shown = ", ".join(pinned[:3]) + (f" and {len(pinned) - 3} more" if len(pinned) > 3 else "")
    return Note(
        move.app.path,
        None,
        f"tasks of {move.old} keep their names ({shown}; set with name=) after the move to "
        f"{move.new}, so queued messages and beat entries still run; tasks added later are "
        f"named {move.new}.*",
    )


def _deploy_note(project: Project, moves: list[AppMove]) -> Note:
    """What a rename changes outside the repository, for whoever deploys it."""
    settings = project.facts.settings_module or ""
    old = ", ".join(move.old for move in moves)
    return Note(
        project.path_for(settings) or "",
        None,
        f"when deploying the move of {old} to {TARGET}/: flush caches holding objects pickled "
        f"under the old module paths (Django's cache pickles, as do Celery's pickle serializer "
        f"and pickled sessions); loggers named by getLogger(__name__) are now "
        f"{TARGET}.<app>.*, so update log queries and alerts on the old names; code outside "
        f"this repository importing {old} must follow; rebase open branches on this commit",
    )
