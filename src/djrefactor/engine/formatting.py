"""The project's own formatters on the files a step changed, so that a commit leaves them as the
team's tools would (LibCST's codemod runner does the same with its configured formatter).

Configured means named in the project: `[tool.isort]`, `[isort]` (setup.cfg, tox.ini,
.isort.cfg), `[tool.black]`, `[tool.ruff.format]` (pyproject.toml, ruff.toml), ruff's isort rules
(`I` selected in ruff's lint settings, fixed with `ruff check --select I --fix`), or a hook of
.pre-commit-config.yaml. The user's files are never touched; a formatter that is configured
but not installed is a note.

Each formatter runs once per step, on copies of the step's files in a temporary mirror of the
repository that holds what the formatters' configuration lookup reads: a `.git` folder where
the repository's is (black's project root), the configuration files as they are on the disk
(pyproject.toml, ruff.toml, setup.cfg, ...: ruff finds each file's own), and for ruff's isort an
empty file for each `__init__.py` and each module outside a package on the disk (it tells
first-party modules and packages by them). isort is
given the project's settings and black runs once per project root, so each file comes out as it
does from its text on stdin with `--stdin-filename` from the repository root, which is how a
file runs alone: a step's file that is not on the disk yet, for ruff's isort (a new package's
own files would tell it the package), a file the batch run rejects (so the note gives the
formatter's reason), and every file when the batch run fails otherwise. One process per file
made a step of 400 files cost minutes with black (0.7 s of start-up a process) and isort (0.2 s)
and seconds with ruff (10 ms).
"""

from __future__ import annotations

import configparser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from djrefactor.model import Note
from djrefactor.project import Project


@dataclass(frozen=True)
class Formatter:
    """One formatter the project configures: its name, the program, where it is configured
    (`source`, in `folder`) and, for ruff's isort, the first-party packages configured."""

    name: str
    program: str
    source: str
    folder: str = ""
    first_party: tuple[str, ...] = ()

    def command(self, executable: str, path: str, root: Path, new: Sequence[str]) -> list[str]:
        """The command line for `path`; `new` are the top-level packages the plan creates,
        first-party like the others although they are not on the disk yet."""
        if self.name == "isort":
            # no --filename: isort leaves a stream alone when that file does not exist yet
            return [*self._options(executable, root, new), "-"]
        return [*self._options(executable, root, new), "--stdin-filename", path, "-"]

    def batch_command(
        self, executable: str, files: Sequence[str], root: Path, new: Sequence[str]
    ) -> list[str]:
        """The command line formatting `files` in place, as `command` formats one on stdin."""
        options = self._options(executable, root, new)
        if self.name == "isort":
            return [*options, "-q", *files]
        if self.name == "black":
            return [*options, *files]
        return [*options, "--no-cache", *files]  # ruff's cache would go into the mirror

    def _options(self, executable: str, root: Path, new: Sequence[str]) -> list[str]:
        """The program and the options `command` and `batch_command` share."""
        if self.name == "isort":
            first = [arg for package in new for arg in ("-p", package)]
            return [executable, "--settings-path", str(root / self.folder), *first]
        if self.name == "black":
            return [executable, "-q"]
        if self.name == RUFF_ISORT:
            fix = ["check", "--select", "I", "--fix", "--exit-zero", "--quiet"]
            if new:
                known = json.dumps([*self.first_party, *new])
                fix += ["--config", f"lint.isort.known-first-party = {known}"]
            return [executable, *fix, "--force-exclude"]
        # not --quiet: on files, it hides the errors that name one
        return [executable, "format", "--force-exclude"]


RUFF_ISORT = "ruff check --select I --fix"
ORDER = ("isort", RUFF_ISORT, "black", "ruff format")  # imports first, the layout last
PROGRAMS = {"isort": "isort", RUFF_ISORT: "ruff", "black": "black", "ruff format": "ruff"}
_HOOK_IDS = {"isort": "isort", "black": "black", "ruff-format": "ruff format"}
_HOOK = re.compile(r"^\s*-?\s*id:\s*['\"]?([\w.-]+)", re.MULTILINE)


