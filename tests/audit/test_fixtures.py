"""`djrefactor audit` on every bundled fixture, against reviewed golden JSON documents, and the
exemplary fixture as the proof of the other direction: a project that follows all seven rules
has no finding, nothing to plan, its own passing tests and a contract `lint-imports` keeps.

Golden files are regenerated only on purpose: `pytest tests/audit --update-golden`.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from djrefactor import __version__
from tests.e2e.test_fixtures import FIXTURES, copy_fixture, djrefactor, passed_tests, run

GOLDEN = Path(__file__).resolve().parent / "golden"
NAMES = sorted(p.parent.name for p in FIXTURES.glob("*/manage.py"))
EXEMPLARY = FIXTURES / "exemplary"


@pytest.mark.parametrize("name", NAMES)
def test_audit_matches_the_golden_document(
    name: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    repo = copy_fixture(name, tmp_path / name)
    result = djrefactor("audit", ".", "--json", cwd=repo)
    document = json.loads(result.stdout)
    assert result.returncode == (1 if document["findings"] else 0), result.stderr
    assert document["tool"] == {"name": "djrefactor", "version": __version__}
    golden = GOLDEN / f"{name}.json"
    if request.config.getoption("--update-golden"):
        golden.write_text(result.stdout, encoding="utf-8")
    assert golden.exists(), "run `pytest tests/audit --update-golden` once and review it"
    assert result.stdout == golden.read_text(encoding="utf-8")


def test_every_fixture_has_a_golden_document() -> None:
    assert sorted(p.stem for p in GOLDEN.glob("*.json")) == NAMES


def test_every_legacy_fixture_has_findings_on_every_rule_it_breaks() -> None:
    for name in NAMES:
        document = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
        broken = {rule["number"] for rule in document["rules"] if rule["findings"]}
        if name == "exemplary":
            assert broken == set()
        else:
            assert {1, 2, 3, 5, 6, 7} <= broken, name


# -- the exemplary fixture ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def exemplary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_fixture("exemplary", tmp_path_factory.mktemp("exemplary") / "exemplary")


def test_the_exemplary_fixture_has_no_finding(exemplary: Path) -> None:
    result = djrefactor("audit", ".", cwd=exemplary)
    assert result.returncode == 0, result.stdout
    assert result.stdout.count(": ok\n") == 7


def test_the_exemplary_fixture_passes_its_own_tests(exemplary: Path) -> None:
    passed_tests(run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], exemplary))


def test_plan_finds_nothing_to_do_on_the_exemplary_fixture(exemplary: Path) -> None:
    result = djrefactor("plan", ".", cwd=exemplary)
    assert result.returncode == 0
    assert result.stdout == ""
    assert result.stderr.strip().splitlines()[-1] == "nothing to do"


def test_add_observability_finds_it_already_observable(exemplary: Path) -> None:
    result = djrefactor("plan", ".", "--only", "add-observability", cwd=exemplary)
    assert (result.returncode, result.stdout) == (0, "")
    assert "note" not in result.stderr


@pytest.mark.skipif(
    shutil.which("lint-imports", path=str(Path(sys.executable).parent)) is None,
    reason="import-linter is not installed (pip install -e '.[test]')",
)
def test_lint_imports_keeps_the_exemplary_contract(exemplary: Path) -> None:
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint is not None
    result = run([lint, "--no-cache"], exemplary)
    assert result.returncode == 0, result.stdout
    assert "Contracts: 3 kept, 0 broken." in result.stdout
