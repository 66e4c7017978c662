"""Threats (mobility.sim.threats): strikes close their targets, repairs reopen them, movers reroute
or wait, strikes are common random numbers across arms, and redundancy has value under a threat."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
import yaml

from mobility.analysis.experiments import apply_candidates, compare, load_candidates
from mobility.errors import ScenarioError
from mobility.scenario import load_scenario, parse_scenario
from mobility.sim.threats import draw_strikes, load_threat, parse_threat
from mobility.simulation import simulate

ROOT = Path(__file__).resolve().parents[1]
BRIDGE = "road:kalvarija-sesupe_bridge_a5"  # the A5 Šešupė bridge on the S61/A5 road into Lithuania
SOURCES = {"source": "test", "rate_source": "test", "repair_source": "test"}


def attack(**kw: object) -> dict:
    return {"id": "a", "bridge": BRIDGE, "damage": "closure", "repair_days": 1.0, **SOURCES} | kw


def road_scenario(*attacks: dict, horizon: int = 20, tier_day: int = 4) -> dict:
    """Ten truck companies by road Białystok -> Kaunas (over the A5 bridge; DK16 is closed to them by its
    12 t limit), ready from D+0.5; the tier wants all 3,000 troops by ``tier_day``."""
    d = {"name": "road-threat", "network": "baltic", "year": 2026, "d_day": "2026-12-01", "horizon_days": horizon,
         "seed": 1,
         "unit_types": {"truck_coy": {"name": "truck company (test)", "personnel": 300, "tracked": 0, "wheeled": 20}},
         "forces": [{"id": "coy", "type": "truck_coy", "count": 10, "ready_day": 0.5, "stagger_days": 0.25,
                     "origin": "bialystok", "destination": "kaunas", "mode": "road"}],
         "policies": {"clearance": "custom", "clearance_hours": 0},
         "targets": {"theatre_share": 1.0, "tiers": [{"day": tier_day, "troops": 3000}]}}
    if attacks:
        d["threats"] = [{"name": "test", "attacks": list(attacks)}]
    return d


def entries(result, place: str):  # noqa: ANN001, ANN201
    ev = result.events
    return ev[(ev["event"] == "enter") & (ev["place"].astype(str) == place)]["time"].to_numpy()


# --------------------------------------------------------------------------------------------
# a strike closes, the repair reopens, movers wait or reroute
# --------------------------------------------------------------------------------------------
def test_a_strike_closes_its_target_and_the_repair_reopens_it() -> None:
    # without DK16 (12 t limit) there is no other way for the trucks: movers reaching the bridge wait
    sc = parse_scenario(road_scenario(attack(strikes=[0.9], repair_days=2.0)))
    res = simulate(sc, check=True)
    ev = res.events
    hits = ev[ev["event"].isin(["attack", "repaired"])]
    assert hits["event"].tolist() == ["attack", "repaired"]
    assert hits["time"].tolist() == pytest.approx([0.9 * 24, 2.9 * 24])
    assert set(hits["place"].astype(str)) == {BRIDGE}
    times = entries(res, BRIDGE)
    assert len(times) == 10
    assert not ((times >= 0.9 * 24) & (times < 2.9 * 24)).any(), "nobody crosses while the bridge is down"
    assert (times >= 2.9 * 24).sum() > 0, "some movers waited for the repair"
    free = simulate(parse_scenario(road_scenario()))
    mean_closed = [float(r.events.loc[r.events["event"] == "closed", "time"].mean()) for r in (res, free)]
    assert mean_closed[0] > mean_closed[1] + 6.0, mean_closed


def test_movers_reroute_around_a_closed_target_where_a_way_exists() -> None:
    # with DK16 open to them, units planning while the bridge is down take Ogrodniki–Lazdijai instead
    cands = load_candidates(ROOT / "scenarios" / "candidates.yaml")
    sc = parse_scenario(road_scenario(attack(strikes=[0.0], repair_days=5.0)))
    arm = apply_candidates(sc, [cands.get("dk16-heavy")])
    res = simulate(arm, check=True)
    assert len(entries(res, BRIDGE)) == 0
    assert len(entries(res, "road:ogrodniki-lazdijai")) == 10
    # and without the strike the same arm keeps to the A5
    calm = simulate(apply_candidates(parse_scenario(road_scenario()), [cands.get("dk16-heavy")]))
    assert len(entries(calm, "road:ogrodniki-lazdijai")) == 0 and len(entries(calm, BRIDGE)) == 10


def test_lost_capacity_slows_a_target_without_shutting_it() -> None:
    slow = parse_scenario(road_scenario(attack(strikes=[0.0], damage="capacity", capacity_lost=0.75,
                                               repair_days=10.0)))
    res = simulate(slow, check=True)
    times = entries(res, BRIDGE)
    assert len(times) == 10  # nobody reroutes around lost capacity
    phase = np.mod(times, 12.0)
    assert (phase >= 9.0 - 1e-9).all(), "movers pass only in the open quarter of each 12 h block"


# --------------------------------------------------------------------------------------------
# draws: their own streams, common random numbers
# --------------------------------------------------------------------------------------------
def test_strikes_depend_on_the_seed_and_the_attack_only() -> None:
    t = parse_threat({"name": "x", "attacks": [attack(id="a", rate_per_day=0.5),
                                               attack(id="b", section="road:budzisko-kalvarija", bridge=None,
                                                      rate_per_day=0.5)]}, source="x")
    only_a = parse_threat({"name": "x", "attacks": [attack(id="a", rate_per_day=0.5)]}, source="x")
    s1 = draw_strikes([t], seed=5, horizon_h=30 * 24)
    assert s1 == draw_strikes([t], seed=5, horizon_h=30 * 24)
    assert [s for s in s1 if s.attack == "a"] == draw_strikes([only_a], seed=5, horizon_h=30 * 24)
    assert s1 != draw_strikes([t], seed=6, horizon_h=30 * 24)
    n = [len(draw_strikes([only_a], seed=s, horizon_h=30 * 24)) for s in range(200)]
    assert np.mean(n) == pytest.approx(0.5 * 30, rel=0.1)  # a Poisson process of the given rate


def test_every_arm_meets_the_same_strikes() -> None:
    d = road_scenario(attack(rate_per_day=0.3, to_day=5, repair_days={"distribution": "uniform", "low": 1,
                                                                        "high": 6}))
    d["uncertainties"] = [{"factor": "section_delay_hours", "distribution": "uniform", "low": 0, "high": 1}]
    sc = parse_scenario(d)
    arm = apply_candidates(sc, [load_candidates(ROOT / "scenarios" / "candidates.yaml").get("dk16-heavy")])

    def hits(r):  # noqa: ANN001, ANN202
        ev = r.events
        return ev[ev["event"].isin(["attack", "repaired"])][["time", "event"]].to_numpy().tolist()

    for seed in (3, 4):
        assert hits(simulate(sc, seed=seed)) == hits(simulate(arm, seed=seed))


# --------------------------------------------------------------------------------------------
# redundancy has value under a threat, and none without
# --------------------------------------------------------------------------------------------
def test_a_parallel_path_gains_p_met_under_the_threat_and_nothing_without() -> None:
    cands = [c for c in load_candidates(ROOT / "scenarios" / "candidates.yaml").candidates if c.id == "dk16-heavy"]
    # strikes (if any) fall before the first unit plans its route: movers cannot be caught in flight
    threat = attack(rate_per_day=2.0, to_day=0.5, repair_days={"distribution": "uniform", "low": 3, "high": 10})
    cmp = compare(parse_scenario(road_scenario(threat, tier_day=5)), cands, replications=8, workers=1,
                  progress=False, days=(5,))
    under = cmp.arms.set_index("arm")
    calm = cmp.arms_threat_free.set_index("arm")  # the same arms and seeds without the threat
    assert set(cmp.runs["threat"]) == {True, False} and len(cmp.runs) == 2 * 2 * 8
    assert under.at["baseline", "p_met_d5"] < 0.8, "precondition: the threat costs the baseline its tier"
    assert under.at["dk16-heavy", "p_met_d5"] - under.at["baseline", "p_met_d5"] >= 0.25
    assert under.at["dk16-heavy", "days_saved_d5_mean"] > 0
    assert under.at["dk16-heavy", "days_saved_d5_ci_low"] > 0, "the paired gain is significant"
    assert calm.at["dk16-heavy", "p_met_d5"] == calm.at["baseline", "p_met_d5"] == 1.0
    assert under.at["dk16-heavy", "p_met_d5_threat_free"] == 1.0
    assert calm.at["dk16-heavy", "gain_d5_mean"] == 0.0 and calm.at["dk16-heavy", "days_saved_d5_mean"] == 0.0


# --------------------------------------------------------------------------------------------
# files and bad input
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["sabotage", "kaliningrad-fires"])
def test_the_shipped_threats_load_source_every_number_and_name_real_targets(name: str) -> None:
    t = load_threat(ROOT / "scenarios" / "threats" / f"{name}.yaml")
    for a in t.attacks:
        for fld in (a.source, a.rate_source, a.repair_source):
            assert fld.startswith("assumption") or any(k in fld for k in ("D7", "R15", "R43", "R64", "C2", "§18")), fld
    d = road_scenario()
    d["threats"] = [str(ROOT / "scenarios" / "threats" / f"{name}.yaml")]
    sc = parse_scenario(d)  # every target exists in the 2026 network
    assert sc.threats[0].name == name and sc.threats[0].file


def test_the_contested_scenario_reads_its_threat_files_beside_it() -> None:
    sc = load_scenario(ROOT / "scenarios" / "contested.yaml")
    assert {t.name for t in sc.threats} == {"sabotage", "kaliningrad-fires"}
    # it travels to workers as one mapping: the threats are inline after loading
    again = parse_scenario(sc.model_dump(mode="json"), source="<dumped>")
    assert again.threats == sc.threats


@pytest.mark.parametrize(("change", "message"), [
    ({"section": "rail:nowhere-x:1435", "bridge": None}, "attacks[0] (a).section: unknown section 'rail:nowhere-x:1435' in the baltic network of 2026"),
    ({"bridge": "road:budzisko-kalvarija"}, "is not a bridge"),
    ({"border_crossing": "suwalki", "bridge": None}, "not a border crossing"),
    ({"terminal": "bialystok", "bridge": None}, "has no terminal"),
    ({"node": "x", "section": "y", "bridge": None}, "give exactly one target"),
    ({"damage": "capacity"}, "capacity needs capacity_lost"),
    ({"strikes": []}, "give strikes: [days] or rate_per_day"),
    ({"rate_source": ""}, "rate_source"),
    ({"repair_days": {"distribution": "uniform", "low": 5, "high": 1}}, "uniform needs low <= high"),
])
def test_a_bad_attack_is_refused_in_one_line_naming_the_field(change: dict, message: str) -> None:
    a = attack(strikes=[1], repair_days=1) | change
    a = {k: v for k, v in a.items() if v is not None}
    with pytest.raises(ScenarioError, match=None) as exc:
        parse_scenario(road_scenario(a), source="s.yaml")
    text = str(exc.value)
    assert "\n" not in text and text.startswith("s.yaml: threats") and message in text, text


def test_a_section_that_opens_later_cannot_be_struck_in_an_earlier_year() -> None:
    a = attack(section="rail:elk-suwalki:1435:rb", bridge=None, strikes=[1], repair_days=1)
    with pytest.raises(ScenarioError, match="unknown section 'rail:elk-suwalki:1435:rb' in the baltic network of 2026"):
        parse_scenario(road_scenario(a), source="s.yaml")


def test_a_missing_threat_file_is_one_line_and_the_cli_exits_2(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    from mobility.cli import main

    d = road_scenario()
    d["threats"] = ["threats/nope.yaml"]
    f = tmp_path / "s.yaml"
    f.write_text(yaml.safe_dump(copy.deepcopy(d)), encoding="utf-8")
    assert main(["validate", str(f)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "threats[0]: no threat file 'threats/nope.yaml'" in err
