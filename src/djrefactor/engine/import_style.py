"""How the project orders its imports: `ImportStyle`, read from the project's own configuration.

Why: generated imports must land where the project's sorter would put them, or its lint job
fails on our branch. Precedence (the first that applies wins): ruff's isort settings
(`[tool.ruff.lint.isort]` / `[tool.ruff.isort]` in pyproject.toml, `[lint.isort]` / `[isort]` in
ruff.toml or .ruff.toml, with ruff's `line-length` and `src`); isort's (`[tool.isort]` in
pyproject.toml, `[settings]`/`[isort]` in .isort.cfg, `[isort]`/`[tool:isort]` in setup.cfg and
tox.ini); a ruff configuration without isort settings (ruff's defaults); isort's defaults.
Configuration files are looked for in the source root (the folder holding manage.py) and each
folder above it, nearest first, as both tools do.
"""

from __future__ import annotations

import configparser
import fnmatch
import sys
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import IntEnum
from pathlib import PurePosixPath

from djrefactor.errors import DjrefactorError
from djrefactor.project import Project


class Section(IntEnum):
    """isort's default sections, in their order in a file."""

    FUTURE = 0
    STDLIB = 1
    THIRD_PARTY = 2
    FIRST_PARTY = 3
    LOCAL_FOLDER = 4


STANDARD_LIBRARY = frozenset(sys.stdlib_module_names)

# The placement settings of isort's built-in profiles (wrapping modes aside: wrapped imports are
# always written in the vertical hanging indent with a trailing comma that black and ruff use).
PROFILES: Mapping[str, Mapping[str, object]] = {
    "black": {"line_length": 88, "ensure_newline_before_comments": True},
    "django": {"combine_as_imports": True, "line_length": 79},
    "pycharm": {"lines_after_imports": 2},
    "google": {
        "force_single_line": True,
        "force_sort_within_sections": True,
        "order_by_type": False,
    },
    "open_stack": {"force_single_line": True, "force_sort_within_sections": True},
    "plone": {"force_single_line": True, "lines_after_imports": 2, "line_length": 200},
    "attrs": {"lines_after_imports": 2},
    "hug": {"line_length": 100},
    "wemake": {"line_length": 80},
    "appnexus": {
        "line_length": 88,
        "ensure_newline_before_comments": True,
        "force_sort_within_sections": True,
        "order_by_type": False,
        "case_sensitive": False,
    },
}

# What ruff's isort always does and isort does only when asked.
RUFF_BEHAVIOUR: Mapping[str, object] = {"ensure_newline_before_comments": True}

_SECTION_NAMES = {
    "future": Section.FUTURE,
    "standard_library": Section.STDLIB,
    "stdlib": Section.STDLIB,
    "third_party": Section.THIRD_PARTY,
    "thirdparty": Section.THIRD_PARTY,
    "first_party": Section.FIRST_PARTY,
    "firstparty": Section.FIRST_PARTY,
    "local_folder": Section.LOCAL_FOLDER,
    "localfolder": Section.LOCAL_FOLDER,
}


@dataclass(frozen=True)
class ImportStyle:
    """What decides where an import goes and how it is written. The defaults are isort's.

    `newline_before_comments`: a blank line above the comments of an import that follows
    another (isort's `ensure_newline_before_comments`, which ruff always applies).
    `first_party`, `third_party`, `local_folder` and `standard_library` are configured module
    patterns (`pkg` also covers `pkg.sub`; `*` globs allowed); `detected_first_party` holds the
    top-level packages and modules found in the source folders, as isort's and ruff's default
    src-path detection finds them.
    """

    line_length: int = 79
    first_party: frozenset[str] = frozenset()
    third_party: frozenset[str] = frozenset()
    local_folder: frozenset[str] = frozenset()
    standard_library: frozenset[str] = frozenset()
    detected_first_party: frozenset[str] = frozenset()
    default_section: Section = Section.THIRD_PARTY
    force_single_line: bool = False
    force_sort_within_sections: bool = False
    case_sensitive: bool = False
    order_by_type: bool = True
    combine_as_imports: bool = False
    lines_after_imports: int = -1
    newline_before_comments: bool = False

    def section(self, module: str, level: int = 0) -> Section:
        """The section of `from <level dots><module> import ...` (or `import <module>`)."""
        if level:
            return Section.LOCAL_FOLDER
        if module == "__future__" or module.startswith("__future__."):
            return Section.FUTURE
        configured = self._configured_section(module)
        if configured is not None:
            return configured
        top = module.split(".")[0]
        if top in STANDARD_LIBRARY:
            return Section.STDLIB
        if top in self.detected_first_party:
            return Section.FIRST_PARTY
        return self.default_section

    def _configured_section(self, module: str) -> Section | None:
        """The section whose most specific configured pattern matches (ties: the later one)."""
        best: tuple[int, Section] | None = None
        for section, patterns in (
            (Section.STDLIB, self.standard_library),
            (Section.THIRD_PARTY, self.third_party),
            (Section.FIRST_PARTY, self.first_party),
            (Section.LOCAL_FOLDER, self.local_folder),
        ):
            for pattern in patterns:
                if _matches(module, pattern) and (best is None or len(pattern) >= best[0]):
                    best = (len(pattern), section)
        return None if best is None else best[1]


