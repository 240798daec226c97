"""The project's formatters run by plan on the files a step writes: which are configured, that
each runs on the text in memory with the project's configuration, never on a file the step did
not write, and what the notes say when one is missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from djrefactor.config import Config
from djrefactor.engine import formatting, new_project
from djrefactor.engine.formatting import configured, format_step
from djrefactor.project import Project
from tests.helpers import dedent

UGLY = "import os,sys\nfrom django.db import models\nx=1\n"


def project(root: Path, files: dict[str, str]) -> Project:
    texts = {path: text or "" for path, text in dedent(dict(files)).items()}
    for path, text in texts.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return new_project(root, texts, Config())


def written(before: Project, files: dict[str, str]) -> Project:
    return before.evolve(files, {}, ())


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        pytest.param(
            {"pyproject.toml": "[tool.ruff.format]\nquote-style = 'single'\n"},
            [("ruff format", "pyproject.toml [tool.ruff.format]")],
            id="ruff format",
        ),
        pytest.param(
            {"pyproject.toml": "[tool.ruff.lint]\nselect = ['E', 'I']\n"},
            [("ruff check --select I --fix", "pyproject.toml [tool.ruff.lint]")],
            id="ruff's isort rules",
        ),
        pytest.param(
            {"pyproject.toml": "[tool.ruff]\nline-length = 100\n"}, [], id="ruff lint only"
        ),
        pytest.param(
            {"setup.cfg": "[isort]\nprofile = black\n"},
            [("isort", "setup.cfg [isort]")],
            id="isort in setup.cfg",
        ),
        pytest.param(
            {"pyproject.toml": "[tool.black]\nline-length = 88\n[tool.isort]\nprofile = 'black'\n"},
            [("isort", "pyproject.toml [tool.isort]"), ("black", "pyproject.toml [tool.black]")],
            id="isort before black",
        ),
        pytest.param(
            {
                ".pre-commit-config.yaml": (
                    "repos:\n- repo: https://example.invalid/black\n  rev: 24.1.0\n"
                    "  hooks:\n  - id: black\n"
                )
            },
            [("black", ".pre-commit-config.yaml (black hook)")],
            id="a pre-commit hook",
        ),
        pytest.param({"tox.ini": "[flake8]\nmax-line-length = 99\n"}, [], id="no formatter"),
    ],
)
def test_which_formatters_are_configured(tmp_path, files, expected) -> None:
    found = configured(project(tmp_path, files))
    assert [(f.name, f.source) for f in found] == expected


def test_ruff_formats_only_what_the_step_wrote_with_the_projects_style(tmp_path: Path) -> None:
    before = project(
        tmp_path,
        {
            "pyproject.toml": "[tool.ruff.format]\nquote-style = 'single'\n",
            "untouched.py": UGLY,
            "moved_from.py": UGLY,
        },
    )
    after = before.evolve(
        {"app/views.py": 'x  =  "a"\n', "moved_to.py": UGLY}, {}, ["moved_from.py"]
    )
    formatted, notes = format_step(before, after, {"moved_from.py": "moved_to.py"})
    assert formatted.text("app/views.py") == "x = 'a'\n"  # the project's quote style
    assert formatted.text("untouched.py") == UGLY
    assert formatted.text("moved_to.py") == UGLY  # only moved: not the step's writing
    assert [str(note) for note in notes] == [
        "formatted 1 file this step wrote with ruff format, as pyproject.toml "
        "[tool.ruff.format] configures"
    ]
    assert (tmp_path / "untouched.py").read_text() == UGLY


def test_new_packages_are_first_party_for_ruffs_isort(tmp_path: Path) -> None:
    before = project(
        tmp_path,
        {
            "pyproject.toml": (
                "[tool.ruff.lint]\nselect = ['I']\n[tool.ruff.lint.isort]\n"
                "known-first-party = ['shop']\n"
            ),
            "shop/__init__.py": "",
        },
    )
    views = "import os\nfrom services import shop\nfrom shop import models\nimport django\n"
    after = written(
        before, {"shop/views.py": views, "services/__init__.py": "", "services/shop.py": ""}
    )
    formatted, _ = format_step(before, after, {})
    assert formatted.text("shop/views.py") == (
        "import os\n\nimport django\n\nfrom services import shop\nfrom shop import models\n"
    )


def test_isort_with_the_projects_profile(tmp_path: Path) -> None:
    pytest.importorskip("isort", reason="isort is in the test extra")
    before = project(
        tmp_path, {"setup.cfg": "[isort]\nprofile = black\nknown_first_party = shop\n"}
    )
    views = "from shop import models\nimport os\nimport django\n"
    formatted, notes = format_step(before, written(before, {"shop/views.py": views}), {})
    assert formatted.text("shop/views.py") == (
        "import os\n\nimport django\n\nfrom shop import models\n"
    )
    assert "with isort, as setup.cfg [isort] configures" in str(notes[0])


def test_black(tmp_path: Path) -> None:
    pytest.importorskip("black", reason="black is in the test extra")
    before = project(tmp_path, {"pyproject.toml": "[tool.black]\nline-length = 100\n"})
    formatted, _ = format_step(before, written(before, {"a.py": "x  =  'a'\n"}), {})
    assert formatted.text("a.py") == 'x = "a"\n'


def test_a_configured_formatter_that_is_not_installed_is_a_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(formatting, "executable", lambda program: None)
    before = project(tmp_path, {"pyproject.toml": "[tool.black]\n"})
    after = written(before, {"a.py": UGLY})
    formatted, notes = format_step(before, after, {})
    assert formatted.text("a.py") == UGLY
    assert [str(note) for note in notes] == [
        "pyproject.toml [tool.black] configures black, which is not installed where djrefactor "
        "runs; run `black` on the files this step wrote (or install black and plan again)"
    ]


def test_a_file_the_formatter_rejects_is_left_with_a_note(tmp_path: Path) -> None:
    before = project(tmp_path, {"pyproject.toml": "[tool.ruff.format]\n"})
    broken = "def f(:\n"
    formatted, notes = format_step(before, written(before, {"a.py": broken}), {})
    assert formatted.text("a.py") == broken
    assert str(notes[1]).startswith("a.py: ruff format left it as it was (")


def test_no_formatter_configured_changes_nothing(tmp_path: Path) -> None:
    before = project(tmp_path, {"setup.cfg": "[flake8]\n"})
    after = written(before, {"a.py": UGLY})
    assert format_step(before, after, {}) == (after, ())


def _spawned(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The programs `format_step` starts, by name, in order."""
    started: list[str] = []
    real = formatting.subprocess.run

    def run(command, *args, **kwargs):  # type: ignore[no-untyped-def]
        started.append(Path(command[0]).name)
        return real(command, *args, **kwargs)

    monkeypatch.setattr(formatting.subprocess, "run", run)
    return started


