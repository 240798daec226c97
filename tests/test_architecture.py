"""The layer table of STYLE.md, enforced: which part of djrefactor may import which.

Every module of src/djrefactor and codemods/ is read with `ast`; each import (at any depth,
typing-only imports under `if TYPE_CHECKING:` aside) must be one its layer may use.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src" / "djrefactor"
CODEMODS = REPO / "codemods"

# layer -> (djrefactor layers it may import, third-party top-level modules it may import)
LAYERS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "errors": (frozenset(), frozenset()),
    "config": (frozenset({"errors"}), frozenset()),
    "model": (frozenset(), frozenset({"libcst"})),
    "analysis": (frozenset({"analysis"}), frozenset({"libcst"})),
    "project": (frozenset({"errors", "config", "analysis"}), frozenset({"libcst"})),
    "discovery": (
        frozenset({"discovery", "project", "analysis", "config", "errors", "model"}),
        frozenset({"libcst"}),
    ),
    "git": (frozenset({"errors"}), frozenset({"git"})),
    "similarity": (frozenset({"model"}), frozenset()),
    "matching": (frozenset(), frozenset()),
    "render": (frozenset({"model", "similarity", "matching"}), frozenset()),
    "terminal": (frozenset(), frozenset({"rich"})),
    "engine": (
        frozenset(
            {
                "engine",
                "discovery",
                "analysis",
                "git",
                "project",
                "model",
                "config",
                "errors",
                "similarity",
                "matching",
            }
        ),
        frozenset({"libcst"}),
    ),
    "audit": (
        frozenset({"audit", "discovery", "analysis", "project", "model", "config", "errors"}),
        frozenset({"libcst"}),
    ),
    "cli": (
        frozenset({"engine", "render", "terminal", "config", "errors", "model", "audit"}),
        frozenset({"typer", "rich", "click"}),
    ),
    "main": (frozenset({"cli"}), frozenset()),
    "codemods": (
        frozenset({"engine", "discovery", "analysis", "model", "codemods"}),
        frozenset({"libcst"}),
    ),
}
STDLIB = frozenset(sys.stdlib_module_names) | {"__future__"}
FORBIDDEN_BUILTINS_IN_CODEMODS = frozenset({"open", "print", "input"})
FORBIDDEN_METHODS_IN_CODEMODS = frozenset({"write_text", "write_bytes", "unlink", "mkdir", "rmdir"})


def layer_of(path: Path) -> str:
    if path.is_relative_to(CODEMODS):
        return "codemods"
    part = path.relative_to(SRC).parts[0].removesuffix(".py")
    return {"__init__": "errors", "__main__": "main", "py.typed": "errors"}.get(part, part)


def modules() -> list[Path]:
    return sorted([*SRC.rglob("*.py"), *CODEMODS.rglob("*.py")])


def _typing_only(tree: ast.Module) -> set[int]:
    """Nodes under `if TYPE_CHECKING:`: annotations, not runtime dependencies."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING"):
            skipped |= {id(inner) for statement in node.body for inner in ast.walk(statement)}
    return skipped


def imported(path: Path) -> Iterator[tuple[int, str]]:
    """(line, absolute dotted module) of every runtime import of the file."""
    return imports_in(path.read_text(encoding="utf-8"), _package_of(path))


def imports_in(text: str, package: str) -> Iterator[tuple[int, str]]:
    tree = ast.parse(text)
    skipped = _typing_only(tree)
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                yield node.lineno, ".".join([*base, *([node.module] if node.module else [])])
            else:
                yield node.lineno, node.module or ""


def _package_of(path: Path) -> str:
    if path.is_relative_to(CODEMODS):
        parts = ("djrefactor", "codemods", *path.relative_to(CODEMODS).parts)
    else:
        parts = ("djrefactor", *path.relative_to(SRC).parts)
    return ".".join(parts[:-1])


def target_layer(dotted: str) -> str | None:
    """The djrefactor layer a module belongs to, or None for a third-party/stdlib module."""
    parts = dotted.split(".")
    if parts[0] != "djrefactor":
        return None
    if len(parts) == 1:
        return "errors"  # the package itself holds only the version
    if parts[1] == "codemods":
        return "codemods"
    return parts[1]


def violations(layer: str, imports: Iterator[tuple[int, str]]) -> list[str]:
    internal, external = LAYERS[layer]
    wrong = []
    for line, dotted in imports:
        target = target_layer(dotted)
        top = dotted.split(".")[0]
        if target is not None:
            if target != layer and target not in internal:
                wrong.append(f"{line}: {layer} imports {dotted}")
        elif top not in STDLIB and top not in external:
            wrong.append(f"{line}: {layer} imports third-party {dotted}")
    return wrong


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(REPO)))
def test_every_import_is_allowed_by_the_layer_table(path: Path) -> None:
    assert violations(layer_of(path), imported(path)) == []


@pytest.mark.parametrize(
    "path", sorted(CODEMODS.rglob("*.py")), ids=lambda p: str(p.relative_to(REPO))
)
def test_codemods_never_touch_the_disk_or_print(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    calls = [
        f"{path.name}:{node.lineno}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Name) and node.func.id in FORBIDDEN_BUILTINS_IN_CODEMODS)
            or (
                isinstance(node.func, ast.Attribute)
                and node.func.attr in FORBIDDEN_METHODS_IN_CODEMODS
            )
        )
    ]
    assert calls == []


@pytest.mark.parametrize(
    ("layer", "text", "expected"),
    [
        pytest.param("cli", "import libcst as cst\n", ["1: cli imports third-party libcst"]),
        pytest.param(
            "codemods",
            "def f():\n    from djrefactor.git import Repository\n",
            ["2: codemods imports djrefactor.git"],
            id="codemod importing git, nested",
        ),
        pytest.param(
            "engine",
            "from djrefactor.codemods.split_settings import run\n",
            ["1: engine imports djrefactor.codemods.split_settings"],
            id="engine importing a codemod by name",
        ),
        pytest.param(
            "analysis",
            "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from djrefactor.project import P\n",
            [],
            id="typing-only imports are not dependencies",
        ),
    ],
)
def test_the_layer_check_catches_what_the_table_forbids(layer, text, expected) -> None:
    assert violations(layer, imports_in(text, "djrefactor.x")) == expected


def test_only_git_py_imports_gitpython() -> None:
    importers = sorted(
        str(path.relative_to(REPO))
        for path in modules()
        if any(dotted.split(".")[0] == "git" for _, dotted in imported(path))
    )
    assert importers == ["src/djrefactor/git.py"]
