"""Split the single settings module into a `settings/` package: base, development, production.

Why: environment differences become explicit, and a production deploy can never inherit
`DEBUG = True` or a committed secret by accident, while every deployment keeps its contract.
Before: `config/settings.py` with a hard-coded or env-defaulted SECRET_KEY, a DEBUG toggle,
`if DEBUG:` blocks and perhaps a `local_settings` import.
After: `config/settings/base.py` (everything shared, `__file__` paths one level deeper),
`development.py` (the DEBUG toggle on by default, the old secret, the `if DEBUG:` contents, dev
tools, the local_settings import), `production.py` (DEBUG off, the secret and hosts from the
variables the project already read, parsed the same way but required, vendor keys without
placeholders, `check --deploy` clean security defaults for the project's Django and Python) and
`test.py` where the tests ran on the old module. manage.py stays on development; wsgi, asgi,
the Celery app, Procfile processes, Dockerfile and docker-compose services that are not
obviously development, and start scripts run production explicitly. `.env.example` lists what
production reads; app code importing the settings module reads `django.conf.settings`.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from djrefactor.analysis.imports import resolve_relative
from djrefactor.analysis.nodes import start_lines
from djrefactor.discovery.files import is_production_file, is_proxy_platform_file
from djrefactor.engine import Changes, Note, Project, Redirect

from . import appcode, build, classify, entrypoints, env, envfile, testing
from . import statements as st
from . import templates as templates
from .paths import deepen

SUMMARY = "split settings into base / development / production"
AFTER: tuple[str, ...] = ("config-package",)

MODULES = ("base", "development", "production")
INIT_DOC = '"""Settings per environment: base (shared), development and production."""\n'


def run(project: Project) -> Changes:
    facts = project.facts
    module, path = facts.settings_module, facts.settings_path
    if module is None or path is None or facts.settings_split:
        return Changes.none()
    folder = path.rsplit("/", 1)[0] if path.endswith("__init__.py") else path[: -len(".py")]
    blocked = _blocked(project, module, path, folder)
    if blocked:
        return Changes.none((Note(path, None, f"settings not split: {blocked}"),))
    tree = project.tree(path)
    deeper = not path.endswith("__init__.py")
    bindings = env.Bindings.of(tree)
    result = _sort(tree, deeper, bindings)
    base = _base_module(tree, result)
    context = _context(project, path, tree, result, deeper, bindings)
    production, contract = build.production(context)
    writes: dict[str, str | cst.Module] = {
        f"{folder}/__init__.py": INIT_DOC,
        f"{folder}/base.py": base,
        f"{folder}/development.py": build.development(context),
        f"{folder}/production.py": production,
    }
    tests = testing.test_settings(project, module, folder)
    deploy = entrypoints.run_production(project, module, contract)
    code = appcode.settings_lookups(project, module, folder, st.bound(result.base))
    example = envfile.env_example(
        project, folder, production, st.body(base), bindings, contract.required
    )
    overlay = _overlay_template(project, module)
    for part in (tests.writes, deploy.writes, code.writes, example.writes, overlay):
        writes.update(part)
    return Changes(
        writes=writes,
        deletes=frozenset({path}) if deeper else frozenset(),
        redirects=(_redirect(project, module, folder, deploy.production_paths, tests.paths),),
        notes=(
            *_notes(path, result, base, context, contract),
            *tests.notes,
            *deploy.notes,
            *code.notes,
            *example.notes,
        ),
    )


def _context(
    project: Project,
    path: str,
    tree: cst.Module,
    result: classify.Sorted,
    deeper: bool,
    bindings: env.Bindings,
) -> build.Context:
    versions = project.facts.versions
    return build.Context(
        tree=tree,
        result=result,
        deeper=deeper,
        bindings=bindings,
        style=build.env_style(bindings, versions.python_at_least(3, 6)),
        versions=versions,
        proxy_evident=_proxy_evident(project, result),
        used_settings=appcode.used_settings(project, path),
        celery_app=project.facts.celery.path if project.facts.celery else None,
    )


def _proxy_evident(project: Project, result: classify.Sorted) -> bool:
    """A PaaS router in front (Procfile, app.json, fly.toml...) or the old settings trusted it."""
    if any(is_proxy_platform_file(path) for path in project.paths):
        return True
    every = [*result.base, *result.production, *result.development]
    return "SECURE_PROXY_SSL_HEADER" in st.bound(every)


def _blocked(project: Project, module: str, path: str, folder: str) -> str | None:
    package = project.facts.settings_package
    if package is not None and not path.endswith("__init__.py"):
        found = sorted(
            name.rsplit("/", 1)[-1]
            for name in project.python_paths()
            if name.startswith(project.module_path(package) + "/")
            and not name.endswith("__init__.py")
        )
        return (
            f"{package} is already a settings package ({', '.join(found)}) and {module} is one "
            "of its modules; split-settings splits a single settings.py, so it leaves the "
            "package as it is: give it development.py and production.py by hand"
        )
    if not path.endswith("__init__.py") and module.rsplit(".", 1)[-1] != "settings":
        return f"{module} is not a plain settings module; split it by hand"
    taken = [f"{folder}/{name}.py" for name in MODULES] + [f"{folder}/__init__.py"]
    existing = [target for target in taken if target != path and project.exists(target)]
    if existing:
        return f"{existing[0]} already exists; merge by hand"
    return None


# -- sorting the statements -----------------------------------------------------------------------
def _sort(tree: cst.Module, deeper: bool, bindings: env.Bindings) -> classify.Sorted:
    lines = start_lines(tree)  # by id: the tree is alive, so no other node has those ids

    def line_of(node: cst.CSTNode) -> int | None:
        return lines.get(id(node))

    classifier = classify.Classifier(line_of, bindings)
    for statement in st.body(tree):
        updated = statement
        if deeper:
            updated, handled = deepen(statement)
            if not handled:
                classifier.note(
                    statement, "path built from __file__ not adjusted for settings/; check it"
                )
            if classify.is_local_settings_import(updated):
                updated = st.one_level_up(updated)
        classifier.place(statement, updated)
    _default_environment(classifier)
    classifier.result.base = _prune_imports(st.body(tree), classifier.result.base)
    return classifier.result


def _default_environment(classifier: classify.Classifier) -> None:
    """A dev key and local hosts even when the old settings had none (Django needs a key)."""
    missing = []
    if classify.SECRET not in classifier.seen:
        missing.append(f'SECRET_KEY = "{templates.DEV_SECRET}"')
    if classify.HOSTS not in classifier.seen:
        missing.append(f"ALLOWED_HOSTS = {templates.LOCAL_HOSTS}")
    lines = [classify.parse(code) for code in missing]
    classifier.result.development[:0] = lines


def _prune_imports(
    original: Sequence[cst.BaseStatement], base: list[cst.BaseStatement]
) -> list[cst.BaseStatement]:
    """Drop imports only the moved-out statements used (the secret's `get_random_secret_key`...)."""
    unused = st.reads(original) - st.reads(base)
    kept: list[cst.BaseStatement] = []
    carried: list[cst.EmptyLine] = []
    for statement in base:
        pruned = _without_names(statement, unused)
        if pruned is None:
            carried += [line for line in st.leading(statement) if line.comment]
            continue
        if carried:
            pruned = pruned.with_changes(leading_lines=[*carried, *st.leading(pruned)])
            carried = []
        kept.append(pruned)
    return kept


def _without_names(statement: cst.BaseStatement, unused: set[str]) -> cst.BaseStatement | None:
    if not st.is_import(statement):
        return statement
    assert isinstance(statement, cst.SimpleStatementLine)
    node = statement.body[0]
    assert isinstance(node, cst.Import | cst.ImportFrom)
    if isinstance(node.names, cst.ImportStar):
        return statement
    aliases = [a for a in node.names if st.alias_binding(node, a) not in unused]
    if len(aliases) == len(node.names):
        return statement
    if not aliases:
        return None
    aliases[-1] = aliases[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return statement.with_changes(body=[node.with_changes(names=aliases)])


# -- base.py --------------------------------------------------------------------------------------
def _base_module(tree: cst.Module, result: classify.Sorted) -> cst.Module:
    first = tree.body[0] if tree.body else None
    docstring = first if first is not None and st.is_docstring(first) else None
    if docstring is None:
        docstring = cst.parse_statement(templates.BASE_DOC)
    tools = _move_dev_tools(result)
    if tools:
        tools[0] = tools[0].with_changes(leading_lines=[cst.EmptyLine()])
    result.development += tools
    return tree.with_changes(body=[docstring, *_two_blank_lines_after_defs(result.base)])


def _two_blank_lines_after_defs(
    statements: Sequence[cst.BaseStatement],
) -> list[cst.BaseStatement]:
    """A statement that followed a moved one may now follow a def: PEP 8 wants two blank lines."""
    spaced: list[cst.BaseStatement] = []
    for statement in statements:
        after_def = spaced and isinstance(spaced[-1], cst.FunctionDef | cst.ClassDef)
        lines = list(st.leading(statement))
        blanks = next((i for i, line in enumerate(lines) if line.comment), len(lines))
        if after_def and blanks < 2:
            statement = statement.with_changes(
                leading_lines=[cst.EmptyLine()] * (2 - blanks) + lines
            )
        spaced.append(statement)
    return spaced


def _is_dev_tool(element: cst.BaseElement) -> bool:
    value = element.value
    if not isinstance(value, cst.SimpleString) or not isinstance(value.evaluated_value, str):
        return False
    return value.evaluated_value.split(".")[0] in classify.DEV_TOOLS


def _move_dev_tools(result: classify.Sorted) -> list[cst.BaseStatement]:
    """debug_toolbar & co. leave base INSTALLED_APPS / MIDDLEWARE for development."""
    additions: list[cst.BaseStatement] = []
    for index, statement in enumerate(result.base):
        name = classify.assigned_name(statement)
        value = classify.assigned_value(statement) if name else None
        if name not in ("INSTALLED_APPS", "MIDDLEWARE") or not isinstance(value, cst.List):
            continue
        tools = [(i, e) for i, e in enumerate(value.elements) if _is_dev_tool(e)]
        if not tools:
            continue
        kept = _realigned([e for e in value.elements if not _is_dev_tool(e)], value.elements)
        replaced = statement.visit(_ReplaceList(value, value.with_changes(elements=kept)))
        assert isinstance(replaced, cst.BaseStatement)
        result.base[index] = replaced
        additions += _dev_tool_lines(name or "", tools)
    return additions


def _realigned(
    kept: list[cst.BaseElement], elements: Sequence[cst.BaseElement]
) -> list[cst.BaseElement]:
    """Kept elements take the trailing commas of the list's last ones: layout stays the same."""
    commas = [element.comma for element in elements[len(elements) - len(kept) :]]
    return [element.with_changes(comma=comma) for element, comma in zip(kept, commas, strict=True)]


class _ReplaceList(cst.CSTTransformer):
    def __init__(self, old: cst.List, new: cst.List) -> None:
        super().__init__()
        self.old, self.new = old, new

    def leave_List(self, original: cst.List, updated: cst.List) -> cst.BaseExpression:
        return self.new if original is self.old else updated


def _code(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)


def _dev_tool_lines(name: str, tools: list[tuple[int, cst.BaseElement]]) -> list[cst.BaseStatement]:
    if name == "INSTALLED_APPS":
        items = ", ".join(_code(element.value) for _, element in tools)
        return [classify.parse(f"INSTALLED_APPS += [{items}]")]
    return [classify.parse(f"MIDDLEWARE.insert({i}, {_code(e.value)})") for i, e in tools]


# -- references and notes -------------------------------------------------------------------------
def _overlay_template(project: Project, module: str) -> dict[str, str]:
    """The committed template of a git-ignored overlay imports development from now on."""
    overlay = project.facts.overlay
    if overlay is None:
        return {}
    text = project.text(overlay.template)
    try:
        tree = cst.parse_module(text)
    except cst.ParserSyntaxError:
        return {}
    updated = tree.visit(_StarFrom(overlay.module, module, f"{module}.development"))
    return {overlay.template: updated.code} if updated.code != text else {}


class _StarFrom(cst.CSTTransformer):
    """`from .settings import *` (resolved from `overlay`) -> `from .settings.development ...`."""

    def __init__(self, overlay: str, old: str, new: str) -> None:
        super().__init__()
        self.overlay, self.old, self.new = overlay, old, new

    def leave_ImportFrom(self, original: cst.ImportFrom, updated: cst.ImportFrom) -> cst.ImportFrom:
        name = cst.helpers.get_full_name_for_node(updated.module) if updated.module else None
        if (
            not name
            or resolve_relative(self.overlay, False, len(updated.relative), name) != self.old
        ):
            return updated
        suffix = self.new[len(self.old) :]
        return updated.with_changes(module=cst.parse_expression(name + suffix))


def _redirect(
    project: Project,
    module: str,
    folder: str,
    production_paths: Sequence[str],
    test_paths: Sequence[str],
) -> Redirect:
    production = f"{module}.production"
    per_path = {path: production for path in project.paths if is_production_file(path)}
    per_path.update(dict.fromkeys(production_paths, production))
    app = project.facts.celery
    if app is not None:
        per_path[app.path] = production
    per_path.update(dict.fromkeys(test_paths, f"{module}.{testing.MODULE}"))
    # The new modules live below the old name: their own imports (`.base`) must stay as written.
    per_path.update({f"{folder}/{name}.py": module for name in MODULES})
    return Redirect(module, f"{module}.development", per_path)


def _notes(
    path: str,
    result: classify.Sorted,
    base: cst.Module,
    context: build.Context,
    contract: build.Contract,
) -> tuple[Note, ...]:
    notes = [Note(path, line, message) for line, message in result.notes]
    app = context.celery_app
    if app is not None:
        notes.append(
            Note(
                app,
                None,
                "the Celery app defaults to production settings now (like wsgi.py): a worker "
                "started at a developer's keyboard needs DJANGO_SETTINGS_MODULE set to the "
                "development module",
            )
        )
    required = ", ".join(f"${name}" for name in dict.fromkeys(contract.required))
    notes.append(
        Note(path, None, f"operators: production.py requires {required} in every deployment")
    )
    notes += [Note(path, None, message) for message in contract.notes]
    if contract.vendor_keys:
        keys = ", ".join(f"${key}" for key in contract.vendor_keys)
        notes.append(
            Note(
                path,
                None,
                f"operators: production.py reads {keys} without base.py's placeholder defaults; "
                "set them in every deployment (unset, they are empty and those vendor calls fail)",
            )
        )
    secret = build.committed_secret(context)
    if secret is not None:
        notes.append(Note(path, None, _rotation(contract, context)))
    for statement in classify.secret_looking_literals(list(base.body)):
        notes.append(
            Note(
                path,
                None,
                f"base.py keeps a literal {classify.assigned_name(statement)}; "
                "read it from the environment instead",
            )
        )
    return tuple(notes)


def _rotation(contract: build.Contract, context: build.Context) -> str:
    variable = contract.secret_variable
    message = (
        "the committed SECRET_KEY now lives in development.py only; if a deployment ever ran "
        f"with it, treat it as leaked: set ${variable} to a new random key"
    )
    if context.versions.django_at_least(4, 1):
        return message + (
            f" and keep the old one in ${variable}_FALLBACKS (SECRET_KEY_FALLBACKS) until "
            "sessions and password-reset links made with it have expired"
        )
    return message + " (Django < 4.1 has no SECRET_KEY_FALLBACKS: rotating logs everyone out)"
