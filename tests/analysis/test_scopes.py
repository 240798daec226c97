"""The name/scope resolver: the walk answers every question as libcst's ScopeProvider does.

A differential test over tricky snippets and every module of the bundled fixtures: wherever the
walk does not defer (`NeedScopes`), its answers equal `ScopedNames`', which asks libcst.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import libcst as cst
import libcst.matchers as m
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from djrefactor.analysis.scopes import (
    Binding,
    Names,
    NeedScopes,
    ScopedNames,
    WalkedNames,
    resolve_names,
    walk,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"

SCOPES = """
import stripe
from django.conf import settings
from twilio.rest import Client

API = settings.STRIPE_KEY
client = Client(settings.SID, API)


def decorated(limit=stripe.LIMIT, *, key: "stripe.Key" = API) -> stripe.Result:
    client = Client(settings.SID, limit)
    values = [stripe.X(v) for v in client.items(limit) if v]
    pairs = {k: client.get(k) for k in stripe.keys()}
    return lambda x=client: x.send(stripe.Y, pairs, values)


class View:
    client = Client(settings.SID, API)
    handler = client.handle

    def get(self):
        return client.fetch(stripe.Z)


def shadow(settings):
    global API
    API = settings
    for stripe in settings:
        stripe.call()
    try:
        client.go()
    except stripe.error.CardError as error:
        del error
    with client.session() as (session, other):
        session.run(other)
    if (found := client.find()) is not None:
        return found


def later():
    client.late()
    import stripe
    stripe.late()


def configured(settings=settings, names=[settings for settings in settings.NAMES]):
    return settings.X
"""


TRICKY = """
import os.path
from . import models as m


def outer(a, b=os.sep):
    total = 0
    where = os.path.join(a, b)

    def inner(c):
        return a + c + total

    for item in [x * 2 for x in range(a) if x]:
        total += item
    return inner, (lambda y, z=b: y + z + total)


class Config:
    name = "x"
    values = [name for _ in range(2)]

    def method(self):
        return name, m.Model


async def handler(request):
    async with request.session() as session:
        async for row in session.rows():
            yield row
    try:
        pass
    except (ValueError, KeyError) as exc:
        raise RuntimeError(exc) from exc
"""


HINTS = r"""
from typing import Dict as Mapping, List
import models
import other_models

Alias = Mapping[str, "other_models.Model"]

e = 1
data = {"e": e}


def first(items: "List[\x6dodels.Item]") -> "List[str]":
    value = data["e"]
    return [e, value, items]