def configured(project: Project) -> list[Formatter]:
    """The formatters the project names, in the order they run."""
    found: dict[str, Formatter] = {}
    for folder in dict.fromkeys(["", project.source_root]):
        for name, source in _found_in(project, folder).items():
            first_party = _first_party(project, folder) if name == RUFF_ISORT else ()
            found.setdefault(name, Formatter(name, PROGRAMS[name], source, folder, first_party))
    return [found[name] for name in ORDER if name in found]


def _first_party(project: Project, folder: str) -> tuple[str, ...]:
    """ruff's `known-first-party`, which a command-line override would replace."""
    places: tuple[tuple[str, tuple[str, ...]], ...] = (
        ("pyproject.toml", ("tool", "ruff")),
        ("ruff.toml", ()),
        (".ruff.toml", ()),
    )
    for name, prefix in places:
        table: object = _toml(project, f"{folder}/{name}" if folder else name)
        for key in prefix:
            table = table.get(key, {}) if isinstance(table, Mapping) else {}
        if not isinstance(table, Mapping) or not table:
            continue
        for where in (table.get("lint", {}), table):
            isort = where.get("isort", {}) if isinstance(where, Mapping) else {}
            if isinstance(isort, Mapping) and "known-first-party" in isort:
                return tuple(_strings(isort["known-first-party"]))
    return ()


def _found_in(project: Project, folder: str) -> dict[str, str]:
    def path(name: str) -> str:
        return f"{folder}/{name}" if folder else name

    found: dict[str, str] = {}
    tool = _toml(project, path("pyproject.toml")).get("tool", {})
    if isinstance(tool, dict):
        if "isort" in tool:
            found["isort"] = f"{path('pyproject.toml')} [tool.isort]"
        if "black" in tool:
            found["black"] = f"{path('pyproject.toml')} [tool.black]"
        ruff = tool.get("ruff")
        if isinstance(ruff, dict):
            found.update(_ruff(ruff, path("pyproject.toml"), "tool.ruff."))
    for name in ("ruff.toml", ".ruff.toml"):
        for formatter, source in _ruff(_toml(project, path(name)), path(name), "").items():
            found.setdefault(formatter, source)
    for name, sections in (("setup.cfg", ("isort", "tool:isort")), ("tox.ini", ("isort",))):
        section = next((s for s in sections if _has_section(project, path(name), s)), None)
        if section is not None:
            found.setdefault("isort", f"{path(name)} [{section}]")
    if project.exists(path(".isort.cfg")):
        found.setdefault("isort", path(".isort.cfg"))
    hooks = path(".pre-commit-config.yaml")
    if project.exists(hooks):
        for hook in _HOOK.findall(project.text(hooks)):
            if hook in _HOOK_IDS:
                found.setdefault(_HOOK_IDS[hook], f"{hooks} ({hook} hook)")
    return found


def _ruff(table: Mapping[str, object], path: str, prefix: str) -> dict[str, str]:
    found = {}
    if "format" in table:
        found["ruff format"] = f"{path} [{prefix}format]"
    lint = table.get("lint")
    for where, settings in (("lint", lint), ("", table)):
        if not isinstance(settings, Mapping):
            continue
        rules = [*_strings(settings.get("select")), *_strings(settings.get("extend-select"))]
        if any(rule == "I" or rule.startswith("I0") for rule in rules):
            section = f"{prefix}{where}".rstrip(".")
            found[RUFF_ISORT] = f"{path} [{section}]" if section else path
            break
    return found


def _strings(value: object) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list) else []


def _toml(project: Project, path: str) -> Mapping[str, object]:
    if not project.exists(path):
        return {}
    try:
        return tomllib.loads(project.text(path))
    except tomllib.TOMLDecodeError:
        return {}


def _has_section(project: Project, path: str, section: str) -> bool:
    if not project.exists(path):
        return False
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(project.text(path))
    except configparser.Error:
        return False
    return parser.has_section(section)


@cache
def executable(program: str) -> str | None:
    """The program installed beside the running Python (its virtualenv), else on PATH."""
    beside = Path(sys.executable).parent / program
    if beside.is_file():
        return str(beside)
    return shutil.which(program)


