"""Scenario files: schema (pydantic), YAML loading and one-line error messages.

A scenario says which units move, from where to where and when they are
ready; the network and infrastructure year; the rules at borders; the
resource pools; infrastructure overrides; scheduled disruptions; the NATO
Force Model targets; the planning-factor overrides; uncertainties; and the
seed. See ``scenarios/baseline.yaml`` for a commented example.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from mobility.errors import NetworkError, ScenarioError
from mobility.forces import CATALOGUE, UnitType
from mobility.requirement import PlanRequirement
from mobility.sim.threats import Threat, check_targets, resolve_threats


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ForceEntry(_Strict):
    """One line of the force list: ``count`` units of ``type``."""

    id: str = Field(description="unit id; with count > 1 the units are id-1, id-2, ...")
    type: str = Field(description="unit type key from the catalogue (mobility.forces.CATALOGUE)")
    count: int = Field(1, ge=1)
    ready_day: float = Field(0.0, ge=0, description="day after D the unit is ready to move")
    origin: str
    destination: str
    priority: int = Field(3, ge=1, le=9, description="1 = highest")
    mode: Literal["rail", "road", "auto"] = "auto"
    stagger_days: float = Field(0.0, ge=0, description="ready days of the count units step by this much")
    in_place: bool = Field(False, description="already stationed at its destination: closes at its ready day where "
                           "it stands and uses no transport (origin = destination)")
    required_day: float | None = Field(None, ge=0, le=730, allow_inf_nan=False,
                                       description="day after D the unit is required at its destination")

    @model_validator(mode="after")
    def _in_place_stands(self) -> ForceEntry:
        if self.in_place and self.origin != self.destination:
            raise ValueError(f"in_place: a force in place stands where it is; give origin equal to destination "
                             f"({self.origin!r} != {self.destination!r})")
        return self


class Tier(_Strict):
    """One NATO Force Model tier: ``troops`` by ``day``."""

    day: int = Field(gt=0)
    troops: int = Field(gt=0)


class Targets(_Strict):
    """NATO Force Model targets and how they are read."""

    reading: Literal["cumulative", "additive"] = Field(
        "cumulative",
        description="cumulative: 100k/200k/500k by D+10/30/180; additive: 100k, a further 200k, a further 500k "
        "(100k/300k/800k) [DOMAIN §1]",
    )
    tiers: tuple[Tier, ...] = (Tier(day=10, troops=100_000), Tier(day=30, troops=200_000), Tier(day=180, troops=500_000))
    theatre_share: float = Field(1.0, gt=0, le=1, description="share of the NFM that must pass this corridor")
    share_source: str = Field("assumption", min_length=3, max_length=300,
                              description="source of the share (a source key and what it says) or 'assumption'")
    clock: Literal["closed", "combat_ready"] = Field(
        "closed", description="closed: personnel and equipment arrived; combat_ready: after reception and staging")

    def required(self) -> list[tuple[int, int]]:
        """``(day, troops)`` per tier, cumulative, scaled by the theatre share."""
        out, total = [], 0
        for t in sorted(self.tiers, key=lambda t: t.day):
            total = total + t.troops if self.reading == "additive" else t.troops
            out.append((t.day, round(total * self.theatre_share)))
        return out


class Policies(_Strict):
    """Rules the planners set: border clearance, priorities, how tracked vehicles move."""

    clearance: Literal["peacetime", "emergency", "custom"] = "emergency"
    clearance_hours: float | None = Field(None, ge=0, description="lead time with clearance: custom")
    convoy_priority: bool = Field(True, description="serve movers at crossings and terminals by unit priority")
    tracked_on: Literal["rail", "het", "tracks"] = Field(
        "rail", description="how tracked vehicles move when a unit goes by road")
    enforce_weight_limits: bool = Field(True, description="heavy convoys keep to legal road weight limits")

    @model_validator(mode="after")
    def _custom_needs_hours(self) -> Policies:
        if self.clearance == "custom" and self.clearance_hours is None:
            raise ValueError("clearance: custom needs clearance_hours")
        return self


class Resources(_Strict):
    """Pools of stock and vehicles."""

    wagons_1435: int = Field(600, ge=0)
    wagons_1520: int = Field(600, ge=0)
    locomotives_1435: int = Field(25, ge=0)
    locomotives_1520: int = Field(25, ge=0)
    hets: int = Field(0, ge=0)
    port_berths: int = Field(2, ge=0, description="military berths per port")


class TerminalOverride(_Strict):
    """Set the ramps of a terminal (adds one if the node has none of that method)."""

    node: str
    method: Literal["transload", "bogie_exchange", "ramp"]
    ramps: int = Field(ge=0)


class Infrastructure(_Strict):
    """Infrastructure overrides: terminals and section attributes (e.g. trains_per_day, opens)."""

    terminals: tuple[TerminalOverride, ...] = ()
    sections: dict[str, dict[str, Any]] = Field(default_factory=dict)

    @field_validator("sections")
    @classmethod
    def _known_attrs(cls, v: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        allowed = {"trains_per_day", "tracks", "maxspeed", "max_train_length_m", "opens", "closes", "mlc",
                   "maxweight", "lanes"}
        for sec, attrs in v.items():
            bad = set(attrs) - allowed
            if bad:
                raise ValueError(f"section {sec}: unknown attribute(s) {sorted(bad)}; allowed: {sorted(allowed)}")
        return v


class Disruption(_Strict):
    """A section, node or terminal closed from ``from_day`` to ``to_day``."""

    section: str | None = None
    node: str | None = None
    terminal: str | None = Field(None, description="node id of a gauge terminal or ramp")
    from_day: float = Field(ge=0)
    to_day: float

    @model_validator(mode="after")
    def _one_target(self) -> Disruption:
        if sum(x is not None for x in (self.section, self.node, self.terminal)) != 1:
            raise ValueError("give exactly one of section, node, terminal")
        if self.to_day <= self.from_day:
            raise ValueError("to_day must be after from_day")
        return self

    @property
    def target(self) -> str:
        """The closed item's id: a section id, a node id, or ``terminal:<node>``."""
        if self.terminal is not None:
            return f"terminal:{self.terminal}"
        return self.section or self.node or ""


