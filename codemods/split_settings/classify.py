"""Sort the statements of one settings module into base, development and production.

`DEBUG`, `SECRET_KEY` and `ALLOWED_HOSTS` are written by the split itself; `if DEBUG:` blocks go
to development (their `else:` to production); statements computed from `DEBUG` stay in base
(where `DEBUG = False`) and are evaluated again in development; statements computed from the
secret or the hosts move to both environments, since base no longer defines those.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import CodeRange

from djrefactor.analysis import patterns as m
from djrefactor.analysis.tree import findall

from . import env
from .names import names_bound, names_read
from .templates import DEV_SECRET, LOCAL_HOSTS

DEBUG, SECRET, HOSTS = "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"
ENVIRONMENT_NAMES = frozenset({DEBUG, SECRET, HOSTS})
LOCAL_MODULES = ("local_settings", "settings_local")
DEV_TOOLS = ("debug_toolbar", "django_extensions", "silk", "django_browser_reload", "nplusone")
SECRET_LOOKING = re.compile(r"(SECRET|PASSWORD|TOKEN|API_KEY|PRIVATE_KEY)")

Positions = Mapping[cst.CSTNode, CodeRange]


@dataclass
class Sorted:
    """Statements per target module, in original order, plus what a human should review."""

    base: list[cst.BaseStatement] = field(default_factory=list)
    development: list[cst.BaseStatement] = field(default_factory=list)
    production: list[cst.BaseStatement] = field(default_factory=list)
    local_imports: list[cst.BaseStatement] = field(default_factory=list)
    notes: list[tuple[int | None, str]] = field(default_factory=list)
    environment: dict[str, cst.BaseStatement] = field(default_factory=dict)
    """The original top-level statement setting DEBUG, SECRET_KEY or ALLOWED_HOSTS."""
    conditional: list[cst.BaseStatement] = field(default_factory=list)
    """Blocks (`if os.environ.get("CI"): SECRET_KEY = ...`) setting SECRET_KEY or hosts."""


def assigned_name(statement: cst.BaseStatement) -> str | None:
    if not m.matches(
        statement,
        m.SimpleStatementLine(
            body=[m.Assign(targets=[m.AssignTarget(m.Name())]) | m.AnnAssign(target=m.Name())]
        ),
    ):
        return None
    assert isinstance(statement, cst.SimpleStatementLine)
    small = statement.body[0]
    target = small.targets[0].target if isinstance(small, cst.Assign) else small.target  # type: ignore[attr-defined]
    assert isinstance(target, cst.Name)
    return target.value


def assigned_value(statement: cst.BaseStatement) -> cst.BaseExpression | None:
    assert isinstance(statement, cst.SimpleStatementLine)
    small = statement.body[0]
    return small.value if isinstance(small, cst.Assign | cst.AnnAssign) else None


def debug_polarity(test: cst.BaseExpression) -> bool | None:
    """True for `DEBUG`, False for `not DEBUG`, None for any other test."""
    if m.matches(test, m.Name(DEBUG)):
        return True
    if m.matches(test, m.UnaryOperation(operator=m.Not(), expression=m.Name(DEBUG))):
        return False
    return None


class _Specialize(cst.CSTTransformer):
    """`a if DEBUG else b` -> `a` (development) or `b` (base, where DEBUG is False)."""

    def __init__(self, debug: bool) -> None:
        super().__init__()
        self.debug = debug

    def leave_IfExp(self, original: cst.IfExp, updated: cst.IfExp) -> cst.BaseExpression:
        polarity = debug_polarity(original.test)
        if polarity is None:
            return updated
        return updated.body if polarity == self.debug else updated.orelse


def specialize(statement: cst.BaseStatement, debug: bool) -> cst.BaseStatement:
    updated = statement.visit(_Specialize(debug))
    assert isinstance(updated, cst.BaseStatement)
    return updated


def is_local_settings_import(statement: cst.BaseStatement) -> bool:
    imports = findall(statement, m.ImportFrom())
    if not imports or not isinstance(statement, cst.SimpleStatementLine | cst.Try):
        return False
    for node in imports:
        assert isinstance(node, cst.ImportFrom)
        name = cst.helpers.get_full_name_for_node(node.module) if node.module else ""
        if (name or "").rsplit(".", 1)[-1] in LOCAL_MODULES:
            return True
    return False


def _is_idempotent(statement: cst.BaseStatement) -> bool:
    """Running it twice leaves the same state: plain assignments only."""
    return m.matches(
        statement,
        m.SimpleStatementLine(
            body=[
                m.OneOf(
                    m.Assign(
                        targets=[
                            m.ZeroOrMore(m.AssignTarget(m.Name() | m.Subscript() | m.Attribute()))
                        ]
                    ),
                    m.AnnAssign(value=m.DoNotCare()),
                )
            ]
        ),
    )


def _block(suite: cst.BaseSuite) -> list[cst.BaseStatement]:
    if isinstance(suite, cst.SimpleStatementSuite):
        return [cst.SimpleStatementLine(body=suite.body)]
    return [s for s in suite.body if isinstance(s, cst.BaseStatement)]


def _with_leading(
    statements: list[cst.BaseStatement], lines: Sequence[cst.EmptyLine]
) -> list[cst.BaseStatement]:
    if not statements or not lines:
        return statements
    first = statements[0]
    merged = [*lines, *getattr(first, "leading_lines", ())]
    return [first.with_changes(leading_lines=merged), *statements[1:]]


def parse(code: str, like: cst.BaseStatement | None = None) -> cst.BaseStatement:
    statement = cst.parse_statement(code)
    if like is not None:
        statement = statement.with_changes(leading_lines=getattr(like, "leading_lines", ()))
    return statement


@dataclass
class Classifier:
    """One pass over the settings statements, in order."""

    line_of: Callable[[cst.CSTNode], int | None]
    bindings: env.Bindings = field(default_factory=env.Bindings)
    result: Sorted = field(default_factory=Sorted)
    debug_tainted: set[str] = field(default_factory=lambda: {DEBUG})
    env_tainted: set[str] = field(default_factory=lambda: {SECRET, HOSTS})
    seen: set[str] = field(default_factory=set)

    def note(self, node: cst.CSTNode, message: str) -> None:
        self.result.notes.append((self.line_of(node), message))

    def place(self, original: cst.BaseStatement, statement: cst.BaseStatement) -> None:
        name = assigned_name(statement)
        if is_local_settings_import(statement):
            self.result.local_imports.append(statement)
        elif name in ENVIRONMENT_NAMES:
            self._environment(statement, name or "")
        elif isinstance(statement, cst.If) and debug_polarity(statement.test) is not None:
            self._split_debug_block(original, statement)
        elif isinstance(statement, cst.If | cst.Try) and names_bound(statement) & {SECRET, HOSTS}:
            self._conditional_environment(original, statement)
        elif names_read(statement) & self.env_tainted:
            self.env_tainted |= names_bound(statement)
            self.result.development.append(statement)
            self.result.production.append(statement)
        elif names_read(statement) & self.debug_tainted:
            self._debug_dependent(original, statement)
        else:
            self.result.base.append(statement)

    # -- DEBUG / SECRET_KEY / ALLOWED_HOSTS -----------------------------------------------------
    def _environment(self, statement: cst.BaseStatement, name: str) -> None:
        """DEBUG is False in base (development sets its own); the secret and the hosts are
        development's as written (production reads them from the environment)."""
        self.seen.add(name)
        self.result.environment[name] = statement
        value = assigned_value(statement)
        if name == DEBUG:
            self.result.base.append(parse("DEBUG = False", like=statement))
        elif value is not None and requires_environment(value, self.bindings):
            fallback = f'"{DEV_SECRET}"' if name == SECRET else LOCAL_HOSTS
            self.result.development.append(parse(f"{name} = {fallback}", like=statement))
        else:
            self.result.development.append(statement)

    def _conditional_environment(
        self, original: cst.BaseStatement, statement: cst.BaseStatement
    ) -> None:
        """Conditions on something else than DEBUG stay conditions, in development."""
        bound = names_bound(statement) & {SECRET, HOSTS}
        self.seen |= bound
        self.result.conditional.append(statement)
        self.result.development.append(statement)
        for name in sorted(bound):
            self.note(
                original,
                f"{name} is set under a condition; the block stays as it is in "
                "development.py and production.py reads it from the environment",
            )

    # -- if DEBUG: ... else: ... ------------------------------------------------------------------
    def _split_debug_block(self, original: cst.BaseStatement, statement: cst.If) -> None:
        polarity = debug_polarity(statement.test)
        if isinstance(statement.orelse, cst.If):
            self.result.base.append(statement)
            self.note(original, "`if DEBUG: ... elif` left in base.py; split it by hand")
            return
        body = _with_leading(_block(statement.body), statement.leading_lines)
        orelse: list[cst.BaseStatement] = []
        if isinstance(statement.orelse, cst.Else):
            orelse = _with_leading(_block(statement.orelse.body), statement.orelse.leading_lines)
        development, production = (body, orelse) if polarity else (orelse, body)
        self.result.development += development
        self.result.production += [s for s in production if self._keep_in_production(s)]

    def _keep_in_production(self, statement: cst.BaseStatement) -> bool:
        name = assigned_name(statement)
        if name not in ENVIRONMENT_NAMES:
            return True
        self.note(
            statement,
            f"production branch set {name}; production.py now sets it "
            "(from the environment): check the old value",
        )
        return False

    # -- computed from DEBUG -------------------------------------------------------------------
    def _debug_dependent(self, original: cst.BaseStatement, statement: cst.BaseStatement) -> None:
        if not _is_idempotent(statement):
            self.result.base.append(statement)
            self.note(
                original,
                "depends on DEBUG but runs once in base.py (where DEBUG is False); "
                "move its development part to development.py by hand",
            )
            return
        self.debug_tainted |= names_bound(statement)
        in_base = specialize(statement, debug=False)
        in_development = specialize(statement, debug=True)
        self.result.base.append(in_base)
        if (
            not in_development.deep_equals(in_base)
            or names_read(in_development) & self.debug_tainted
        ):
            self.result.development.append(in_development)


def requires_environment(value: cst.BaseExpression, bindings: env.Bindings) -> bool:
    """`os.environ["X"]`, `env("X")`, `config("X")`, `os.environ.get("X")`: no usable default."""
    found = env.reads(value, bindings)
    return bool(found) and all(read.default is None for read in found)


def secret_looking_literals(statements: Sequence[cst.BaseStatement]) -> list[cst.BaseStatement]:
    """Base settings that hold a non-empty literal under a secret-sounding name."""
    found = []
    for statement in statements:
        name = assigned_name(statement)
        value = assigned_value(statement) if name else None
        if (
            name
            and SECRET_LOOKING.search(name)
            and isinstance(value, cst.SimpleString)
            and value.evaluated_value
        ):
            found.append(statement)
    return found
