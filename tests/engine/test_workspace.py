"""The in-memory workspace: loading, parsing once, snapshots, module <-> path mapping."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

from djrefactor import project as workspace
from djrefactor.config import Config
from djrefactor.discovery.files import is_reference_file
from djrefactor.engine.loading import (
    django_folders,
    in_project,
    load_project,
    new_project,
    project_folder,
)
from djrefactor.engine.moves import apply_changes
from djrefactor.errors import DjrefactorError
from djrefactor.model import Changes
from djrefactor.project import Project


def write_tree(root: Path, files: dict[str, str | bytes]) -> list[str]:
    for path, content in files.items():
        full = root / path
        full.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            full.write_bytes(content)
        else:
            full.write_text(content, encoding="utf-8")
    return sorted(files)


def project_of(texts: dict[str, str]) -> Project:
    return new_project(Path("/nowhere"), texts, Config())


# -- load_project -------------------------------------------------------------------------------
def test_load_reads_every_tracked_text_file_as_utf8(tmp_path):
    tracked = write_tree(
        tmp_path,
        {
            "manage.py": "import os\n",
            "shop/models.py": 'NAME = "Café Ünïcode"\n',
            "pytest.ini": "[pytest]\nDJANGO_SETTINGS_MODULE = shop.settings\n",
            "Procfile": "web: gunicorn shop.wsgi\n",
            ".github/workflows/ci.yml": "on: push\n",
            "README.md": "shop.settings\n",
            "bin/start": "#!/bin/sh\ngunicorn shop.wsgi\n",
            "docs/notes.txt": "shop.settings\n",
        },
    )
    project = load_project(tmp_path, tracked, Config())
    assert list(project.paths) == sorted(tracked)
    assert project.text("shop/models.py") == 'NAME = "Café Ünïcode"\n'
    assert project.text("bin/start") == "#!/bin/sh\ngunicorn shop.wsgi\n"
    assert list(project.python_paths()) == ["manage.py", "shop/models.py"]


def test_imports_of_a_loaded_file_come_from_its_syntax_check(tmp_path, monkeypatch):
    """The syntax check's `ast` parse is the only one: the imports of a file as loaded are
    read from it; a file a step writes is read again."""
    tracked = write_tree(
        tmp_path, {"manage.py": "", "shop/views.py": "from .models import Order\nimport os\n"}
    )
    project = load_project(tmp_path, tracked, Config())
    import djrefactor.analysis.imports as imports

    parsed: list[str] = []
    real = imports.ast.parse

    def counted(source: str, *args: object, **kwargs: object) -> object:
        parsed.append(source)
        return real(source, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(imports.ast, "parse", counted)
    names = [imported.dotted for imported in project.imports("shop/views.py").names]
    moved = project.renamed({"shop/views.py": "shop/web.py"})
    moved_names = [imported.dotted for imported in moved.imports("shop/web.py").names]
    written = project.evolve({"shop/views.py": "import sys\n"}, {}, ())
    written_names = [imported.dotted for imported in written.imports("shop/views.py").names]
    monkeypatch.undo()
    assert names == moved_names == ["shop.models.Order", "os"]
    assert written_names == ["sys"]
    assert parsed == ["import sys\n"]


def test_a_file_a_step_renders_keeps_the_imports_read_on_the_way(tmp_path, monkeypatch):
    """A written tree's import statements are read as its code is generated: asking its imports
    parses nothing."""
    tracked = write_tree(tmp_path, {"manage.py": "", "shop/views.py": "import os\n"})
    project = load_project(tmp_path, tracked, Config())
    tree = cst.parse_module("from .models import Order\n\ndef f():\n    import json\n")
    forms_text = "import sys\n\nsys.exit()\n"
    changes = Changes(writes={"shop/views.py": tree, "shop/forms.py": forms_text})
    import djrefactor.analysis.imports as imports

    parsed: list[str] = []
    real = imports.ast.parse

    def counted(source: str, *args: object, **kwargs: object) -> object:
        parsed.append(source)
        return real(source, *args, **kwargs)  # type: ignore[arg-type]

    after, _ = apply_changes(project, changes)
    monkeypatch.setattr(imports.ast, "parse", counted)
    views = after.imports("shop/views.py").names
    forms = after.imports("shop/forms.py").names
    monkeypatch.undo()
    assert [(i.dotted, i.line, i.top_level) for i in views] == [
        ("shop.models.Order", 1, True),
        ("json", 4, False),
    ]
    assert [i.dotted for i in forms] == ["sys"]
    assert parsed == [forms_text]  # a text the step wrote as it is: parsed once, when asked


def test_load_skips_binary_large_and_undecodable_files_that_name_no_module(tmp_path):
    tracked = write_tree(
        tmp_path,
        {
            "app.py": "A = 1\n",
            "static/logo.png": b"\x89PNG\r\n\x1a\n\x00\x00",
            "data/dump.json": "[" + "1, " * (1 << 19) + "1]\n",
            "docs/old.txt": "caf\xe9\n".encode("latin-1"),
            "docs/nul.txt": "a\x00b\n",
        },
    )
    assert list(load_project(tmp_path, tracked, Config()).paths) == ["app.py"]


def test_a_large_python_file_is_still_read(tmp_path):
    text = f"X = {'a' * (1 << 20)!r}\n"
    tracked = write_tree(tmp_path, {"big.py": text})
    assert load_project(tmp_path, tracked, Config()).text("big.py") == text


def test_symlinks_are_not_read(tmp_path):
    tracked = write_tree(tmp_path, {"shop/views.py": "V = 1\n"})
    (tmp_path / "views_link.py").symlink_to("shop/views.py")
    (tmp_path / "shop_link").symlink_to("shop")
    project = load_project(tmp_path, [*tracked, "views_link.py", "shop_link"], Config())
    assert list(project.paths) == ["shop/views.py"]


def test_an_unreadable_python_file_is_a_one_line_error(tmp_path, monkeypatch):
    tracked = write_tree(tmp_path, {"app/views.py": "V = 1\n", "notes.txt": "n\n"})
    real = Path.read_bytes

    def denied(self):
        if self.name in ("views.py", "notes.txt"):
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", denied)
    with pytest.raises(DjrefactorError) as error:
        load_project(tmp_path, tracked, Config())
    assert error.value.message == (
        "app/views.py: cannot read (Permission denied); make it readable or exclude it "
        "([tool.djrefactor] exclude)"
    )
    assert list(load_project(tmp_path, ["notes.txt"], Config()).paths) == []


def test_load_ignores_untracked_and_missing_files(tmp_path):
    write_tree(tmp_path, {"a.py": "A = 1\n", "untracked.py": "B = 2\n"})
    project = load_project(tmp_path, ["a.py", "deleted_in_worktree.py"], Config())
    assert list(project.paths) == ["a.py"]


def test_load_skips_vendored_dirs_and_configured_excludes(tmp_path):
    tracked = write_tree(
        tmp_path,
        {
            "app/views.py": "X = 1\n",
            "venv/lib/x.py": "broken(\n",
            "node_modules/pkg/setup.py": "broken(\n",
            "app/__pycache__/x.py": "broken(\n",
            "legacy/old.py": "print 'py2'\n",
            "env.py": "ENV = 1\n",
        },
    )
    project = load_project(tmp_path, tracked, Config(exclude=("legacy/*",)))
    # a file named like a skipped folder is still read: only folders are skipped
    assert list(project.paths) == ["app/views.py", "env.py"]


def test_latin1_file_is_a_one_line_error_naming_file_and_line(tmp_path):
    tracked = write_tree(
        tmp_path, {"app/old.py": "# ok\n# ok\nNAME = 'caf\xe9'\n".encode("latin-1")}
    )
    with pytest.raises(DjrefactorError) as error:
        load_project(tmp_path, tracked, Config())
    message = error.value.message
    assert message.startswith("app/old.py:3: not UTF-8")
    assert "\n" not in message


def test_latin1_reference_file_is_an_error_too(tmp_path):
    tracked = write_tree(tmp_path, {"Procfile": "web: caf\xe9\n".encode("latin-1")})
    with pytest.raises(DjrefactorError, match=r"^Procfile:1: not UTF-8"):
        load_project(tmp_path, tracked, Config())


def test_syntax_error_names_file_and_line(tmp_path):
    tracked = write_tree(
        tmp_path, {"ok.py": "A = 1\n", "app/bad.py": "A = 1\n\ndef f(:\n    pass\n"}
    )
    with pytest.raises(DjrefactorError) as error:
        load_project(tmp_path, tracked, Config())
    assert error.value.message.startswith("app/bad.py:3: cannot parse (")
    assert "\n" not in error.value.message


def test_excluded_unparsable_file_is_not_an_error(tmp_path):
    tracked = write_tree(tmp_path, {"bad.py": "def f(:\n"})
    assert not load_project(tmp_path, tracked, Config(exclude=("bad.py",))).paths


def test_utf8_bom_file_loads_and_parses(tmp_path):
    tracked = write_tree(tmp_path, {"app.py": "\ufeffimport os\n".encode()})
    project = load_project(tmp_path, tracked, Config())
    assert project.tree("app.py").body


def test_tree_parse_error_is_a_one_line_error():
    project = project_of({"bad.py": "x = (\n"})
    with pytest.raises(DjrefactorError, match=r"^bad\.py:\d+: cannot parse") as error:
        project.tree("bad.py")
    assert "\n" not in error.value.message


def test_text_of_unknown_path_is_an_error():
    with pytest.raises(DjrefactorError, match="nope.py: no such file"):
        project_of({}).text("nope.py")


# -- parsing once ------------------------------------------------------------------------------
@pytest.fixture
def parses(monkeypatch):
    calls: list[str] = []
    real = workspace.parse_module

    def counting(path: str, text: str) -> cst.Module:
        calls.append(path)
        return real(path, text)

    monkeypatch.setattr(workspace, "parse_module", counting)
    return calls


def test_tree_is_parsed_once_and_shared(parses):
    project = project_of({"a.py": "A = 1\n", "b.py": "B = 2\n"})
    first = project.tree("a.py")
    assert project.tree("a.py") is first
    project.tree("b.py")
    assert parses == ["a.py", "b.py"]


def test_mentions_is_textual_and_does_not_parse(parses):
    project = project_of({"a.py": "import stripe\n"})
    assert project.mentions("a.py", "twilio", "stripe")
    assert not project.mentions("a.py", "twilio")
    assert not project.mentions("missing.py", "stripe")
    assert parses == []


# -- snapshots ---------------------------------------------------------------------------------
def test_evolve_leaves_the_previous_snapshot_unchanged(parses):
    before = project_of({"a.py": "A = 1\n", "b.py": "B = 2\n", "c.py": "C = 3\n"})
    old_a = before.tree("a.py")
    after = before.evolve({"a.py": "A = 10\n", "d.py": "D = 4\n"}, {}, ["c.py"])
    assert list(before.paths) == ["a.py", "b.py", "c.py"]
    assert before.text("a.py") == "A = 1\n"
    assert before.tree("a.py") is old_a
    assert list(after.paths) == ["a.py", "b.py", "d.py"]
    assert after.text("a.py") == "A = 10\n"
    assert after.tree("a.py").code == "A = 10\n"  # the stale tree is not reused


def test_evolve_shares_untouched_trees_and_reuses_given_trees(parses):
    before = project_of({"a.py": "A = 1\n", "b.py": "B = 2\n"})
    b_tree = before.tree("b.py")
    new_a = cst.parse_module("A = 2\n")
    after = before.evolve({"a.py": new_a.code}, {"a.py": new_a}, [])
    assert after.tree("a.py") is new_a
    assert after.tree("b.py") is b_tree
    assert parses == ["b.py"]


def test_evolve_drops_trees_of_removed_files():
    before = project_of({"a.py": "A = 1\n"})
    before.tree("a.py")
    after = before.evolve({}, {}, ["a.py"])
    assert not after.exists("a.py")
    with pytest.raises(DjrefactorError):
        after.tree("a.py")


# -- modules and paths -------------------------------------------------------------------------
FLAT = {
    "manage.py": "",
    "mysite/__init__.py": "",
    "mysite/settings.py": "",
    "shop/__init__.py": "",
    "shop/views/__init__.py": "",
    "shop/views/cart.py": "",
    "Procfile": "web: x\n",
}


@pytest.mark.parametrize(
    ("files", "root"),
    [
        pytest.param(FLAT, "", id="manage.py at the root"),
        pytest.param({f"src/{path}": text for path, text in FLAT.items()}, "src", id="in src/"),
    ],
)
def test_module_path_mapping(files, root):
    project = project_of(files)
    prefix = f"{root}/" if root else ""
    assert project.source_root == root
    assert project.module_for(f"{prefix}mysite/settings.py") == "mysite.settings"
    assert project.module_for(f"{prefix}shop/views/__init__.py") == "shop.views"
    assert project.module_for(f"{prefix}manage.py") == "manage"
    assert project.module_for(f"{prefix}Procfile") is None
    assert project.path_for("shop.views") == f"{prefix}shop/views/__init__.py"
    assert project.path_for("shop.views.cart") == f"{prefix}shop/views/cart.py"
    assert project.path_for("shop.missing") is None
    assert project.is_package("shop.views")
    assert not project.is_package("shop.views.cart")
    assert project.module_path("config.settings") == f"{prefix}config/settings"


def test_files_outside_the_source_root_have_no_module():
    project = project_of({"src/manage.py": "", "scripts/tool.py": "", "src/app/x.py": ""})
    assert project.module_for("scripts/tool.py") is None
    assert project.module_for("src/app/x.py") == "app.x"


def test_shallowest_manage_py_wins():
    project = project_of({"backend/manage.py": "", "backend/tools/demo/manage.py": ""})
    assert project.source_root == "backend"


def test_reference_file_patterns():
    assert is_reference_file("deploy/Dockerfile")
    assert is_reference_file("docker-compose.prod.yml")
    assert is_reference_file(".github/workflows/test.yaml")
    assert not is_reference_file("config/ci.yml")
    assert not is_reference_file("README.md")


# -- which project ------------------------------------------------------------------------------
DJANGO_MANAGE = "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'x.settings')\n"


def two_projects(root):
    return write_tree(
        root,
        {
            "backend/manage.py": DJANGO_MANAGE,
            "backend/app/views.py": "",
            "admin/manage.py": DJANGO_MANAGE,
            "admin/site/views.py": "",
            "tools/manage.py": "print('hello')\n",
            "Procfile": "web: x\n",
        },
    )


@pytest.mark.parametrize(
    ("start", "folder"),
    [
        pytest.param("backend", "backend", id="its folder"),
        pytest.param("backend/app", "backend", id="below it"),
        pytest.param("admin/site", "admin", id="the other one"),
    ],
)
def test_the_project_is_the_one_at_or_above_the_path(tmp_path, start, folder):
    tracked = two_projects(tmp_path)
    assert project_folder(tmp_path, tracked, start) == folder


def test_two_projects_and_a_path_above_both_is_an_error(tmp_path):
    tracked = two_projects(tmp_path)
    with pytest.raises(DjrefactorError) as error:
        project_folder(tmp_path, tracked, "")
    assert error.value.message == (
        "the repository holds 2 Django projects (admin/manage.py, backend/manage.py); pass the "
        "folder of the one to restructure, e.g. `djrefactor plan admin`"
    )


def test_one_project_below_the_path_or_the_shallowest(tmp_path):
    tracked = write_tree(
        tmp_path, {"src/manage.py": DJANGO_MANAGE, "src/demo/site/manage.py": DJANGO_MANAGE}
    )
    assert project_folder(tmp_path, tracked, "docs") == "src"
    assert project_folder(tmp_path, tracked, "src/demo/site/x") == "src/demo/site"
    assert project_folder(tmp_path, ["app.py"], "") == ""


def test_files_of_other_projects_are_left_out(tmp_path):
    tracked = two_projects(tmp_path)
    others = [f for f in django_folders(tmp_path, tracked) if f != "backend"]
    assert others == ["admin"]
    assert in_project(tracked, "backend", others) == [
        "Procfile",
        "backend/app/views.py",
        "backend/manage.py",
        "tools/manage.py",
    ]
    nested = ["manage.py", "a.py", "demo/manage.py", "demo/b.py"]
    assert in_project(nested, "", ["demo"]) == ["manage.py", "a.py"]