MIXED = {
    "shop/views.py": "from shop import models\nimport os\nimport django\nx  =  'a'\n",
    "shop/crlf.py": "import sys\r\nimport os\r\ny  =  1\r\n",
    "shop/text.py": "import sys\nimport os\ns  =  'héllo — ✓'\n",
    "shop/kept.py": "# isort: skip_file\nimport sys\nimport os\n",
    "shop/empty.py": "",
    "tools/long.py": "x = [aaaaaaaaaa, bbbbbbbbbbbbbbb, ccccccccccccccc]\n",
    "services/orders.py": "import django\nimport os\n",
}


def test_isort_and_black_run_once_per_step_as_they_run_on_each_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("black", reason="black is in the test extra")
    pytest.importorskip("isort", reason="isort is in the test extra")
    before = project(
        tmp_path,
        {
            "pyproject.toml": (
                "[tool.black]\nline-length = 79\n[tool.isort]\nprofile = 'black'\n"
                "known_first_party = ['shop']\n"
            ),
            "tools/pyproject.toml": "[tool.black]\nline-length = 20\n",  # its own project root
            "shop/__init__.py": "",
        },
    )
    after = written(before, MIXED)
    started = _spawned(monkeypatch)
    batched, notes = format_step(before, after, {})
    assert started == ["isort", "black", "black"]  # one black per project root
    monkeypatch.setattr(formatting, "BATCHED", frozenset())
    alone, alone_notes = format_step(before, after, {})
    assert len(started) == 3 + 2 * len(MIXED)
    assert {path: batched.text(path) for path in MIXED} == {p: alone.text(p) for p in MIXED}
    assert notes == alone_notes
    assert batched.text("shop/views.py") == (
        'import os\n\nimport django\n\nfrom shop import models\n\nx = "a"\n'
    )
    assert batched.text("shop/crlf.py") == "import os\r\nimport sys\r\n\r\ny = 1\r\n"
    assert batched.text("tools/long.py") == (  # its folder's line length, as alone
        "x = [\n    aaaaaaaaaa,\n    bbbbbbbbbbbbbbb,\n    ccccccccccccccc,\n]\n"
    )
    assert batched.text("shop/kept.py") == MIXED["shop/kept.py"]
    assert list(tmp_path.rglob("*.py")) == [tmp_path / "shop/__init__.py"]  # nothing written


