"""development.py and production.py, from the sorted statements of the old settings.

Production keeps the deployment's environment contract: the secret and the hosts come from
the variables the project already read, parsed the same way, only without their defaults
(so a missing one fails at import); `DJANGO_SECRET_KEY` / `DJANGO_ALLOWED_HOSTS` only where the
project read none; real host names the project listed become production's default. Vendor keys
the code uses lose their placeholder defaults. Development keeps the project's DEBUG toggle,
on when unset.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst

from djrefactor.analysis import patterns as m
from djrefactor.analysis.nodes import code
from djrefactor.analysis.tree import findall
from djrefactor.discovery import Versions

from . import classify, env, templates
from . import statements as st
from .names import names_bound, names_read
from .templates import EnvStyle, Style

VENDOR_KEY = re.compile(r"(SECRET|PASSWORD|TOKEN|_KEY|_SID|_DSN)$")
INSECURE_LITERALS = ("False", "0", "None")
SECURITY_MIDDLEWARE = "django.middleware.security.SecurityMiddleware"


@dataclass(frozen=True)
class Context:
    tree: cst.Module
    result: classify.Sorted
    deeper: bool
    bindings: env.Bindings
    style: Style
    versions: Versions
    proxy_evident: bool
    used_settings: frozenset[str]
    """UPPERCASE names the project's code reads (`settings.STRIPE_SECRET_KEY`)."""
    celery_app: str | None = None
    """The file creating the project's Celery app, which defaults to production from now on."""


@dataclass
class Contract:
    """What a deployment must provide, and what changed about it."""

    required: list[str] = field(default_factory=list)
    vendor_keys: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    secret_variable: str = templates.SECRET_ENV


def env_style(bindings: env.Bindings, modern: bool) -> Style:
    """The library production reads new variables with: the one the project uses."""
    if bindings.environ:
        return Style(EnvStyle.ENVIRON, sorted(bindings.environ)[0], modern)
    if bindings.decouple:
        return Style(EnvStyle.DECOUPLE, sorted(bindings.decouple)[0], modern)
    return Style(EnvStyle.OS, "os", modern)


# -- imports of the generated modules -------------------------------------------------------------
def _header(context: Context, generated: str, doc: str) -> str:
    """Docstring, the imports the generated body needs, and the star import of base."""
    needed: list[str] = []
    known: set[str] = set()
    for statement in cst.parse_module(generated).body:  # read before bound: from elsewhere
        needed += sorted(names_read(statement) - known - set(needed))
        known |= names_bound(statement)
    originals = st.imports(st.body(context.tree))
    from_base = st.bound(context.result.base)
    lines = [templates.STAR]
    named_from_base = []
    for name in needed:
        if name in originals:
            statement = originals[name]
            lines.append(code(st.one_level_up(statement) if context.deeper else statement))
        elif name in from_base:
            named_from_base.append(name)
        elif name in st.FALLBACK_IMPORTS:
            lines.append(st.FALLBACK_IMPORTS[name])
    if named_from_base:
        lines.append(f"from .base import {', '.join(named_from_base)}")
    return doc + "\n" + st.sorted_imports(lines)


# -- development.py -------------------------------------------------------------------------------
def _debug_line(context: Context) -> str:
    original = context.result.environment.get(classify.DEBUG)
    value = classify.assigned_value(original) if original is not None else None
    toggle = env.debug_on_by_default(value, context.bindings) if value is not None else None
    if toggle is None:
        return "DEBUG = True\n"
    expression, variable = toggle
    line = templates.wrapped("DEBUG", code(expression))
    if expression is value:
        return f"# DEBUG is on where ${variable} is set, as before.\n{line}"
    return f"# ${variable} switches DEBUG as before; unset, development runs with DEBUG on.\n{line}"


def development(context: Context) -> cst.Module:
    result = context.result
    statements = [*result.development, *result.local_imports]
    body = _debug_line(context) + _spaced(context.tree, statements)
    head = _header(context, body, templates.DEVELOPMENT_DOC)
    return cst.parse_module(head + "\n" + body)


def _spaced(tree: cst.Module, statements: Sequence[cst.BaseStatement]) -> str:
    if not statements:
        return ""
    first = statements[0]
    if not st.leading(first):
        first = first.with_changes(leading_lines=[cst.EmptyLine()])
    return st.code_of(tree, [first, *statements[1:]])


