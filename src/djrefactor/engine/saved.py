"""Saved plans (Terraform's `plan -out`): `plan --save FILE` records the plan with the commit,
the tracked files and the configuration it was computed from; `apply --plan FILE` commits
exactly that plan, without recomputing it, if none of them changed since."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from djrefactor import __version__
from djrefactor.config import Config, Options, read_config
from djrefactor.engine.plan_data import plan_data, plan_from
from djrefactor.engine.session import Planned
from djrefactor.errors import DjrefactorError
from djrefactor.git import Repository
from djrefactor.model import Plan

FORMAT = "djrefactor-plan"
VERSION = 1


@dataclass(frozen=True)
class SavedPlan:
    """A saved plan, checked against the repository it will be applied to."""

    repo: Repository
    plan: Plan
    folder: str
    config: Config


# -- saving ------------------------------------------------------------------------------------
def save_plan(planned: Planned, file: Path) -> None:
    session = planned.session
    head = session.repo.head()
    document = {
        "format": FORMAT,
        "version": VERSION,
        "djrefactor": __version__,
        "head": head.sha,
        "folder": session.folder,
        "options": asdict(session.options),
        "config": session.project.config.fingerprint(),
        "tree": tree_fingerprint(session.repo, session.tracked),
        "plan": plan_data(planned.plan),
    }
    write_file(file, (json.dumps(document, indent=1, ensure_ascii=False) + "\n").encode())


def tree_fingerprint(repo: Repository, tracked: Mapping[str, str]) -> dict[str, str]:
    """Each tracked path's git mode and a hash of what the working tree holds there."""
    return {path: f"{mode} {_content_hash(repo.root / path)}" for path, mode in tracked.items()}


def _content_hash(full: Path) -> str:
    try:
        info = os.lstat(full)
        if stat.S_ISLNK(info.st_mode):
            data = os.readlink(full).encode("utf-8", "surrogateescape")
        elif stat.S_ISREG(info.st_mode):
            data = full.read_bytes()
        else:
            return "folder"
    except FileNotFoundError:
        return "missing"
    except OSError:
        return "unreadable"
    return hashlib.sha256(data).hexdigest()[:20]


# -- loading -----------------------------------------------------------------------------------
def load_saved_plan(path: Path, file: Path) -> SavedPlan:
    """The plan saved in `file`, if the repository at `path` is still what it was computed on."""
    document = _read_document(file)
    repo = Repository.open(path)
    try:
        plan = plan_from(document["plan"])
        folder = str(document["folder"])
        options = Options(**{k: _options_value(k, v) for k, v in document["options"].items()})
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise DjrefactorError(f"{file}: not a saved djrefactor plan (bad {exc})") from None
    sha = repo.head().sha
    if sha != document["head"]:
        now = sha[:10] if sha else "no commit"
        raise DjrefactorError(
            f"{file}: HEAD moved since the plan was saved (it was {str(document['head'])[:10]}, "
            f"it is {now}); run `djrefactor plan --save` again"
        )
    _check_tree(repo, file, document["tree"])
    root = repo.root
    config = read_config(root, root / folder if folder else None).overridden(options)
    if config.fingerprint() != document["config"]:
        raise DjrefactorError(
            f"{file}: the [tool.djrefactor] configuration changed since the plan was saved; "
            "run `djrefactor plan --save` again"
        )
    return SavedPlan(repo, plan, folder, config)


def _read_document(file: Path) -> dict[str, Any]:
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DjrefactorError(f"{file}: no such file; save a plan with `plan --save`") from None
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) else "not UTF-8"
        raise DjrefactorError(f"{file}: cannot read ({why})") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DjrefactorError(
            f"{file}: not a saved djrefactor plan (invalid JSON: {exc.msg})"
        ) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise DjrefactorError(f"{file}: not a saved djrefactor plan")
    if document.get("version") != VERSION or document.get("djrefactor") != __version__:
        raise DjrefactorError(
            f"{file}: saved by djrefactor {document.get('djrefactor')} (format "
            f"{document.get('version')}), this is {__version__}; run `djrefactor plan --save` again"
        )
    return document


def _check_tree(repo: Repository, file: Path, saved: dict[str, str]) -> None:
    now = tree_fingerprint(repo, repo.tracked())
    changed = sorted(path for path in set(saved) | set(now) if saved.get(path) != now.get(path))
    if changed:
        more = f" and {len(changed) - 1} more" if len(changed) > 1 else ""
        raise DjrefactorError(
            f"{file}: {changed[0]}{more} changed since the plan was saved; run "
            "`djrefactor plan --save` again"
        )


def _options_value(key: str, value: Any) -> Any:
    if key == "settings":
        return None if value is None else str(value)
    return tuple(str(item) for item in value)


# -- files -------------------------------------------------------------------------------------
def check_target(path: Path) -> None:
    """Refuse a file name `write_file` cannot write, before any work is done."""
    if path.is_dir():
        raise DjrefactorError(f"{path}: is a folder; give the name of a file to write")
    if not path.parent.is_dir():
        raise DjrefactorError(f"{path}: no such folder {path.parent}; create it first")


def write_file(path: Path, data: bytes) -> None:
    """Write `data` to `path` whole or not at all (a temporary file renamed over it)."""
    check_target(path)
    folder = path.parent
    try:
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.")
    except OSError as exc:
        raise DjrefactorError(f"{path}: cannot write ({exc.strerror})") from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise DjrefactorError(f"{path}: cannot write ({exc.strerror})") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
