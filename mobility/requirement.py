"""What must be where by when: the requirement a run is measured against.

A scenario states its requirement in one of two ways:

* **NATO Force Model tiers** (``targets:``): 100,000 / 200,000 / 500,000 troops
  by D+10 / D+30 / D+180 (DOMAIN §1, §18.1), read *cumulative* (each tier is
  the total by its day) or *additive* (each tier comes on top of the ones
  before: 100k / 300k / 800k), times the share of the NFM that must pass this
  corridor. The share carries its source or the word "assumption". The NFM
  counts forces at readiness across all domains, not land forces closed in one
  theatre (DOMAIN §18.1): a share of it is a planning convention, and every
  output says so. Both readings are computed for every NFM run.
* **A plan** (``requirement:``): required forces by day, in troops and in
  brigade equivalents (``heavy``, ``light``, ``other``; ``brigades`` counts
  heavy and light together), with its source, e.g. RAND's seven brigades
  including three heavy at the onset (R15) and nine to twelve heavy brigades for
  a counter-attack by about D+28 (D3).

The **clock** says which event counts: ``closed`` (personnel and equipment at
the destination) or ``combat_ready`` (after reception and staging).

:func:`tier_table` measures a run's event log against a :class:`Requirement`;
besides what closed it gives ``ready_by``: the troops (and brigade
equivalents) of units ready to move before each tier's day, so a user sees
whether the force list can meet a tier at all before reading why it did not.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

if TYPE_CHECKING:
    import pandas as pd

from mobility.forces import BRIGADE_CLASSES

NFM_SOURCE = ("NATO Force Model tiers, Madrid 2022: R1, R3 (100,000 by D+10, 200,000 by D+30, 500,000 by D+180; "
              "German summaries say 'a further' and 'an additional', DOMAIN §1); readiness pools across all "
              "domains, not land forces closed in one theatre (D1, D2)")
CLOCKS = {
    "closed": "troops closed at destination (personnel and equipment arrived), days after D",
    "combat_ready": "troops combat-ready at destination (closed, then reception and staging), days after D",
}
Clock = Literal["closed", "combat_ready"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class PlanTier(_Strict):
    """Forces required by ``day``: troops and brigade equivalents, each a total by that day."""

    day: int = Field(ge=0, le=730, description="day after D (0: at the onset)")
    troops: int = Field(ge=0, le=5_000_000, description="troops required by the day (a total, not a further)")
    brigades: float = Field(0.0, ge=0, le=500, description="manoeuvre brigade equivalents (heavy + light) required")
    heavy: float = Field(0.0, ge=0, le=500, description="heavy brigade equivalents required")
    light: float = Field(0.0, ge=0, le=500, description="light brigade equivalents required")
    other: float = Field(0.0, ge=0, le=500, description="other (enabler, sustainment) brigade equivalents required")
    note: str = Field("", max_length=300, description="what this tier stands for")

    @model_validator(mode="after")
    def _something_required(self) -> PlanTier:
        if self.troops == 0 and self.brigades == self.heavy == self.light == self.other == 0:
            raise ValueError("a tier must require troops or brigade equivalents")
        if self.brigades and self.brigades < self.heavy + self.light - 1e-9:
            raise ValueError(f"brigades {self.brigades:g} is fewer than heavy + light "
                             f"({self.heavy + self.light:g}); brigades counts both")
        return self


class PlanRequirement(_Strict):
    """A requirement from a plan: tiers of troops and brigade equivalents, with the plan's source."""

    source: str = Field(min_length=3, max_length=600, description="where the requirement comes from (a source key "
                        "and what it says), or the word 'assumption' with the reasoning")
    clock: Clock = Field("closed", description="closed, or combat_ready (after reception and staging)")
    tiers: tuple[PlanTier, ...] = Field(min_length=1, max_length=20)

    @model_validator(mode="after")
    def _increasing(self) -> PlanRequirement:
        days = [t.day for t in self.tiers]
        if days != sorted(days) or len(set(days)) != len(days):
            raise ValueError("tiers: give each day once, in increasing order")
        for a, b in pairwise(self.tiers):
            for k in ("troops", "brigades", "heavy", "light", "other"):
                if getattr(b, k) < getattr(a, k):
                    raise ValueError(f"tiers: {k} by D+{b.day} is less than by D+{a.day}; each tier is a total "
                                     "by its day, so it cannot fall")
        return self


@dataclass(frozen=True)
class RequiredTier:
    """One tier of a requirement: totals required by ``day``."""

    day: int
    troops: int
    brigades: float = 0.0
    heavy: float = 0.0
    light: float = 0.0
    other: float = 0.0
    note: str = ""