def _matches(module: str, pattern: str) -> bool:
    if any(char in pattern for char in "*?["):
        return fnmatch.fnmatchcase(module, pattern) or fnmatch.fnmatchcase(
            module.split(".")[0], pattern
        )
    return module == pattern or module.startswith(pattern + ".")


# -- reading the configuration ------------------------------------------------------------------
@dataclass(frozen=True)
class _Found:
    """One tool's settings: the file they came from, its folder, keys in snake_case."""

    path: str
    folder: str
    settings: Mapping[str, object]


def import_style(project: Project) -> ImportStyle:
    """The import style the project's configuration asks for (isort's defaults if none)."""
    folders = list(_folders(project.source_root))
    ruff, ruff_isort = _ruff_settings(project, folders)
    isort = _isort_settings(project, folders)
    if ruff is not None and (ruff_isort or isort is None):
        return _ruff_style(project, ruff)
    if isort is not None:
        return _isort_style(project, isort)
    return _style(project, _Found("", "", {}), {}, line_length=79, src=["", "src"])


def _folders(source_root: str) -> Iterator[str]:
    """The source root and every folder above it, nearest first ('' is the repository)."""
    path = PurePosixPath(source_root)
    while str(path) not in (".", ""):
        yield str(path)
        path = path.parent
    yield ""


