"""The server's request queue and the paused collector keep simpy's semantics."""

from __future__ import annotations

import gc
import random

import pytest
import simpy

from mobility.sim._gc import paused_gc
from mobility.sim.resources import _PriorityResource


def _grant_order(resource_cls: type, seed: int) -> list[tuple[int, int]]:
    """Order in which requests with random priorities (many ties, some cancelled) are served."""
    rnd = random.Random(seed)
    env = simpy.Environment()
    res = resource_cls(env, capacity=2)
    served: list[tuple[int, int]] = []

    def user(i: int, prio: tuple[int, float], hold: float, cancel_after: float | None):
        req = res.request(priority=prio)
        if cancel_after is not None:
            got = yield req | env.timeout(cancel_after)
            if req not in got:
                req.cancel()
                return
        else:
            yield req
        served.append((i, int(env.now * 10)))
        yield env.timeout(hold)
        res.release(req)

    def arrivals():
        for i in range(300):
            prio = (rnd.randint(0, 3), float(rnd.randint(0, 2)))
            cancel = rnd.choice([None, None, None, rnd.uniform(0.1, 3)])
            env.process(user(i, prio, rnd.uniform(0.1, 2), cancel))
            if rnd.random() < 0.6:
                yield env.timeout(rnd.choice([0.0, 0.1, 0.5]))

    env.process(arrivals())
    env.run()
    return served


@pytest.mark.parametrize("seed", range(5))
def test_requests_are_served_in_simpys_order(seed: int) -> None:
    """Priority first, then first come first served among equals; cancelled requests leave the queue."""
    ours = _grant_order(_PriorityResource, seed)
    assert ours == _grant_order(simpy.PriorityResource, seed)
    assert len(ours) > 150  # most requests were served, some after waiting behind others


def test_queue_is_sorted_when_requests_arrive_out_of_order() -> None:
    env = simpy.Environment()
    res = _PriorityResource(env, capacity=1)
    reqs = [res.request(priority=p) for p in [(0, 0.0), (2, 0.0), (1, 0.0), (2, 0.0), (0, 1.0), (1, 0.0)]]
    assert list(res.queue) == [reqs[i] for i in (4, 2, 5, 1, 3)]  # reqs[0] holds the server


def test_paused_gc_restores_the_collector_also_on_error() -> None:
    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), paused_gc():
        raise RuntimeError("boom")
    assert gc.isenabled()
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()  # it was off before: it stays off
    finally:
        gc.enable()
