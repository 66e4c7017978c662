"""The unit catalogue: what each unit type brings (troops, tracked, wheeled, trailers, containers).

Every entry carries its source from ``shared/DOMAIN.md`` §11 or is marked as an
assumption. A scenario may add or override unit types under ``unit_types:``.

Each unit type also has a **brigade-equivalent class** for requirements stated
in brigades (DOMAIN §18.2, RAND): ``heavy`` (armoured or mechanised with main
battle tanks), ``light`` (infantry, Stryker, airborne) or ``other`` (enablers,
sustainment: not manoeuvre brigades), and how many brigade equivalents one unit
is, each with its source or the word "assumption".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

import pandas as pd

BrigadeClass = Literal["heavy", "light", "other"]
#: The brigade-equivalent classes, in the order tables show them.
BRIGADE_CLASSES: tuple[str, ...] = ("heavy", "light", "other")


@dataclass(frozen=True)
class UnitType:
    """Personnel and equipment of one unit type."""

    key: str
    name: str
    personnel: int
    tracked: int
    wheeled: int
    trailers: int = 0
    containers: int = 0
    heavy: bool = True  # has MBT-class tracked vehicles (MLC ~70)
    source: str = "assumption"
    tag: str = "assumption"
    brigade_class: BrigadeClass = "other"
    brigade_equivalents: float = 0.0
    brigade_source: str = "assumption"

    @property
    def vehicles(self) -> int:
        """Self-propelled vehicles (trailers are towed, containers carried)."""
        return self.tracked + self.wheeled


CATALOGUE: dict[str, UnitType] = {
    u.key: u
    for u in (
        UnitType("us_abct", "US Armored Brigade Combat Team", 3300, 395, 976, 349, 780, True,
                 "R94 (1/1 CD rotation May 2018: 395 tracked, 976 wheeled, 349 trailers, 2,500 pieces; "
                 "containers = pieces less vehicles and trailers [E])", "S",
                 "heavy", 1.0, "R15 (RAND counts armoured brigades as heavy)"),
        UnitType("us_sbct", "US Stryker Brigade Combat Team", 4500, 0, 1000, 300, 400, False,
                 "DOMAIN §11 (~4,400-4,500 soldiers, ~300 Strykers) [BK]; other wheeled, trailers, containers assumption",
                 "BK", "light", 1.0, "R15 (three heavy armoured brigades, the others lighter; class read by us) [M]"),
        UnitType("us_ibct", "US Infantry Brigade Combat Team", 4400, 0, 900, 300, 300, False,
                 "assumption (infantry brigade, light wheeled fleet)", "assumption",
                 "light", 1.0, "R15 (an infantry brigade is light)"),
        UnitType("de_pzbrig", "German heavy brigade (Panzerbrigade 45-like)", 4800, 220, 800, 250, 400, True,
                 "R97 (~4,800 soldiers, plus 200 civilians not counted; PzBtl 203 Leopard 2A8, PzGrenBtl 122 Puma, PzArtBtl 131 "
                 "PzH 2000); vehicle counts assumption", "M",
                 "heavy", 1.0, "R97 (tank and armoured infantry battalions: a heavy brigade)"),
        UnitType("mech_bde", "Generic mechanised brigade", 4000, 250, 800, 250, 350, True,
                 "assumption (between ABCT and Panzerbrigade 45)", "assumption",
                 "heavy", 1.0, "assumption (mechanised with main battle tanks: heavy)"),
        UnitType("enabler_pkg", "Enabler package (engineers, air defence, signals; battalion group)", 1500, 40, 450,
                 150, 150, False, "assumption", "assumption",
                 "other", 0.0, "assumption (enablers are not a manoeuvre brigade)"),
        UnitType("sustainment_pkg", "Sustainment package (supply, maintenance, medical)", 2000, 0, 700, 400, 500,
                 False, "assumption", "assumption",
                 "other", 0.0, "assumption (sustainment is not a manoeuvre brigade)"),
        UnitType("efp_bde_lv", "Multinational Brigade Latvia (Canada-led eFP, scaled from a battlegroup)", 3500, 40,
                 600, 200, 200, False,
                 "D4 (brigade by 2026, ~2,200 Canadians); allied contingents to ~3,500 and vehicles assumption", "M",
                 "light", 1.0, "D4 (a brigade; wheeled LAVs, read as light by us) [M]"),
        UnitType("efp_bg", "eFP multinational battlegroup (battalion group with tanks)", 1100, 60, 200, 60, 60, True,
                 "R18 (eFP Lithuania >1,000 soldiers); R17 (~3,200 in three battlegroups); vehicles assumption", "M",
                 "heavy", 1 / 3, "assumption (a battalion group is a third of a brigade; its tanks make it heavy)"),
    )
}


def catalogue_table(extra: dict[str, UnitType] | None = None) -> pd.DataFrame:
    """The catalogue (with a scenario's additions) as a table."""
    units = {**CATALOGUE, **(extra or {})}
    return pd.DataFrame([asdict(u) for u in units.values()])
