"""Moving a whole package: every file below it (those djrefactor does not read as pure renames),
relative imports that reach out of it, config files naming its folder, the plan's file changes,
the diff `git apply` accepts and the commit apply builds with the file's own blob."""

from __future__ import annotations

import os
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from djrefactor import engine
from djrefactor.config import Config, Options
from djrefactor.engine import apply_changes, build_plan, file_changes, new_project
from djrefactor.engine.loading import load_project
from djrefactor.model import Changes, Redirect
from djrefactor.project import Project
from djrefactor.render import diff
from tests.helpers import git_run, make_repo


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xcc\xcc\xcc")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


FILES = {
    "manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')\n",
    "mysite/__init__.py": "",
    "mysite/settings.py": 'INSTALLED_APPS = ["shop"]\n',
    "mysite/utils.py": "def slug(text):\n    return text\n",
    "mysite/shop/__init__.py": "from .models import Order\n",
    "mysite/shop/models.py": "from ..utils import slug\nfrom . import signals\n\n\nclass Order:\n"
    "    pass\n",
    "mysite/shop/signals.py": "",
    "mysite/shop/sub/__init__.py": "from .. import models\nfrom ...utils import slug\n",
    "mysite/shop/templates/shop/base.html": '{% include "mysite/shop/x.html" %}\n',
    "setup.cfg": "[coverage:run]\nomit = mysite/shop/migrations/*\n    ./mysite/shop/\n"
    "    other_mysite/shop/x.py\n",
    "main.py": "from mysite.shop.models import Order\n",
}


def project(opaque: tuple[str, ...] = (), fixed: tuple[str, ...] = ()) -> Project:
    return new_project(Path("/nowhere"), dict(FILES), Config(), None, opaque, fixed)


def test_a_package_moves_with_every_file_below_it() -> None:
    after, renames = apply_changes(project(), Changes(moves={"mysite.shop": "apps.shop"}))
    moved = [path for path in FILES if path.startswith("mysite/shop/")]
    assert renames == {path: "apps/shop/" + path[len("mysite/shop/") :] for path in moved}
    assert not [path for path in after.paths if path.startswith("mysite/shop/")]
    assert after.text("apps/__init__.py") == ""
    assert after.text("main.py") == "from apps.shop.models import Order\n"


def test_relative_imports_inside_the_package_stay_and_those_reaching_out_are_absolute() -> None:
    after, _ = apply_changes(project(), Changes(moves={"mysite.shop": "apps.shop"}))
    assert after.text("apps/shop/__init__.py") == "from .models import Order\n"
    assert after.text("apps/shop/models.py").startswith(
        "from mysite.utils import slug\nfrom . import signals\n"
    )
    assert after.text("apps/shop/sub/__init__.py") == (
        "from .. import models\nfrom mysite.utils import slug\n"
    )


def test_config_files_naming_the_folder_follow_and_templates_do_not() -> None:
    after, _ = apply_changes(project(), Changes(moves={"mysite.shop": "apps.shop"}))
    assert after.text("setup.cfg") == (
        "[coverage:run]\nomit = apps/shop/migrations/*\n    ./apps/shop/\n"
        "    other_mysite/shop/x.py\n"
    )
    assert (
        after.text("apps/shop/templates/shop/base.html")
        == FILES["mysite/shop/templates/shop/base.html"]
    )


def test_files_djrefactor_does_not_read_move_as_pure_renames() -> None:
    before = project(opaque=("mysite/shop/static/shop/logo.png", "static/site.png"))
    after, renames = apply_changes(before, Changes(moves={"mysite.shop": "apps.shop"}))
    assert after.opaque_paths == {"apps/shop/static/shop/logo.png", "static/site.png"}
    assert renames["mysite/shop/static/shop/logo.png"] == "apps/shop/static/shop/logo.png"
    [change] = [c for c in file_changes(before, after, renames) if c.opaque]
    assert (change.old_path, change.new_path, change.old_text, change.new_text) == (
        "mysite/shop/static/shop/logo.png",
        "apps/shop/static/shop/logo.png",
        "",
        "",
    )
    assert diff([change]) == (
        "diff --git a/mysite/shop/static/shop/logo.png b/apps/shop/static/shop/logo.png\n"
        "similarity index 100%\n"
        "rename from mysite/shop/static/shop/logo.png\n"
        "rename to apps/shop/static/shop/logo.png\n"
    )


def test_a_package_holding_a_file_that_must_stay_cannot_move() -> None:
    with pytest.raises(ValueError, match="mysite/shop/link.js must stay where it is"):
        apply_changes(project(fixed=("mysite/shop/link.js",)), Changes(moves={"mysite.shop": "x"}))


def test_a_file_written_then_moved_with_its_package_is_a_new_file_at_its_new_place() -> None:
    before = project()
    changes = Changes(writes={"mysite/shop/apps.py": "X = 1\n"}, moves={"mysite.shop": "apps.shop"})
    after, renames = apply_changes(before, changes)
    created = [c for c in file_changes(before, after, renames) if c.kind == "create"]
    assert {c.new_path for c in created} == {"apps/__init__.py", "apps/shop/apps.py"}


def test_the_plan_total_follows_an_opaque_file_over_two_moves() -> None:
    def first(project: Project) -> Changes:
        return Changes(moves={"mysite.shop": "shop"})

    def second(project: Project) -> Changes:
        return Changes(moves={"shop": "apps.shop"})

    steps = [
        engine.Codemod(name=name, summary=name, doc="", after=(), run=run)
        for name, run in (("first", first), ("second", second))
    ]
    plan = build_plan(project(opaque=("mysite/shop/logo.png",)), steps)
    [change] = [c for c in plan.total if c.opaque]
    assert (change.old_path, change.new_path) == ("mysite/shop/logo.png", "apps/shop/logo.png")