@dataclass(frozen=True)
class Requirement:
    """The requirement a run is measured against, with its source, reading and clock."""

    kind: Literal["nfm", "plan"]
    source: str
    reading: str  # cumulative / additive (NFM) or "plan"
    clock: str
    tiers: tuple[RequiredTier, ...]
    share: float | None = None
    share_source: str | None = None
    #: NFM only: the tiers under both readings, so every run records both
    readings: Mapping[str, tuple[RequiredTier, ...]] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        """The ``requirement`` block of ``summary.json``."""
        out: dict[str, Any] = {"kind": self.kind, "source": self.source, "reading": self.reading,
                               "clock": self.clock, "clock_text": CLOCKS[self.clock]}
        if self.kind == "nfm":
            out["share"] = self.share
            out["share_source"] = self.share_source
        return out

    def label(self) -> str:
        """One line for consoles and reports: source, reading, clock."""
        if self.kind == "nfm":
            return (f"NFM tiers read {self.reading}, x{self.share:g} ({self.share_source}); "
                    f"clock: {self.clock}")
        return f"plan ({self.source}); clock: {self.clock}"


def nfm_tiers(tiers: Any, *, reading: str, share: float) -> tuple[RequiredTier, ...]:
    """NFM tiers ``(day, troops)`` as required totals by day under ``reading``, scaled by ``share``."""
    out, total = [], 0
    for t in sorted(tiers, key=lambda t: t.day):
        total = total + t.troops if reading == "additive" else t.troops
        out.append(RequiredTier(int(t.day), round(total * share)))
    return tuple(out)


def requirement_of(scenario: Any) -> Requirement:
    """The requirement a scenario states: its plan if it has one, else its NFM targets."""
    plan = getattr(scenario, "requirement", None)
    if plan is not None:
        tiers = tuple(RequiredTier(t.day, t.troops, t.brigades, t.heavy, t.light, t.other, t.note)
                      for t in plan.tiers)
        return Requirement("plan", plan.source, "plan", plan.clock, tiers)
    t = scenario.targets
    readings = {r: nfm_tiers(t.tiers, reading=r, share=t.theatre_share) for r in ("cumulative", "additive")}
    return Requirement("nfm", NFM_SOURCE, t.reading, getattr(t, "clock", "closed"), readings[t.reading],
                       share=t.theatre_share, share_source=getattr(t, "share_source", "assumption"),
                       readings=readings)


@dataclass(frozen=True)
class UnitStrength:
    """What one unit counts towards a requirement."""

    troops: int
    brigade_class: str
    brigade_equivalents: float
    ready_h: float


def strengths(units: Any) -> dict[str, UnitStrength]:
    """``unit id -> UnitStrength`` from the engine's expanded units."""
    return {u.id: UnitStrength(u.type.personnel, u.type.brigade_class, float(u.type.brigade_equivalents),
                               float(u.ready_h)) for u in units}


def _curve(events: pd.DataFrame, event: str, units: Mapping[str, UnitStrength]) -> pd.DataFrame:
    import pandas as pd

    ev = events[events["event"] == event].sort_values("time", kind="stable")
    ids = ev["unit"].astype(str).to_numpy()
    df = pd.DataFrame({"t": ev["time"].to_numpy(dtype=float) / 24.0,
                       "troops": ev["troops"].to_numpy(dtype=float)})
    for c in BRIGADE_CLASSES:
        df[c] = [units[u].brigade_equivalents if u in units and units[u].brigade_class == c else 0.0 for u in ids]
    df["brigades"] = df["heavy"] + df["light"]
    cum = df[["troops", "brigades", *BRIGADE_CLASSES]].cumsum()
    cum.insert(0, "t", df["t"])
    return cum


def _by_day(cum: pd.DataFrame, key: str, day: float) -> float:
    k = int(np.searchsorted(cum["t"].to_numpy(), day, side="right"))
    return float(cum[key].iloc[k - 1]) if k else 0.0


def _met_day(cum: pd.DataFrame, key: str, need: float) -> float:
    if need <= 0:
        return 0.0
    vals = cum[key].to_numpy()
    k = int(np.searchsorted(vals, need - 1e-9, side="left"))
    return float(math.ceil(cum["t"].iloc[k])) if k < len(vals) else math.nan


