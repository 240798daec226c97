"""The products as git shows them: the similarity index and rename pairing of `git diff -M`
(checked against git itself), colours, and GitHub annotations."""

from __future__ import annotations

import difflib
import random
import re
from pathlib import Path

import pytest

from djrefactor import render, terminal
from djrefactor.model import FileChange, Note
from djrefactor.similarity import pair_renames, similarity
from tests.helpers import git_run

WORDS = ["import os", "x = 1", "def f():", "    return 2", "", "class A:", "    pass", "# note"]


def git_similarity(repo: Path, old: str, new: str) -> int | None:
    """What git prints for `old.py` deleted and `new.py` created with these texts."""
    (repo / "old.py").write_text(old)
    git_run(repo, "add", "-A")
    git_run(repo, "commit", "-qm", "old", "--allow-empty")
    git_run(repo, "rm", "-q", "old.py")
    (repo / "new.py").write_text(new)
    git_run(repo, "add", "-A")
    git_run(repo, "commit", "-qm", "new")
    shown = git_run(repo, "show", "-M1%", "--summary", "--format=", "HEAD")
    git_run(repo, "rm", "-q", "new.py")
    git_run(repo, "commit", "-qm", "clean")
    found = re.search(r"\((\d+)%\)", shown)
    return int(found.group(1)) if found else None


def test_similarity_is_gits_on_random_edits(tmp_path: Path) -> None:
    git_run(tmp_path, "init", "-q")
    git_run(tmp_path, "config", "user.name", "T")
    git_run(tmp_path, "config", "user.email", "t@example.com")
    chance = random.Random(13)
    for _ in range(25):
        lines = [
            f"{chance.choice(WORDS)}{chance.randint(0, 9)}" for _ in range(chance.randint(4, 40))
        ]
        kept = [line if chance.random() < 0.8 else chance.choice(WORDS) for line in lines]
        old = "\n".join(lines) + ("\n" if chance.random() < 0.7 else "")
        new = "\n".join(kept) + ("\n" if chance.random() < 0.7 else "")
        if chance.random() < 0.3:
            new = new.replace("\n", "\r\n")
        # -M1% lets git print scores below 50%; ours is the same figure
        assert similarity(old, new) == git_similarity(tmp_path, old, new), (old, new)


def change(old: str | None, new: str | None, text_old: str = "", text_new: str = "") -> FileChange:
    return FileChange(old, new, text_old, text_new)


SETTINGS = "".join(f"SETTING_{n} = {n}\n" for n in range(40))


def test_a_split_file_pairs_with_the_part_most_like_it() -> None:
    changes = [
        change("site/settings.py", None, SETTINGS),
        change(None, "site/settings/base.py", "", SETTINGS.replace("SETTING_3 ", "CHANGED ")),
        change(None, "site/settings/production.py", "", "DEBUG = False\n" + SETTINGS[:80]),
        change(None, "site/settings/__init__.py", "", ""),
    ]
    [moved] = [c for c in pair_renames(changes) if c.kind == "move"]
    assert (moved.old_path, moved.new_path) == ("site/settings.py", "site/settings/base.py")
    head = render.render_change(moved)
    assert head.startswith(
        "diff --git a/site/settings.py b/site/settings/base.py\nsimilarity index 97%\n"
        "rename from site/settings.py\nrename to site/settings/base.py\n"
    )


def test_an_asked_for_move_git_would_not_pair_is_a_delete_and_a_create() -> None:
    rewritten = change("a/x.py", "b/x.py", SETTINGS, "completely = 'different'\n")
    kinds = sorted(c.kind for c in pair_renames([rewritten]))
    assert kinds == ["create", "delete"]


def test_identical_files_pair_by_name_first() -> None:
    changes = [
        change("a/one.py", None, "same\n"),
        change("a/two.py", None, "same\n"),
        change(None, "b/two.py", "", "same\n"),
        change(None, "b/one.py", "", "same\n"),
    ]
    pairs = {(c.old_path, c.new_path) for c in pair_renames(changes)}
    assert pairs == {("a/one.py", "b/one.py"), ("a/two.py", "b/two.py")}


def test_colours_are_gits_and_follow_the_hunks() -> None:
    patch = "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n context\n--- removed\n+added\n"
    assert terminal.colored_diff(patch).splitlines() == [
        "\x1b[1mdiff --git a/x b/x\x1b[m",
        "\x1b[1m--- a/x\x1b[m",
        "\x1b[1m+++ b/x\x1b[m",
        "\x1b[36m@@ -1,2 +1,2 @@\x1b[m",
        " context",
        "\x1b[31m--- removed\x1b[m",
        "\x1b[32m+added\x1b[m",
    ]


def test_github_annotations_escape_what_the_runner_parses() -> None:
    notes = [
        ("split-settings", Note("a,b:c.py", 3, "50% done\nnext line")),
        (None, Note("", None, "about the plan")),
    ]
    assert render.github_annotations(notes, "Plan: 1 step") == (
        "::warning file=a%2Cb%3Ac.py,line=3,title=djrefactor split-settings::"
        "50%25 done%0Anext line\n"
        "::warning title=djrefactor::about the plan\n"
        "::notice title=djrefactor::Plan: 1 step\n"
    )


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        pytest.param({"GIT_PAGER": "most", "PAGER": "more"}, "most", id="GIT_PAGER first"),
        pytest.param({"PAGER": "more"}, "more", id="then PAGER"),
        pytest.param({}, "less", id="else less"),
        pytest.param({"PAGER": ""}, None, id="empty: no pager"),
        pytest.param({"GIT_PAGER": "cat", "PAGER": "less"}, None, id="cat: no pager"),
    ],
)
def test_the_pager_is_chosen_in_gits_order(env: dict[str, str], expected: str | None) -> None:
    assert terminal.pager_command(env) == expected


def _difflib_hunks(old: str, new: str) -> str:
    """The hunks as difflib.unified_diff writes them, git's marker after a last line without a
    newline: what render wrote before it had its own matcher."""
    lines = list(difflib.unified_diff(render._lines(old), render._lines(new), n=3, lineterm="\n"))[
        2:
    ]
    return "".join(
        line if line.endswith("\n") else line + "\n" + render.NO_NEWLINE for line in lines
    )


def test_hunks_are_difflibs_unified_diff() -> None:
    chance = random.Random(5)
    for _ in range(300):
        old_lines = [chance.choice(WORDS) for _ in range(chance.randrange(0, 60))]
        new_lines = list(old_lines)
        for _ in range(chance.randrange(0, 6)):
            at = chance.randrange(len(new_lines) + 1)
            new_lines[at : at + chance.randrange(4)] = chance.sample(WORDS, chance.randrange(3))
        old = "\n".join(old_lines) + chance.choice(["", "\n"])
        new = "\n".join(new_lines) + chance.choice(["", "\n"])
        change = FileChange("m.py", "m.py", old, new)
        rendered = render.render_change(change)
        body = rendered.split("+++ b/m.py\n", 1)[1] if "+++" in rendered else ""
        assert body == _difflib_hunks(old, new)
        lines = body.split("\n")
        added = sum(line.startswith("+") for line in lines)
        removed = sum(line.startswith("-") for line in lines)
        assert render.line_counts(change) == (added, removed)