def format_step(
    before: Project,
    after: Project,
    renames: Mapping[str, str],
    progress: Callable[[str, int, int], None] | None = None,
) -> tuple[Project, tuple[Note, ...]]:
    """`after` with the project's formatters run on each Python file the step wrote (not on a
    file it only moved), and a note per formatter saying what ran or what is missing."""
    formatters = configured(after)
    paths = _written(before, after, renames) if formatters else []
    if not paths:
        return after, ()
    notes: list[Note] = []
    texts = {path: after.text(path) for path in paths}
    new = _new_packages(after)
    for formatter in formatters:
        program = executable(formatter.program)
        if program is None:
            notes.append(_missing(formatter))
            continue
        failed = _format(formatter, program, after, texts, new, progress)
        notes.append(_ran(formatter, len(paths) - len(failed)))
        notes += failed
    changed = {path: text for path, text in texts.items() if text != after.text(path)}
    return (after.evolve(changed, {}, ()) if changed else after), tuple(notes)


def _format(
    formatter: Formatter,
    program: str,
    after: Project,
    texts: dict[str, str],
    new: Sequence[str],
    progress: Callable[[str, int, int], None] | None,
) -> list[Note]:
    """`texts` formatted in place by `formatter`; the notes of the files it rejected."""
    paths = list(texts)
    together = paths if formatter.name in BATCHED else []
    if formatter.name == RUFF_ISORT:  # a new package's files would show it to ruff's isort
        together = [path for path in paths if (after.root / path).is_file()]
    alone = paths
    if len(together) > 1:
        if progress is not None:
            progress(f"{formatter.name} ({len(together)} files)", 0, len(paths))
        batched = _run_batch(formatter, program, after, {p: texts[p] for p in together}, new)
        if batched is not None:
            texts.update(batched)
            alone = [path for path in paths if path not in batched]
    failed: list[Note] = []
    for index, path in enumerate(alone):
        if progress is not None:
            progress(f"{formatter.name} {path}", index, len(alone))
        command = formatter.command(program, path, after.root, new)
        texts[path] = _run(formatter.name, command, path, texts[path], after.root, failed)
    return failed


def _written(before: Project, after: Project, renames: Mapping[str, str]) -> list[str]:
    moved_from = {new: old for old, new in renames.items()}
    written = []
    for path in after.python_paths():
        old = moved_from.get(path, path)
        if not before.exists(old) or before.text(old) != after.text(path):
            written.append(path)
    return written


def _new_packages(project: Project) -> list[str]:
    """Top-level packages and modules of the snapshot that are not on the disk yet."""
    base = project.root / project.source_root if project.source_root else project.root
    tops = set()
    for path in project.python_paths():
        module = project.module_for(path)
        if module is not None:
            tops.add(module.split(".")[0])
    return sorted(
        top for top in tops if not (base / top).exists() and not (base / f"{top}.py").exists()
    )


def _run(
    name: str, command: list[str], path: str, text: str, root: Path, failed: list[Note]
) -> str:
    try:
        done = subprocess.run(
            command, input=text.encode("utf-8"), capture_output=True, cwd=root, check=False
        )
    except OSError as exc:
        failed.append(Note(path, None, f"{name} could not run ({exc.strerror})"))
        return text
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        why = reason[-1] if reason else f"exit {done.returncode}"
        failed.append(Note(path, None, f"{name} left it as it was ({why})"))
        return text
    output = done.stdout.decode("utf-8")
    return output if output or not text else text


BATCHED = frozenset(ORDER)
"""The formatters run once per step on a mirror of its files (see the module's docstring)."""

CONFIGURATION = frozenset(
    {"pyproject.toml", "ruff.toml", ".ruff.toml", "setup.cfg", "tox.ini", ".isort.cfg"}
    | {".editorconfig", ".gitignore"}
)
"""The files a formatter's configuration lookup reads, copied into the mirror where they are."""


