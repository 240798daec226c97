"""The import style read from the project's own isort / ruff configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from djrefactor.engine.import_style import ImportStyle, Section, import_style
from djrefactor.errors import DjrefactorError
from tests.helpers import make_project

REPO = Path(__file__).resolve().parents[2]
SITE = {
    "manage.py": "import os\n",
    "shop/__init__.py": "",
    "shop/models.py": "",
    "utils.py": "",
    "templates_only/page.html": "<p></p>",
}


def style_of(files: dict[str, str]) -> ImportStyle:
    return import_style(make_project({**SITE, **files}))


# -- which configuration wins -------------------------------------------------------------------
def test_isort_defaults_without_any_configuration():
    style = style_of({})
    assert (style.line_length, style.force_single_line, style.order_by_type) == (79, False, True)
    assert (style.lines_after_imports, style.combine_as_imports) == (-1, False)
    assert not style.newline_before_comments


@pytest.mark.parametrize(
    "files, line_length, single",
    [
        pytest.param(
            {
                "pyproject.toml": """
                    [tool.ruff]
                    line-length = 100

                    [tool.ruff.lint.isort]
                    force-single-line = true
                """
            },
            100,
            True,
            id="pyproject tool.ruff.lint.isort",
        ),
        pytest.param(
            {
                "pyproject.toml": """
                    [tool.ruff]
                    line-length = 90

                    [tool.ruff.isort]
                    force-single-line = true
                """
            },
            90,
            True,
            id="pyproject deprecated tool.ruff.isort",
        ),
        pytest.param(
            {"ruff.toml": "line-length = 110\n[lint.isort]\nforce-single-line = true\n"},
            110,
            True,
            id="ruff.toml lint.isort",
        ),
        pytest.param(
            {".ruff.toml": "[isort]\nforce-single-line = true\n"},
            88,
            True,
            id=".ruff.toml isort with ruff's default line length",
        ),
        pytest.param(
            {"pyproject.toml": "[tool.ruff]\nline-length = 120\n"},
            120,
            False,
            id="ruff without isort settings and no isort configuration",
        ),
        pytest.param(
            {
                "pyproject.toml": "[tool.ruff]\nline-length = 120\n",
                "setup.cfg": "[isort]\nline_length = 99\nforce_single_line = true\n",
            },
            99,
            True,
            id="isort settings beat a ruff configuration without isort settings",
        ),
        pytest.param(
            {
                "pyproject.toml": (
                    "[tool.ruff]\nline-length = 120\n[tool.ruff.lint.isort]\n"
                    "[tool.isort]\nline_length = 99\n"
                ),
            },
            120,
            False,
            id="ruff isort settings beat isort settings",
        ),
        pytest.param(
            {"pyproject.toml": "[tool.isort]\nprofile = 'black'\n"},
            88,
            False,
            id="tool.isort profile black",
        ),
        pytest.param(
            {"pyproject.toml": "[tool.isort]\nprofile = 'black'\nline_length = 119\n"},
            119,
            False,
            id="an explicit line_length beats the profile",
        ),
        pytest.param(
            {"setup.cfg": "[tool:isort]\nline_length=70\n"},
            70,
            False,
            id="setup.cfg tool:isort",
        ),
        pytest.param(
            {"tox.ini": "[isort]\nline-length = 71\nforce-single-line = yes\n"},
            71,
            True,
            id="tox.ini isort with dashed keys",
        ),
        pytest.param(
            {".isort.cfg": "[settings]\nline_length = 72\n", "setup.cfg": "[isort]\nline_length=1"},
            72,
            False,
            id=".isort.cfg beats setup.cfg in the same folder",
        ),
        pytest.param(
            {"setup.cfg": "[flake8]\nmax-line-length = 119\n"},
            79,
            False,
            id="setup.cfg without isort section",
        ),
    ],
)
def test_configuration_precedence(files, line_length, single):
    style = style_of(files)
    assert (style.line_length, style.force_single_line) == (line_length, single)


def test_the_nearest_folder_wins():
    files = {
        "pyproject.toml": "[tool.isort]\nline_length = 60\n",
        "src/manage.py": "",
        "src/setup.cfg": "[isort]\nline_length = 61\n",
        "src/shop/__init__.py": "",
    }
    assert import_style(make_project(files)).line_length == 61


def test_every_placement_key_is_read():
    style = style_of(
        {
            "pyproject.toml": """
                [tool.ruff.lint.isort]
                known-first-party = ["billing"]
                known-third-party = ["shop.vendored"]
                known-local-folder = ["local_pkg"]
                extra-standard-library = ["pkg_resources"]
                force-single-line = true
                force-sort-within-sections = true
                case-sensitive = true
                order-by-type = false
                combine-as-imports = true
                lines-after-imports = 2
                default-section = "first-party"
            """
        }
    )
    assert style == ImportStyle(
        line_length=88,
        first_party=frozenset({"billing"}),
        third_party=frozenset({"shop.vendored"}),
        local_folder=frozenset({"local_pkg"}),
        standard_library=frozenset({"pkg_resources"}),
        detected_first_party=style.detected_first_party,
        default_section=Section.FIRST_PARTY,
        force_single_line=True,
        force_sort_within_sections=True,
        case_sensitive=True,
        order_by_type=False,
        combine_as_imports=True,
        lines_after_imports=2,
        newline_before_comments=True,
    )


@pytest.mark.parametrize(
    "profile, expected",
    [
        pytest.param("black", {"line_length": 88, "newline_before_comments": True}, id="black"),
        pytest.param("django", {"line_length": 79, "combine_as_imports": True}, id="django"),
        pytest.param(
            "google",
            {"force_single_line": True, "force_sort_within_sections": True, "order_by_type": False},
            id="google",
        ),
        pytest.param("plone", {"line_length": 200, "lines_after_imports": 2}, id="plone"),
    ],
)
def test_isort_profiles_set_their_placement_keys(profile, expected):
    style = style_of({"setup.cfg": f"[isort]\nprofile = {profile}\n"})
    assert {key: getattr(style, key) for key in expected} == expected


def test_the_shopfront_fixture_reads_its_setup_cfg():
    files = {
        str(path.relative_to(REPO / "fixtures/shopfront")): path.read_text(encoding="utf-8")
        for path in (REPO / "fixtures/shopfront").rglob("*")
        if path.is_file() and path.suffix in (".py", ".cfg", ".ini")
    }
    style = import_style(make_project(files))
    assert style.line_length == 119
    assert style.first_party == {"shopfront", "store"}
    assert style.newline_before_comments


# -- sections -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "module, level, section",
    [
        pytest.param("__future__", 0, Section.FUTURE, id="future"),
        pytest.param("os.path", 0, Section.STDLIB, id="stdlib"),
        pytest.param("django.db", 0, Section.THIRD_PARTY, id="third party"),
        pytest.param("shop.models", 0, Section.FIRST_PARTY, id="package in the source root"),
        pytest.param("utils", 0, Section.FIRST_PARTY, id="module in the source root"),
        pytest.param("templates_only", 0, Section.FIRST_PARTY, id="any folder, as isort sees"),
        pytest.param("models", 1, Section.LOCAL_FOLDER, id="relative"),
        pytest.param("", 2, Section.LOCAL_FOLDER, id="relative without module"),
        pytest.param("shopping", 0, Section.THIRD_PARTY, id="prefix of a package is not it"),
    ],
)
def test_sections_without_configuration(module, level, section):
    assert style_of({}).section(module, level) == section


@pytest.mark.parametrize(
    "module, section",
    [
        pytest.param("billing.api", Section.FIRST_PARTY, id="configured first party"),
        pytest.param("logging", Section.FIRST_PARTY, id="configured first party beats stdlib"),
        pytest.param("shop.vendored.lib", Section.THIRD_PARTY, id="most specific pattern wins"),
        pytest.param("shop.models", Section.FIRST_PARTY, id="detection still applies"),
        pytest.param("acme_tools", Section.LOCAL_FOLDER, id="glob pattern"),
        pytest.param("unknown", Section.THIRD_PARTY, id="default section"),
    ],
)
def test_sections_with_configuration(module, section):
    style = style_of(
        {
            "setup.cfg": (
                "[isort]\nknown_first_party = billing,\n    logging\n"
                "known_third_party = shop.vendored\nknown_local_folder = acme_*\n"
            )
        }
    )
    assert style.section(module) == section


def test_ruff_src_folders_are_searched_for_first_party():
    files = {"pyproject.toml": '[tool.ruff]\nsrc = ["lib"]\n', "lib/billing/__init__.py": ""}
    style = style_of(files)
    assert style.section("billing") == Section.FIRST_PARTY
    assert style.section("lib") == Section.FIRST_PARTY


# -- bad configuration --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "files, message",
    [
        pytest.param(
            {"pyproject.toml": "[tool.isort\n"},
            "pyproject.toml: invalid TOML",
            id="invalid toml",
        ),
        pytest.param(
            {"setup.cfg": "[isort]\nprofile = blak\n"},
            "setup.cfg: unknown isort profile 'blak'; use one of appnexus, attrs, black, ",
            id="unknown profile",
        ),
        pytest.param(
            {"setup.cfg": "[isort]\nforce_single_line = maybe\n"},
            "setup.cfg: `force_single_line` must be true or false, got 'maybe'",
            id="not a boolean",
        ),
        pytest.param(
            {"pyproject.toml": '[tool.ruff]\nline-length = "long"\n'},
            "pyproject.toml: `line_length` must be a number, got 'long'",
            id="not a number",
        ),
        pytest.param(
            {"setup.cfg": "[isort\nline_length = 3\n"},
            "setup.cfg: cannot read it (",
            id="unreadable setup.cfg",
        ),
        pytest.param(
            {"pyproject.toml": "[tool.isort]\nknown_first_party = [1]\n"},
            "pyproject.toml: `known_first_party` must be a list of names; fix it first",
            id="not a list of names",
        ),
    ],
)
def test_bad_configuration_is_a_one_line_error(files, message):
    with pytest.raises(DjrefactorError) as error:
        style_of(files)
    assert str(error.value).startswith(message)
    assert "\n" not in str(error.value)
