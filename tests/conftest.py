"""Shared pytest options."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="Rewrite the golden files (tests/e2e/golden/*.diff from plan, "
        "tests/audit/golden/*.json from audit) from the current output instead of comparing.",
    )


@pytest.fixture(autouse=True)
def _no_plan_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests compute their plans: many replace a codemod or fault the engine between two runs
    on one repository, which the step cache cannot see. tests/engine/test_cache.py turns the
    cache back on."""
    monkeypatch.setenv("DJREFACTOR_NO_CACHE", "1")
