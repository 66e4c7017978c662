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

import csv
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
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
    import pandas as pd

    units = {**CATALOGUE, **(extra or {})}
    return pd.DataFrame([asdict(u) for u in units.values()])


#: Columns of a CSV force list (one row per force line), in order; the first four are required.
FORCE_LIST_COLUMNS: dict[str, str] = {
    "id": "unit id; with count > 1 the units are id-1, id-2, ...",
    "type": "unit type key of the catalogue (or the scenario's unit_types:)",
    "count": "number of units of this line (default 1)",
    "origin": "network node the unit starts from (where it stands, if in place)",
    "ready_day": "day after D the unit is ready to move (default 0)",
    "destination": "network node the unit must reach",
    "required_day": "day after D the unit is required at its destination (empty: none)",
    "priority": "1 (highest) to 9 (default 3)",
    "mode": "rail, road or auto (default auto)",
    "in_place": "true if already stationed at its destination (closes at D+0, no transport)",
    "stagger_days": "ready days of the count units step by this much (default 0)",
    "personnel": "with_vehicles (default) or air",
    "airport": "airport of debarkation node for personnel: air (empty: nearest the destination)",
    "draws": "id of a stock site (stocks:) whose equipment set the unit draws",
}
_TRUE, _FALSE = {"true", "yes", "1", "y"}, {"false", "no", "0", "n", ""}


def read_force_list(path: str | Path) -> list[dict[str, Any]]:
    """Force lines from a CSV file; see :func:`force_list_rows`."""
    return [row for _, row in force_list_rows(path)]


def force_list_rows(path: str | Path) -> list[tuple[int, dict[str, Any]]]:
    """Force lines from a CSV file (header row of :data:`FORCE_LIST_COLUMNS`; lines starting ``#`` are notes).

    Each row is checked on its own, so a bad row is reported as
    ``file:line: field: what is wrong; the fix`` (lines counted in the file).
    Returns ``(line number, force line)`` pairs.

    Raises
    ------
    ScenarioError
        The first bad row, or a missing file, unknown or missing column.
    """
    from pydantic import ValidationError

    from mobility.errors import ScenarioError
    from mobility.scenario import ForceEntry, _message

    p = Path(path)
    if not p.is_file():
        raise ScenarioError(f"{p}: no such force list; give the path of a .csv file relative to the scenario")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ScenarioError(f"{p}: not a UTF-8 text file; save the force list as UTF-8 CSV") from None
    lines = [(i, line) for i, line in enumerate(text.splitlines(), start=1)
             if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        raise ScenarioError(f"{p}: no header row; the first row names the columns: {', '.join(FORCE_LIST_COLUMNS)}")
    rows = list(csv.reader([line for _, line in lines]))
    header = [h.strip() for h in rows[0]]
    unknown = [h for h in header if h not in FORCE_LIST_COLUMNS]
    if unknown:
        raise ScenarioError(f"{p}:{lines[0][0]}: {unknown[0]}: unknown column; use the columns "
                            f"{', '.join(FORCE_LIST_COLUMNS)}")
    missing = [c for c in ("id", "type", "origin", "destination") if c not in header]
    if missing:
        raise ScenarioError(f"{p}:{lines[0][0]}: {missing[0]}: column missing; add it to the header row")
    out = []
    for (lineno, _), cells in zip(lines[1:], rows[1:], strict=True):
        if len(cells) != len(header):
            raise ScenarioError(f"{p}:{lineno}: row has {len(cells)} cells but the header {len(header)}; "
                                "give one cell per column (empty for the default)")
        row: dict[str, Any] = {}
        for col, cell in zip(header, cells, strict=True):
            cell = cell.strip()
            if col == "in_place":
                if cell.lower() not in _TRUE | _FALSE:
                    raise ScenarioError(f"{p}:{lineno}: in_place: {cell!r} is not true or false; write true or "
                                        "false (empty: false)")
                row[col] = cell.lower() in _TRUE
            elif cell != "":
                row[col] = cell
        try:
            entry = ForceEntry.model_validate(row)
        except ValidationError as exc:
            err = exc.errors(include_url=False)[0]
            field = ".".join(str(x) for x in err["loc"]) or "row"
            raise ScenarioError(f"{p}:{lineno}: {field}: {_message(err)}") from None
        out.append((lineno, entry.model_dump(exclude_defaults=True)))
    if not out:
        raise ScenarioError(f"{p}: no force lines under the header; add one row per force line")
    return out
