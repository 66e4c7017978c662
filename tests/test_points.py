"""Runs at a point (mobility.analysis.experiments.points): every uncertainty can be set to a value,
the run at a replication's draws is that replication, and the run table records every draw."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from mobility.analysis.experiments import apply_candidates, load_candidates, replicate
from mobility.analysis.experiments.points import at_point, parse_assignments
from mobility.errors import ScenarioError
from mobility.scenario import load_scenario, parse_scenario
from mobility.simulation import simulate

ROOT = Path(__file__).resolve().parents[1]
UNCERTAINTIES = [
    {"factor": "section_delay_hours", "distribution": "triangular", "low": 0.0, "mode": 0.25, "high": 1.5},
    {"factor": "breakdown_probability", "distribution": "uniform", "low": 0.0, "high": 0.2},
    {"factor": "load_hours_per_wagon", "distribution": "triangular", "low": 0.8, "mode": 1.0, "high": 1.6,
     "scale": "multiply"},
]


def small(**changes: object) -> dict:
    """The baseline's first three force lines over 25 days, with three uncertainties and a threat."""
    d = yaml.safe_load((ROOT / "scenarios" / "baseline.yaml").read_text(encoding="utf-8"))
    d |= {"name": "small", "horizon_days": 25, "forces": d["forces"][:4], "uncertainties": UNCERTAINTIES,
          "threats": [str(ROOT / "scenarios" / "threats" / "sabotage.yaml")]}
    return d | changes


def last_closed(res) -> float:  # noqa: ANN001
    return float(res.events.loc[res.events["event"] == "closed", "time"].max())


def arrivals(res) -> float:  # noqa: ANN001
    """Mean time movers arrive (hours)."""
    return float(res.events.loc[res.events["event"] == "arrive", "time"].mean())


def test_the_run_at_a_replications_draws_is_that_replication() -> None:
    sc = parse_scenario(small())
    rep = replicate(sc, 3, workers=1, progress=False)
    factors = [u["factor"] for u in UNCERTAINTIES]
    assert set(factors) <= set(rep.runs.columns)
    assert rep.runs[factors].nunique().min() == 3, "each replication draws its own values"
    for row in rep.runs.to_dict("records"):
        point = {f: row[f] for f in factors}
        at = simulate(sc, seed=int(row["seed"]), at=point)
        again = simulate(sc, seed=int(row["seed"]))
        pd.testing.assert_frame_equal(at.events, again.events)
        assert at.closure["closed"].iloc[-1] == row["troops_closed"]
        assert at.factors["load_hours_per_wagon"] == row["load_hours_per_wagon"]
        assert not at.scenario.uncertainties  # the point replaced the distributions


def test_setting_one_uncertainty_moves_no_other_draw() -> None:
    sc = parse_scenario(small())
    a = simulate(sc, seed=11)
    b = simulate(sc, seed=11, at={"load_hours_per_wagon": 0.3})
    for f in ("section_delay_hours", "breakdown_probability"):
        assert a.factors[f] == b.factors[f]
    hits = [r.events[r.events["event"] == "attack"]["time"].tolist() for r in (a, b)]
    assert hits[0] == hits[1]


def section_times(res, mode: str) -> pd.Series:  # noqa: ANN001
    """Hours each mover spent on each section of ``mode`` (enter to leave), first pass only."""
    ev = res.events[res.events["event"].isin(["enter", "leave"]) & (res.events["mode"] == mode)]
    w = ev.pivot_table(index=["mover", "place"], columns="event", values="time", aggfunc="first", observed=True)
    return (w["leave"] - w["enter"]).dropna()


