"""Exploration (mobility explore, SALib designs and Sobol indices) and the EMA Workbench adapter."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from mobility.analysis.experiments.exploration import (
    Parameter,
    explore,
    parameters_of,
    parse_ranges,
    sample,
)
from mobility.errors import ScenarioError
from mobility.scenario import parse_scenario

ROOT = Path(__file__).resolve().parents[1]


def trucks(**changes: object) -> dict:
    """Ten truck companies by road Białystok -> Kaunas from D+0 (about a day's march); tier: all by D+1."""
    d = {"name": "trucks", "network": "baltic", "year": 2026, "d_day": "2026-12-01", "horizon_days": 6, "seed": 1,
         "unit_types": {"truck_coy": {"name": "truck company (test)", "personnel": 300, "tracked": 0, "wheeled": 20}},
         "forces": [{"id": "coy", "type": "truck_coy", "count": 10, "ready_day": 0, "stagger_days": 0.05,
                     "origin": "bialystok", "destination": "kaunas", "mode": "road"}],
         "policies": {"clearance": "custom", "clearance_hours": 0},
         "factors": {"breakdown_probability": 1.0},
         "targets": {"theatre_share": 1.0, "tiers": [{"day": 1, "troops": 3000}, {"day": 2, "troops": 3000}]}}
    return d | changes


def test_designs_stay_in_range_and_repeat_with_the_seed() -> None:
    params = [Parameter("a", 0.0, 2.0), Parameter("b", 10.0, 20.0)]
    for design, n, rows in (("mc", 16, 16), ("lhs", 16, 16), ("sobol", 8, 8 * 4)):
        x = sample(params, design, n, seed=3)
        assert x.shape == (rows, 2)
        assert (x[:, 0] >= 0).all() and (x[:, 0] <= 2).all() and (x[:, 1] >= 10).all() and (x[:, 1] <= 20).all()
        np.testing.assert_array_equal(x, sample(params, design, n, seed=3))
    lhs = sample(params, "lhs", 10, seed=1)
    assert sorted(np.floor(lhs[:, 0] / 0.2).astype(int).tolist()) == list(range(10))  # one point per stratum


def test_sobol_indices_find_the_factor_that_matters_and_not_the_one_that_does_not() -> None:
    sc = parse_scenario(trucks())
    params = parse_ranges(["breakdown_hours=0:30", "port_berth_vehicles_per_day=100:500"])  # no port: no effect
    exp = explore(sc, design="sobol", n=8, parameters=params, workers=1, progress=False)
    assert len(exp.runs) == 8 * (2 + 2) and exp.runs["seed"].nunique() == 1  # common random numbers
    s = exp.sobol.set_index(["outcome", "parameter"])
    assert s.at[("troops_d1", "breakdown_hours"), "ST"] > 0.5
    assert s.at[("troops_d1", "port_berth_vehicles_per_day"), "ST"] == pytest.approx(0.0, abs=0.02)
    # the outcome falls with the breakdown time: the runs table holds what the indices were computed from
    r = exp.runs.sort_values("breakdown_hours")
    assert r["troops_d1"].iloc[0] > r["troops_d1"].iloc[-1]


def test_the_scenarios_uncertainties_are_the_default_parameters() -> None:
    d = trucks(uncertainties=[
        {"factor": "breakdown_hours", "distribution": "triangular", "low": 1, "mode": 2, "high": 6},
        {"factor": "march_unit_gap_m", "distribution": "uniform", "low": 0.5, "high": 2, "scale": "multiply"}])
    sc = parse_scenario(d)
    from mobility.factors import Factors

    params = {p.key: (p.low, p.high) for p in parameters_of(sc)}
    gap = Factors()["march_unit_gap_m"]
    assert params == {"breakdown_hours": (1.0, 6.0), "march_unit_gap_m": (0.5 * gap, 2 * gap)}


def test_cli_explore_writes_the_run_table_and_refuses_bad_ranges(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from mobility.cli import main

    f = tmp_path / "t.yaml"
    f.write_text(yaml.safe_dump(trucks()), encoding="utf-8")
    out = tmp_path / "x"
    assert main(["explore", str(f), "--design", "lhs", "-n", "6", "--workers", "1", "--vary", "breakdown_hours=0:12",
                 "--vary", "terminals.sestokai.transload=1:4", "--out", str(out)]) == 0
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 6 and {"breakdown_hours", "terminals.sestokai.transload", "troops_d1"} <= set(runs.columns)
    assert runs["terminals.sestokai.transload"].isin([1, 2, 3, 4]).all()
    assert json.loads((out / "summary.json").read_text())["design"] == "lhs"
    page = (out / "comparison.html").read_text(encoding="utf-8")
    assert "Exploration: trucks" in page and "breakdown_hours" in page and "<script" not in page
    capsys.readouterr()
    for bad, msg in ((["--vary", "breakdown_hours=5:1"], "give KEY=LOW:HIGH with LOW < HIGH"),
                     (["--vary", "warp_speed=0:1"], "--vary warp_speed: unknown key"),
                     (["--design", "sobol", "--only-vary"], "nothing to explore")):
        assert main(["explore", str(f), "--workers", "1", "--out", str(tmp_path / "never"), *bad]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and msg in err, err
    assert not (tmp_path / "never").exists()
    with pytest.raises(ScenarioError):
        parse_ranges(["x"])


def test_an_ema_workbench_model_runs_fifty_experiments_and_prim_finds_a_box() -> None:
    ema = pytest.importorskip("ema_workbench", reason="the optional extra mobility[ema] is not installed")
    from ema_workbench.analysis import prim

    from mobility.ema import ema_model

    shipped = yaml.safe_load((ROOT / "scenarios" / "contested.yaml").read_text(encoding="utf-8"))
    assert shipped["threats"]
    # the shipped contested scenario with a small force (its first road-marching force lines) over 12 days
    shipped["forces"] = [f for f in shipped["forces"] if f.get("mode") == "road"][:2]
    shipped["threats"] = [str(ROOT / "scenarios" / "threats" / t) for t in
                          ("sabotage.yaml", "kaliningrad-fires.yaml")]
    shipped |= {"horizon_days": 12, "name": "contested-small"}
    sc = parse_scenario(shipped, source=str(ROOT / "scenarios" / "contested.yaml"))
    model = ema_model(sc, uncertainties={"breakdown_probability": (0.0, 1.0), "breakdown_hours": (0.0, 24.0),
                                         "march_unit_gap_m": (50.0, 2000.0)},
                      levers={"resources.hets": (0, 40)})
    # the analyst's own sampler: a Latin hypercube from our design module, seeded (EMA's default is unseeded)
    params = [Parameter(u.name, u.lower_bound, u.upper_bound) for u in model.uncertainties]
    points = sample(params, "lhs", 50, seed=7)
    scenarios = [ema.Scenario(f"s{i}", **{p.key: float(v) for p, v in zip(params, row, strict=True)})
                 for i, row in enumerate(points)]
    experiments, outcomes = ema.perform_experiments(model, scenarios=scenarios,
                                                    policies=[ema.Policy("hets-20", **{"resources.hets": 20})])
    assert len(experiments) >= 50
    y = outcomes["mean_closure_day"]
    assert np.ptp(y) > 0, "the experiments must differ for scenario discovery to mean anything"
    x = experiments[[u.name for u in model.uncertainties]]
    late = y >= np.quantile(y, 0.7)
    box = prim.Prim(x, late, threshold=0.6, peel_alpha=0.1).find_box()
    best = box.peeling_trajectory.iloc[-1]
    assert best["density"] > late.mean() + 0.2  # the box holds the late cases far more densely than the whole
    lims = box.box_lims[-1]
    assert (lims.iloc[0] > x.min()).any() or (lims.iloc[1] < x.max()).any()  # it restricts some uncertainty