def _join(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


def _ruff_settings(project: Project, folders: Iterable[str]) -> tuple[_Found | None, bool]:
    """The nearest ruff configuration, and whether it has isort settings."""
    for folder in folders:
        for name in (".ruff.toml", "ruff.toml", "pyproject.toml"):
            path = _join(folder, name)
            if not project.exists(path):
                continue
            data = _toml(path, project.text(path))
            if name == "pyproject.toml":
                data = _table(_table(data, "tool", path), "ruff", path)
                if not data:
                    continue
            lint = _table(data, "lint", path)
            has_isort = "isort" in lint or "isort" in data
            isort = _table(lint, "isort", path) if "isort" in lint else _table(data, "isort", path)
            settings = {**_snake(isort), **_snake(_pick(data, "line-length", "src"))}
            return _Found(path, folder, settings), has_isort
    return None, False


def _isort_settings(project: Project, folders: Iterable[str]) -> _Found | None:
    """The nearest isort configuration, in isort's order of files within a folder."""
    for folder in folders:
        for name, sections in (
            (".isort.cfg", ("settings", "isort")),
            ("pyproject.toml", ()),
            ("setup.cfg", ("isort", "tool:isort")),
            ("tox.ini", ("isort", "tool:isort")),
        ):
            path = _join(folder, name)
            if not project.exists(path):
                continue
            if name == "pyproject.toml":
                tool = _table(_toml(path, project.text(path)), "tool", path)
                settings = _snake(_table(tool, "isort", path)) if "isort" in tool else None
            else:
                settings = _ini_section(path, project.text(path), sections)
            if settings is not None:
                return _Found(path, folder, settings)
    return None


def _ruff_style(project: Project, found: _Found) -> ImportStyle:
    line_length = _int(found, "line_length", 88)
    src = _strings(found, "src") or ["", "src"]
    return _style(project, found, RUFF_BEHAVIOUR, line_length=line_length, src=src)


def _isort_style(project: Project, found: _Found) -> ImportStyle:
    profile_name = found.settings.get("profile")
    profile: Mapping[str, object] = {}
    if profile_name is not None:
        profile = PROFILES.get(str(profile_name).strip(), {})
        if not profile:
            raise DjrefactorError(
                f"{found.path}: unknown isort profile {profile_name!r}; "
                f"use one of {', '.join(sorted(PROFILES))}"
            )
    line_length = _int(found, "line_length", int(str(profile.get("line_length", 79))))
    src = _strings(found, "src_paths") or ["", "src"]
    return _style(project, found, profile, line_length=line_length, src=src)


def _style(
    project: Project,
    found: _Found,
    profile: Mapping[str, object],
    *,
    line_length: int,
    src: Iterable[str],
) -> ImportStyle:
    def flag(key: str, default: bool) -> bool:
        return _bool(found, key, bool(profile.get(key, default)))

    def lines(key: str) -> int:
        return _int(found, key, int(str(profile.get(key, -1))))

    return ImportStyle(
        line_length=line_length,
        first_party=frozenset(_strings(found, "known_first_party")),
        third_party=frozenset(_strings(found, "known_third_party")),
        local_folder=frozenset(_strings(found, "known_local_folder")),
        standard_library=frozenset(_strings(found, "extra_standard_library")),
        detected_first_party=_top_level_names(project, _src_folders(project, found, src)),
        default_section=_section(found, "default_section", Section.THIRD_PARTY),
        force_single_line=flag("force_single_line", False),
        force_sort_within_sections=flag("force_sort_within_sections", False),
        case_sensitive=flag("case_sensitive", False),
        order_by_type=flag("order_by_type", True),
        combine_as_imports=flag("combine_as_imports", False),
        lines_after_imports=lines("lines_after_imports"),
        newline_before_comments=flag("ensure_newline_before_comments", False),
    )


def _src_folders(project: Project, found: _Found, src: Iterable[str]) -> list[str]:
    """The source root, and the configured (or default) source folders of the config file."""
    folders = [project.source_root]
    for entry in src:
        parts = [part for part in PurePosixPath(found.folder, entry).parts if part != "."]
        folders.append("/".join(parts))
    return list(dict.fromkeys(folders))


def _top_level_names(project: Project, folders: Iterable[str]) -> frozenset[str]:
    """Packages (any folder) and modules directly inside `folders`, as isort's src paths see."""
    names: set[str] = set()
    for folder in folders:
        prefix = folder + "/" if folder else ""
        for path in project.paths:
            if not path.startswith(prefix):
                continue
            first, slash, _ = path[len(prefix) :].partition("/")
            name = first if slash else first.removesuffix(".py")
            if (slash or first.endswith(".py")) and name.isidentifier():
                names.add(name)
    return frozenset(names)


# -- values -------------------------------------------------------------------------------------
def _toml(path: str, text: str) -> dict[str, object]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DjrefactorError(f"{path}: invalid TOML ({exc}); fix it first") from None


def _table(data: Mapping[str, object], key: str, path: str) -> dict[str, object]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise DjrefactorError(f"{path}: `{key}` must be a table; fix it first")
    return value


def _pick(data: Mapping[str, object], *keys: str) -> dict[str, object]:
    return {key: data[key] for key in keys if key in data}


def _snake(data: Mapping[str, object]) -> dict[str, object]:
    return {key.strip().lower().replace("-", "_"): value for key, value in data.items()}


def _ini_section(path: str, text: str, sections: Iterable[str]) -> dict[str, object] | None:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text, source=path)
    except configparser.Error as exc:
        reason = str(exc).splitlines()[0]
        raise DjrefactorError(f"{path}: cannot read it ({reason}); fix it first") from None
    for section in sections:
        if parser.has_section(section):
            return _snake(dict(parser.items(section)))
    return None


def _strings(found: _Found, key: str) -> list[str]:
    value = found.settings.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.replace("\n", ",").split(",") if part.strip()]
    if isinstance(value, list | tuple) and all(isinstance(item, str) for item in value):
        return [item.strip() for item in value]
    raise DjrefactorError(f"{found.path}: `{key}` must be a list of names; fix it first")


def _bool(found: _Found, key: str, default: bool) -> bool:
    value = found.settings.get(key)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off"):
        return False
    raise DjrefactorError(f"{found.path}: `{key}` must be true or false, got {value!r}")


def _int(found: _Found, key: str, default: int) -> int:
    value = found.settings.get(key)
    if value is None:
        return default
    try:
        if isinstance(value, bool):
            raise ValueError
        return int(str(value).strip())
    except ValueError:
        raise DjrefactorError(f"{found.path}: `{key}` must be a number, got {value!r}") from None


def _section(found: _Found, key: str, default: Section) -> Section:
    value = found.settings.get(key)
    if value is None:
        return default
    section = _SECTION_NAMES.get(str(value).strip().lower().replace("-", "_"))
    if section is None:
        raise DjrefactorError(f"{found.path}: `{key}` {value!r} is not a section name")
    return section
