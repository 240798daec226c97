"""When the cyclic garbage collector runs during a plan.

libcst trees (and the `ast` trees loading checks syntax with) are millions of small objects
that hold no reference cycles; most of them live as long as the snapshot that holds their file.
Left to its thresholds, the collector walks each of them in a young collection, again in a
middle one and again in every full one: 7-16% of a plan's CPU, with thresholds raised
fifty-fold. Reference counting frees them all the same, so during a phase of the plan the
collector is off, and what the phase made is looked at once, at its end (a young collection):
cycles among its own objects (`ast.literal_eval`'s closures, a codemod's caches) are freed
there. A cycle reaching back into an earlier phase's objects waits for the collector's next
run of its own, once the plan is over.

What survives a plan (the snapshot the session keeps, the plan's own objects) is frozen
(`gc.freeze`) rather than left young: otherwise the collector's next middle collection walks all
of it again (a second on a 45k-line views module, in whatever allocates next) and so does its
last collection as the process exits. Frozen objects are still freed by reference counting;
only cycles among them wait. A process that plans again (a test run) pays for that once per
plan: the next plan first thaws what the last one froze and collects everything.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_frozen = False
"""Whether a block with `freeze` froze the objects alive as it ended (and nothing thawed them)."""


@contextmanager
def collected_at_end(*, freeze: bool = False) -> Iterator[None]:
    """No cyclic collection inside the block; one young collection as it ends (or fails), and
    with `freeze`, what survives it frozen (see the module)."""
    global _frozen
    enabled = gc.isenabled()
    if freeze and _frozen:
        gc.unfreeze()
        _frozen = False
        gc.collect()  # the cycles the last plan left, frozen since
    gc.disable()
    try:
        yield
    finally:
        collect_young()
        if freeze:
            gc.freeze()
            _frozen = True
        if enabled:
            gc.enable()


def collect_young() -> None:
    """Collect the cycles among the objects made since the last collection (the collector is
    off, so they are all in its youngest generation); the survivors are not looked at again."""
    gc.collect(0)
