"""Shared pytest options."""

from __future__ import annotations

import signal

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="Rewrite the golden files (tests/e2e/golden/*.diff from plan, "
        "tests/audit/golden/*.json from audit) from the current output instead of comparing.",
    )


def pytest_configure(config: pytest.Config) -> None:
    """A test run started in the background (`nohup`, `cmd &` in a script) inherits SIGINT
    ignored, and so would every djrefactor it starts: the Ctrl-C tests (engine/test_faults.py)
    need it delivered as in a terminal, where Python turns it into KeyboardInterrupt."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True)
def _no_plan_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests compute their plans: many replace a codemod or fault the engine between two runs
    on one repository, which the step cache cannot see. tests/engine/test_cache.py turns the
    cache back on."""
    monkeypatch.setenv("DJREFACTOR_NO_CACHE", "1")
