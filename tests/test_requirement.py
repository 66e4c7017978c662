"""The requirement a run is measured against: NFM readings, plans in brigade equivalents, forces in place."""

from __future__ import annotations

import copy
import math

import pytest

from mobility.errors import ScenarioError
from mobility.requirement import requirement_of
from mobility.scenario import parse_scenario
from mobility.simulation import simulate


def tiny(baseline_dict: dict, forces: list[dict], **changes) -> dict:
    """A baseline variant with only ``forces`` and a 40-day horizon."""
    d = copy.deepcopy(baseline_dict)
    d["forces"] = forces
    d["horizon_days"] = 40
    d.update(changes)
    return d


ABCT = {"id": "abct", "type": "us_abct", "count": 1, "ready_day": 1, "origin": "warszawa_wsch",
        "destination": "pabrade", "priority": 1}
IBCT = {"id": "ibct", "type": "us_ibct", "count": 1, "ready_day": 1, "origin": "warszawa_wsch",
        "destination": "pabrade", "priority": 1, "mode": "road"}
PZ = {"id": "pz45", "type": "de_pzbrig", "count": 1, "origin": "rukla", "destination": "rukla", "in_place": True}


def test_both_nfm_readings_are_computed_and_recorded(baseline_dict):
    sc = parse_scenario(tiny(baseline_dict, [PZ, IBCT], targets={"reading": "cumulative", "theatre_share": 0.05}))
    req = requirement_of(sc)
    assert [t.troops for t in req.readings["cumulative"]] == [5_000, 10_000, 25_000]
    assert [t.troops for t in req.readings["additive"]] == [5_000, 15_000, 40_000]
    s = simulate(sc).summary()
    assert s["requirement"]["reading"] == "cumulative" and s["requirement"]["share_source"] == "assumption"
    assert s["requirement"]["clock"] == "closed" and "NATO Force Model" in s["requirement"]["source"]
    assert [t["required"] for t in s["tiers"]] == [5_000, 10_000, 25_000]
    assert [t["required"] for t in s["nfm_readings"]["additive"]] == [5_000, 15_000, 40_000]
    # 9,200 troops in all: the D+30 tier (10,000) cannot be met by construction, and the summary says so
    d30 = next(t for t in s["ready_by_tier"] if t["day"] == 30)
    assert d30["ready_by"] == 9_200 and d30["feasible"] is False and "by construction" in d30["note"]
    d10 = next(t for t in s["ready_by_tier"] if t["day"] == 10)
    assert d10["feasible"] is True


def test_a_unit_in_place_closes_at_d0_and_uses_no_resource(baseline_dict):
    res = simulate(parse_scenario(tiny(baseline_dict, [PZ, ABCT])), check=True)
    ev = res.events[res.events["unit"] == "pz45"]
    closed = ev[ev["event"] == "closed"]
    assert list(closed["time"]) == [0.0] and list(closed["place"]) == ["rukla"]
    assert set(ev["event"]) == {"ready", "closed", "combat_ready"}  # no request, acquire, enter: no transport
    assert (ev["mover"] == "").all()
    # the moving brigade does use resources, so the check above can fail
    moving = res.events[res.events["unit"] == "abct"]
    assert (moving["event"] == "acquire").any()
    assert res.closure.loc[0, "closed"] == 4_800
    unit = res.units.set_index("unit").loc["pz45"]
    assert bool(unit["in_place"]) and unit["closed_day"] == 0.0


def test_a_force_in_place_must_stand_at_its_destination(baseline_dict):
    bad = dict(PZ, origin="bialystok")
    with pytest.raises(ScenarioError, match=r"forces\[0\].*in_place.*origin equal to destination"):
        parse_scenario(tiny(baseline_dict, [bad, ABCT]))


PLAN = {"source": "test plan", "clock": "closed",
        "tiers": [{"day": 0, "troops": 4_000, "brigades": 1, "heavy": 1},
                  {"day": 30, "troops": 8_000, "brigades": 2, "heavy": 2}]}


