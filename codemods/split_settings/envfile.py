"""`.env.example` lists every variable production reads (created, or extended at its end).

Operators deploy from that list: the variables base.py and production.py read, with their
defaults where they have one. The added lines are comments, so a developer's `.env` copied
from the example keeps development's defaults (a production EMAIL_BACKEND would not do).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import libcst as cst

from djrefactor.engine import Note, Project

from . import env

EXAMPLES = (
    ".env.example",
    "env.example",
    ".env.sample",
    ".env.template",
    ".env.dist",
    "example.env",
)
_TopLevel = cst.SimpleStatementLine | cst.BaseCompoundStatement


@dataclass
class EnvFile:
    writes: dict[str, str] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)


def _default_text(read: env.Read) -> str:
    default = read.default
    if isinstance(default, cst.SimpleString) and isinstance(default.evaluated_value, str):
        value = default.evaluated_value
        return value if "\n" not in value else ""
    if isinstance(default, cst.Integer | cst.Float):
        return default.value
    if isinstance(default, cst.Name) and default.value in ("True", "False"):
        return default.value
    return ""


def production_variables(modules: list[cst.Module], bindings: env.Bindings) -> dict[str, str]:
    """Variable -> example value, in the order production's modules read them."""
    found: dict[str, str] = {}
    for module in modules:
        for read in env.reads(module, bindings):
            found.setdefault(read.variable, _default_text(read))
    return found


def _listed(text: str) -> set[str]:
    return set(re.findall(r"^\s*#?\s*(?:export\s+)?([A-Z_][A-Z0-9_]*)\s*=", text, re.M))


def _example_path(project: Project) -> str:
    root = project.source_root
    for name in EXAMPLES:
        for candidate in (f"{root}/{name}" if root else name, name):
            if project.exists(candidate):
                return candidate
    return f"{root}/.env.example" if root else ".env.example"


def env_example(
    project: Project,
    folder: str,
    production: cst.Module,
    base: list[cst.BaseStatement],
    bindings: env.Bindings,
    required: list[str],
) -> EnvFile:
    base_module = cst.Module(body=[s for s in base if isinstance(s, _TopLevel)])
    variables = production_variables([base_module, production], bindings)
    if not variables:
        return EnvFile()
    path = _example_path(project)
    text = project.text(path) if project.exists(path) else ""
    missing = {name: value for name, value in variables.items() if name not in _listed(text)}
    if not missing:
        return EnvFile()
    # Commented out: a developer's .env copied from here keeps development's own defaults.
    lines = "".join(f"# {name}={value}\n" for name, value in missing.items())
    header = (
        f"# Also read in production ({folder}/production.py), with their defaults;\n"
        f"# production requires {', '.join(dict.fromkeys(required))}.\n"
    )
    separator = "" if not text else ("\n" if text.endswith("\n") else "\n\n")
    new_text = text + separator + header + lines
    told = "now also lists" if text else "created; it lists"
    message = f"{told} {', '.join(missing)}: every variable production reads"
    return EnvFile(writes={path: new_text}, notes=[Note(path, None, message)])
