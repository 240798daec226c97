"""extract-services: the line a note names. A views module's lines are read from the code of the
one top-level statement a node sits in (generating the whole module's code for one note's line
was most of its cost); every node must get the line `start_lines` of the whole module gives."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

from djrefactor.analysis.nodes import start_lines
from djrefactor.codemods.extract_services.facts import Shared
from djrefactor.codemods.extract_services.view import ViewModule, load_view
from djrefactor.config import Config
from djrefactor.engine.loading import new_project

BASE = {
    "mysite/__init__.py": "",
    "mysite/settings.py": 'INSTALLED_APPS = ["shop"]\n',
    "manage.py": 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\n',
    "shop/__init__.py": "",
    "shop/models.py": "class Order:\n    pass\n",
}
VIEWS = '''\
"""Views of the shop."""
import logging

from .models import Order

logger = logging.getLogger(__name__)
logger = logging.getLogger(__name__)
TEXT = """one
two
three"""


@login_required
# a comment between the decorator and the def
def pay(request, order_id):
    # what it does
    order = Order.objects.get(pk=order_id)
    total = order.amount + \\
        order.fee
    order.save()
    return redirect("done")


def pay(request, order_id):
    order = Order.objects.get(pk=order_id)
    order.save()
    return redirect("done")
'''


def _view(text: str, tree: cst.Module | None = None) -> ViewModule:
    texts = {**BASE, "shop/views.py": text}
    trees = {"shop/views.py": tree} if tree is not None else None
    project = new_project(Path("/nonexistent"), texts, Config(), trees)
    view = load_view(Shared(project), "shop/views.py")
    assert view is not None
    return view


def _mismatches(view: ViewModule) -> list[str]:
    whole = start_lines(view.tree)
    assert len(whole) > 100
    return [
        f"{type(node).__name__}: {view.line(node)} != {whole.get(id(node))}"
        for node in view.index.nodes
        if view.line(node) != whole.get(id(node))
    ]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(VIEWS, id="decorators, comments, continuation, strings, repeated code"),
        pytest.param(VIEWS.replace("\n", "\r\n"), id="crlf line endings"),
    ],
)
def test_every_node_has_the_line_of_the_whole_module(text: str) -> None:
    view = _view(text)
    assert view.tree.code == text
    assert not _mismatches(view)


def test_a_node_at_two_places_has_the_line_of_the_whole_module() -> None:
    parsed = cst.parse_module(VIEWS)
    first, second = (s for s in parsed.body if isinstance(s, cst.FunctionDef))
    shared = first.body.body[1]  # `order = Order.objects.get(...)`, now in both functions
    body = second.body.with_changes(body=[shared, *second.body.body[1:]])
    tree = parsed.with_changes(
        body=[second.with_changes(body=body) if s is second else s for s in parsed.body]
    )
    view = _view(tree.code, tree)
    assert view.line(shared) == start_lines(tree)[id(shared)]
    assert not _mismatches(view)
