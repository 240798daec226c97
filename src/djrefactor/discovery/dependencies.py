"""The distributions a project declares: requirements files, pyproject.toml, setup.cfg, Pipfile.

Read from the snapshot's texts, never from an environment: which SDKs and tools a project has
chosen (an error tracker, query monitoring) is what it declares, installed here or not. Names
are normalised as pip compares them (`Django_Debug.Toolbar` -> `django-debug-toolbar`).
"""

from __future__ import annotations

import configparser
import re
import tomllib
from collections.abc import Iterable, Iterator
from pathlib import PurePosixPath

from djrefactor.project import Project

_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")
_SEPARATORS = re.compile(r"[-_.]+")


def normalise(name: str) -> str:
    """The name pip compares distributions by (PEP 503)."""
    return _SEPARATORS.sub("-", name).lower()


def declared_dependencies(project: Project) -> frozenset[str]:
    """Every distribution the project's dependency files name, normalised."""
    found: set[str] = set()
    for path in project.paths:
        name = PurePosixPath(path).name
        text = project.text(path) if _is_dependency_file(name) else ""
        if name.startswith("requirements") and name.endswith((".txt", ".in")):
            found.update(_requirement_names(text.splitlines()))
        elif name == "pyproject.toml":
            found.update(_pyproject_names(_toml(text)))
        elif name == "Pipfile":
            table = _toml(text)
            for section in ("packages", "dev-packages"):
                found.update(normalise(key) for key in _table(table, section))
        elif name == "setup.cfg":
            found.update(_setup_cfg_names(text))
    return frozenset(found)


def _is_dependency_file(name: str) -> bool:
    return name in ("pyproject.toml", "Pipfile", "setup.cfg") or (
        name.startswith("requirements") and name.endswith((".txt", ".in"))
    )


def _requirement_names(lines: Iterable[str]) -> Iterator[str]:
    for line in lines:
        spec = line.split("#", 1)[0].strip()
        if not spec or spec.startswith("-") or "://" in spec:
            continue
        match = _NAME.match(spec)
        if match:
            yield normalise(match.group())


def _toml(text: str) -> dict[str, object]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return {}  # a broken file declares nothing; read_config reports pyproject.toml itself


def _table(data: object, *keys: str) -> dict[str, object]:
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data if isinstance(data, dict) else {}


def _strings(value: object) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _pyproject_names(data: dict[str, object]) -> Iterator[str]:
    project = _table(data, "project")
    specs = _strings(project.get("dependencies"))
    for group in _table(project, "optional-dependencies").values():
        specs += _strings(group)
    for group in _table(data, "dependency-groups").values():
        specs += _strings(group)
    yield from _requirement_names(specs)
    poetry = _table(data, "tool", "poetry")
    sections = [_table(poetry, "dependencies"), _table(poetry, "dev-dependencies")]
    sections += [_table(group, "dependencies") for group in _table(poetry, "group").values()]
    for section in sections:
        yield from (normalise(key) for key in section if key != "python")


def _setup_cfg_names(text: str) -> Iterator[str]:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error:
        return
    if parser.has_option("options", "install_requires"):
        yield from _requirement_names(parser.get("options", "install_requires").splitlines())
    if parser.has_section("options.extras_require"):
        for _, value in parser.items("options.extras_require"):
            yield from _requirement_names(value.splitlines())