class Uncertainty(_Strict):
    """A factor the world decides: sampled per replication, never chosen."""

    factor: str = Field(description="a planning-factor key, or 'section_delay_hours', 'breakdown_probability'")
    distribution: Literal["uniform", "triangular", "lognormal"]
    low: float | None = None
    mode: float | None = None
    high: float | None = None
    mean: float | None = None
    sigma: float | None = None
    scale: Literal["multiply", "value"] = Field("value", description="multiply the table value or replace it")

    @model_validator(mode="after")
    def _parameters(self) -> Uncertainty:
        if self.distribution == "uniform":
            if self.low is None or self.high is None or not self.low <= self.high:
                raise ValueError("uniform needs low <= high")
        elif self.distribution == "triangular":
            if None in (self.low, self.mode, self.high) or not (
                    self.low <= self.mode <= self.high and self.low < self.high):
                raise ValueError("triangular needs low <= mode <= high with low < high")
        elif self.mean is None or self.mean <= 0 or self.sigma is None or self.sigma < 0:
            raise ValueError("lognormal needs mean > 0 and sigma >= 0")
        return self


class UnitTypeSpec(_Strict):
    """A unit type defined or overridden by the scenario."""

    name: str
    personnel: int = Field(ge=0)
    tracked: int = Field(ge=0)
    wheeled: int = Field(ge=0)
    trailers: int = Field(0, ge=0)
    containers: int = Field(0, ge=0)
    heavy: bool = False
    source: str = "scenario"
    brigade_class: Literal["heavy", "light", "other"] = "other"
    brigade_equivalents: float = Field(0.0, ge=0, le=10, allow_inf_nan=False)
    brigade_source: str = "scenario"


class Scenario(_Strict):
    """A validated scenario."""

    name: str
    description: str = ""
    network: str = "baltic"
    year: int = 2026
    d_day: dt.date = dt.date(2026, 1, 1)
    horizon_days: int = Field(180, gt=0, le=730)
    seed: int = 0
    forces: tuple[ForceEntry, ...] = Field(min_length=1)
    targets: Targets = Targets()
    requirement: PlanRequirement | None = Field(
        None, description="a requirement from a plan (troops and brigade equivalents by day) instead of NFM targets")
    policies: Policies = Policies()
    resources: Resources = Resources()
    infrastructure: Infrastructure = Infrastructure()
    disruptions: tuple[Disruption, ...] = ()
    factors: dict[str, float] = Field(default_factory=dict)
    uncertainties: tuple[Uncertainty, ...] = ()
    unit_types: dict[str, UnitTypeSpec] = Field(default_factory=dict)
    threats: tuple[Threat, ...] = Field((), description="threat presets (files under scenarios/threats/) or inline")
    source_file: str | None = Field(None, exclude=True)

    def catalogue(self) -> dict[str, UnitType]:
        """The unit catalogue with this scenario's additions."""
        extra = {k: UnitType(key=k, tag="scenario", **v.model_dump()) for k, v in self.unit_types.items()}
        return {**CATALOGUE, **extra}

    def clearance_hours(self, factors: Any) -> float:
        """Lead time from a unit's ready time to its clearance to cross borders."""
        p = self.policies
        if p.clearance == "custom":
            return float(p.clearance_hours or 0.0)
        if p.clearance == "peacetime":
            return factors["clearance_peacetime_days"] * 24.0
        return factors["clearance_emergency_hours"]

    def total_troops(self) -> int:
        """Troops in the force list."""
        cat = self.catalogue()
        return sum(cat[f.type].personnel * f.count for f in self.forces)


