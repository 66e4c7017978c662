"""Answers a planner can trust (issue #12): more capacity never makes closure later beyond noise,
and the bottleneck table names only what buys closure.

Measured on the shipped baseline with the candidates file's four uncertainties, seeds 1-5 (the
fixture below over seeds 1-5; README "More capacity no longer makes a tier later"): the tier days
of the baseline spread over 10-13 (D+10), 34-36 (D+30) and 95-97 (D+180) across seeds, so
run-to-run noise is 2-3 days. A tier day is the ceiling of the hour the tier is met: a unit that
closes a few hours either side of midnight moves it by one day, so one day is the resolution of
the measure and the tolerance below. Before the fix (dispatch of stock by unit priority, the
land/sea choice counting trains bound for a ramp and the port discharge, and a margin before a
unit switches to sea), ``pl-railhead-ramps`` met D+30 two days later than the baseline at seed 3
and a second Powidz ramp moved the baseline's D+10 tier from D+11 to D+12.
"""

from __future__ import annotations

import math

import pytest

from mobility.analysis.experiments.candidates import (
    apply_candidates,
    load_candidates,
    with_uncertainties,
)
from mobility.scenario import load_scenario
from mobility.simulation import simulate

SEEDS = (2, 3)  # paired: every arm runs with the same seeds (common random numbers)
TOLERANCE_DAYS = 1  # the resolution of a tier day (see the module docstring)


def _days(result) -> list[float]:  # noqa: ANN001
    return [math.inf if d != d else float(d) for d in result.tiers["met_day"]]


@pytest.fixture(scope="module")
def arms(root):
    cset = load_candidates(root / "scenarios" / "candidates.yaml")
    base = with_uncertainties(load_scenario(root / "scenarios" / "baseline.yaml"), cset.uncertainties)
    out = {"baseline": {s: _days(simulate(base, seed=s)) for s in SEEDS}}
    for c in cset.candidates:
        sc = apply_candidates(base, [c])
        out[c.id] = {s: _days(simulate(sc, seed=s)) for s in SEEDS}
    return out


def test_no_shipped_candidate_meets_a_tier_later_than_the_baseline_beyond_noise(arms):
    base = arms["baseline"]
    later = [(cid, s, tier, days[s][i], base[s][i])
             for cid, days in arms.items() if cid != "baseline"
             for s in SEEDS for i, tier in enumerate((10, 30, 180))
             if days[s][i] > base[s][i] + TOLERANCE_DAYS]
    assert not later, f"later than the baseline by more than {TOLERANCE_DAYS} day (candidate, seed, tier, day, base): {later}"


def test_the_candidates_are_not_all_inert(arms):
    # the property above would hold trivially if no candidate changed anything
    base = arms["baseline"]
    earlier = {cid for cid, days in arms.items() if cid != "baseline"
               for s in SEEDS if any(a < b for a, b in zip(days[s], base[s], strict=True))}
    assert "pl-railhead-ramps" in earlier


def test_the_baseline_names_only_bottlenecks_whose_doubling_moves_a_tier_day(root):
    from mobility.analysis.bottlenecks import true_bottlenecks, what_if
    from mobility.analysis.experiments.points import at_point, parse_assignments

    result = simulate(load_scenario(root / "scenarios" / "baseline.yaml"))
    whatif = what_if(result, top=3)
    assert len(whatif) == 3
    table = true_bottlenecks(result.bottlenecks, whatif)
    assert len(table) >= 1  # the baseline has a binding resource
    assert set(table["resource"]) == set(whatif.loc[whatif["buys"], "resource"])
    base = _days(result)
    # what the table claims is measured again, from the `--set` line it prints
    for row in table.itertuples():
        point = parse_assignments(row.point.split())
        days = _days(simulate(at_point(result.scenario, point)))
        assert any(a < b for a, b in zip(days, base, strict=True)), row.resource
        assert all(a <= b for a, b in zip(days, base, strict=True)), row.resource
    # the resources tried and left out buy no tier day
    for row in whatif[~whatif["buys"]].itertuples():
        assert row.later or row.days_earlier <= 0, row.resource
