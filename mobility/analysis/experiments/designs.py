"""Designs: which runs a study makes (arms of candidates, seeds of replications).

>>> from mobility.analysis.experiments.designs import replication_seeds
>>> replication_seeds(1, 3) == replication_seeds(1, 5)[:3]
True
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

BASELINE = "baseline"


def arm_name(ids: Sequence[str]) -> str:
    """The name of the arm with candidates ``ids``: ``baseline`` or ``a+b``."""
    return "+".join(ids) if ids else BASELINE


def design_arms(ids: Sequence[str], *, max_combination: int = 2, extremes: bool = True,
                exclusive: Sequence[frozenset[str]] = ()) -> tuple[list[tuple[str, ...]], list[str]]:
    """The arms of a comparison, and notes on what was left out.

    Every combination of up to ``max_combination`` candidates (in the order of
    ``ids``); with ``extremes`` and ``max_combination`` below the number of
    candidates, also all candidates together ("all-in") and each leave-one-out
    set, which give each candidate's marginal value at the top of the lattice.
    A combination holding a pair in ``exclusive`` (candidates that cannot be
    combined: :func:`~mobility.analysis.experiments.candidates.conflicts`) is left out.
    """
    n = len(ids)
    bad = [set(p) for p in exclusive]
    dropped: dict[tuple[str, ...], list[tuple[str, ...]]] = {}  # clash -> the combinations left out for it

    def ok(combo: tuple[str, ...]) -> bool:
        clash = next((p for p in bad if p <= set(combo)), None)
        if clash is not None and combo not in dropped.setdefault(tuple(sorted(clash)), []):
            dropped[tuple(sorted(clash))].append(combo)
        return clash is None

    arms: list[tuple[str, ...]] = [()]
    for k in range(1, min(max_combination, n) + 1):
        arms += [c for c in itertools.combinations(ids, k) if ok(c)]
    if extremes and max_combination < n:
        top = [tuple(ids)] + ([tuple(x for x in ids if x != i) for i in ids] if n - 1 > max_combination else [])
        arms += [c for c in top if ok(c)]
    notes = [f"{len(combos)} arm(s) left out ({arm_name(combos[0])}{' and others holding both' if len(combos) > 1 else ''}"
             f"): {' and '.join(clash)} cannot be combined (they set the "
             "same field differently, or one closes a section the other edits)"
             for clash, combos in dropped.items()]
    return list(dict.fromkeys(arms)), notes



def replication_seeds(seed: int, n: int) -> tuple[int, ...]:
    """Seeds of ``n`` replications, spawned from one ``SeedSequence(seed)``.

    Replication *i* gets the same seed whatever ``n`` is, so adding
    replications extends a study without changing the runs already made.
    """
    children = np.random.SeedSequence(seed).spawn(n)
    return tuple(int(c.generate_state(1)[0]) for c in children)

