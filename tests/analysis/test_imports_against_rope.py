"""The import index cross-checked against rope: every file rope finds using a module's name is a
file the index says imports it. rope does its own static analysis, independent of ours; a file it
finds that the index misses is a file whose references a move would leave behind."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest
from rope.base.project import Project as RopeProject
from rope.contrib.findit import find_occurrences

from djrefactor.config import Config
from djrefactor.discovery.files import is_migration
from djrefactor.engine.loading import new_project

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def _definitions(text: str) -> list[tuple[str, int]]:
    """Top-level functions and classes with the offset of their name."""
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    found = []
    for node in ast.parse(text).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            column = lines[node.lineno - 1].index(node.name, node.col_offset)
            found.append((node.name, starts[node.lineno - 1] + column))
    return found


@pytest.mark.parametrize("fixture", ["clinic", "shopfront", "helpdesk"])
def test_every_file_rope_finds_using_a_name_imports_it(fixture: str, tmp_path: Path) -> None:
    root = tmp_path / fixture
    # rope parses with this interpreter's grammar: leave out the fixture's PEP 701 script
    skipped = shutil.ignore_patterns("__pycache__", "ticket_report.py")
    shutil.copytree(FIXTURES / fixture, root, ignore=skipped)
    paths = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if not is_migration(str(path.relative_to(root)))
    ]
    texts = {path: (root / path).read_text(encoding="utf-8") for path in paths}
    project = new_project(root, texts, Config())
    rope = RopeProject(str(root), ropefolder=None)
    checked, missed = 0, []
    for path in sorted(paths):
        module = project.module_for(path)
        resource = rope.get_resource(path)
        for name, offset in _definitions(texts[path]):
            for occurrence in find_occurrences(rope, resource, offset):
                user = occurrence.resource.path
                if user == path or occurrence.unsure or user not in texts:
                    continue
                checked += 1
                if not project.imports(user).relation(f"{module}.{name}")[0]:
                    missed.append(f"{user} uses {module}.{name}")
    rope.close()
    assert missed == []
    assert checked > 10, "rope found too few uses to cross-check anything"
