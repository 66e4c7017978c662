"""Sea lines of communication: ships, berths, the choice of land or sea, lines of communication."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mobility.analysis.invariants import max_in_use
from mobility.analysis.lines import corridor_sections
from mobility.errors import ScenarioError
from mobility.network import load_network
from mobility.scenario import load_scenario, parse_scenario
from mobility.simulation import simulate

ROOT = Path(__file__).resolve().parents[1]


def _run(forces, **extra):
    data = {"name": "sea-test", "horizon_days": 90, "forces": forces, **extra}
    return simulate(parse_scenario(data), check=True)


def _loc(result) -> dict[str, int]:
    return {r["name"]: r["troops"] for r in result.summary()["lines_of_communication"]}


@pytest.fixture(scope="module")
def by_land_and_sea():
    land = _run([{"id": "a", "type": "us_abct", "origin": "bremerhaven", "destination": "rukla", "mode": "rail"}])
    sea = _run([{"id": "a", "type": "us_abct", "origin": "bremerhaven", "destination": "rukla", "mode": "sea"}])
    return land, sea


def test_a_unit_from_bremerhaven_reaches_rukla_by_land_through_the_corridor(by_land_and_sea):
    land, _ = by_land_and_sea
    ev = land.events
    assert ev[ev["event"] == "closed"]["place"].astype(str).tolist() == ["rukla"]
    assert (ev["mode"] != "sea").all()
    corridor = corridor_sections(land.network)
    assert "rail:trakiszki-mockava:1435" in corridor
    entered = set(ev.loc[ev["event"] == "enter", "place"].astype(str))
    assert "rail:trakiszki-mockava:1435" in entered and "rail:frankfurt_oder-poznan:1435" in entered
    assert _loc(land) == {"rail through the Suwałki corridor": 3300}


def test_with_mode_sea_the_unit_sails_to_klaipeda_and_goes_on_by_land(by_land_and_sea):
    _, sea = by_land_and_sea
    ev = sea.events
    ships = ev[ev["mode"] == "sea"]
    assert set(ships.loc[ships["event"] == "discharged", "place"].astype(str)) == {"klaipeda"}
    assert set(ships.loc[ships["event"] == "enter", "place"].astype(str)) == {"sea:bremerhaven-klaipeda"}
    # no land mover crosses the corridor; the onward movers leave from Klaipėda
    corridor = corridor_sections(sea.network)
    assert not set(ev.loc[ev["event"] == "enter", "place"].astype(str)) & corridor
    onward = ev[ev["mover"].astype(str).str.contains("/from-port/")].drop_duplicates("mover")
    assert len(onward) > 0 and onward["troops"].sum() == 0
    assert ships.drop_duplicates("mover")["troops"].sum() == 3300  # the troops ride the ships
    assert ev.loc[ev["event"] == "closed", "place"].astype(str).tolist() == ["rukla"]
    assert _loc(sea) == {"sea via Klaipėda (port)": 3300}
    # the equipment left the quay at Klaipėda only after every shipload was discharged there
    last_discharge = ships.loc[ships["event"] == "discharged", "time"].max()
    assert onward.empty or ev.loc[ev["mover"].isin(onward["mover"]), "time"].min() >= last_discharge


def _discharge_per_hour(result, port: str) -> tuple[np.ndarray, float]:
    """Pieces discharged at ``port`` in each hour, spreading each ship's pieces over its working time."""
    ev = result.events
    f = result.factors
    d = ev[(ev["mode"] == "sea") & ev["event"].isin(["discharge", "discharged"]) & (ev["place"] == port)]
    starts = d[d["event"] == "discharge"].set_index("mover")
    ends = d[d["event"] == "discharged"].set_index("mover")
    horizon = int(np.ceil(ends["time"].max())) + 1
    hourly = np.zeros(horizon)
    for mover, row in starts.iterrows():
        t0 = row["time"] + f["roro_port_call_hours"]
        t1 = ends.loc[mover, "time"]
        rate = row["vehicles"] / (t1 - t0)
        for h in range(int(np.floor(t0)), int(np.ceil(t1))):
            hourly[h] += rate * max(0.0, min(t1, h + 1) - max(t0, h))
    node = result.network.node(port)
    return hourly, node["berths"] * node["pieces_per_berth_day"] / 24.0


@pytest.fixture(scope="module")
def crowded():
    forces = [{"id": "abct", "type": "us_abct", "count": 3, "origin": "bremerhaven", "destination": "rukla",
               "mode": "sea"},
              {"id": "pz", "type": "de_pzbrig", "origin": "gdynia", "destination": "rukla", "mode": "sea"}]
    return _run(forces, resources={"roro_ships": 3})


def test_discharge_at_a_port_never_exceeds_berths_times_rate_in_any_hour(crowded):
    hourly, cap = _discharge_per_hour(crowded, "klaipeda")
    assert cap == pytest.approx(2 * 300 / 24)
    assert hourly.max() <= cap * (1 + 1e-9)
    assert hourly.max() >= cap * 0.99  # both berths worked at once: a unit spreads over several berths


def test_ship_capacity_and_the_ship_pool_are_never_exceeded(crowded):
    ev = crowded.events
    loads = ev[(ev["mode"] == "sea") & (ev["event"] == "embarked")]
    assert loads["vehicles"].max() <= crowded.factors["roro_ship_pieces"]
    assert max_in_use(ev)["ships:roro"] == 3  # the pool binds ...
    waits = ev[(ev["resource"] == "ships:roro")]
    req = waits[waits["event"] == "request"].groupby("mover", observed=True)["time"].min()
    acq = waits[waits["event"] == "acquire"].groupby("mover", observed=True)["time"].min()
    assert ((acq - req) > 1.0).sum() >= 1  # ... and some shipload waited for a ship to come back


