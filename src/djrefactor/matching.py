"""A `difflib.SequenceMatcher` that gives difflib's answers, faster on long, heavily edited files.

difflib finds matching blocks by recursion: the longest match of a box splits it in two, and each
half is searched again. Every search is a dynamic programme over all pairs of equal lines in its
box, and when the longest match lies near one end (as it does in a module whose handlers were
rewritten one by one), one half stays nearly the whole file: a 45k-line views module made 4,169
searches of, together, 141 times the file. `LineMatcher` runs that programme once over the whole
file, keeping every maximal run of equal lines at least `RUN` long, and answers a large box's
search from those runs: the longest run clipped to the box, ties to the earliest, exactly the one
difflib's programme would stop at. Boxes whose longest match is shorter than `RUN`, and small
boxes, are searched by difflib itself; difflib's extension of a match over junk and popular
elements is the same code in both. So opcodes, matching blocks and diffs are difflib's, byte for
byte (tests/test_matching.py holds the two side by side).
"""

from __future__ import annotations

import difflib
from collections.abc import Hashable, Sequence
from typing import Any

RUN = 8
"""The shortest run the index keeps: a box whose longest match is shorter is searched by difflib."""
INDEXED_FROM = 400
"""Boxes with fewer lines of `a` than this are searched by difflib (the index does not pay)."""


class LineMatcher(difflib.SequenceMatcher):  # type: ignore[type-arg]
    """`difflib.SequenceMatcher` with an index of long runs for large boxes (see the module)."""

    # difflib's own state, which typeshed does not declare
    a: Sequence[Hashable]
    b: Sequence[Hashable]
    b2j: dict[Hashable, list[int]]
    bjunk: set[Hashable]
    matching_blocks: list[difflib.Match] | None

    def __init__(
        self,
        a: Sequence[Hashable] = "",
        b: Sequence[Hashable] = "",
        *,
        autojunk: bool = True,
        run: int = RUN,
        indexed_from: int = INDEXED_FROM,
    ) -> None:
        self._run = max(run, 1)
        self._indexed_from = indexed_from
        self._runs: list[tuple[int, int, int]] | None = None
        self._consuming = False
        super().__init__(None, a, b, autojunk=autojunk)

    def set_seq1(self, a: Any) -> None:
        self._runs = None
        super().set_seq1(a)

    def set_seq2(self, b: Any) -> None:
        self._runs = None
        super().set_seq2(b)

    def get_matching_blocks(self) -> list[difflib.Match]:
        if self.matching_blocks is not None:
            return self.matching_blocks
        self._consuming = True
        try:
            return super().get_matching_blocks()
        finally:
            self._consuming = False
            self._runs = None

    def find_longest_match(
        self, alo: int = 0, ahi: int | None = None, blo: int = 0, bhi: int | None = None
    ) -> difflib.Match:
        a, b = self.a, self.b
        ahi = len(a) if ahi is None else ahi
        bhi = len(b) if bhi is None else bhi
        if ahi - alo < self._indexed_from or bhi - blo < self._run:
            return super().find_longest_match(alo, ahi, blo, bhi)
        besti, bestj, bestsize = self._longest_run(alo, ahi, blo, bhi)
        if bestsize < self._run:
            return super().find_longest_match(alo, ahi, blo, bhi)
        # difflib's own extension: over equal non-junk elements (popular ones included), then
        # over equal junk elements, at both ends.
        isbjunk = self.bjunk.__contains__
        while (
            besti > alo
            and bestj > blo
            and not isbjunk(b[bestj - 1])
            and a[besti - 1] == b[bestj - 1]
        ):
            besti, bestj, bestsize = besti - 1, bestj - 1, bestsize + 1
        while (
            besti + bestsize < ahi
            and bestj + bestsize < bhi
            and not isbjunk(b[bestj + bestsize])
            and a[besti + bestsize] == b[bestj + bestsize]
        ):
            bestsize += 1
        while (
            besti > alo and bestj > blo and isbjunk(b[bestj - 1]) and a[besti - 1] == b[bestj - 1]
        ):
            besti, bestj, bestsize = besti - 1, bestj - 1, bestsize + 1
        while (
            besti + bestsize < ahi
            and bestj + bestsize < bhi
            and isbjunk(b[bestj + bestsize])
            and a[besti + bestsize] == b[bestj + bestsize]
        ):
            bestsize += 1
        return difflib.Match(besti, bestj, bestsize)

    def _longest_run(self, alo: int, ahi: int, blo: int, bhi: int) -> tuple[int, int, int]:
        """The longest indexed run clipped to the box, the earliest of equals (difflib's pick)."""
        runs = self._runs
        if runs is None:
            runs = self._runs = self._index()
        besti, bestj, bestsize = alo, blo, 0
        dead = 0
        for position, (size, i, j) in enumerate(runs):
            size = -size
            if size < bestsize:
                break
            low = max(alo - i, blo - j, 0)
            high = min(size, ahi - i, bhi - j)
            clipped = high - low
            if clipped <= 0:
                continue
            if clipped > bestsize or (clipped == bestsize and (i + low, j + low) < (besti, bestj)):
                besti, bestj, bestsize = i + low, j + low, clipped
                dead = position if clipped == size else -1
        if self._consuming and bestsize and dead >= 0:
            # The whole run lies inside the match, which no later box of the recursion overlaps.
            del runs[dead]
        return besti, bestj, bestsize

    def _index(self) -> list[tuple[int, int, int]]:
        """Every maximal run of equal pairs difflib's programme counts (b's element not junk nor
        popular), at least `RUN` long, as (-size, i, j), longest first, then earliest."""
        a, b, b2j, run = self.a, self.b, self.b2j, self._run
        starts: list[tuple[int, int]] = []
        j2len: dict[int, int] = {}
        nothing: list[int] = []
        for i, element in enumerate(a):
            j2lenget = j2len.get
            newj2len: dict[int, int] = {}
            for j in b2j.get(element, nothing):
                k = newj2len[j] = j2lenget(j - 1, 0) + 1
                if k == run:
                    starts.append((i - run + 1, j - run + 1))
            j2len = newj2len
        runs = []
        alen, blen = len(a), len(b)
        for i, j in starts:
            size = run
            while (
                i + size < alen
                and j + size < blen
                and b[j + size] in b2j
                and a[i + size] == b[j + size]
            ):
                size += 1
            runs.append((-size, i, j))
        runs.sort()
        return runs