def test_section_delay_and_breakdowns_can_be_set_and_change_the_answer() -> None:
    sc = parse_scenario(small(threats=[], uncertainties=[]))
    calm = simulate(sc, seed=2, at={"section_delay_hours": 0.0, "breakdown_probability": 0.0})
    slow = simulate(sc, seed=2, at={"section_delay_hours": 3.0})
    broken = simulate(sc, seed=2, at={"breakdown_probability": 1.0, "breakdown_hours": 12.0})
    pd.testing.assert_frame_equal(calm.events, simulate(sc, seed=2).events)  # defaults: no random delay
    extra = (section_times(slow, "rail") - section_times(calm, "rail")).dropna()
    assert len(extra) > 30 and (extra >= 0).all()
    assert extra.mean() == pytest.approx(3.0, rel=0.35)  # exponential delays with a 3 h mean
    road = (section_times(broken, "road") - section_times(calm, "road")).dropna()
    first = road.groupby(level="mover").sum()
    assert len(first) > 5 and (first.round(6) == 12.0).all()  # one 12 h breakdown per march unit


def test_a_numeric_lever_equals_the_candidate_that_sets_it() -> None:
    sc = parse_scenario(small(threats=[]))
    cand = load_candidates(ROOT / "scenarios" / "candidates.yaml").get("sestokai-ramps")
    lever = simulate(sc, seed=4, at={"terminals.sestokai.transload": 3})
    arm = simulate(apply_candidates(sc, [cand]), seed=4)
    pd.testing.assert_frame_equal(lever.events, arm.events)
    wagons = at_point(sc, {"resources.wagons_1435": 900, "infrastructure.sections.rail:augustow-suwalki:1435."
                                                          "trains_per_day": 20})
    assert wagons.resources.wagons_1435 == 900
    assert wagons.infrastructure.sections["rail:augustow-suwalki:1435"] == {"trains_per_day": 20}


@pytest.mark.parametrize(("point", "message"), [
    ({"no_such_factor": 1}, "--set no_such_factor: unknown key"),
    ({"resources.wagons_9999": 1}, "--set resources.wagons_9999: unknown field 'wagons_9999'"),
    ({"breakdown_probability": 1.5}, "breakdown_probability: 1.5 is outside the accepted range 0 to 1"),
    ({"terminals.sestokai.teleport": 2}, "unknown terminal method 'teleport'"),
    ({"terminals.sestokai.transload": 2.5}, "is not a number of ramps"),
    ({"infrastructure.sections.rail:nowhere:1435.tracks": 2}, "unknown section 'rail:nowhere:1435'"),
    ({"section_delay_hours": "slow"}, "'slow' is not a number"),
])
def test_a_bad_point_is_refused_in_one_line(point: dict, message: str) -> None:
    with pytest.raises(ScenarioError) as exc:
        at_point(parse_scenario(small(threats=[])), point)
    assert message in str(exc.value) and "\n" not in str(exc.value), str(exc.value)