# -- production.py: secret and hosts --------------------------------------------------------------
def _assigned_values(statement: cst.BaseStatement, name: str) -> list[cst.BaseExpression]:
    found = findall(statement, m.Assign(targets=[m.AssignTarget(m.Name(name))]))
    return [node.value for node in found if isinstance(node, cst.Assign)]


def _first_read(context: Context, name: str) -> tuple[cst.BaseExpression, env.Read] | None:
    """The value and the environment read that set `name` in the old settings, if any."""
    sources = [context.result.environment.get(name), *context.result.conditional]
    for statement in sources:
        if statement is None:
            continue
        for value in _assigned_values(statement, name):
            found = [
                read
                for read in env.reads(value, context.bindings)
                if read.kind is not env.Kind.OS_IN
            ]
            if found:
                return value, found[0]
    return None


def _replaced(value: cst.BaseExpression, old: cst.CSTNode, new: cst.BaseExpression) -> str:
    statement = cst.SimpleStatementLine(body=[cst.Expr(value)])
    return code(env.replace(statement, old, new)).strip()


def _required_assignment(name: str, value: cst.BaseExpression, read: env.Read) -> str:
    required = env.required(read)
    if required is None:  # a project helper: require the variable, then call it as before
        return f'_required_env("{read.variable}")\n{name} = {code(value)}\n'
    return f"{name} = {_replaced(value, read.node, required)}\n"


def _secret(context: Context, contract: Contract) -> str:
    found = _first_read(context, classify.SECRET)
    style = context.style
    if found is None:
        contract.required.append(templates.SECRET_ENV)
        contract.notes.append(
            f"SECRET_KEY: the project read no variable for it; production reads "
            f"${templates.SECRET_ENV}"
        )
        return f"SECRET_KEY = {style.required(templates.SECRET_ENV)}\n"
    value, read = found
    contract.secret_variable = read.variable
    contract.required.append(read.variable)
    return _required_assignment("SECRET_KEY", value, read)


def _hosts(context: Context, contract: Contract) -> str:
    found = _first_read(context, classify.HOSTS)
    if found is not None:
        value, read = found
        kept = env.real_hosts_literal(read.default) if read.default is not None else None
        if kept is not None:
            updated = env.with_default(read, kept)
            assert updated is not None
            contract.notes.append(
                f"ALLOWED_HOSTS: ${read.variable} as before; unset, production allows only "
                f"the real host names of the old default ({code(kept)})"
            )
            return f"ALLOWED_HOSTS = {_replaced(value, read.node, updated)}\n"
        contract.required.append(read.variable)
        return _required_assignment("ALLOWED_HOSTS", value, read)
    listed = _literal_hosts(context)
    real = env.real_hosts(listed) if listed else []
    if not real:
        contract.required.append(templates.HOSTS_ENV)
    contract.notes.append(
        f"ALLOWED_HOSTS: the project read no variable for it; production reads "
        f"${templates.HOSTS_ENV} (comma-separated)"
        + (f", default {', '.join(real)}" if real else "")
    )
    return templates.wrapped(
        "ALLOWED_HOSTS", context.style.host_list(templates.HOSTS_ENV, real or None)
    )


def _literal_hosts(context: Context) -> list[str] | None:
    statement = context.result.environment.get(classify.HOSTS)
    value = classify.assigned_value(statement) if statement is not None else None
    return env.hosts_of(value) if value is not None else None


def _fallbacks(context: Context, contract: Contract) -> str:
    """SECRET_KEY_FALLBACKS, for rotating a secret that was committed (Django >= 4.1)."""
    if not committed_secret(context) or not context.versions.django_at_least(4, 1):
        return ""
    variable = f"{contract.secret_variable}_FALLBACKS"
    return (
        "# Rotating a committed key: put the old one here until sessions and reset links expire.\n"
        + templates.wrapped("SECRET_KEY_FALLBACKS", context.style.empty_list(variable))
    )


def committed_secret(context: Context) -> str | None:
    """The secret literal the old settings held (as the value or as a default)."""
    statement = context.result.environment.get(classify.SECRET)
    if statement is None:
        return None
    for string in findall(statement, m.SimpleString()):
        assert isinstance(string, cst.SimpleString)
        value = string.evaluated_value
        if isinstance(value, str) and len(value) >= 20 and value != templates.DEV_SECRET:
            return value
    return None