def test_a_plan_counts_brigade_equivalents_by_class(baseline_dict):
    # heavy in place + a light brigade: troops enough for D+30 (9,200 >= 8,000), but one heavy short
    sc = parse_scenario(tiny(baseline_dict, [PZ, IBCT], requirement=PLAN))
    res = simulate(sc)
    t = res.tiers.set_index("day")
    assert t.loc[0, "heavy_closed"] == 1.0 and t.loc[0, "met_day"] == 0.0
    assert t.loc[30, "closed"] >= 8_000 and t.loc[30, "light_closed"] == 1.0
    assert t.loc[30, "heavy_closed"] == 1.0 and math.isnan(t.loc[30, "met_day"])
    assert not t.loc[30, "feasible"] and "1 heavy" in t.loc[30, "note"]
    s = res.summary()
    assert s["requirement"] == {"kind": "plan", "source": "test plan", "reading": "plan", "clock": "closed",
                                "clock_text": s["requirement"]["clock_text"]}
    # with a heavy brigade moving instead, the D+30 tier is met when it closes
    res2 = simulate(parse_scenario(tiny(baseline_dict, [PZ, ABCT], requirement=PLAN)))
    t2 = res2.tiers.set_index("day")
    closed_abct = res2.units.set_index("unit").loc["abct", "closed_day"]
    assert t2.loc[30, "feasible"] and t2.loc[30, "met_day"] == math.ceil(closed_abct)


def test_the_combat_ready_clock_counts_reception_and_staging(baseline_dict):
    plan = dict(PLAN, clock="combat_ready")
    res = simulate(parse_scenario(tiny(baseline_dict, [PZ, ABCT], requirement=plan)))
    u = res.units.set_index("unit").loc["abct"]
    assert u["combat_ready_day"] - u["closed_day"] == pytest.approx(res.factors["rsom_days_heavy"])
    assert res.tiers.set_index("day").loc[30, "met_day"] == math.ceil(u["combat_ready_day"])
    assert res.summary()["requirement"]["clock"] == "combat_ready"


@pytest.mark.parametrize("tiers, expected", [
    ([{"day": 30, "troops": 8_000}, {"day": 10, "troops": 9_000}], "increasing order"),
    ([{"day": 10, "troops": 9_000}, {"day": 30, "troops": 8_000}], r"troops by D\+30 is less than by D\+10"),
    ([{"day": 10, "troops": 0}], "must require troops or brigade"),
    ([{"day": 10, "troops": 100, "brigades": 1, "heavy": 2}], "fewer than heavy"),
    ([{"day": 10, "troops": 100, "heavy": float("nan")}], "heavy"),
])
def test_a_bad_plan_is_a_one_line_error(baseline_dict, tiers, expected):
    with pytest.raises(ScenarioError, match=expected) as err:
        parse_scenario(tiny(baseline_dict, [ABCT], requirement={"source": "x plan", "tiers": tiers}))
    assert "\n" not in str(err.value) and "requirement" in str(err.value)


def test_combat_ready_is_never_earlier_than_closed_on_the_baseline(baseline_dict):
    d = copy.deepcopy(baseline_dict)
    d["forces"] = d["forces"][:7]
    d["horizon_days"] = 60
    res = simulate(parse_scenario(d))
    u = res.units.dropna(subset=["closed_day"])
    assert len(u) >= 5
    assert (u["combat_ready_day"] >= u["closed_day"]).all()
    assert (res.closure["combat_ready"] <= res.closure["closed"]).all()
    assert (res.closure["combat_ready"] < res.closure["closed"]).any()


def test_rand_2016_reports_brigade_equivalents_against_rands_requirement(root):
    from mobility.scenario import load_scenario

    sc = load_scenario(root / "scenarios" / "rand-2016.yaml")
    assert sc.force_list == "rand-2016-forces.csv" and len(sc.forces) == 13
    res = simulate(sc)
    s = res.summary()
    assert s["requirement"]["kind"] == "plan" and s["requirement"]["clock"] == "combat_ready"
    assert "R15" in s["requirement"]["source"] and "D3" in s["requirement"]["source"]
    t = {r["day"]: r for r in s["tiers"]}
    assert (t[3]["brigades_required"], t[3]["heavy_required"]) == (7.0, 3.0)
    assert (t[28]["brigades_required"], t[28]["heavy_required"]) == (16.0, 12.0)
    # in place at D+0: Panzerbrigade 45 (heavy), the Latvia brigade (light), the Estonia battlegroup (1/3 heavy)
    assert t[3]["heavy_closed"] == pytest.approx(4 / 3, abs=0.01) and t[3]["brigades_closed"] >= 2.33
    # what is ready before D+3 (in place, the rotational and Polish brigades, the APS-2 draw) could meet the
    # onset tier on paper, but it does not close and get ready to fight in the window
    assert t[3]["feasible"] is True and t[3]["met_day"] > 3
    assert t[28]["feasible"] is True and t[28]["heavy_ready_by"] >= 12
    assert res.closure.loc[0, "closed"] == 4_800 + 3_500 + 1_100
