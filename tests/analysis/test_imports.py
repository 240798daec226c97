"""The import index: every import statement of a file, relative imports resolved, exactly."""

from __future__ import annotations

import ast
import textwrap

import libcst as cst
import pytest

from djrefactor.analysis.imports import (
    code_and_import_statements,
    file_imports,
    import_statements,
    resolve_relative,
)

EVERY_FORM = """
    import os, app.views as v
    from . import forms
    from .models import (
        Order,
        Item as Line,
    )
    from app.utils import a, \\
        b
    import json; from app import views
    if settings.AUDIT:
        from app.audit import log
    def f():
        from app.tasks import *
"""


def _dotted(text: str, module: str = "app.tests") -> set[str]:
    found = file_imports(textwrap.dedent(text), module, is_package=False)
    return {imported.dotted for imported in found.names}


def test_every_import_form_is_read_with_relative_imports_resolved():
    assert _dotted(EVERY_FORM) == {
        "os", "app.views", "app.forms", "app.models.Order", "app.models.Item", "app.utils.a",
        "app.utils.b", "json", "app.audit.log", "app.tasks",
    }  # fmt: skip


def test_locals_and_nesting_are_recorded():
    found = file_imports(textwrap.dedent(EVERY_FORM), "app.tests", is_package=False)
    by_dotted = {imported.dotted: imported for imported in found.names}
    assert by_dotted["app.models.Item"].local == "Line"
    assert by_dotted["os"].local == "os" and by_dotted["os"].top_level
    assert not by_dotted["app.audit.log"].top_level
    assert by_dotted["app.audit.log"].line == 12


def test_import_statements_read_once_give_what_the_text_gives():
    """Loading keeps what its syntax check's `ast` read of the imports; read from there (at any
    module, for a moved file) they are what the text gives."""
    text = textwrap.dedent(EVERY_FORM)
    statements = import_statements(ast.parse(text))
    for module, package in [("app.tests", False), ("other.place", False), ("app", True)]:
        kept = file_imports("", module, package, statements=statements)
        assert kept == file_imports(text, module, package)


NESTED = [
    pytest.param(textwrap.dedent(EVERY_FORM), id="every form"),
    pytest.param(
        "import a\r\nif x:\r\n    import b\r\nelif y:\r\n    import c\r\nelse:\r\n    import d\r\n",
        id="if elif else, CRLF",
    ),
    pytest.param(
        "try:\n    import a\nexcept E:\n    import b\n"
        "else:\n    import c\nfinally:\n    import d\n",
        id="try",
    ),
    pytest.param("try:\n    pass\nexcept* E:\n    import b\n", id="except star"),
    pytest.param(
        "match x:\n    case 1:\n        import a\n    case _:\n        from . import b\n"
        "import z; from .. import *\n",
        id="match, two on a line",
    ),
    pytest.param("x = '''\rimport fake\r'''\r# c\rimport y\r", id="a string, CR"),
    pytest.param(
        "def f():\n    if a: import q\n    class C:\n        from m import (\n            a as b,\n"
        "            c,\n        )\nwhile 1:\n    import w\nelse:\n    import e\n"
        "for i in x: import r\n",
        id="suites and blocks",
    ),
    pytest.param(
        "with a as b, c:\n    import x\nasync def g():\n    async with a:\n        import y\n"
        "    async for i in b:\n        import z\n",
        id="async",
    ),
    pytest.param(
        "if a:\n    if b:\n        import deep\n    import mid\nimport top\n", id="levels"
    ),
    pytest.param("\ufeffimport a\nimport b", id="byte order mark, no final newline"),
]


@pytest.mark.parametrize("text", NESTED)
def test_a_tree_s_code_and_import_statements_are_what_its_text_and_ast_give(text):
    """Read while the code is generated: the same statements, lines and `ast.walk` order as a
    parse of the text gives (the order matters: star imports are emitted in it)."""
    tree = cst.parse_module(text)
    code, statements = code_and_import_statements(tree)
    assert code == tree.code
    assert statements == import_statements(ast.parse(code.removeprefix("\ufeff")))


def test_code_this_interpreter_cannot_parse_is_read_from_the_libcst_tree():
    text = 'from app import views\nprint(f"{"\\n".join(["a"])}")\n'
    tree = cst.parse_module(text)
    found = file_imports(text, "app.report", is_package=False, tree=tree)
    assert [(i.dotted, i.line, i.top_level) for i in found.names] == [("app.views", 1, True)]


@pytest.mark.parametrize(
    ("text", "old", "expected"),
    [
        pytest.param("import stripe\n", "app.views.stripe", (False, False), id="unrelated"),
        pytest.param(
            "from app.views import stripe\n", "app.views.stripe", (True, False), id="the name"
        ),
        pytest.param(
            "from app import views\n", "app.views.helper", (True, True), id="the module it is in"
        ),
        pytest.param(
            "import app.views\n", "app.views.helper", (True, True), id="plain dotted import"
        ),
        pytest.param(
            "from app.views.helpers import x\n", "app.views", (True, False), id="below it"
        ),
        pytest.param(
            "import os; from app import views\n",
            "app.views.helper",
            (True, True),
            id="after a semicolon",
        ),
        pytest.param(
            "if DEBUG:\n    from app import views\n",
            "app.views.helper",
            (True, True),
            id="inside an if",
        ),
        pytest.param(
            "from app import models\n", "app.views.helper", (False, False), id="a sibling"
        ),
        pytest.param(
            "from app import views_old\n", "app.views.helper", (False, False), id="a longer name"
        ),
        pytest.param("import app.viewsets\n", "app.views", (False, False), id="a name after it"),
        pytest.param("from app.views import *\n", "app.views", (True, False), id="star: inside"),
        pytest.param(
            "from app.views import *\n", "app.views.helper", (False, False), id="star: no module"
        ),
    ],
)
def test_relation_tells_which_files_a_redirect_can_reach(text, old, expected):
    assert file_imports(text, "app.tests", is_package=False).relation(old) == expected


@pytest.mark.parametrize(
    ("module", "is_package", "level", "name", "expected"),
    [
        ("app.views", False, 1, "models", "app.models"),
        ("app", True, 1, "models", "app.models"),
        ("app.sub.views", False, 2, None, "app"),
        ("app.views", False, 3, "x", None),
        ("app.views", False, 0, "os", "os"),
    ],
)
def test_resolve_relative(module, is_package, level, name, expected):
    assert resolve_relative(module, is_package, level, name) == expected


def test_nested_imports_are_found_in_breadth_first_order():
    """Every import statement, however deep (functions, try bodies, handlers, match cases), in
    the order `ast.walk` meets them: the module's own first, then one block level at a time."""
    text = (
        "import a\n"
        "def f():\n    import b\n"
        "try:\n    import c\nexcept E:\n    import d\n"
        "match x:\n    case 1:\n        import e\n"
        "import g\n"
    )
    found = file_imports(text, "app.tests", is_package=False).names
    assert [(i.local, i.top_level) for i in found] == [
        ("a", True),
        ("g", True),
        ("b", False),
        ("c", False),
        ("d", False),
        ("e", False),
    ]