def tier_table(events: pd.DataFrame, requirement: Requirement, units: Mapping[str, UnitStrength], *,
               tiers: tuple[RequiredTier, ...] | None = None) -> pd.DataFrame:
    """One row per tier of ``requirement`` (or ``tiers``), measured on the requirement's clock.

    Columns: ``day``, ``required`` and ``closed`` (troops by the day on the
    clock, whichever it is), ``met_day`` (D+n, a part day counting whole, when
    the troops and every brigade-equivalent class required had come; NaN if
    never in the run), ``shortfall`` (troops), ``ready_by`` (troops of units
    ready to move before the day, in place included), ``feasible`` (the units
    ready before the day add up to the requirement), then per class
    ``<class>_required``, ``<class>_closed``, ``<class>_ready_by`` for
    ``brigades`` (heavy + light), ``heavy``, ``light``, ``other``, and ``note``.
    """
    import pandas as pd

    tiers = requirement.tiers if tiers is None else tiers
    event = "combat_ready" if requirement.clock == "combat_ready" else "closed"
    cum = _curve(events, event, units)
    classes = ("brigades", *BRIGADE_CLASSES)
    rows = []
    for t in tiers:
        ready = [u for u in units.values() if u.ready_h < t.day * 24.0 or u.ready_h == 0.0]
        need = {"troops": t.troops, **{c: getattr(t, c) for c in classes}}
        met = [_met_day(cum, k, v) for k, v in need.items() if v > 0]
        met_day = math.nan if any(math.isnan(m) for m in met) else max(met, default=0.0)
        closed = int(round(_by_day(cum, "troops", t.day)))
        ready_troops = sum(u.troops for u in ready)
        row: dict[str, Any] = {"day": t.day, "required": t.troops, "closed": closed, "met_day": met_day,
                               "shortfall": max(0, t.troops - closed), "ready_by": ready_troops}
        feasible = ready_troops >= t.troops
        for c in classes:
            got = sum(u.brigade_equivalents for u in ready if c == "brigades" and u.brigade_class in ("heavy", "light")
                      or u.brigade_class == c)
            row[f"{c}_required"] = float(getattr(t, c))
            row[f"{c}_closed"] = round(_by_day(cum, c, t.day), 2)
            row[f"{c}_ready_by"] = round(got, 2)
            feasible = feasible and got >= getattr(t, c) - 1e-9
        row["feasible"] = bool(feasible)
        note = t.note
        if not feasible:
            why = [f"{ready_troops:,} troops" if ready_troops < t.troops else ""]
            why += [f"{row[f'{c}_ready_by']:g} {c}" for c in classes
                    if row[f"{c}_ready_by"] < getattr(t, c) - 1e-9]
            note = (f"cannot be met by construction: the units ready before D+{t.day} have "
                    f"{', '.join(w for w in why if w)}" + (f"; {t.note}" if t.note else ""))
        row["note"] = note
        rows.append(row)
    return pd.DataFrame(rows)


def tier_dicts(table: pd.DataFrame) -> list[dict[str, Any]]:
    """A tier table as JSON-safe dicts (NaN to None, numpy scalars to Python)."""
    out = []
    for r in table.to_dict("records"):
        row = {}
        for k, v in r.items():
            if isinstance(v, (float, np.floating)):
                row[k] = None if math.isnan(v) else float(v)
            elif isinstance(v, np.integer):
                row[k] = int(v)
            elif isinstance(v, np.bool_):
                row[k] = bool(v)
            else:
                row[k] = v
        out.append(row)
    return out


def as_dict(tier: RequiredTier) -> dict[str, Any]:
    """A required tier as a plain dict."""
    return asdict(tier)


def format_tiers(table: pd.DataFrame, requirement: Requirement) -> str:
    """The console tier table: source, reading and clock, then troops and brigade equivalents per tier."""
    lines = [f"  requirement: {requirement.label()}"]
    if requirement.kind == "nfm":
        lines.append(f"  source: {requirement.source}")
    show_be = any(table[f"{c}_required"].sum() > 0 for c in ("brigades", *BRIGADE_CLASSES)) if len(table) else False
    got = "closed" if requirement.clock == "closed" else "c-ready"
    head = f"  {'tier':<8}{'required':>10}{got:>10}{'ready by':>10}"
    if show_be:
        head += f"{'bde req':>9}{'bde':>7}{'heavy req':>11}{'heavy':>7}"
    lines.append(head + "  met")
    for r in table.to_dict("records"):
        met_day = r["met_day"]
        if met_day == met_day and met_day <= r["day"]:
            status = "met"
        elif met_day == met_day:
            status = f"late (D+{int(met_day)})"
        else:
            status = f"short by {int(r['shortfall']):,}" if r["shortfall"] else "not met (brigades)"
        if not r["feasible"]:
            status += "; cannot be met by construction (units ready before the day fall short)"
        line = f"  D+{int(r['day']):<6}{int(r['required']):>10,}{int(r['closed']):>10,}{int(r['ready_by']):>10,}"
        if show_be:
            line += (f"{r['brigades_required']:>9.1f}{r['brigades_closed']:>7.1f}"
                     f"{r['heavy_required']:>11.1f}{r['heavy_closed']:>7.1f}")
        lines.append(line + f"  {status}")
    return "\n".join(lines)
