"""Undo an apply: delete the branch djrefactor created, only if it is unchanged since, and put
the user back on the branch apply started from.

What apply created is recorded in `<git dir>/djrefactor/branches.json`: branch, where it
started (branch and commit) and the tip it left."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from djrefactor.engine.interrupts import deferred_signals
from djrefactor.engine.saved import write_file
from djrefactor.errors import DjrefactorError
from djrefactor.git import GitError, Head, Repository


@dataclass(frozen=True)
class Undone:
    """What `undo` deleted, and where the user is now."""

    branch: str
    tip: str
    commits: int
    start: str
    switched: bool
    current: str | None


def _record_file(repo: Repository) -> Path:
    return repo.common_dir / "djrefactor" / "branches.json"


def _records(repo: Repository) -> list[dict[str, str]]:
    try:
        data: Any = json.loads(_record_file(repo).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(data, list):
        return []
    keys = ("branch", "start", "base", "tip")
    return [r for r in data if isinstance(r, dict) and all(isinstance(r.get(k), str) for k in keys)]


def _store(repo: Repository, records: list[dict[str, str]]) -> None:
    target = _record_file(repo)
    target.parent.mkdir(exist_ok=True)
    write_file(target, (json.dumps(records, indent=1) + "\n").encode())


def record_branch(repo: Repository, branch: str, head: Head, tip: str) -> None:
    records = [r for r in _records(repo) if r["branch"] != branch]
    records.append(
        {"branch": branch, "start": head.branch or "", "base": head.sha or "", "tip": tip}
    )
    _store(repo, records)


def undo(path: Path) -> Undone:
    """Delete the branch the last apply created (the current one, if djrefactor created it)."""
    repo = Repository.open(path)
    records = _records(repo)
    if not records:
        raise DjrefactorError(
            "nothing to undo: djrefactor has no record of a branch it created in this repository"
        )
    head = repo.head()
    record = next((r for r in reversed(records) if r["branch"] == head.branch), records[-1])
    branch, tip, start = record["branch"], record["tip"], record["start"]
    now = repo.branch_sha(branch)
    if now is None:
        _store(repo, [r for r in records if r is not record])
        raise DjrefactorError(f"nothing to undo: branch {branch} no longer exists")
    if now != tip:
        raise DjrefactorError(
            f"branch {branch} has changed since djrefactor created it ({tip[:10]} then, "
            f"{now[:10]} now); delete it yourself if you mean to (git branch -D {branch})"
        )
    switched = head.branch == branch
    if switched:
        _check_can_leave(repo, branch, start)
    commits = repo.count_commits(record["base"], tip)
    with deferred_signals():
        try:
            if switched:
                repo.switch(start)
            repo.delete_branch(branch, tip)
        except GitError as exc:
            where = repo.head().branch
            raise DjrefactorError(
                f"undo failed ({exc.reason}); branch {branch} is still there and you are on {where}"
            ) from None
        _store(repo, [r for r in records if r is not record])
    current = start if switched else head.branch
    return Undone(branch, tip, commits, start, switched, current)


def _check_can_leave(repo: Repository, branch: str, start: str) -> None:
    changed = repo.changed_files()
    if changed:
        shown = ", ".join(changed[:3]) + (" ..." if len(changed) > 3 else "")
        raise DjrefactorError(
            f"the working tree has uncommitted changes ({shown}); commit or stash them before "
            f"undo leaves {branch}"
        )
    if repo.branch_sha(start) is None:
        raise DjrefactorError(
            f"branch {start}, where apply started, no longer exists; switch to another branch, "
            "then run undo again"
        )
