"""Split the single settings module into a `settings/` package: base, development, production.

Why: environment differences become explicit, and a production deploy can never inherit
`DEBUG = True` or a committed secret by accident.
Before: `config/settings.py` with a hard-coded SECRET_KEY, `DEBUG = True`, `if DEBUG:` blocks
and perhaps a `local_settings` import.
After: `config/settings/base.py` (everything shared, `__file__` paths one level deeper),
`development.py` (DEBUG on, the old secret, local hosts, the `if DEBUG:` contents, dev tools,
the local_settings import) and `production.py` (DEBUG off, DJANGO_SECRET_KEY and
DJANGO_ALLOWED_HOSTS read from the environment with the library the project already uses,
`check --deploy` security defaults). manage.py and test configuration default to development;
wsgi.py, asgi.py, Procfile and Dockerfile to production.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Sequence
from pathlib import PurePosixPath

import libcst as cst
import libcst.matchers as m
from libcst.metadata import MetadataWrapper, PositionProvider

from djrefactor.engine import Changes, Note, Project, Redirect

from . import classify as classify
from . import templates as templates
from .names import names_bound, names_read
from .paths import deepen

SUMMARY = "split settings into base / development / production"
AFTER: tuple[str, ...] = ("config-package",)

MODULES = ("base", "development", "production")
PRODUCTION_FILES = (
    "wsgi.py",
    "asgi.py",
    "Procfile*",
    "Dockerfile*",
    "*.Dockerfile",
    "docker-compose*",
    "compose*.y*ml",
    "app.json",
    "fly.toml",
    "render.yaml",
    "*.service",
    "uwsgi.ini",
    "gunicorn.conf.py",
    ".env.prod*",
)


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
    result = _sort(tree, deeper)
    base = _base_module(tree, result)
    development = _development_text(tree, result, deeper)
    production = _production_text(tree, result, deeper)
    return Changes(
        writes={
            f"{folder}/__init__.py": INIT_DOC,
            f"{folder}/base.py": base,
            f"{folder}/development.py": development,
            f"{folder}/production.py": production,
        },
        deletes=frozenset({path}) if deeper else frozenset(),
        redirects=(_redirect(project, module, folder),),
        notes=_notes(path, result, base),
    )


INIT_DOC = '"""Settings per environment: base (shared), development and production."""\n'


def _blocked(project: Project, module: str, path: str, folder: str) -> str | None:
    if not path.endswith("__init__.py") and module.rsplit(".", 1)[-1] != "settings":
        return f"{module} is not a plain settings module; split it by hand"
    taken = [f"{folder}/{name}.py" for name in MODULES] + [f"{folder}/__init__.py"]
    existing = [target for target in taken if target != path and project.exists(target)]
    if existing:
        return f"{existing[0]} already exists; merge by hand"
    return None


# -- sorting the statements ----------------------------------------------------------------------
def _body(tree: cst.Module) -> list[cst.BaseStatement]:
    body: list[cst.BaseStatement] = list(tree.body)
    if body and _is_docstring(body[0]):
        body = body[1:]
    return body


def _is_docstring(statement: cst.BaseStatement) -> bool:
    return m.matches(statement, m.SimpleStatementLine(body=[m.Expr(m.SimpleString())]))


def _sort(tree: cst.Module, deeper: bool) -> classify.Sorted:
    positions = MetadataWrapper(tree, unsafe_skip_copy=True).resolve(PositionProvider)

    def line_of(node: cst.CSTNode) -> int | None:
        found = positions.get(node)
        return found.start.line if found else None

    classifier = classify.Classifier(line_of)
    for statement in _body(tree):
        updated = statement
        if deeper:
            updated, handled = deepen(statement)
            if not handled:
                classifier.note(
                    statement, "path built from __file__ not adjusted for settings/; check it"
                )
            if classify.is_local_settings_import(updated):
                updated = _one_level_up(updated)
        classifier.place(statement, updated)
    _default_environment(classifier)
    classifier.result.base = _prune_imports(_body(tree), classifier.result.base)
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


class _OneLevelUp(cst.CSTTransformer):
    def leave_ImportFrom(self, original: cst.ImportFrom, updated: cst.ImportFrom) -> cst.ImportFrom:
        if not updated.relative:
            return updated
        return updated.with_changes(relative=[cst.Dot(), *updated.relative])


def _one_level_up(statement: cst.BaseStatement) -> cst.BaseStatement:
    updated = statement.visit(_OneLevelUp())
    assert isinstance(updated, cst.BaseStatement)
    return updated


def _alias_binding(node: cst.Import | cst.ImportFrom, alias: cst.ImportAlias) -> str:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    dotted = cst.helpers.get_full_name_for_node(alias.name) or ""
    return dotted.split(".")[0] if isinstance(node, cst.Import) else dotted


def _imports(statements: Iterable[cst.BaseStatement]) -> dict[str, cst.SimpleStatementLine]:
    """Name -> a one-alias import statement binding it, from top-level imports."""
    found: dict[str, cst.SimpleStatementLine] = {}
    for statement in statements:
        if not m.matches(statement, m.SimpleStatementLine(body=[m.Import() | m.ImportFrom()])):
            continue
        assert isinstance(statement, cst.SimpleStatementLine)
        node = statement.body[0]
        assert isinstance(node, cst.Import | cst.ImportFrom)
        if isinstance(node.names, cst.ImportStar):
            continue
        for alias in node.names:
            single = node.with_changes(names=[alias.with_changes(comma=cst.MaybeSentinel.DEFAULT)])
            if isinstance(single, cst.ImportFrom):
                single = single.with_changes(lpar=None, rpar=None)
            found[_alias_binding(node, alias)] = cst.SimpleStatementLine(body=[single])
    return found


def _reads(statements: Iterable[cst.BaseStatement]) -> set[str]:
    names: set[str] = set()
    for statement in statements:
        if not m.matches(statement, m.SimpleStatementLine(body=[m.Import() | m.ImportFrom()])):
            names |= names_read(statement)
    return names


def _prune_imports(
    original: Sequence[cst.BaseStatement], base: list[cst.BaseStatement]
) -> list[cst.BaseStatement]:
    """Drop imports only the moved-out statements used (the secret's `get_random_secret_key`...)."""
    unused = _reads(original) - _reads(base)
    kept: list[cst.BaseStatement] = []
    carried: list[cst.EmptyLine] = []
    for statement in base:
        pruned = _without_names(statement, unused)
        if pruned is None:
            carried += [line for line in _leading(statement) if line.comment]
            continue
        if carried:
            pruned = pruned.with_changes(leading_lines=[*carried, *_leading(pruned)])
            carried = []
        kept.append(pruned)
    return kept


def _leading(statement: cst.BaseStatement) -> Sequence[cst.EmptyLine]:
    lines: Sequence[cst.EmptyLine] = getattr(statement, "leading_lines", ())
    return lines


def _without_names(statement: cst.BaseStatement, unused: set[str]) -> cst.BaseStatement | None:
    if not m.matches(statement, m.SimpleStatementLine(body=[m.Import() | m.ImportFrom()])):
        return statement
    assert isinstance(statement, cst.SimpleStatementLine)
    node = statement.body[0]
    assert isinstance(node, cst.Import | cst.ImportFrom)
    if isinstance(node.names, cst.ImportStar):
        return statement
    aliases = [a for a in node.names if _alias_binding(node, a) not in unused]
    if len(aliases) == len(node.names):
        return statement
    if not aliases:
        return None
    aliases[-1] = aliases[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return statement.with_changes(body=[node.with_changes(names=aliases)])


# -- base.py -------------------------------------------------------------------------------------
def _base_module(tree: cst.Module, result: classify.Sorted) -> cst.Module:
    first = tree.body[0] if tree.body else None
    docstring = first if first is not None and _is_docstring(first) else None
    if docstring is None:
        docstring = cst.parse_statement(templates.BASE_DOC)
    tools = _move_dev_tools(result)
    if tools:
        tools[0] = tools[0].with_changes(leading_lines=[cst.EmptyLine()])
    result.development += tools
    return tree.with_changes(body=[docstring, *result.base])


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


# -- development.py and production.py ------------------------------------------------------------
def _statements_code(tree: cst.Module, statements: Sequence[cst.BaseStatement]) -> str:
    return tree.with_changes(header=[], body=statements, footer=[]).code if statements else ""


def _needed_imports(
    tree: cst.Module,
    result: classify.Sorted,
    statements: Sequence[cst.BaseStatement],
    bound: set[str],
    deeper: bool,
) -> tuple[list[cst.BaseStatement], list[str]]:
    """Imports to repeat, and names to take from base explicitly (no F405 on star names)."""
    needed: list[str] = []
    known = set(bound)
    for statement in statements:
        needed += sorted(names_read(statement) - known - set(needed))
        known |= names_bound(statement)
    imports = _imports(_body(tree))
    from_base = set().union(*(names_bound(s) for s in result.base)) if result.base else set()
    repeated: list[cst.BaseStatement] = [imports[name] for name in needed if name in imports]
    if deeper:
        repeated = [_one_level_up(statement) for statement in repeated]
    return repeated, sorted(name for name in needed if name not in imports and name in from_base)


def _bound_by(code: str) -> set[str]:
    return set().union(*(names_bound(s) for s in cst.parse_module(code).body))


def _header(
    tree: cst.Module, head: str, extra: list[cst.BaseStatement], from_base: list[str]
) -> str:
    imports = _statements_code(tree, extra)
    star = templates.STAR
    if from_base:
        star += f"from .base import {', '.join(from_base)}\n"
    return head.replace(templates.STAR, imports + ("\n" if imports else "") + star, 1)


def _development_text(tree: cst.Module, result: classify.Sorted, deeper: bool) -> cst.Module:
    head = templates.development_head()
    statements = [*result.development, *result.local_imports]
    extra, from_base = _needed_imports(tree, result, statements, _bound_by(head), deeper)
    text = _header(tree, head, extra, from_base) + _spaced(tree, statements)
    return cst.parse_module(text)


def _spaced(tree: cst.Module, statements: Sequence[cst.BaseStatement]) -> str:
    if not statements:
        return ""
    first = statements[0]
    if not _leading(first):
        first = first.with_changes(leading_lines=[cst.EmptyLine()])
    return _statements_code(tree, [first, *statements[1:]])


def _production_text(tree: cst.Module, result: classify.Sorted, deeper: bool) -> cst.Module:
    style = _env_style(tree)
    head = templates.production_head(style)
    own = set().union(*(names_bound(s) for s in result.production)) if result.production else set()
    security = [
        code for name, code in templates.security_settings(style).items() if name not in own
    ]
    security_code = "\n" + "".join(security)
    statements = [*_middleware_fixes(result), *result.production]
    known = _bound_by(head) | _bound_by(security_code)
    extra, from_base = _needed_imports(tree, result, statements, known, deeper)
    text = _header(tree, head, extra, from_base) + security_code + _spaced(tree, statements)
    return cst.parse_module(text)


def _middleware_fixes(result: classify.Sorted) -> list[cst.BaseStatement]:
    """SecurityMiddleware applies the security settings; check --deploy warns without it."""
    for statement in result.base:
        if classify.assigned_name(statement) != "MIDDLEWARE":
            continue
        value = classify.assigned_value(statement)
        if not isinstance(value, cst.List | cst.Tuple):
            return []
        strings = [e.value for e in value.elements if isinstance(e.value, cst.SimpleString)]
        if SECURITY_MIDDLEWARE in {string.evaluated_value for string in strings}:
            return []
        return [
            classify.parse(
                "# SecurityMiddleware applies the HSTS, SSL redirect and nosniff settings.\n"
                f'MIDDLEWARE = ["{SECURITY_MIDDLEWARE}", *MIDDLEWARE]\n'
            )
        ]
    return []


SECURITY_MIDDLEWARE = "django.middleware.security.SecurityMiddleware"


def _imported_modules(node: cst.CSTNode) -> list[str]:
    if isinstance(node, cst.Import):
        return [cst.helpers.get_full_name_for_node(alias.name) or "" for alias in node.names]
    if isinstance(node, cst.ImportFrom) and node.module is not None:
        return [cst.helpers.get_full_name_for_node(node.module) or ""]
    return []


def _env_style(tree: cst.Module) -> templates.EnvStyle:
    for node in m.findall(tree, m.Import() | m.ImportFrom()):
        for module in _imported_modules(node):
            root = module.split(".")[0]
            if root == "environ":
                return templates.EnvStyle.ENVIRON
            if root == "decouple":
                return templates.EnvStyle.DECOUPLE
    return templates.EnvStyle.OS


# -- references and notes ------------------------------------------------------------------------
def _is_production_file(path: str) -> bool:
    name = PurePosixPath(path).name
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in PRODUCTION_FILES)


def _redirect(project: Project, module: str, folder: str) -> Redirect:
    production = f"{module}.production"
    per_path = {path: production for path in project.paths if _is_production_file(path)}
    # The new modules live below the old name: their own imports (`.base`) must stay as written.
    per_path.update({f"{folder}/{name}.py": module for name in MODULES})
    return Redirect(module, f"{module}.development", per_path)


def _notes(path: str, result: classify.Sorted, base: cst.Module) -> tuple[Note, ...]:
    notes = [Note(path, line, message) for line, message in result.notes]
    for name, read in sorted(result.env_names.items()):
        wanted = {classify.SECRET: templates.SECRET_ENV, classify.HOSTS: templates.HOSTS_ENV}
        if name in wanted and read != wanted[name]:
            notes.append(
                Note(
                    path,
                    None,
                    f"{name} was read from ${read}; production reads ${wanted[name]}: "
                    "set it in every deployment",
                )
            )
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
