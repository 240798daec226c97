"""`settings/test.py` for projects whose test configuration ran on the single settings module.

pytest.ini, `[tool.pytest.ini_options]`, setup.cfg and tox.ini that set DJANGO_SETTINGS_MODULE to
the old module point at `test.py` afterwards: development's settings with a fast password
hasher and the in-memory mail backend, the two things every Django test suite wants.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from djrefactor.engine import Note, Project

from . import templates

MODULE = "test"
CONFIG_FILES = ("pytest.ini", "pyproject.toml", "setup.cfg", "tox.ini")


@dataclass
class Tests:
    writes: dict[str, str] = field(default_factory=dict)
    paths: list[str] = field(default_factory=list)
    """Test configuration files whose settings references go to the test module."""
    notes: list[Note] = field(default_factory=list)


def _names_module(text: str, module: str) -> bool:
    pattern = rf"(?:DJANGO_SETTINGS_MODULE|--ds)\s*[=:]?\s*[\"']?{re.escape(module)}(?![\w.])"
    return re.search(pattern, text) is not None


def test_settings(project: Project, module: str, folder: str) -> Tests:
    tests = Tests()
    for path in project.paths:
        if PurePosixPath(path).name not in CONFIG_FILES:
            continue
        if _names_module(project.text(path), module):
            tests.paths.append(path)
    if not tests.paths or project.exists(f"{folder}/{MODULE}.py"):
        return tests
    tests.writes[f"{folder}/{MODULE}.py"] = templates.test_module("development")
    tests.notes.append(
        Note(
            tests.paths[0],
            None,
            f"the tests ran on {module}; now they run on {module}.{MODULE} (development plus "
            f"a fast password hasher and in-memory mail), named in {', '.join(tests.paths)}",
        )
    )
    return tests
