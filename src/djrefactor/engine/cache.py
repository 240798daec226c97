"""The step cache: a step djrefactor computed before, on the same input, is read back instead
of computed again. The `apply` after a `plan`, a second `plan` of an unchanged repository, a
plan with one codemod more or less (`--only`, `--skip`), and `run STEP` after a `plan` of the
commit it starts from all read what they can.

A step is a function of its input: the snapshot the codemod runs on (the path and text of every
file, and the names of the files held without text), the configuration, the code of djrefactor
and of its codemods, and the formatters the project runs. The key of a step is a hash of all of
them, so any change to one (a file, `[tool.djrefactor]`, an upgrade, a new black) is a miss and
the step is computed afresh: a cached step is never stale. What does not change a step does not
change its key: the branch `apply` makes, and which other codemods run (a step after a skipped
one has another input, so another key). Entries live in git's own folder
(`.git/djrefactor/cache/`, never in the working tree or the index), compressed; the newest few
plans' worth are kept. Set DJREFACTOR_NO_CACHE=1 to bypass the cache.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib
import io
import json
import os
import tempfile
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import replace
from functools import cache
from pathlib import Path

from djrefactor import __version__
from djrefactor.config import Config
from djrefactor.engine.formatting import configured, executable
from djrefactor.engine.plan_data import step_data, step_from
from djrefactor.engine.registry import Codemod
from djrefactor.model import Step
from djrefactor.project import Project

KEEP = 24
"""Entries kept: a few plans of every codemod (and the `run STEP` and `--only` variants)."""
FORMAT = 2
SUFFIX = ".json.gz"
"""An entry is its step as JSON, compressed: the texts it holds shrink about twelvefold, for
some 10 ms per megabyte written."""


def enabled() -> bool:
    return os.environ.get("DJREFACTOR_NO_CACHE", "") in ("", "0")


class StepCache:
    """The steps stored in `folder`, for plans of the project in `project_folder` (relative to
    the repository root) made with `config`."""

    def __init__(self, folder: Path, config: Config, project_folder: str) -> None:
        self.folder = folder
        # `branch` is where apply commits and `only`/`skip` choose the steps: none of them
        # changes what a step computes
        relevant = replace(config, branch="", only=(), skip=())
        self._base = (
            f"format {FORMAT}",
            f"djrefactor {__version__} {_code_fingerprint()}",
            f"folder {project_folder}",
            "config " + relevant.fingerprint(),
        )

    def key(self, project: Project, codemod: Codemod) -> str:
        """The hash of everything `codemod`'s step on `project` depends on."""
        digest = hashlib.sha256()
        for part in (
            *self._base,
            f"codemod {codemod.name}",
            "formatters " + " ".join(_formatter_fingerprints(project)),
        ):
            digest.update(part.encode() + b"\0")
        for path in project.paths:
            digest.update(path.encode("utf-8", "surrogateescape") + b"\0")
            digest.update(project.text(path).encode("utf-8", "surrogateescape") + b"\0")
        # files without text still count by name: a package move renames (or refuses) them,
        # and git supplies their contents when the plan is committed
        for kind, paths in (("opaque", project.opaque_paths), ("fixed", project.fixed_paths)):
            for path in sorted(paths):
                digest.update(f"{kind} {path}".encode("utf-8", "surrogateescape") + b"\0")
        return digest.hexdigest()

    def _entry(self, key: str) -> Path:
        return self.folder / f"{key}{SUFFIX}"

    def recall(self, key: str) -> tuple[Step, dict[str, str]] | None:
        """The step stored under `key` and its renames, or None (absent, unreadable or from
        another format)."""
        entry = self._entry(key)
        try:
            data = json.loads(gzip.decompress(entry.read_bytes()).decode("utf-8"))
            step = step_from(data["step"])
            renames = {str(old): str(new) for old, new in dict(data["renames"]).items()}
            os.utime(entry)  # the newest entries are the ones kept
        except (OSError, EOFError, zlib.error, ValueError, KeyError, TypeError, AttributeError):
            return None
        return step, renames

    def keep(self, key: str, step: Step, renames: Mapping[str, str]) -> None:
        """Store `step` under `key`, whole or not at all; a cache that cannot be written is
        skipped (it only saves time)."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".entry.")
        except OSError:
            return
        try:
            with (
                os.fdopen(handle, "wb") as raw,
                gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=1, mtime=0) as packed,
                io.TextIOWrapper(packed, encoding="utf-8") as stream,
            ):
                json.dump({"step": step_data(step), "renames": dict(renames)}, stream)
            os.replace(temporary, self._entry(key))
            _prune(self.folder)
        except OSError:
            Path(temporary).unlink(missing_ok=True)
        except BaseException:  # a signal: no half-written entry stays behind
            Path(temporary).unlink(missing_ok=True)
            raise


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


def _prune(folder: Path) -> None:
    # `*.json`: the plan entries of djrefactor before the step cache, pruned like the others
    entries = sorted(folder.glob("*.json*"), key=lambda entry: entry.stat().st_mtime_ns)
    for old in entries[:-KEEP]:
        old.unlink(missing_ok=True)
