"""What "the repository is unchanged" means in tests: refs, HEAD, the index file's bytes, git's
view of the working tree (untracked and ignored files included) and every file's bytes and mode.
"""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
from pathlib import Path


def git_quiet(root: Path, *args: str) -> str:
    # --no-optional-locks: looking must not refresh (rewrite) the index being compared
    completed = subprocess.run(
        ["git", "--no-optional-locks", *args], cwd=root, capture_output=True, text=True, check=True
    )
    return completed.stdout


def files_state(root: Path) -> dict[str, str]:
    """Every path under `root` but .git: folders, files (mode + hash), symlinks (target)."""
    found: dict[str, str] = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not (Path(folder) == root and d == ".git")]
        for name in dirs + files:
            full = Path(folder, name)
            info = os.lstat(full)
            rel = str(full.relative_to(root))
            if stat.S_ISLNK(info.st_mode):
                found[rel] = f"link {os.readlink(full)}"
            elif stat.S_ISDIR(info.st_mode):
                found[rel] = "folder"
            else:
                digest = hashlib.sha256(full.read_bytes()).hexdigest()
                found[rel] = f"{stat.S_IMODE(info.st_mode):o} {digest}"
    return found


def repo_state(root: Path) -> dict[str, object]:
    git_dir = root / ".git"
    return {
        "head": (git_dir / "HEAD").read_text(),
        "refs": git_quiet(root, "for-each-ref", "--format=%(refname) %(objectname)"),
        "index": (git_dir / "index").read_bytes(),
        "status": git_quiet(root, "status", "--porcelain=v2", "--untracked-files=all", "--ignored"),
        "files": files_state(root),
        "git_files": sorted(
            str(p.relative_to(git_dir))
            for p in git_dir.rglob("*")
            if "objects" not in p.relative_to(git_dir).parts and "logs" not in p.parts
        ),
    }


def on_complete_branch(root: Path, branch: str, steps: int) -> bool:
    """The user is on `branch`, which holds `steps` djrefactor commits, with a clean tree."""
    current = git_quiet(root, "symbolic-ref", "--short", "HEAD").strip()
    subjects = git_quiet(root, "log", "--format=%s", f"main..{branch}").splitlines()
    clean = git_quiet(root, "status", "--porcelain", "--untracked-files=no") == ""
    return current == branch and len(subjects) == steps and clean
