"""Shared test helpers: small in-memory projects, and before/after assertions for codemods.

`assert_rewrites(name, before, after)`: `before` is the whole project `{path: source}`; `after`
lists every file that must differ (a new text, or None for a deleted file). It also checks that
every output `.py` parses, that untouched files keep every byte, and that a second run of the
codemod changes nothing.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import libcst as cst

from djrefactor.engine import Codemod, Config, Project, apply_changes, available_codemods
from djrefactor.model import Changes

Files = dict[str, str]


def dedent(files: dict[str, str | None]) -> dict[str, str | None]:
    return {
        path: None if text is None else textwrap.dedent(text).lstrip("\n")
        for path, text in files.items()
    }


def make_project(files: Files, config: Config | None = None) -> Project:
    texts = {path: text for path, text in dedent(files).items() if text is not None}
    return Project(Path("/nonexistent"), texts, config or Config())


def codemod(name: str) -> Codemod:
    for candidate in available_codemods():
        if candidate.name == name:
            return candidate
    raise KeyError(name)


def run_codemod(name: str, project: Project) -> tuple[Project, Changes]:
    changes = codemod(name).run(project)
    after, _ = apply_changes(project, changes)
    return after, changes


def snapshot(project: Project) -> Files:
    return {path: project.text(path) for path in project.paths}


def assert_rewrites(
    name: str, before: Files, after: dict[str, str | None], config: Config | None = None
) -> Project:
    project = make_project(before, config)
    result, _ = run_codemod(name, project)
    got = snapshot(result)
    expected = {path: text for path, text in snapshot(project).items()}
    for path, text in dedent(after).items():
        if text is None:
            expected.pop(path, None)
        else:
            expected[path] = text
    for path, text in got.items():
        if path.endswith(".py"):
            cst.parse_module(text)
    assert got == expected
    again, changes = run_codemod(name, result)
    assert changes.is_empty, f"second run of {name} still changes: {changes}"
    return result


def assert_noop(name: str, before: Files, config: Config | None = None) -> Changes:
    project = make_project(before, config)
    changes = codemod(name).run(project)
    assert changes.is_empty, f"{name} changed a project it should leave alone: {changes}"
    return changes