"""
"""String hints: `\x6d` spells `m`, so only the string's value names `models`; a subscript of
a `typing` name (imported under another name) reads its strings as hints; `data["e"]` does not."""


def _key(binding: Binding) -> tuple[str, int | None, int | None]:
    return binding.name, id(binding.scope) if binding.scope else None, id(binding.node)


def _answers(names: Names, tree: cst.Module) -> list[tuple[str, object]]:
    """Every question asked of every node, labelled `question line:column` for readable diffs."""
    positions = MetadataWrapper(tree, unsafe_skip_copy=True).resolve(PositionProvider)

    def where(node: cst.CSTNode) -> str:
        start = positions[node].start
        return f"{start.line}:{start.column}"

    def ask(label: str, node: cst.CSTNode, question, *args) -> tuple[str, object]:
        try:
            return f"{label} {where(node)}", question(*args)
        except NeedScopes:
            return f"{label} {where(node)}", "needs scopes"

    def keys(bindings) -> list[tuple[str, str | None, str | None]]:
        return sorted(
            (b.name, where(b.scope) if b.scope else None, where(b.node) if b.node else None)
            for b in bindings
        )

    answers = []
    for statement in m.findall(tree, m.Import() | m.ImportFrom()):
        if isinstance(statement.names, cst.ImportStar):
            continue
        for alias in statement.names:
            answers.append(
                ask("import_references", alias, names.import_references, statement, alias)
            )
    for assign in m.findall(tree, m.Assign(targets=[m.AssignTarget(target=m.Name())])):
        target = assign.targets[0].target
        answers.append(
            ask("single_assignment", target, names.single_assignment_references, target, assign)
        )
    for name in m.findall(tree, m.Name()):
        assert isinstance(name, cst.Name)
        answers.append(ask("global_imports", name, names.global_imports, name))
        answers.append(ask("is_read", name, names.is_read, name))
        answers.append(ask("referents", name, lambda n: keys(names.referents(n)), name))
    for scope in [tree, *m.findall(tree, m.FunctionDef() | m.ClassDef() | m.Lambda())]:
        answers.append(ask("assignments", scope, lambda s: keys(names.assignments(s)), scope))
        answers.append(
            ask(
                "references",
                scope,
                lambda s: [[where(r) for r in names.references(b)] for b in names.assignments(s)],
                scope,
            )
        )
    for statement in m.findall(tree, m.SimpleStatementLine()):
        answers.append(ask("scope_of", statement, lambda s: where(names.scope_of(s)), statement))
    return answers


def _fixture_modules() -> list[object]:
    paths = sorted(
        path
        for path in FIXTURES.rglob("*.py")
        if "migrations" not in path.parts and path.name != "ticket_report.py"
    )
    return [
        pytest.param(path.read_text(encoding="utf-8"), id=str(path.relative_to(FIXTURES)))
        for path in paths
    ]


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(textwrap.dedent(SCOPES), id="functions classes comprehensions lambdas"),
        pytest.param(textwrap.dedent(TRICKY), id="closures, class bodies, async"),
        pytest.param(HINTS, id="string hints"),
        *_fixture_modules(),
    ],
)
def test_the_walk_answers_as_libcst_scopes_do(source):
    tree = cst.parse_module(source)
    walked = _answers(WalkedNames(walk(tree)), tree)
    scoped = _answers(ScopedNames(tree), tree)
    settled = [
        (mine, theirs)
        for mine, theirs in zip(walked, scoped, strict=True)
        if mine[1] != "needs scopes"
    ]
    assert [mine for mine, _ in settled] == [theirs for _, theirs in settled]
    assert len(settled) >= len(walked) / 2
    assert WalkedNames(walk(tree)).bound_names == ScopedNames(tree).bound_names


def test_a_read_sees_the_enclosing_function_binding_not_the_class_body():
    tree = cst.parse_module(textwrap.dedent(TRICKY))
    names = WalkedNames(walk(tree))
    method = next(f for f in m.findall(tree, m.FunctionDef(name=m.Name("method"))))
    read = next(n for n in m.findall(method, m.Name("name")) if names.is_read(n))
    assert names.referents(read) == ()


def test_a_builtin_resolves_to_a_builtin_binding():
    tree = cst.parse_module("print(len([]))\n")
    names = WalkedNames(walk(tree))
    read = next(n for n in m.findall(tree, m.Name("len")))
    (binding,) = names.referents(read)
    assert binding.is_builtin and binding.name == "len"


def test_resolve_names_falls_back_to_libcst_where_the_walk_defers():
    tree = cst.parse_module("X = 1\ndef f():\n    global X\n    X = 2\n    return X\n")
    read = list(m.findall(tree, m.Name("X")))[-1]
    with pytest.raises(NeedScopes):
        WalkedNames(walk(tree)).referents(read)
    (binding,) = [
        b for b in resolve_names(tree, lambda names: names.referents(read)) if b.scope is tree
    ][:1]
    assert binding.name == "X"


@pytest.mark.parametrize(
    ("line", "defers"),
    [
        pytest.param('summary["status"]', False, id="a dict lookup"),
        pytest.param('Alias = Dict[str, "status"]', True, id="a typing subscript"),
        pytest.param('def f(x: "status"): pass', True, id="an annotation"),
        pytest.param('def f(x: Literal["status"]): pass', False, id="a Literal"),
        pytest.param('def f(x: Dict["status", int]): pass', True, id="a typing subscript in one"),
    ],
)
def test_the_walk_defers_only_for_names_strings_may_hint(line, defers):
    tree = cst.parse_module(
        f"from typing import Dict, Literal\nstatus = 1\nsummary = {{}}\n{line}\nstatus\n"
    )
    read = list(m.findall(tree, m.Name("status")))[-1]
    names = WalkedNames(walk(tree))
    if defers:
        with pytest.raises(NeedScopes):
            names.referents(read)
    else:
        assert [b.scope for b in names.referents(read)] == [tree]