def error_location(err: dict[str, Any]) -> str:
    """Dotted path of a pydantic error, e.g. ``forces[0].origin``."""
    parts = []
    for p in err["loc"]:
        if isinstance(p, int):
            parts[-1:] = [f"{parts[-1]}[{p}]"] if parts else [f"[{p}]"]
        else:
            parts.append(str(p))
    return ".".join(parts) or "(top level)"


def _fix(err: dict[str, Any]) -> str:
    t = err["type"]
    if t == "extra_forbidden":
        return "remove it or check its spelling against scenarios/baseline.yaml"
    if t == "missing":
        return "add it"
    if t.startswith("literal_error"):
        return "use one of the allowed values"
    return "correct the value"


def parse_scenario(data: Any, *, source: str = "<scenario>") -> Scenario:
    """Validate a scenario mapping; :class:`ScenarioError` names the source, field and fix."""
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: the file must hold a YAML mapping (name:, forces:, ...); it holds {type(data).__name__}")
    if "threats" in data:  # threat files are read here, so a scenario travels as one mapping
        data = {**data, "threats": resolve_threats(data["threats"], source=source)}
    try:
        sc = Scenario.model_validate({**data, "source_file": source})
    except ValidationError as exc:
        err = exc.errors()[0]
        msg = err["msg"].replace("Value error, ", "")
        more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
        raise ScenarioError(f"{source}: {error_location(err)}: {msg}; {_fix(err)}{more}") from None
    _check_references(sc, source)
    return sc


def _check_references(sc: Scenario, source: str) -> None:
    from mobility.factors import Factors
    from mobility.network import load_network
    from mobility.network.edits import sections

    try:
        Factors(sc.factors)
    except ScenarioError as exc:
        raise ScenarioError(f"{source}: {exc}") from None
    try:
        net = load_network(sc.network, year=sc.year)
        every = load_network(sc.network, all_years=True)
    except NetworkError as exc:
        raise ScenarioError(f"{source}: network/year: {exc}") from None
    cat = sc.catalogue()
    ids = set()
    for i, f in enumerate(sc.forces):
        where = f"{source}: forces[{i}]"
        if f.type not in cat:
            raise ScenarioError(f"{where}.type: unknown unit type {f.type!r}; use one of {', '.join(sorted(cat))} "
                                "or define it under unit_types:")
        for fld in ("origin", "destination"):
            node = getattr(f, fld)
            if not net.has_node(node):
                raise ScenarioError(f"{where}.{fld}: unknown node {node!r} in the {sc.network} network of {sc.year}; "
                                    "list nodes with `mobility network --describe`")
        if f.id in ids:
            raise ScenarioError(f"{where}.id: duplicate unit id {f.id!r}; give each force line its own id")
        ids.add(f.id)
    secs = sections(every)
    for sec in sc.infrastructure.sections:
        if sec not in secs:
            raise ScenarioError(f"{source}: infrastructure.sections: unknown section {sec!r}; "
                                "list section ids with `mobility network --describe --sections`")
    for i, t in enumerate(sc.infrastructure.terminals):
        if not every.has_node(t.node):
            raise ScenarioError(f"{source}: infrastructure.terminals[{i}].node: unknown node {t.node!r}")
    for i, d in enumerate(sc.disruptions):
        if d.section is not None and d.section not in secs:
            raise ScenarioError(f"{source}: disruptions[{i}].section: unknown section {d.section!r}; "
                                "list section ids with `mobility network --describe --sections`")
        for node in (d.node, d.terminal):
            if node is not None and not every.has_node(node):
                raise ScenarioError(f"{source}: disruptions[{i}]: unknown node {node!r}")
    check_targets(sc.threats, net, source=source, year=sc.year)
    known_unc = set(Factors.defaults()) | {"section_delay_hours", "breakdown_probability"}
    for i, u in enumerate(sc.uncertainties):
        if u.factor not in known_unc:
            raise ScenarioError(f"{source}: uncertainties[{i}].factor: unknown factor {u.factor!r}; use a planning "
                                "factor key or section_delay_hours / breakdown_probability")


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario YAML file.

    Raises
    ------
    ScenarioError
        One line naming the file, the field and the fix.
    """
    p = Path(path)
    if not p.is_file():
        raise ScenarioError(f"{p}: no such scenario file; give the path of a .yaml file (see scenarios/)")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise ScenarioError(f"{p}:{where}: not valid YAML ({getattr(exc, 'problem', exc)}); fix the syntax") from None
    except UnicodeDecodeError:
        raise ScenarioError(f"{p}: not a UTF-8 text file; save it as UTF-8 YAML") from None
    return parse_scenario(data, source=str(p))
