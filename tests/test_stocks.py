"""Pre-positioned stocks: personnel come to the site, draw the set, then the unit moves on from there."""

from __future__ import annotations

import copy

import pytest

from mobility.errors import ScenarioError
from mobility.scenario import parse_scenario
from mobility.simulation import simulate

SITE = {"id": "aps", "node": "orzysz", "unit_type": "us_abct", "sets": 1, "draw_days": 4, "source": "test site"}
LINE = {"id": "abct", "type": "us_abct", "count": 1, "ready_day": 1, "origin": "orzysz", "destination": "pabrade",
        "priority": 1, "draws": "aps", "personnel": "air"}


def drawing(baseline_dict: dict, site: dict | None = None, factors: dict | None = None, **line) -> dict:
    d = copy.deepcopy(baseline_dict)
    d["stocks"] = [dict(SITE, **(site or {}))]
    d["forces"] = [dict(LINE, **line)]
    d["horizon_days"] = 50
    d["factors"] = factors or {}
    return d


def first_move(res) -> float:
    """When the unit's first train or march unit asks for anything: it leaves the site."""
    return float(res.events.loc[res.events["mover"] != "", "time"].min())


@pytest.mark.parametrize("airlift_h, draw_days", [(24, 4), (72, 4), (24, 9)])
def test_the_unit_leaves_the_site_only_after_its_personnel_arrive_and_the_draw_time_passes(
        baseline_dict, airlift_h, draw_days):
    res = simulate(parse_scenario(drawing(baseline_dict, {"draw_days": draw_days},
                                          {"airlift_hours": airlift_h})), check=True)
    ev = res.events
    arrived = float(ev.loc[ev["event"] == "personnel_arrived", "time"].iloc[0])
    assert arrived == pytest.approx(24 + airlift_h)  # ready at D+1, then the flight
    drawn = float(ev.loc[ev["event"] == "drawn", "time"].iloc[0])
    assert drawn == pytest.approx(arrived + draw_days * 24)
    assert first_move(res) == pytest.approx(drawn)
    assert set(ev.loc[ev["mover"] != "", "place"].iloc[:3]) == {"orzysz"}  # it moves on from the site


def test_by_road_personnel_ride_from_their_origin_to_the_site(baseline_dict):
    res = simulate(parse_scenario(drawing(baseline_dict, personnel="with_vehicles", origin="bialystok")))
    ev = res.events
    depart = ev[ev["event"] == "depart"].iloc[0]
    arrived = float(ev.loc[ev["event"] == "personnel_arrived", "time"].iloc[0])
    assert depart["place"] == "bialystok" and arrived > 24.0
    assert first_move(res) == pytest.approx(arrived + 4 * 24)


def test_two_units_drawing_one_at_a_time_queue_at_the_site(baseline_dict):
    d = drawing(baseline_dict, {"sets": 2}, count=2)
    res = simulate(parse_scenario(d), check=True)
    drawn = sorted(res.events.loc[res.events["event"] == "drawn", "time"])
    assert drawn[1] - drawn[0] == pytest.approx(4 * 24)


@pytest.mark.parametrize("site, line, expected", [
    ({}, {"draws": "nowhere"}, r"forces\[0\]\.draws: unknown stock site 'nowhere'"),
    ({"unit_type": "us_sbct"}, {}, r"forces\[0\]\.draws: aps holds us_sbct sets, not us_abct"),
    ({}, {"count": 2}, r"stocks\[0\]\.sets: 2 units draw from aps but it holds 1"),
    ({"node": "atlantis"}, {}, r"stocks\[0\]\.node: unknown node 'atlantis'"),
    ({"draw_days": -1}, {}, r"stocks\[0\]\.draw_days"),
])
def test_bad_stock_lines_are_one_line_errors(baseline_dict, site, line, expected):
    with pytest.raises(ScenarioError, match=expected):
        parse_scenario(drawing(baseline_dict, site, **line))
