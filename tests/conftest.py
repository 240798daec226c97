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
