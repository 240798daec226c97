"""Where a project stands on each of LAYOUT.md's seven rules: a read-only report.

Each rule is a module of this package, self-describing like a codemod: its docstring says why
the rule matters and what it finds, `NUMBER` and `TITLE` name it, `check(project)` yields its
findings (path, line, what, why, the concrete fix). Modules starting with `_` are helpers.
`audit(project)` runs every rule on a snapshot; `render` (the full report), `render_summary`
(one line per rule) and `as_json` (a versioned document) are its products.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from djrefactor.audit._report import Finding, Report, Rule, as_json, render, render_summary
from djrefactor.project import Project

__all__ = ["Finding", "Report", "Rule", "as_json", "audit", "checks", "render", "render_summary"]


@dataclass(frozen=True)
class Check:
    """One rule module as the audit runs it."""

    rule: Rule
    doc: str
    run: Callable[[Project], Iterator[Finding]]


def checks() -> list[Check]:
    """Every rule module of this package, in rule order."""
    found = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        rule = Rule(int(module.NUMBER), str(module.TITLE))
        found.append(Check(rule, (module.__doc__ or "").strip(), module.check))
    return sorted(found, key=lambda check: check.rule.number)


def audit(project: Project) -> Report:
    """Check every rule on `project`; reads the snapshot only."""
    selected = checks()
    findings = [finding for check in selected for finding in check.run(project)]
    ordered = sorted(findings, key=lambda f: (f.rule, f.path, f.line or 0, f.message))
    return Report(tuple(check.rule for check in selected), tuple(ordered))
