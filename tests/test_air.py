"""Personnel by air: airports of debarkation, closure when personnel and equipment are both in."""

from __future__ import annotations

import copy

import pytest

from mobility.errors import ScenarioError
from mobility.scenario import parse_scenario
from mobility.simulation import simulate

ABCT = {"id": "abct", "type": "us_abct", "count": 1, "ready_day": 1, "origin": "warszawa_wsch",
        "destination": "pabrade", "priority": 1}


def one_unit(baseline_dict: dict, factors: dict | None = None, **line) -> dict:
    d = copy.deepcopy(baseline_dict)
    d["forces"] = [dict(ABCT, **line)]
    d["horizon_days"] = 60
    d["factors"] = factors or {}
    return d


def arrivals(res) -> tuple[float, float]:
    """Last arrival of the unit's equipment and of its personnel, in hours."""
    arr = res.events[res.events["event"] == "arrive"]
    air = arr["mode"] == "air"
    return float(arr.loc[~air, "time"].max()), float(arr.loc[air, "time"].max())


def test_personnel_arriving_after_the_equipment_delay_closure(baseline_dict):
    fast = simulate(parse_scenario(one_unit(baseline_dict, personnel="air")), check=True)
    slow = simulate(parse_scenario(one_unit(baseline_dict, {"apod_pax_per_day": 100}, personnel="air")),
                    check=True)
    eq_fast, pax_fast = arrivals(fast)
    eq_slow, pax_slow = arrivals(slow)
    closed_fast, closed_slow = (float(r.events.loc[r.events["event"] == "closed", "time"].iloc[0])
                                for r in (fast, slow))
    assert pax_fast < eq_fast and closed_fast == eq_fast  # troops waited for their equipment
    assert eq_slow == pytest.approx(eq_fast)  # the airport does not touch the equipment
    assert pax_slow > eq_slow and closed_slow == pax_slow  # equipment waited for its troops
    # 3,300 troops at 100 a day hold the airport 33 days
    dis = slow.events[slow.events["event"].isin(["disembark", "disembarked"])]["time"].to_numpy()
    assert dis[1] - dis[0] == pytest.approx(33 * 24)
    assert slow.units.loc[0, "last_mover"] == "abct/air/1"


def test_flown_troops_leave_the_equipment_movers_empty_and_land_at_the_nearest_airport(baseline_dict):
    res = simulate(parse_scenario(one_unit(baseline_dict, personnel="air")), check=True)
    movers = res.events[res.events["mover"] != ""].drop_duplicates("mover")
    assert movers.loc[movers["mode"] == "air", "troops"].sum() == 3_300
    assert movers.loc[movers["mode"] != "air", "troops"].sum() == 0
    assert set(res.events.loc[res.events["mode"] == "air", "resource"]) >= {"airport:vilnius_airport"}  # its node (issue #10)
    closed = res.events[res.events["event"] == "closed"]
    assert closed["troops"].sum() == 3_300
    # the flown troops count under the airport they landed at, not the place they drove on to (Pabradė)
    loc = res.lines_of_communication.set_index("name")
    assert loc.loc[f"air via {res.network.label('vilnius_airport')}", "troops"] == 3_300
    assert not [n for n in loc.index if n.startswith("air via") and "Pabrad" in n]


def test_two_units_share_an_airport_one_at_a_time(baseline_dict):
    d = one_unit(baseline_dict, personnel="air", airport="riga_airport")  # the airport node (issue #10)
    d["forces"].append(dict(ABCT, id="abct2", personnel="air", airport="riga_airport"))
    res = simulate(parse_scenario(d), check=True)
    dis = res.events[res.events["event"] == "disembark"].sort_values("time")
    per_day = res.network.node("riga_airport")["personnel_per_day"]  # airports.csv
    assert dis["time"].diff().iloc[1] == pytest.approx(3_300 / per_day * 24)
    assert set(dis["place"]) == {"riga_airport"}


@pytest.mark.parametrize("line, expected", [
    ({"personnel": "air", "airport": "gdansk"}, r"forces\[0\]\.airport: 'gdansk' is not an airport"),
    ({"airport": "vilnius"}, r"forces\[0\]\.airport: set personnel: air"),
    ({"personnel": "boat"}, r"forces\[0\]\.personnel"),
])
def test_bad_personnel_lines_are_one_line_errors(baseline_dict, line, expected):
    with pytest.raises(ScenarioError, match=expected):
        parse_scenario(one_unit(baseline_dict, **line))
