"""What an audit finds, and its three renderings: the full text, one line per rule, JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass

from djrefactor import __version__

SCHEMA_VERSION = 1
"""Bumped when a field of the JSON document changes meaning or goes away (new fields do not)."""


@dataclass(frozen=True)
class Finding:
    """Where a project departs from one rule: `path:line` (line None for something absent),
    what was found, why it matters and the concrete fix."""

    rule: int
    path: str
    line: int | None
    message: str
    why: str
    fix: str

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass(frozen=True)
class Rule:
    """One of LAYOUT.md's seven rules, as the audit checks it."""

    number: int
    title: str


@dataclass(frozen=True)
class Report:
    """Every rule checked, and what was found, in rule then path then line order."""

    rules: tuple[Rule, ...]
    findings: tuple[Finding, ...]

    def of(self, rule: Rule) -> tuple[Finding, ...]:
        return tuple(finding for finding in self.findings if finding.rule == rule.number)


def _count(findings: tuple[Finding, ...]) -> str:
    if not findings:
        return "ok"
    return f"{len(findings)} finding" + ("s" if len(findings) > 1 else "")


def render_summary(report: Report) -> str:
    """One line per rule: its number, title and how many findings (or `ok`)."""
    width = max((len(rule.title) for rule in report.rules), default=0)
    return "".join(
        f"rule {rule.number}  {rule.title:<{width}}  {_count(report.of(rule))}\n"
        for rule in report.rules
    )


def _indented(label: str, text: str) -> str:
    first, *rest = text.splitlines() or [""]
    lines = [f"    {label}: {first}"] + [f"      {line}" if line else "" for line in rest]
    return "\n".join(lines) + "\n"


def render(report: Report) -> str:
    """The full report: per rule, each finding with `file:line`, why it matters and the fix."""
    parts = []
    for rule in report.rules:
        findings = report.of(rule)
        parts.append(f"rule {rule.number}: {rule.title}: {_count(findings)}\n")
        for finding in findings:
            parts.append(f"  {finding.where}: {finding.message}\n")
            parts.append(_indented("why", finding.why))
            parts.append(_indented("fix", finding.fix))
    return "".join(parts)


def as_json(report: Report) -> str:
    """A stable, versioned document: paths relative to the repository root, keys in a fixed
    order, findings in rule, path and line order."""
    document = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "djrefactor", "version": __version__},
        "rules": [
            {"number": rule.number, "title": rule.title, "findings": len(report.of(rule))}
            for rule in report.rules
        ],
        "findings": [
            {
                "rule": finding.rule,
                "path": finding.path,
                "line": finding.line,
                "message": finding.message,
                "why": finding.why,
                "fix": finding.fix,
            }
            for finding in report.findings
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
