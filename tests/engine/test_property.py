"""Property: for generated small Django projects (random exec bits, symlinks to files and to
folders, CRLF and UTF-8 BOM files, non-ASCII file names), `git apply` of `plan --out` gives
exactly the tree `apply` commits, and the plan saved alongside, applied later, gives that tree
again."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import MINI_DJANGO, dedent, git_run
from tests.test_cli import djrefactor

BASE = {path: text or "" for path, text in dedent(dict(MINI_DJANGO)).items()}
EXTRA = {
    "docs/déploiement.txt": "DJANGO_SETTINGS_MODULE=mysite.settings\ngunicorn mysite.wsgi\n",
    "shop/café.py": "from mysite.settings import DEBUG\n\nSHOWN = DEBUG\n",
    "scripts/démarrer.sh": "#!/bin/sh\nexec gunicorn mysite.wsgi:application\n",
    "ops/naïve.ini": "[app]\nmodule = mysite.urls\n",
}
LINKS = {
    "views_link.py": "shop/views.py",
    "settings_link.py": "mysite/settings.py",
    "shop_alias": "shop",
    "docs/procfile_link": "../Procfile",
}


@dataclass
class Spec:
    files: dict[str, str]
    crlf: set[str] = field(default_factory=set)
    bom: set[str] = field(default_factory=set)
    executable: set[str] = field(default_factory=set)
    links: dict[str, str] = field(default_factory=dict)


@st.composite
def projects(draw: st.DrawFn) -> Spec:
    extra = draw(st.sets(st.sampled_from(sorted(EXTRA))))
    files = dict(BASE, **{path: EXTRA[path] for path in extra})
    paths = sorted(files)
    all_crlf = draw(st.booleans())
    crlf = set(paths) if all_crlf else draw(st.sets(st.sampled_from(paths)))
    python = [path for path in paths if path.endswith(".py")]
    bom = draw(st.sets(st.sampled_from(python)))
    executable = draw(st.sets(st.sampled_from(paths)))
    links = draw(st.sets(st.sampled_from(sorted(LINKS))))
    if "docs/procfile_link" in links and "docs/déploiement.txt" not in extra:
        links.discard("docs/procfile_link")
    return Spec(files, crlf, bom, executable, {link: LINKS[link] for link in links})


def build(root: Path, spec: Spec) -> None:
    for path, text in spec.files.items():
        data = text.replace("\n", "\r\n") if path in spec.crlf else text
        full = root / path
        full.parent.mkdir(parents=True, exist_ok=True)
        full.write_bytes((b"\xef\xbb\xbf" if path in spec.bom else b"") + data.encode())
        full.chmod(0o755 if path in spec.executable else 0o644)
    for link, target in spec.links.items():
        (root / link).symlink_to(target)
    git_run(root, "init", "-q", "-b", "main")
    git_run(root, "config", "user.name", "Test")
    git_run(root, "config", "user.email", "test@example.com")
    git_run(root, "config", "core.autocrlf", "false")
    git_run(root, "add", "-A")
    git_run(root, "commit", "-q", "-m", "legacy project")


def tree_of(root: Path, ref: str) -> str:
    return git_run(root, "rev-parse", f"{ref}^{{tree}}").strip()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(projects())
def test_the_patch_the_branch_and_the_saved_plan_agree(spec: Spec) -> None:
    folder = Path(tempfile.mkdtemp(prefix="djrefactor-property-"))
    try:
        root = folder / "project"
        root.mkdir()
        build(root, spec)
        patch, saved = folder / "plan.patch", folder / "plan.json"
        planned = djrefactor("plan", "--out", str(patch), "--save", str(saved), ".", cwd=root)
        assert planned.exit_code == 0, planned.stderr
        applied = djrefactor("apply", "--no-verify", ".", cwd=root)
        assert applied.exit_code == 0, applied.stderr
        branch_tree = tree_of(root, "HEAD")

        git_run(root, "switch", "-q", "-c", "patched", "main")
        git_run(root, "apply", "--index", str(patch))
        assert git_run(root, "write-tree").strip() == branch_tree

        git_run(root, "reset", "-q", "--hard")
        git_run(root, "switch", "-q", "main")
        later = djrefactor(
            "apply", "--no-verify", "--plan", str(saved), "--branch", "again", ".", cwd=root
        )
        assert later.exit_code == 0, later.stderr
        assert tree_of(root, "again") == branch_tree
        for link, target in spec.links.items():
            assert (root / link).is_symlink() and (root / link).readlink() == Path(target)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
