"""The garbage collector paused around a run (private plumbing of :func:`mobility.sim.engine.run_model`
and :func:`mobility.simulation.simulate`).

A run allocates millions of short-lived simpy events and keeps its log rows; the cyclic
collector's full passes over that growing heap cost a fifth of the run (measured with
``benchmarks/bench_events.py``) and find little: the model's cycles are freed when the
collector is back on. Reference counting still frees everything that is not in a cycle.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Switch the cyclic garbage collector off for the block; back to its previous state after,
    also when the block raises."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
