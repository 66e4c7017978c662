"""The servers' resource (request queue, grants, releases) and the paused collector keep simpy's semantics."""

from __future__ import annotations

import gc
import random

import pytest
import simpy

from mobility.sim._gc import paused_gc
from mobility.sim.resources import _Request, _Servers


class _TracingEnvironment(simpy.Environment):
    """An environment that records every event scheduled: when, with which priority and delay, and
    what it is (a grant, a release, a timeout, a process, a condition)."""

    def __init__(self) -> None:
        super().__init__()
        self.trace: list[tuple[float, int, float, str]] = []

    def schedule(self, event: simpy.Event, priority: int = 1, delay: float = 0) -> None:
        if isinstance(event, (simpy.resources.resource.Request, _Request)):
            kind = "grant"
        elif isinstance(event, simpy.resources.resource.Release) or type(event) is simpy.Event:
            kind = "release"  # simpy's Release; ours is a plain event
        else:
            kind = type(event).__name__
        self.trace.append((self.now, int(priority), delay, kind))
        super().schedule(event, priority, delay)


def _grant_order(resource_cls: type, seed: int, capacity: int = 2) -> tuple[list[tuple[int, int]], list]:
    """Order in which requests with random priorities (many ties, some cancelled) are served, with
    the time of each grant, and every event the run scheduled, in order."""
    rnd = random.Random(seed)
    env = _TracingEnvironment()
    res = resource_cls(env, capacity=capacity)
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
            # holds often end on the instants at which others arrive or release (0.5 h steps)
            hold = rnd.choice([0.0, 0.5, 1.0, rnd.uniform(0.1, 2)])
            env.process(user(i, prio, hold, cancel))
            if rnd.random() < 0.6:
                yield env.timeout(rnd.choice([0.0, 0.1, 0.5]))

    env.process(arrivals())
    env.run()
    return served, env.trace


@pytest.mark.parametrize("capacity", [1, 2, 3])
@pytest.mark.parametrize("seed", range(5))
def test_requests_are_served_in_simpys_order(seed: int, capacity: int) -> None:
    """Priority first, then first come first served among equals; cancelled requests leave the queue;
    the same events are scheduled (so events at one instant keep their order)."""
    ours, our_events = _grant_order(_Servers, seed, capacity)
    theirs, their_events = _grant_order(simpy.PriorityResource, seed, capacity)
    assert ours == theirs
    assert our_events == their_events  # the same events, scheduled in the same order
    assert {k for *_, k in our_events} >= {"grant", "release", "Timeout", "Condition"}
    assert len(ours) > 150  # most requests were served, some after waiting behind others
    assert len({t for _, t in ours}) < len(ours) - 20  # many grants at one instant: their order is checked


def test_queue_is_sorted_when_requests_arrive_out_of_order() -> None:
    env = simpy.Environment()
    res = _Servers(env, capacity=1)
    reqs = [res.request(priority=p) for p in [(0, 0.0), (2, 0.0), (1, 0.0), (2, 0.0), (0, 1.0), (1, 0.0)]]
    assert res.users == [reqs[0]]
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
