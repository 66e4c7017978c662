"""The validation suite (validation/): the model against published moves, each within its tolerance.

Cases that disagree are marked strict xfail with the measured figures and what the model lacks,
so they fail the day the model comes within tolerance (then remove the mark) and cannot be forgotten.
"""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from validation.published import (
    ROOT,
    abct_2017_move,
    iron_sword_2014,
    ltg_ramps_2026,
    tr0603_single_track,
)


def test_tr0603_single_track_capacity():
    case = tr0603_single_track()
    assert case.within, case.line()


def test_abct_2017_bremerhaven_to_the_polish_training_areas_in_about_two_weeks():
    # rests on one loading ramp at Bremerhaven (factor default_ramps: the data gives no count); with
    # two ramps the model closes in 10.4 days, just outside the tolerance
    case = abct_2017_move()
    assert case.within, case.line()


@pytest.mark.xfail(strict=True, reason="model 0.93 d vs observed 4 ± 1.5 d (C1): the model loads the ~84 pieces "
                                       "(2 trains, 29 wagons) onto 1520 mm stock at Šeštokai's one ramp in 10.7 h "
                                       "(0.3 h a wagon, DOMAIN §17.1.3, and shunting) and runs to Pabradė in ~10 h "
                                       "at 25 km/h, working 24 h a day; the observed move "
                                       "ran Friday to Tuesday at exercise tempo and the model has no calendar "
                                       "(working hours, weekends, booked paths) to slow it")
def test_iron_sword_2014_transload_to_pabrade():
    case = iron_sword_2014()
    assert case.within, case.line()


@pytest.mark.xfail(strict=True, reason="model 183 vs observed 300 ± 75 pieces on 3 trains (R68): with pieces per "
                                       "wagon calibrated on the 2017 ABCT move (R93; a mechanised brigade wholly by "
                                       "rail loads 1,650 pieces on 696 wagons, 2.4 a wagon) and 600 m trains of 26 "
                                       "wagons (max_train_length_m, BK) a train carries ~61 pieces; LTG's ~100 a "
                                       "train needs ~42 wagons (~950 m) or a denser load than the 2017 move's, and "
                                       "no source gives the length of LT 1520 mm military trains")
def test_ltg_ramps_take_three_trains_of_300_pieces():
    case = ltg_ramps_2026()
    assert case.within, case.line()


def test_pieces_per_wagon_reproduce_the_2017_abct_wagons():
    """Calibration, not validation: the factors load the vehicles of the R94 brigade scaled to R93's
    2,800 pieces (442 tracked, 1,484 wheeled and trailers) on R93's ~900 wagons, and its containers
    on intermodal wagons, never on the military flats."""
    from mobility.factors import Factors
    from mobility.scenario import parse_scenario
    from mobility.sim.engine import Model
    from mobility.sim.rail import trains_needed
    from mobility.simulation import scenario_network

    sc = parse_scenario(yaml.safe_load((ROOT / "scenarios" / "baseline.yaml").read_text(encoding="utf-8")))
    model = Model(sc, scenario_network(sc), Factors(), np.random.default_rng(0))
    vehicles = trains_needed(model, 442, 1484, 0, 26)
    assert sum(t[0] for t in vehicles) == pytest.approx(900, abs=15) and not any(t[4] for t in vehicles)
    boxed = trains_needed(model, 442, 1484, 874, 26)
    flats = sum(t[0] - t[4] for t in boxed)
    assert flats == sum(t[0] for t in vehicles) and sum(t[4] for t in boxed) == -(-874 // 3)
