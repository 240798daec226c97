"""LineMatcher answers as difflib.SequenceMatcher does, on random sequences and on the shape that
made difflib slow (a long file whose blocks were rewritten one by one), with the index forced on
for small inputs so that every search goes through it."""

from __future__ import annotations

import difflib
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from djrefactor.matching import LineMatcher


@st.composite
def edited(draw: st.DrawFn) -> tuple[list[int], list[int]]:
    """A sequence over a small alphabet (so runs repeat) and a copy with random block edits."""
    alphabet = draw(st.integers(min_value=1, max_value=12))
    size = draw(st.sampled_from([0, 5, 40, 120, 260, 420]))
    a = draw(st.lists(st.integers(0, alphabet), min_size=size, max_size=size + 20))
    b = list(a)
    for _ in range(draw(st.integers(0, 12))):
        at = draw(st.integers(0, len(b)))
        cut = draw(st.integers(0, 6))
        new = draw(st.lists(st.integers(0, alphabet + 3), max_size=6))
        b[at : at + cut] = new
    return a, b


@settings(max_examples=300, deadline=None)
@given(
    edited(),
    st.booleans(),
    st.integers(min_value=1, max_value=5),
    st.integers(min_value=0, max_value=30),
)
def test_same_blocks_and_opcodes_as_difflib(
    pair: tuple[list[int], list[int]], autojunk: bool, run: int, indexed_from: int
) -> None:
    a, b = pair
    ours = LineMatcher(a, b, autojunk=autojunk, run=run, indexed_from=indexed_from)
    theirs = difflib.SequenceMatcher(None, a, b, autojunk=autojunk)
    assert ours.get_matching_blocks() == theirs.get_matching_blocks()
    assert ours.get_opcodes() == theirs.get_opcodes()
    assert list(ours.get_grouped_opcodes(3)) == list(theirs.get_grouped_opcodes(3))


@settings(max_examples=200, deadline=None)
@given(edited(), st.data())
def test_any_box_gets_difflibs_longest_match(
    pair: tuple[list[int], list[int]], data: st.DataObject
) -> None:
    a, b = pair
    ours = LineMatcher(a, b, run=2, indexed_from=0)
    theirs = difflib.SequenceMatcher(None, a, b)
    for _ in range(5):  # repeated searches: a direct search consumes nothing from the index
        alo = data.draw(st.integers(0, len(a)))
        ahi = data.draw(st.integers(alo, len(a)))
        blo = data.draw(st.integers(0, len(b)))
        bhi = data.draw(st.integers(blo, len(b)))
        assert ours.find_longest_match(alo, ahi, blo, bhi) == theirs.find_longest_match(
            alo, ahi, blo, bhi
        )


def test_a_long_module_rewritten_handler_by_handler() -> None:
    """The slow case: thousands of similar handlers sharing lines like `    return qs`, every
    one edited, with the default thresholds (the index really used)."""
    chance = random.Random(7)
    old: list[str] = []
    new: list[str] = []
    for number in range(1500):
        body = [f"def view_{number}(request):\n", "    qs = Order.objects.all()\n"]
        body += [f"    step_{chance.randrange(40)}(qs)\n" for _ in range(chance.randrange(3, 9))]
        body += ["    return qs\n", "\n"]
        old += body
        if chance.random() < 0.8:
            body = [body[0], f"    qs = services.view_{number}()\n", "    return qs\n", "\n"]
        new += body
    ours = LineMatcher(old, new)
    theirs = difflib.SequenceMatcher(None, old, new)
    assert ours.get_opcodes() == theirs.get_opcodes()
    assert (
        LineMatcher(old, new, autojunk=False).get_opcodes()
        == difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    )