def test_cli_run_at_a_point_and_the_run_table_records_every_draw(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from mobility.cli import main

    f = tmp_path / "s.yaml"
    f.write_text(yaml.safe_dump(small()), encoding="utf-8")
    out = tmp_path / "one"
    assert main(["run", str(f), "--no-map", "--out", str(out), "--set", "section_delay_hours=0.5",
                 "--set", "resources.wagons_1435=900"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["factors_overridden"]["section_delay_hours"] == 0.5
    cf = tmp_path / "c.yaml"
    cf.write_text(yaml.safe_dump({"candidates": [
        {"id": "wagons", "name": "wagons", "cost_eur": 1e7, "ready_year": 2027, "source": "test",
         "resources": {"wagons_1435": 900}}]}), encoding="utf-8")
    cmp_out = tmp_path / "cmp"
    assert main(["compare", str(f), "--candidates", str(cf), "--replications", "2", "--workers", "1",
                 "--out", str(cmp_out)]) == 0
    runs = pd.read_parquet(cmp_out / "runs.parquet")
    assert "P(tier met) per arm with and without the threat" in (cmp_out / "comparison.html").read_text()
    sc = load_scenario(f)
    drawn = [u.factor for u in sc.uncertainties] + [
        f"{k}:sabotage:{a.id}" for a in sc.threats[0].attacks for k in ("strikes", "damage_days")]
    assert set(drawn) <= set(runs.columns)
    assert runs[drawn].notna().all().all()
    assert set(runs["threat"]) == {True, False}
    capsys.readouterr()
    assert main(["run", str(f), "--no-map", "--out", str(tmp_path / "never"), "--set", "speed=fast"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--set speed: unknown key" in err
    assert not (tmp_path / "never").exists()


def test_assignments_are_key_value_pairs() -> None:
    assert parse_assignments(["policies.clearance=emergency"]) == {"policies.clearance": "emergency"}
    with pytest.raises(ScenarioError, match="give KEY=VALUE"):
        parse_assignments(["wagons"])


def test_a_numeric_lever_in_a_candidates_file_is_one_exclusive_candidate_per_level() -> None:
    from mobility.analysis.experiments import conflicts, design_arms, parse_candidates

    cset = parse_candidates({"candidates": [
        {"id": "sestokai", "name": "Šeštokai ramp pairs", "lever": "terminals.sestokai.transload", "levels": [2, 3],
         "base_level": 1, "cost_eur": 8.5e6, "ready_year": 2028, "source": "test"},
        {"id": "wagons", "name": "1435 wagons", "lever": "resources.wagons_1435", "levels": [900],
         "base_level": 600, "cost_eur": 3.5e5, "ready_year": 2027, "source": "test"}]}, source="c.yaml")
    assert cset.ids == ("sestokai-2", "sestokai-3", "wagons-900")
    assert [c.cost_eur for c in cset.candidates] == [8.5e6, 1.7e7, 300 * 3.5e5]
    assert cset.get("sestokai-3").overlay == {
        "infrastructure": {"terminals": [{"node": "sestokai", "method": "transload", "ramps": 3}]}}
    assert conflicts(cset.get("sestokai-2"), cset.get("sestokai-3"))
    arms, notes = design_arms(cset.ids, max_combination=2, exclusive=[frozenset(("sestokai-2", "sestokai-3"))])
    assert ("sestokai-2", "sestokai-3") not in arms and ("sestokai-3", "wagons-900") in arms
    with pytest.raises(ScenarioError, match=r"c.yaml: candidates\[0\] \(x\).lever: unknown key"):
        parse_candidates({"candidates": [{"id": "x", "name": "x", "lever": "ramps", "levels": [1], "cost_eur": 1,
                                          "ready_year": 2027, "source": "t"}]}, source="c.yaml")


def test_every_arm_of_the_readme_sweep_can_be_built() -> None:
    """The README's `mobility compare scenarios/baseline.yaml --candidates scenarios/candidates.yaml` design
    (pairs, all-in, leave-one-out): every arm applies to the baseline; candidates that cannot be combined
    (Rail Baltica closes the line-51 section that the second track edits) are left out with a note."""
    import itertools

    from mobility.analysis.experiments import apply_candidates, conflicts, design_arms
    from mobility.analysis.experiments.comparison import resolve_candidates
    from mobility.scenario import load_scenario

    root = Path(__file__).resolve().parents[1]
    base = load_scenario(root / "scenarios" / "baseline.yaml")
    cset = resolve_candidates(root / "scenarios" / "candidates.yaml")
    assert conflicts(cset.get("rb-elk-trakiszki"), cset.get("line51-double")) == [
        "section.rail:suwalki-trakiszki:1435: closed by rb-elk-trakiszki, edited by line51-double"]
    exclusive = [frozenset((a.id, b.id)) for a, b in itertools.combinations(cset.candidates, 2) if conflicts(a, b)]
    arms, notes = design_arms(cset.ids, max_combination=2, exclusive=exclusive)
    assert ("rb-elk-trakiszki", "line51-double") not in arms
    # one note for the clash: the pair, all nine and the seven leave-one-out sets holding both
    assert len(notes) == 1 and notes[0].startswith("9 arm(s) left out (rb-elk-trakiszki+line51-double and others")
    assert "line51-double and rb-elk-trakiszki cannot be combined" in notes[0]
    for ids in arms:
        apply_candidates(base, [cset.get(i) for i in ids], source=f"arm {ids}")
