"""Rule 4: apps by domain, not by database table.

Why: an app is a unit of ownership (billing, compliance, messaging). One app holding every model
grows without a boundary, and an app named after one table (`drivers`, `documents`) splits a
domain into pieces that import each other everywhere.
Finds: an app with more than 8 models falling into unrelated groups (no foreign key between
them), an app named like one of its models (singular or plural), an app named after a layer
(`api`, `main`...) that holds the models.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import libcst as cst

from djrefactor.analysis.naming import snake
from djrefactor.audit._code import Source, calls
from djrefactor.audit._report import Finding
from djrefactor.audit.custom_user import USER_BASES
from djrefactor.discovery import App
from djrefactor.project import Project

NUMBER = 4
TITLE = "apps by domain"

GOD_APP_MODELS = 8
RELATIONS = frozenset({"ForeignKey", "OneToOneField", "ManyToManyField"})
LAYER_NAMES = frozenset({"api", "app", "backend", "common", "main", "misc", "web", "website"})
MODEL_BASES = ("django.db.models.Model", "django.db.models.base.Model", *USER_BASES)


@dataclass
class Model:
    name: str
    path: str
    line: int
    is_user: bool
    links: set[str] = field(default_factory=set)


def check(project: Project) -> Iterator[Finding]:
    for app in project.facts.apps:
        models = _models(project, app)
        if not models:
            continue
        yield from _god_app(app, models)
        yield from _named_after_a_table(app, models)
        yield from _named_after_a_layer(app, models)


def _god_app(app: App, models: list[Model]) -> Iterator[Finding]:
    groups = _groups(models)
    if len(models) <= GOD_APP_MODELS or len(groups) < 2:
        return
    listed = "; ".join("{" + ", ".join(group) + "}" for group in groups)
    first = models[0]
    yield Finding(
        NUMBER,
        first.path,
        first.line,
        f"app {app.label} holds {len(models)} models in {len(groups)} groups with no foreign "
        f"key between them: {listed}",
        "an app with no boundary keeps growing: every feature lands in it, its migrations "
        "serialise every team's work, and no group can change without reading all of them",
        "move each group into an app named for its domain under apps/; a model keeps its table "
        f'with Meta.db_table = "{app.label}_<model>" and moves with a SeparateDatabaseAndState '
        "migration pair, so no data is copied",
    )


def _named_after_a_table(app: App, models: list[Model]) -> Iterator[Finding]:
    for model in models:
        if model.is_user or app.label not in _table_names(model.name):
            continue
        names = ", ".join(m.name for m in models)
        yield Finding(
            NUMBER,
            model.path,
            model.line,
            f"app {app.label} is named after its model {model.name} (a table), not a domain",
            "a table-named app gives the next related model no home, so the domain spreads "
            "over several apps that import each other's models",
            f"name it for the business capability its models serve ({names}), and keep the "
            f'label (AppConfig.label = "{app.label}") so tables, migrations and content types '
            "stay as they are",
        )


def _named_after_a_layer(app: App, models: list[Model]) -> Iterator[Finding]:
    if app.label not in LAYER_NAMES:
        return
    first = models[0]
    names = ", ".join(m.name for m in models)
    yield Finding(
        NUMBER,
        first.path,
        first.line,
        f"app {app.label} is named after a layer but holds the models {names}",
        f"`{app.label}` says how code is reached, not what it is about: serializers, views and "
        "models of every domain end up together, and the name clashes with an api/ package",
        "name the app for the domain of its models and keep its label "
        f'(AppConfig.label = "{app.label}"); put API composition (routers, serializers) in api/',
    )


def _table_names(model: str) -> set[str]:
    singular = snake(model)
    plural = singular[:-1] + "ies" if singular.endswith("y") else singular + "s"
    names = {singular, plural, singular + "es"}
    return names | {name.replace("_", "") for name in names}


# -- reading models.py -------------------------------------------------------------------------
def _models(project: Project, app: App) -> list[Model]:
    found: list[Model] = []
    for path in app.models:
        source = Source(project, path)
        known = {model.name for model in found}
        for cls in source.classes():
            origins = [source.origin(base.value) or "" for base in cls.bases]
            names = [base.value.value for base in cls.bases if isinstance(base.value, cst.Name)]
            if not (set(origins) & set(MODEL_BASES) or set(names) & known):
                continue
            known.add(cls.name.value)
            if _meta_flag(cls, "abstract") or _meta_flag(cls, "proxy"):
                continue
            is_user = bool(set(origins) & set(USER_BASES))
            model = Model(cls.name.value, path, source.line(cls), is_user, _relations(cls))
            found.append(model)
    return found


def _meta_flag(cls: cst.ClassDef, flag: str) -> bool:
    for statement in cls.body.body:
        if isinstance(statement, cst.ClassDef) and statement.name.value == "Meta":
            for line in statement.body.body:
                if not isinstance(line, cst.SimpleStatementLine):
                    continue
                for small in line.body:
                    if (
                        isinstance(small, cst.Assign)
                        and any(
                            isinstance(t.target, cst.Name) and t.target.value == flag
                            for t in small.targets
                        )
                        and isinstance(small.value, cst.Name)
                        and small.value.value == "True"
                    ):
                        return True
    return False


def _relations(cls: cst.ClassDef) -> set[str]:
    """The model names this class's relation fields point at (`"app.Model"` -> `Model`)."""
    targets: set[str] = set()
    for call in calls(cls.body):
        func = call.func
        name = func.attr.value if isinstance(func, cst.Attribute) else None
        if isinstance(func, cst.Name):
            name = func.value
        if name not in RELATIONS:
            continue
        target = next((a.value for a in call.args if a.keyword and a.keyword.value == "to"), None)
        if target is None and call.args and call.args[0].keyword is None:
            target = call.args[0].value
        if isinstance(target, cst.Name):
            targets.add(target.value)
        elif isinstance(target, cst.SimpleString) and isinstance(target.evaluated_value, str):
            targets.add(target.evaluated_value.rsplit(".", 1)[-1])
    return targets


def _groups(models: list[Model]) -> list[list[str]]:
    """The models linked by relations (in either direction), each group in source order."""
    names = [model.name for model in models]
    parent = {name: name for name in names}

    def root(name: str) -> str:
        while parent[name] != name:
            name = parent[name]
        return name

    for model in models:
        for target in model.links:
            if target in parent:
                parent[root(target)] = root(model.name)
    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(root(name), []).append(name)
    return list(groups.values())
