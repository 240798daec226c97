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
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collected_at_end() -> Iterator[None]:
    """No cyclic collection inside the block; one young collection as it ends (or fails)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        collect_young()
        if enabled:
            gc.enable()


def collect_young() -> None:
    """Collect the cycles among the objects made since the last collection (the collector is
    off, so they are all in its youngest generation); the survivors are not looked at again."""
    gc.collect(0)