def test_a_file_black_rejects_in_its_run_is_formatted_alone_for_the_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("black", reason="black is in the test extra")
    before = project(tmp_path, {"pyproject.toml": "[tool.black]\n"})
    after = written(before, {"a.py": "x  =  'a'\n", "b.py": "def f(:\n", "c.py": "y  =  1\n"})
    started = _spawned(monkeypatch)
    formatted, notes = format_step(before, after, {})
    assert started == ["black", "black"]  # all three together, then b.py alone for its error
    assert (formatted.text("a.py"), formatted.text("c.py")) == ('x = "a"\n', "y = 1\n")
    assert formatted.text("b.py") == "def f(:\n"
    assert [str(note).split(" (")[0] for note in notes] == [
        "formatted 2 files this step wrote with black, as pyproject.toml [tool.black] configures",
        "b.py: black left it as it was",
    ]


def test_ruff_runs_once_per_step_as_it_runs_on_each_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = project(
        tmp_path,
        {
            "pyproject.toml": (
                "[tool.ruff]\nline-length = 79\nextend-exclude = ['shop/excluded.py']\n"
                "[tool.ruff.format]\nquote-style = 'single'\n"
                "[tool.ruff.lint]\nselect = ['I']\n"
            ),
            "tools/ruff.toml": "line-length = 20\n[lint]\nselect = ['I']\n",  # its own config
            "shop/__init__.py": "",
            "billing.py": "",  # a first-party module ruff's isort finds on the disk
            **{
                path: "# before\n"
                for path in [*MIXED, "shop/excluded.py"]
                if "services" not in path
            },
        },
    )
    imports = "import services\nimport billing\nimport django\nimport os\nimport shop\n"
    files = {
        **MIXED,
        "shop/views.py": imports + 'x  =  "a"\n',
        "shop/excluded.py": "import sys\nimport os\nx  =  1\n",
        "services/__init__.py": "",
        "services/orders.py": imports,  # a new package: ruff's isort runs it on its own
    }
    after = written(before, files)
    started = _spawned(monkeypatch)
    batched, notes = format_step(before, after, {})
    # ruff's isort: the files on the disk together, the new package's two alone; ruff format
    assert started == ["ruff", "ruff", "ruff", "ruff"]
    monkeypatch.setattr(formatting, "BATCHED", frozenset())
    alone, alone_notes = format_step(before, after, {})
    assert {path: batched.text(path) for path in files} == {p: alone.text(p) for p in files}
    assert notes == alone_notes
    assert batched.text("shop/views.py") == (
        "import os\n\nimport django\n\nimport billing\nimport services\nimport shop\n\nx = 'a'\n"
    )
    assert batched.text("services/orders.py") == (  # `services` is first-party: the plan's
        "import os\n\nimport django\n\nimport billing\nimport services\nimport shop\n"
    )
    assert batched.text("shop/excluded.py") == files["shop/excluded.py"]
    assert batched.text("tools/long.py") == (
        "x = [\n    aaaaaaaaaa,\n    bbbbbbbbbbbbbbb,\n    ccccccccccccccc,\n]\n"
    )
