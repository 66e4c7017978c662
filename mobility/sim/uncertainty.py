"""Uncertainties of one run: each drawn from its own random stream of the run's seed.

An uncertainty names a planning factor (``mobility.factors``; the random
delays ``section_delay_hours`` and ``breakdown_probability`` are factors too)
and a distribution. The run's value of the factor is drawn once per run from
the stream ``(seed, factor)``, so a value set by hand (``simulate(..., at=...)``)
replaces exactly one draw and moves no other: the run at the point a
replication drew is that replication.

>>> from mobility.factors import Factors
>>> from mobility.scenario import Uncertainty
>>> u = Uncertainty(factor="load_hours_per_wagon", distribution="uniform", low=0.5, high=2, scale="multiply")
>>> a = draw_point([u], Factors(), seed=3)
>>> a == draw_point([u], Factors(), seed=3) and 0.15 <= a["load_hours_per_wagon"] <= 0.6
True
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from mobility.factors import Factors

__all__ = ["draw", "draw_point", "uncertainty_stream"]


def uncertainty_stream(seed: int, factor: str) -> np.random.Generator:
    """The random stream of one uncertainty in one run: from the run's seed and the factor's key only."""
    return np.random.default_rng(np.random.SeedSequence([int(seed) % 2**63, zlib.crc32(f"u:{factor}".encode())]))


def draw(u: Any, rng: np.random.Generator) -> float:
    """One draw of an uncertainty's distribution (before its ``scale`` is applied)."""
    if u.distribution == "uniform":
        return float(rng.uniform(u.low, u.high))
    if u.distribution == "triangular":
        return float(rng.triangular(u.low, u.mode, u.high))
    return float(rng.lognormal(math.log(u.mean), u.sigma))


def draw_point(uncertainties: Iterable[Any], factors: Factors, *, seed: int) -> dict[str, float]:
    """The value of each uncertain factor in the run with ``seed`` (scale applied, kept in range)."""
    from mobility.factors import PROBABILITIES

    out = {}
    for u in uncertainties:
        x = draw(u, uncertainty_stream(seed, u.factor))
        value = factors[u.factor] * x if u.scale == "multiply" else x
        value = max(value, 0.0)
        out[u.factor] = min(value, 1.0) if u.factor in PROBABILITIES else value
    return out
