"""The report's products, and `djrefactor audit` as users meet it: exit codes, stdout/stderr."""

from __future__ import annotations

import json
from pathlib import Path

from djrefactor import __version__
from djrefactor.audit import Finding, Report, Rule, as_json, audit, checks, render, render_summary
from tests.audit.cases import legacy, split
from tests.helpers import make_project, make_repo
from tests.repo_state import repo_state
from tests.test_cli import assert_error, djrefactor

RULES = (Rule(1, "split settings"), Rule(2, "custom user model"))
REPORT = Report(
    RULES,
    (
        Finding(1, "mysite/settings.py", 3, "DEBUG is on", "tracebacks leak", "set it off"),
        Finding(1, "mysite/settings.py", None, "one module", "why", "first\nsecond"),
    ),
)


def test_every_rule_is_a_self_describing_module_in_rule_order() -> None:
    found = checks()
    assert [check.rule.number for check in found] == [1, 2, 3, 4, 5, 6, 7]
    assert all(check.doc.startswith(f"Rule {check.rule.number}: ") for check in found)


def test_render_lists_each_finding_with_why_and_fix() -> None:
    assert render(REPORT) == (
        "rule 1: split settings: 2 findings\n"
        "  mysite/settings.py:3: DEBUG is on\n"
        "    why: tracebacks leak\n"
        "    fix: set it off\n"
        "  mysite/settings.py: one module\n"
        "    why: why\n"
        "    fix: first\n"
        "      second\n"
        "rule 2: custom user model: ok\n"
    )


def test_the_summary_is_one_line_per_rule() -> None:
    assert render_summary(REPORT) == (
        "rule 1  split settings     2 findings\nrule 2  custom user model  ok\n"
    )


def test_the_json_document_is_versioned_and_ordered() -> None:
    document = json.loads(as_json(REPORT))
    assert list(document) == ["schema_version", "tool", "rules", "findings"]
    assert document["schema_version"] == 1
    assert document["tool"] == {"name": "djrefactor", "version": __version__}
    assert document["rules"][0] == {"number": 1, "title": "split settings", "findings": 2}
    assert list(document["findings"][0]) == ["rule", "path", "line", "message", "why", "fix"]
    assert document["findings"][1]["line"] is None


def test_audit_orders_findings_by_rule_path_and_line() -> None:
    report = audit(make_project(legacy('SECRET_KEY = "x"\nDEBUG = True\n')))
    keys = [(f.rule, f.path, f.line or 0) for f in report.findings]
    assert keys == sorted(keys)
    assert len(report.rules) == 7


def test_audit_reads_only() -> None:
    project = make_project(split())
    before = {path: project.text(path) for path in project.paths}
    audit(project)
    assert {path: project.text(path) for path in project.paths} == before


# -- the command -------------------------------------------------------------------------------
def test_the_command_exits_1_on_findings_and_prints_the_report(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "legacy")
    result = djrefactor("audit", ".", cwd=repo)
    assert result.exit_code == 1
    assert result.stdout.startswith("rule 1: split settings: ")
    assert "    fix: " in result.stdout
    assert result.stderr == ""


def test_json_goes_to_stdout_and_the_summary_to_stderr(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "legacy")
    result = djrefactor("audit", "--json", ".", cwd=repo)
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert all(not finding["path"].startswith("/") for finding in document["findings"])
    assert result.stderr.splitlines()[0].startswith("rule 1  split settings")
    assert len(result.stderr.splitlines()) == 7


def test_the_command_never_writes(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "legacy")
    before = repo_state(repo)
    djrefactor("audit", ".", cwd=repo)
    assert repo_state(repo) == before


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    assert_error(
        djrefactor("audit", ".", cwd=tmp_path),
        ".: not a git repository; run `git init` and commit the project first",
    )