def test_mode_sea_without_a_way_to_the_sea_is_refused():
    with pytest.raises(ScenarioError, match=r"forces\[0\]\.mode: sea, but .* 'poznan' is not there"):
        _run([{"id": "x", "type": "us_abct", "origin": "bremerhaven", "destination": "poznan", "mode": "sea"}])


def test_corridor_cut_closes_every_section_joining_poland_and_lithuania():
    sc = load_scenario(ROOT / "scenarios" / "corridor-cut.yaml")
    every = load_network(all_years=True)
    in_year = load_network(year=sc.year)
    closed = {d.section for d in sc.disruptions if d.from_day == 3 and d.to_day >= sc.horizon_days}
    assert corridor_sections(in_year) <= closed <= corridor_sections(every)


@pytest.fixture(scope="module")
def cut_and_uncut():
    sc = load_scenario(ROOT / "scenarios" / "corridor-cut.yaml")
    forces = [
        {"id": "early", "type": "mech_bde", "ready_day": 0, "origin": "poznan", "destination": "rukla"},
        {"id": "later", "type": "us_abct", "count": 2, "ready_day": 6, "stagger_days": 4, "origin": "powidz",
         "destination": "rukla"},
    ]
    base = {"name": "cut-test", "horizon_days": 60, "forces": forces}
    cut = [d.model_dump() for d in sc.disruptions]
    for d in cut:
        d["to_day"] = 60
    return simulate(parse_scenario(base), check=True), simulate(parse_scenario({**base, "disruptions": cut}),
                                                                 check=True)


def test_with_the_corridor_cut_auto_sends_later_units_by_sea(cut_and_uncut):
    uncut, cut = cut_and_uncut

    def sea_share(r):
        loc = r.lines_of_communication
        return loc.loc[loc["name"].str.startswith("sea via"), "troops"].sum() / max(loc["troops"].sum(), 1)

    sea_units = set(cut.events.loc[cut.events["mode"] == "sea", "unit"].astype(str))
    assert sea_units == {"later-1", "later-2"}
    assert "early" not in sea_units  # it set off by land before the cut
    assert sea_share(cut) > sea_share(uncut)
    assert sea_share(cut) == 1.0  # the early unit is stuck at the closed border: it never closes
    closed = set(cut.events.loc[cut.events["event"] == "closed", "unit"].astype(str))
    assert closed == {"later-1", "later-2"}


def test_summary_json_lists_lines_of_communication_with_troops_and_vehicles(by_land_and_sea):
    _, sea = by_land_and_sea
    loc = sea.summary()["lines_of_communication"]
    assert loc == [{"name": "sea via Klaipėda (port)", "troops": 3300, "vehicles": 2500, "units": 1}]
    assert isinstance(pd.DataFrame(loc), pd.DataFrame)


def test_corridor_cut_is_the_baseline_plus_the_cut():
    base = load_scenario(ROOT / "scenarios" / "baseline.yaml").model_dump()
    cut = load_scenario(ROOT / "scenarios" / "corridor-cut.yaml").model_dump()
    for key in ("name", "description", "disruptions"):
        base.pop(key), cut.pop(key)
    assert base == cut, "scenarios/corridor-cut.yaml must copy baseline.yaml except name, description, disruptions"


def test_the_map_draws_sea_legs_with_flows_and_the_geopackage_holds_them(by_land_and_sea, tmp_path):
    import pyogrio

    from mobility.briefing.export import export_gpkg

    _, sea = by_land_and_sea
    html = sea.map().get_root().render()
    assert "Sea legs (RoRo)" in html and "Airport of debarkation" in html
    assert "3,300 troops" in html  # the flow on the sea leg Bremerhaven–Klaipėda
    path = export_gpkg(sea, tmp_path / "run.gpkg")
    assert "sea" in {name for name, _ in pyogrio.list_layers(path)}
    import geopandas as gpd

    flows = gpd.read_file(path, layer="flows")
    leg = flows[flows["section"] == "sea:bremerhaven-klaipeda"].iloc[0]
    assert leg["mode"] == "sea" and leg["troops"] == 3300 and leg["vehicles"] == 2500 and leg["movers"] == 4
    legs = gpd.read_file(path, layer="sea")
    assert len(legs) == 24 and (legs["length_km"] > 100).all()


def test_the_report_shows_lines_of_communication(by_land_and_sea):
    from mobility.briefing.report import report_html

    land, sea = by_land_and_sea
    page = report_html(sea)
    table = page[page.index('id="lines-table"'):page.index("</table>", page.index('id="lines-table"'))]
    assert "sea via Klaipėda (port)" in table and "3,300" in table and "2,500" in table
    assert "rail through the Suwałki corridor" in report_html(land)


def test_without_ships_auto_stays_on_land_and_mode_sea_is_refused():
    from mobility.errors import NoRouteError

    none = {"roro_ships": 0}
    with pytest.raises(NoRouteError, match="resources.roro_ships is 0"):
        _run([{"id": "x", "type": "us_abct", "origin": "bremerhaven", "destination": "rukla", "mode": "sea"}],
             resources=none)
    sc = load_scenario(ROOT / "scenarios" / "corridor-cut.yaml").model_dump(exclude={"source_file"})
    sc["resources"] = {**sc["resources"], **none}
    sc["forces"] = [f for f in sc["forces"] if f["id"] in ("abct-b", "mech-pl")]
    r = simulate(parse_scenario(sc))
    assert (r.events["mode"] != "sea").all()
