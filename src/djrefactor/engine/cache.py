"""The plan cache: the `apply` after a `plan`, or a second `plan` of an unchanged repository,
reads the plan computed last time instead of computing it again.

A plan is a function of its inputs: the text of every file djrefactor loaded, the configuration,
the codemods selected, the code of djrefactor itself and the formatters the project runs. The
cache key is a hash of all of them, so any change (a file, `[tool.djrefactor]`, `--skip`, an
upgrade, a new black) is a miss and the plan is computed afresh: a cached plan is never stale.
Entries live in git's own folder (`.git/djrefactor/cache/`, never in the working tree or the
index); the newest few are kept. Set DJREFACTOR_NO_CACHE=1 to bypass the cache.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path

from djrefactor import __version__
from djrefactor.engine.formatting import configured, executable
from djrefactor.engine.plan_data import plan_data, plan_from
from djrefactor.engine.registry import Codemod
from djrefactor.model import Plan
from djrefactor.project import Project

KEEP = 4
"""Entries kept: enough for a plan, a tweak and the apply after either."""
FORMAT = 1


def enabled() -> bool:
    return os.environ.get("DJREFACTOR_NO_CACHE", "") in ("", "0")


def plan_key(project: Project, codemods: Sequence[Codemod], folder: str) -> str:
    """The hash of everything the plan of `project` depends on."""
    digest = hashlib.sha256()
    for part in (
        f"format {FORMAT}",
        f"djrefactor {__version__} {_code_fingerprint()}",
        f"folder {folder}",
        "codemods " + " ".join(codemod.name for codemod in codemods),
        "config " + project.config.fingerprint(),
        "formatters " + " ".join(_formatter_fingerprints(project)),
    ):
        digest.update(part.encode() + b"\0")
    for path in project.paths:
        digest.update(path.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(project.text(path).encode("utf-8", "surrogateescape") + b"\0")
    # files without text still count by name: a package move renames (or refuses) them, and
    # git supplies their contents when the plan is committed
    for kind, paths in (("opaque", project.opaque_paths), ("fixed", project.fixed_paths)):
        for path in sorted(paths):
            digest.update(f"{kind} {path}".encode("utf-8", "surrogateescape") + b"\0")
    return digest.hexdigest()


@cache
def _code_fingerprint() -> str:
    """A hash of djrefactor's own code and of its codemods (an editable install changes
    without a new version number)."""
    codemods = importlib.import_module("djrefactor.codemods")
    folders = [Path(__file__).parents[1], *map(Path, codemods.__path__)]
    digest = hashlib.sha256()
    for file in sorted({f for folder in folders for f in folder.rglob("*.py")}):
        digest.update(str(file).encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


def _formatter_fingerprints(project: Project) -> Iterable[str]:
    for formatter in configured(project):
        program = executable(formatter.program)
        if program is None:
            yield f"{formatter.name}:missing"
            continue
        info = os.stat(program)
        yield f"{formatter.name}:{program}:{info.st_size}:{info.st_mtime_ns}"


def load(folder: Path, key: str) -> Plan | None:
    """The plan stored under `key`, or None (absent, unreadable or from another format)."""
    entry = folder / f"{key}.json"
    try:
        plan = plan_from(json.loads(entry.read_text(encoding="utf-8")))
        os.utime(entry)  # the newest entries are the ones kept
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return plan


def store(folder: Path, key: str, plan: Plan) -> None:
    """Keep `plan` under `key`, whole or not at all; a cache that cannot be written is skipped
    (it only saves time)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".entry.")
    except OSError:
        return
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(plan_data(plan), stream, ensure_ascii=False)
        os.replace(temporary, folder / f"{key}.json")
        _prune(folder)
    except OSError:
        Path(temporary).unlink(missing_ok=True)
    except BaseException:  # a signal: no half-written entry stays behind
        Path(temporary).unlink(missing_ok=True)
        raise


def _prune(folder: Path) -> None:
    entries = sorted(folder.glob("*.json"), key=lambda entry: entry.stat().st_mtime_ns)
    for old in entries[:-KEEP]:
        old.unlink(missing_ok=True)
