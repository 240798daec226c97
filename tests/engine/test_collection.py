"""The cyclic collector during a plan: off inside a phase, one young collection at its end,
the survivors of a plan frozen until the next one."""

from __future__ import annotations

import gc
import weakref

import pytest

from djrefactor.engine import collection
from djrefactor.engine.collection import collect_young, collected_at_end


class _Cyclic:
    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def collector_on():
    enabled = gc.isenabled()
    gc.enable()
    yield
    if not enabled:
        gc.disable()


def test_no_collection_runs_inside_the_block(collector_on):
    runs = []

    def heard(phase, info):
        if phase == "start":
            runs.append(info["generation"])

    gc.callbacks.append(heard)
    try:
        with collected_at_end():
            assert not gc.isenabled()
            for _ in range(200_000):  # far past the youngest generation's threshold
                _Cyclic()
            assert runs == []
        assert runs == [0]  # the one young collection at the end
    finally:
        gc.callbacks.remove(heard)
    assert gc.isenabled()


def test_a_cycle_made_inside_is_freed_as_the_block_ends(collector_on):
    with collected_at_end():
        cyclic = weakref.ref(_Cyclic())
        assert cyclic() is not None  # nobody collects it yet
    assert cyclic() is None


def test_the_block_leaves_a_disabled_collector_disabled():
    enabled = gc.isenabled()
    gc.disable()
    try:
        with collected_at_end():
            pass
        assert not gc.isenabled()
    finally:
        if enabled:
            gc.enable()


def test_the_collector_is_restored_when_the_block_fails(collector_on):
    with pytest.raises(RuntimeError), collected_at_end():
        raise RuntimeError("a codemod's bug")
    assert gc.isenabled()


def test_a_young_collection_frees_the_cycles_made_since_the_last_one(collector_on):
    gc.disable()
    try:
        gc.collect()
        cyclic = weakref.ref(_Cyclic())
        collect_young()
        assert cyclic() is None
    finally:
        gc.enable()


@pytest.fixture
def thawed_after():
    yield
    gc.unfreeze()
    collection._frozen = False


def test_a_plans_survivors_are_frozen_until_the_next_plan_thaws_and_collects_them(
    collector_on, thawed_after
):
    kept = _Cyclic()
    with collected_at_end(freeze=True):
        pass
    assert gc.get_freeze_count() > 0
    dropped = weakref.ref(kept)
    del kept  # garbage now, but frozen: no collection of the collector's own looks at it
    gc.collect()
    assert dropped() is not None
    with collected_at_end(freeze=True):
        assert dropped() is None  # the next plan thawed and collected it before starting


def test_a_block_without_freeze_leaves_nothing_frozen(collector_on, thawed_after):
    gc.unfreeze()
    with collected_at_end():
        pass
    assert gc.get_freeze_count() == 0