# -- production.py: vendor keys -------------------------------------------------------------------
def _vendor_keys(context: Context, contract: Contract) -> str:
    lines = []
    for statement in context.result.base:
        name = classify.assigned_name(statement)
        value = classify.assigned_value(statement) if name else None
        if not name or value is None or name == classify.SECRET or not VENDOR_KEY.search(name):
            continue
        if name not in context.used_settings:
            continue
        found = env.reads(value, context.bindings)
        default = found[0].default if found and found[0].node is value else None
        if not isinstance(default, cst.SimpleString) or not default.evaluated_value:
            continue
        empty = cst.SimpleString(default.quote[0] * 2)
        updated = env.with_default(found[0], empty)
        assert updated is not None
        lines.append(f"{name} = {_replaced(value, found[0].node, updated)}\n")
        contract.vendor_keys.append(found[0].variable)
    if not lines:
        return ""
    return (
        "# Vendor keys: base.py's placeholder defaults serve development and tests; production\n"
        "# never falls back to a fake key. Unset, a key is empty and the vendor call fails.\n"
        + "".join(lines)
    )


# -- production.py --------------------------------------------------------------------------------
def _project_managed(result: classify.Sorted) -> set[str]:
    """Settings the old module set itself: its values stand, except insecure literals
    (`SESSION_COOKIE_SECURE = False`) that production must override."""
    managed = st.bound(result.production)
    for statement in result.base:
        name = classify.assigned_name(statement)
        value = classify.assigned_value(statement) if name else None
        insecure = value is not None and code(value) in INSECURE_LITERALS
        managed |= st.bound([statement]) - ({name} if insecure and name else set())
    return managed


def _security(context: Context, contract: Contract) -> str:
    settings = templates.security_settings(context.style, context.versions, context.proxy_evident)
    own = _project_managed(context.result)
    chosen = {name: text for name, text in settings.items() if name not in own}
    if "SECURE_SSL_REDIRECT" in chosen:
        contract.notes.append(
            "operators: production.py redirects HTTP to HTTPS (SECURE_SSL_REDIRECT); behind a "
            "proxy that terminates TLS without a trusted X-Forwarded-Proto, set "
            "DJANGO_SECURE_SSL_REDIRECT=false (or trust the header), or requests loop"
        )
    text = "".join(chosen.values())
    if "SECURE_HSTS_PRELOAD" in chosen:
        text += templates.silenced_preload(
            "SILENCED_SYSTEM_CHECKS" in st.bound(context.result.base)
        )
    return text


def _middleware_fixes(result: classify.Sorted) -> str:
    """SecurityMiddleware applies the security settings; check --deploy warns without it."""
    for statement in result.base:
        if classify.assigned_name(statement) != "MIDDLEWARE":
            continue
        value = classify.assigned_value(statement)
        if not isinstance(value, cst.List | cst.Tuple):
            return ""
        strings = [e.value for e in value.elements if isinstance(e.value, cst.SimpleString)]
        if SECURITY_MIDDLEWARE in {string.evaluated_value for string in strings}:
            return ""
        return (
            "# SecurityMiddleware applies the HSTS, SSL redirect and nosniff settings.\n"
            f'MIDDLEWARE = ["{SECURITY_MIDDLEWARE}"] + list(MIDDLEWARE)\n'
        )
    return ""


def _helpers(context: Context, body: str) -> str:
    used = [name for name in templates.HELPERS if re.search(rf"\b{name}\(", body)]
    return "".join(f"\n\n{templates.HELPERS[name](context.style)}" for name in used)


def _debug_note(context: Context, contract: Contract) -> None:
    original = context.result.environment.get(classify.DEBUG)
    value = classify.assigned_value(original) if original is not None else None
    names = env.variables(value, context.bindings) if value is not None else []
    if names:
        contract.notes.append(
            f"DEBUG: ${names[0]} is read in development only; production.py sets DEBUG = False "
            f"whatever ${names[0]} says"
        )


def production(context: Context) -> tuple[cst.Module, Contract]:
    contract = Contract()
    result = context.result
    secrets = "DEBUG = False\n\n" + _secret(context, contract) + _fallbacks(context, contract)
    secrets += _hosts(context, contract)
    vendors = _vendor_keys(context, contract)
    parts = [secrets, vendors, _security(context, contract), _middleware_fixes(result)]
    body = "\n".join(part for part in parts if part) + _spaced(context.tree, result.production)
    _debug_note(context, contract)
    doc = templates.production_doc(list(dict.fromkeys(contract.required)))
    helpers = _helpers(context, body)
    head = _header(context, helpers + "\n" + body, doc)
    text = head + (helpers + "\n\n" if helpers else "\n") + body
    return cst.parse_module(text), contract