def _run_batch(
    formatter: Formatter,
    program: str,
    project: Project,
    texts: Mapping[str, str],
    new: Sequence[str],
) -> dict[str, str] | None:
    """`texts` (path -> text) as `formatter` leaves them when it runs once on all of them, in a
    temporary mirror of the repository, but for the files it rejects (each formatter names them
    on stderr, whatever the wording of its version: they are formatted again on their own,
    which gives the note its reason); None when a run fails otherwise or cannot start."""
    with tempfile.TemporaryDirectory(prefix="djrefactor-format-") as folder:
        mirror = Path(folder)
        _mirror(mirror, project, texts, skeleton=formatter.name == RUFF_ISORT)
        env = {**os.environ, "BLACK_CACHE_DIR": str(mirror / ".git" / "black")}
        rejected: set[str] = set()
        for group in _groups(formatter, project, list(texts)):
            files = [str(mirror / path) for path in group]
            command = formatter.batch_command(program, files, project.root, new)
            try:
                done = subprocess.run(
                    command, capture_output=True, cwd=mirror, env=env, check=False
                )
            except OSError:
                return None
            if done.returncode != 0:
                errors = done.stderr.decode("utf-8", "replace")
                named = {path for path in group if _names(errors, path, mirror)}
                if not named:
                    return None
                rejected |= named
        try:
            found = {
                path: (mirror / path).read_bytes().decode("utf-8")
                for path in texts
                if path not in rejected
            }
        except (OSError, UnicodeDecodeError):
            return None
    return {path: text if text or not texts[path] else texts[path] for path, text in found.items()}


def _mirror(mirror: Path, project: Project, texts: Mapping[str, str], *, skeleton: bool) -> None:
    """The repository as the formatters see it from `mirror`: a `.git` folder (black's project
    root and ruff's are where the repository's is), the configuration files as they are on the
    disk, the step's texts and, with `skeleton`, the modules ruff's isort tells first-party ones
    and packages by (it looks for `<source folder>/<name>` and `<name>.py`, and for the
    `__init__.py` files above a file): an empty file for each `__init__.py` on the disk and for
    each module outside a package."""
    (mirror / ".git").mkdir()
    files: dict[str, bytes | None] = {
        path: None for path in project.paths if path.rpartition("/")[2] in CONFIGURATION
    }
    if skeleton:
        python = set(project.python_paths())
        packages = {path.rpartition("/")[0] for path in python if _is_init(path)}
        files |= {
            path: b""
            for path in python
            if path not in texts and (_is_init(path) or path.rpartition("/")[0] not in packages)
        }
    made: set[Path] = set()
    for path, empty in files.items():
        source = project.root / path
        if source.is_file():
            _write(mirror / path, source.read_bytes() if empty is None else empty, made)
    for path, text in texts.items():
        _write(mirror / path, text.encode("utf-8"), made)


def _is_init(path: str) -> bool:
    return path == "__init__.py" or path.endswith("/__init__.py")


def _names(errors: str, path: str, mirror: Path) -> bool:
    """Does a formatter's stderr name the file at `path` in `mirror` (absolute, or relative to
    the mirror as ruff names it), followed by `:`, a space or the end of a line?"""
    names = "|".join(re.escape(name) for name in (str(mirror / path), path))
    return re.search(rf"(?<![\w./-])(?:{names})(?=[:\s]|$)", errors) is not None


def _write(path: Path, data: bytes, made: set[Path]) -> None:
    if path.parent not in made:
        path.parent.mkdir(parents=True, exist_ok=True)
        made.add(path.parent)
    path.write_bytes(data)


def _groups(formatter: Formatter, project: Project, paths: Sequence[str]) -> list[list[str]]:
    """The files one run may take together: for black, those with the same project root (the
    nearest folder above a file holding a pyproject.toml, else the repository's root: one run
    finds a single root, from the folder all its files are in); isort reads the settings it is
    given and ruff finds the configuration of each file."""
    if formatter.name != "black":
        return [list(paths)]
    roots = {
        path.rpartition("/")[0]
        for path in project.paths
        if path.rpartition("/")[2] == "pyproject.toml"
    }
    groups: dict[str, list[str]] = {}
    for path in paths:
        folder = path.rpartition("/")[0]
        while folder and folder not in roots:
            folder = folder.rpartition("/")[0]
        groups.setdefault(folder, []).append(path)
    return list(groups.values())


def _ran(formatter: Formatter, count: int) -> Note:
    files = "file" if count == 1 else "files"
    return Note(
        "",
        None,
        f"formatted {count} {files} this step wrote with {formatter.name}, as "
        f"{formatter.source} configures",
    )


def _missing(formatter: Formatter) -> Note:
    return Note(
        "",
        None,
        f"{formatter.source} configures {formatter.name}, which is not installed where "
        f"djrefactor runs; run `{formatter.name}` on the files this step wrote "
        f"(or install {formatter.program} and plan again)",
    )
