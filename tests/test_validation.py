"""The validation suite (validation/): the model against published moves, each within its tolerance.

Two cases disagree today and are marked strict xfail with the figures, so they fail the day
the model comes within tolerance (then remove the mark) and cannot be forgotten.
"""

from __future__ import annotations

import pytest

from validation.published import iron_sword_2014, ltg_ramps_2026, tr0603_single_track


def test_tr0603_single_track_capacity():
    case = tr0603_single_track()
    assert case.within, case.line()


@pytest.mark.xfail(strict=True, reason="model 1.1 d vs observed 4 ± 1.5 d (C1): the model's transload and "
                                       "onward run are ~3x faster than the one observed (peacetime, weekend)")
def test_iron_sword_2014_transload_to_pabrade():
    case = iron_sword_2014()
    assert case.within, case.line()


@pytest.mark.xfail(strict=True, reason="model ~150 vs observed ~300 pieces on 3 trains (R68): pieces per wagon "
                                       "(wheeled_per_wagon 2.5, containers_per_wagon 2) and 600 m trains load "
                                       "about half what LTG expects; see also R93 (2,800 pieces, ~900 wagons)")
def test_ltg_ramps_take_three_trains_of_300_pieces():
    case = ltg_ramps_2026()
    assert case.within, case.line()