def test_app_redirects_keep_label_strings_and_follow_module_strings() -> None:
    files = {
        "shop/__init__.py": "",
        "shop/urls.py": "",
        "main.py": 'A = ("shop", "shop.Order", "shop.order", "shop:index", "shop.urls")\n'
        'INSTALLED_APPS = ["shop"]\n',
        "README.md": "Run shop.urls\n",
        "pytest.ini": "[pytest]\naddopts = --cov=shop\n",
    }
    before = new_project(Path("/nowhere"), files, Config())
    redirect = Redirect("shop", "apps.shop", app=True)
    after, _ = apply_changes(before, Changes(moves={"shop": "apps.shop"}, redirects=(redirect,)))
    assert after.text("main.py") == (
        'A = ("shop", "shop.Order", "shop.order", "shop:index", "apps.shop.urls")\n'
        'INSTALLED_APPS = ["apps.shop"]\n'
    )
    assert after.text("README.md") == "Run shop.urls\n"  # docs and templates: never
    assert after.text("pytest.ini") == "[pytest]\naddopts = --cov=apps.shop\n"


# -- loading and committing ---------------------------------------------------------------------
def test_the_loader_keeps_what_it_cannot_read_apart(tmp_path: Path) -> None:
    (tmp_path / "shop/static").mkdir(parents=True)
    (tmp_path / "shop/node_modules").mkdir()
    (tmp_path / "shop/static/logo.png").write_bytes(png())
    (tmp_path / "shop/node_modules/lib.js").write_text("x\n")
    (tmp_path / "shop/legacy.py").write_text("x = 1\n")
    (tmp_path / "shop/views.py").write_text("x = 1\n")
    os.symlink("views.py", tmp_path / "shop/alias.py")
    tracked = ["shop/static/logo.png", "shop/node_modules/lib.js", "shop/legacy.py"]
    tracked += ["shop/views.py", "shop/alias.py"]
    loaded = load_project(tmp_path, tracked, Config(exclude=("shop/legacy.py",)))
    assert loaded.paths == ("shop/views.py",)
    assert loaded.opaque_paths == {"shop/static/logo.png", "shop/node_modules/lib.js"}
    assert loaded.fixed_paths == {"shop/legacy.py", "shop/alias.py"}


def move_shop(project: Project) -> Changes:
    return Changes(moves={"shop": "apps.shop"})


def test_apply_commits_a_binary_rename_with_its_own_blob_and_git_apply_agrees(
    tmp_path: Path,
) -> None:
    root = make_repo(tmp_path / "applied")
    (root / "shop/static/shop").mkdir(parents=True)
    (root / "shop/static/shop/logo.png").write_bytes(png())
    git_run(root, "add", "-A")
    git_run(root, "commit", "-q", "-m", "logo")
    blob = git_run(root, "rev-parse", "HEAD:shop/static/shop/logo.png").strip()

    session = engine.open_session(root, Options())
    step = engine.Codemod(name="move-shop", summary="move", doc="", after=(), run=move_shop)
    plan = engine.finish_plan(session, build_plan(session.project, [step]))
    patch = diff(plan.total)
    engine.apply_plan(session.repo, plan, "moved")
    assert git_run(root, "rev-parse", "HEAD:apps/shop/static/shop/logo.png").strip() == blob
    assert (root / "apps/shop/static/shop/logo.png").read_bytes() == png()
    assert not (root / "shop").exists()

    patched = tmp_path / "patched"
    subprocess.run(["git", "clone", "-q", "-b", "main", str(root), str(patched)], check=True)
    subprocess.run(["git", "apply", "--index"], input=patch.encode(), cwd=patched, check=True)
    tree = git_run(patched, "write-tree").strip()
    assert tree == git_run(root, "rev-parse", "HEAD^{tree}").strip()


SETTINGS_PACKAGE = {
    "mysite/__init__.py": "",
    "mysite/settings/__init__.py": "",
    "mysite/settings/common.py": "DEBUG = False\n",
    "mysite/settings/local.py": "from .common import *\n",
    "mysite/urls.py": "urlpatterns = []\n",
    ".coveragerc": "[run]\nomit =\n  mysite/settings/*\n  mysite/urls.py\n  mysite/*.txt\n",
}


def settings_moved(
    moves: dict[str, str], deletes: frozenset[str] = frozenset({"mysite/settings/__init__.py"})
) -> Project:
    before = new_project(Path("/nowhere"), dict(SETTINGS_PACKAGE), Config(), None, (), ())
    writes = {"config/settings/__init__.py": ""} if deletes else {}
    return apply_changes(before, Changes(writes=writes, moves=moves, deletes=deletes))[0]


def test_a_folder_whose_modules_all_moved_one_by_one_is_followed_in_config_files() -> None:
    after = settings_moved(
        {
            "mysite.settings.common": "config.settings.common",
            "mysite.settings.local": "config.settings.local",
        }
    )
    assert after.text(".coveragerc") == (
        "[run]\nomit =\n  config/settings/*\n  mysite/urls.py\n  mysite/*.txt\n"
    )


def test_a_folder_some_of_whose_modules_stay_keeps_its_name_in_config_files() -> None:
    after = settings_moved(
        {"mysite.settings.common": "config.settings.common"}, deletes=frozenset()
    )
    assert after.text(".coveragerc") == SETTINGS_PACKAGE[".coveragerc"]


def test_a_folder_whose_modules_went_to_different_places_keeps_its_name() -> None:
    after = settings_moved(
        {"mysite.settings.common": "config.settings.common", "mysite.settings.local": "dev.local"}
    )
    assert "  mysite/settings/*\n" in after.text(".coveragerc")
