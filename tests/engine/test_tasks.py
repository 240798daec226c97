"""Celery task names that survive a move (`pin_task_names`), shared by config-package and
move-apps."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from djrefactor.engine import pin_task_names


def pinned(source: str, apps: tuple[str, ...] = ("app",), line_length: int | None = None):
    tree = cst.parse_module(textwrap.dedent(source).lstrip("\n"))
    updated, names = pin_task_names(tree, "shop.tasks", apps, line_length)
    return updated.code, names


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param("@shared_task\ndef a():\n    pass\n", '@shared_task(name="shop.tasks.a")\n'
                     "def a():\n    pass\n", id="bare shared_task"),
        pytest.param("@shared_task(bind=True)\ndef a(self):\n    pass\n",
                     '@shared_task(bind=True, name="shop.tasks.a")\ndef a(self):\n    pass\n',
                     id="shared_task with arguments"),
        pytest.param("@celery.shared_task()\ndef a():\n    pass\n",
                     '@celery.shared_task(name="shop.tasks.a")\ndef a():\n    pass\n',
                     id="module attribute, empty call"),
        pytest.param("@app.task\ndef a():\n    pass\n",
                     '@app.task(name="shop.tasks.a")\ndef a():\n    pass\n', id="the app's task"),
    ],
)  # fmt: skip
def test_a_task_gets_the_name_celery_gave_it(before: str, after: str) -> None:
    assert pinned(before) == (after, ("shop.tasks.a",))


@pytest.mark.parametrize(
    "source",
    [
        pytest.param('@shared_task(name="legacy")\ndef a():\n    pass\n', id="already named"),
        pytest.param("@other.task\ndef a():\n    pass\n", id="another object's task"),
        pytest.param("@cache\ndef a():\n    pass\n", id="not a task"),
        pytest.param("def a():\n    @shared_task\n    def b():\n        pass\n", id="nested"),
    ],
)
def test_noop(source: str) -> None:
    tree = cst.parse_module(source)
    assert pin_task_names(tree, "shop.tasks", ("app",)) == (tree, ())


def test_a_decorator_past_the_line_length_is_split_like_black() -> None:
    code, _ = pinned(
        """
        class Jobs:
            @app.task(bind=True, max_retries=3)
            def sync(self):
                pass
        """,
        line_length=60,
    )
    assert code.splitlines()[1:4] == [
        "    @app.task(",
        '        bind=True, max_retries=3, name="shop.tasks.sync"',
        "    )",
    ]
