"""`[tool.djrefactor]` of the project's pyproject.toml, merged with command-line options."""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from djrefactor.errors import DjrefactorError

DEFAULT_BRANCH = "djrefactor/restructure"


@dataclass(frozen=True)
class Config:
    """What the project configured; command-line options override each field."""

    settings: str | None = None
    vendors: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    branch: str = DEFAULT_BRANCH
    only: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()

    def fingerprint(self) -> str:
        """A hash of every field: what a saved plan and the step cache were computed with."""
        text = json.dumps(asdict(self), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()

    def overridden(self, options: Options) -> Config:
        """This configuration with the options the user passed (empty ones ignored)."""
        return replace(
            self,
            settings=options.settings or self.settings,
            only=options.only or self.only,
            skip=options.skip or self.skip,
        )


@dataclass(frozen=True)
class Options:
    """Command-line options that override the configuration."""

    only: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()
    settings: str | None = None


KEYS = frozenset({"settings", "vendors", "exclude", "branch", "skip", "only"})


def read_config(root: Path, project_root: Path | None = None) -> Config:
    """`[tool.djrefactor]` from the repository's pyproject.toml and the project folder's."""
    table: dict[str, object] = {}
    for folder in dict.fromkeys([root, project_root or root]):
        table.update(_tool_table(folder / "pyproject.toml"))
    unknown = sorted(set(table) - KEYS)
    if unknown:
        raise DjrefactorError(
            f"pyproject.toml: unknown [tool.djrefactor] key {unknown[0]!r}; "
            f"valid keys: {', '.join(sorted(KEYS))}"
        )
    return Config(
        settings=_str_or_none(table.get("settings")),
        vendors=_strings(table.get("vendors")),
        exclude=_strings(table.get("exclude")),
        branch=str(table.get("branch") or DEFAULT_BRANCH),
        only=_strings(table.get("only")),
        skip=_strings(table.get("skip")),
    )


def _tool_table(path: Path) -> dict[str, object]:
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DjrefactorError(f"{path.name}: invalid TOML ({exc}); fix it first") from None
    tool = data.get("tool", {})
    table = tool.get("djrefactor", {}) if isinstance(tool, dict) else None
    if not isinstance(table, dict):
        raise DjrefactorError(
            f"{path.name}: [tool.djrefactor] must be a table of settings; fix it first"
        )
    return dict(table)


def _str_or_none(value: object) -> str | None:
    return str(value) if value else None


def _strings(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    if isinstance(value, list):
        return tuple(str(item) for item in value)
    raise DjrefactorError(f"pyproject.toml: [tool.djrefactor] expects a list, got {value!r}")
