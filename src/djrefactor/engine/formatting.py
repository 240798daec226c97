"""The project's own formatters on the files a step changed, so that a commit leaves them as the
team's tools would (LibCST's codemod runner does the same with its configured formatter).

Configured means named in the project: `[tool.isort]`, `[isort]` (setup.cfg, tox.ini,
.isort.cfg), `[tool.black]`, `[tool.ruff.format]` (pyproject.toml, ruff.toml), ruff's isort rules
(`I` selected in ruff's lint settings, fixed with `ruff check --select I --fix`), or a hook of
.pre-commit-config.yaml. Each runs on the text in memory (stdin to stdout) from the repository
root, with `--stdin-filename` so that it reads the project's configuration; the user's files
are never touched. A formatter that is configured but not installed is a note.

isort and black are Python programs whose start-up is most of what they cost on one file (black
about 0.7 s, isort 0.2 s): one process per file made a step of 400 files cost minutes. They run
once per step on copies of the step's files in a temporary mirror of the repository that holds
what their configuration lookup reads (isort is pointed at the project's settings, as on stdin;
black finds the same project root and pyproject.toml relative to each file), so they format
each file as they format its text on stdin. If that run fails (a file it cannot parse), each
file is formatted on its own, which names the file it rejects. ruff starts in milliseconds and
keeps one process per file.
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
            first = [arg for package in new for arg in ("-p", package)]
            return [executable, "--settings-path", str(root / self.folder), *first, "-"]
        if self.name == "black":
            return [executable, "-q", "--stdin-filename", path, "-"]
        if self.name == RUFF_ISORT:
            fix = ["check", "--select", "I", "--fix", "--exit-zero", "--quiet"]
            if new:
                known = json.dumps([*self.first_party, *new])
                fix += ["--config", f"lint.isort.known-first-party = {known}"]
            return [executable, *fix, "--force-exclude", "--stdin-filename", path, "-"]
        return [executable, "format", "--force-exclude", "--stdin-filename", path, "-"]

    def batch_command(
        self, executable: str, files: Sequence[str], root: Path, new: Sequence[str]
    ) -> list[str]:
        """The command line formatting `files` in place (isort and black only)."""
        if self.name == "isort":
            first = [arg for package in new for arg in ("-p", package)]
            return [executable, "--settings-path", str(root / self.folder), *first, "-q", *files]
        assert self.name == "black", self.name
        return [executable, "-q", *files]


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
        failed: list[Note] = []
        alone = paths
        if formatter.name in BATCHED and len(paths) > 1:
            if progress is not None:
                progress(f"{formatter.name} ({len(paths)} files)", 0, len(paths))
            batched = _run_batch(formatter, program, after, {p: texts[p] for p in paths}, new)
            if batched is not None:
                done, rejected = batched
                texts.update(done)
                alone = [path for path in paths if path in rejected]
        for index, path in enumerate(alone):
            if progress is not None:
                progress(f"{formatter.name} {path}", index, len(alone))
            command = formatter.command(program, path, after.root, new)
            texts[path] = _run(formatter.name, command, path, texts[path], after.root, failed)
        notes.append(_ran(formatter, len(paths) - len(failed)))
        notes += failed
    changed = {path: text for path, text in texts.items() if text != after.text(path)}
    return (after.evolve(changed, {}, ()) if changed else after), tuple(notes)


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


BATCHED = frozenset({"isort", "black"})
"""The formatters run once per step on a mirror of its files (see the module's docstring)."""


def _run_batch(
    formatter: Formatter,
    program: str,
    project: Project,
    texts: Mapping[str, str],
    new: Sequence[str],
) -> tuple[dict[str, str], set[str]] | None:
    """`texts` (path -> text) as `formatter` leaves them when it runs once on all of them, in a
    temporary mirror of the repository, and the files it rejected (black names each on stderr,
    whatever the wording of its version: they are formatted again on their own, which gives
    the note its reason); None when the run
    fails otherwise or cannot start."""
    with tempfile.TemporaryDirectory(prefix="djrefactor-format-") as folder:
        mirror = Path(folder)
        (mirror / ".git").mkdir()  # black's project root is where the repository's is
        for name in _black_roots(project):
            if (project.root / name).is_file():
                _write(mirror / name, (project.root / name).read_bytes())
        for path, text in texts.items():
            _write(mirror / path, text.encode("utf-8"))
        groups = _groups(formatter, project, list(texts))
        env = {**os.environ, "BLACK_CACHE_DIR": str(mirror / ".git" / "black")}
        by_file = {str(mirror / path): path for path in texts}
        rejected: set[str] = set()
        for group in groups:
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
                named = {by_file[f] for f in files if f + ":" in errors or f + " " in errors}
                if formatter.name != "black" or not named:
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
    kept = {path: text if text or not texts[path] else texts[path] for path, text in found.items()}
    return kept, rejected


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _black_roots(project: Project) -> list[str]:
    """The repository's pyproject.toml files: black's project root for a file is the nearest
    folder above it holding one (or the repository's root)."""
    return [
        path
        for path in project.paths
        if path == "pyproject.toml" or path.endswith("/pyproject.toml")
    ]


def _groups(formatter: Formatter, project: Project, paths: Sequence[str]) -> list[list[str]]:
    """The files one run may take together: for black, those with the same project root (one
    run finds a single root, from the folder all its files are in); isort reads the settings
    it is given."""
    if formatter.name != "black":
        return [list(paths)]
    roots = {path.rpartition("/")[0] for path in _black_roots(project)}
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
