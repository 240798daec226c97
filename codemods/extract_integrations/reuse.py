"""An integration module that already exists: what it defines, and the wrappers callers can reuse.

Not a codemod. A function of `integrations/<vendor>.py` whose body makes one SDK call is a
pattern: its parameters are the holes. When every site of an operation matches the pattern (the
rest of its call is the same), the callers call that function and nothing new is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import libcst as cst

from djrefactor.analysis import patterns as m
from djrefactor.analysis.nodes import code
from djrefactor.analysis.tree import findall
from djrefactor.engine import Project

if TYPE_CHECKING:
    from .scan import Site
    from .template import Template

PACKAGE = "integrations"


@dataclass(frozen=True)
class _Pattern:
    function: str
    params: tuple[str, ...]
    var_keywords: str | None
    call: cst.Call


@dataclass
class Existing:
    """An integration module the project already has."""

    path: str
    tree: cst.Module
    names: set[str] = field(default_factory=set)
    patterns: list[_Pattern] = field(default_factory=list)


def existing_module(project: Project, module: str) -> Existing | None:
    path = project.module_path(f"{PACKAGE}.{module}") + ".py"
    if not project.exists(path):
        return None
    tree = project.tree(path)
    found = Existing(path, tree)
    for statement in tree.body:
        found.names |= defined(statement)
        if isinstance(statement, cst.FunctionDef):
            pattern = _pattern(statement)
            if pattern is not None:
                found.patterns.append(pattern)
    return found


def defined(statement: cst.CSTNode) -> set[str]:
    """The names a top-level statement binds."""
    if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
        return {statement.name.value}
    names: set[str] = set()
    if isinstance(statement, cst.SimpleStatementLine):
        for small in statement.body:
            if isinstance(small, cst.Assign):
                names |= {t.target.value for t in small.targets if isinstance(t.target, cst.Name)}
            elif isinstance(small, (cst.Import, cst.ImportFrom)) and not isinstance(
                small.names, cst.ImportStar
            ):
                for alias in small.names:
                    bound = alias.asname.name if alias.asname else alias.name
                    names.add(code(bound).split(".")[0])
    return names


def _pattern(function: cst.FunctionDef) -> _Pattern | None:
    calls = [
        node
        for node in findall(function.body, m.Call())
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)
    ]
    outer = [
        call
        for call in calls
        if not any(call is not other and _within(call, other) for other in calls)
    ]
    if len(outer) != 1:
        return None
    params = tuple(param.name.value for param in function.params.params)
    params += tuple(param.name.value for param in function.params.kwonly_params)
    star = function.params.star_kwarg
    return _Pattern(function.name.value, params, star.name.value if star else None, outer[0])


def _within(inner: cst.CSTNode, outer: cst.CSTNode) -> bool:
    return any(node is inner for node in findall(outer, m.Call()))


def match_existing(
    existing: Existing | None, group: list[Site], template: Template
) -> list[tuple[str, list[tuple[str | None, cst.BaseExpression, str]]]] | None:
    """Per site, the existing function to call and its arguments, when one fits every site."""
    if existing is None:
        return None
    for pattern in existing.patterns:
        if not _same_operation(pattern, group[0]):
            continue
        plans = [_bind(pattern, site) for site in group]
        if all(plan is not None for plan in plans):
            return [(pattern.function, plan) for plan in plans if plan is not None]
    return None


def _same_operation(pattern: _Pattern, site: Site) -> bool:
    chain = []
    node: cst.BaseExpression = pattern.call.func
    while isinstance(node, cst.Attribute):
        chain.append(node.attr.value)
        node = node.value
    chain.reverse()
    if site.binding is not None:
        wanted = site.key.split(".")
        return code(pattern.call.func) == ".".join(wanted) or tuple(chain) == tuple(wanted[1:])
    return tuple(chain[-len(site.chain) :]) == site.chain


def _bind(pattern: _Pattern, site: Site) -> list[tuple[str | None, cst.BaseExpression, str]] | None:
    bound: dict[str, cst.BaseExpression] = {}
    extra: list[tuple[str | None, cst.BaseExpression, str]] = []
    wanted = list(pattern.call.args)
    given = list(site.call.args)
    positional = [a for a in wanted if a.keyword is None and not a.star]
    site_positional = [a for a in given if a.keyword is None and not a.star]
    if len(positional) != len(site_positional):
        return None
    for mine, theirs in zip(positional, site_positional, strict=True):
        if not _match(mine.value, theirs.value, pattern.params, bound, site):
            return None
    keywords = {a.keyword.value: a.value for a in wanted if a.keyword is not None}
    for arg in given:
        if arg.keyword is None:
            if arg.star:
                return None
            continue
        name = arg.keyword.value
        if name in keywords:
            if not _match(keywords.pop(name), arg.value, pattern.params, bound, site):
                return None
        elif pattern.var_keywords:
            extra.append((name, arg.value, ""))
        else:
            return None
    if keywords:
        return None
    args: list[tuple[str | None, cst.BaseExpression, str]] = [
        (name, bound[name], "") for name in pattern.params if name in bound
    ]
    return args + extra


def _match(
    mine: cst.BaseExpression,
    theirs: cst.BaseExpression,
    params: tuple[str, ...],
    bound: dict[str, cst.BaseExpression],
    site: Site,
) -> bool:
    if isinstance(mine, cst.Name) and mine.value in params:
        if mine.value in bound:
            return code(bound[mine.value]) == code(theirs)
        bound[mine.value] = theirs
        return True
    if site.source.portable(theirs) is not None:
        return code(mine) == site.source.normalized_code(theirs)
    return False
