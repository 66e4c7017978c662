"""Scenario files: schema (pydantic), YAML loading and one-line error messages.

A scenario says which units move, from where to where and when they are
ready; the network and infrastructure year; the rules at borders; the
resource pools; infrastructure overrides; scheduled disruptions; the NATO
Force Model targets; the planning-factor overrides; uncertainties; and the
seed. See ``scenarios/baseline.yaml`` for a commented example.
"""

from __future__ import annotations

import datetime as dt
import difflib
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    create_model,
    field_serializer,
    model_validator,
)

from mobility.errors import NetworkError, ScenarioError
from mobility.forces import CATALOGUE, UnitType
from mobility.network.model import SECTION_ATTRIBUTES
from mobility.requirement import PlanRequirement
from mobility.sim.threats import Threat, check_targets, resolve_threats
from mobility.stocks import StockSite

# -- limits: each is named in the error that enforces it ----------------------------------
MAX_UNITS_PER_LINE = 200
"""Units one force line may expand to (``count``)."""
MAX_UNITS = 2_000
"""Units a scenario may hold in all; a division slice is ~10-20 units."""
MAX_VEHICLES = 10_000
"""Tracked, wheeled, trailers or containers of one unit type (an ABCT has ~1,400 vehicles)."""
MAX_PERSONNEL = 100_000
"""Personnel of one unit type."""
MAX_DAY = 3_650
"""Largest day number (ready days, disruption days, tiers): ten years."""
MAX_SEED = 2**64 - 1
"""Largest seed (numpy SeedSequence takes non-negative integers)."""
MAX_ID = 100
"""Longest id (units, sections, nodes) in characters."""
MAX_PROBLEMS = 20
"""Problems listed for one file before the list is cut."""
MAX_DEPTH = 20
"""Deepest nesting of a scenario file (the schema needs 5)."""
MAX_NODES = 200_000
"""YAML values in a file, counting every use of an alias (refuses alias bombs)."""

Id = Annotated[str, Field(min_length=1, max_length=MAX_ID)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, str_max_length=10_000)


class ForceEntry(_Strict):
    """One line of the force list: ``count`` units of ``type``."""

    id: Id = Field(description="unit id; with count > 1 the units are id-1, id-2, ...")
    type: Id = Field(description="unit type key from the catalogue (mobility.forces.CATALOGUE)")
    count: int = Field(1, ge=1, le=MAX_UNITS_PER_LINE)
    ready_day: float = Field(0.0, ge=0, le=MAX_DAY, description="day after D the unit is ready to move")
    origin: Id
    destination: Id
    priority: int = Field(3, ge=1, le=9, description="1 = highest")
    mode: Literal["rail", "road", "sea", "auto"] = Field(
        "auto", description="auto: rail or road, or by sea when that is expected to be quicker as the unit moves")
    stagger_days: float = Field(0.0, ge=0, le=MAX_DAY, description="ready days of the count units step by this much")
    in_place: bool = Field(False, description="already stationed at its destination: closes at its ready day where "
                           "it stands and uses no transport (origin = destination)")
    required_day: float | None = Field(None, ge=0, le=730, allow_inf_nan=False,
                                       description="day after D the unit is required at its destination")
    personnel: Literal["with_vehicles", "air"] = Field(
        "with_vehicles", description="with_vehicles: troops ride with their equipment; air: they fly to an "
        "airport of debarkation and ride on by bus")
    airport: str | None = Field(None, max_length=80, description="airport of debarkation (node id) for personnel: "
                                "air; default the one nearest the destination")
    draws: str | None = Field(None, max_length=60, description="id of a stock site (stocks:) whose equipment set "
                              "the unit draws; it then moves on from the site")

    @model_validator(mode="after")
    def _in_place_stands(self) -> ForceEntry:
        if self.in_place and self.origin != self.destination:
            raise ValueError(f"in_place: a force in place stands where it is; give origin equal to destination "
                             f"({self.origin!r} != {self.destination!r})")
        return self


class Tier(_Strict):
    """One NATO Force Model tier: ``troops`` by ``day``."""

    day: int = Field(gt=0, le=MAX_DAY)
    troops: int = Field(gt=0, le=10_000_000)


class Targets(_Strict):
    """NATO Force Model targets and how they are read."""

    reading: Literal["cumulative", "additive"] = Field(
        "cumulative",
        description="cumulative: 100k/200k/500k by D+10/30/180; additive: 100k, a further 200k, a further 500k "
        "(100k/300k/800k) [DOMAIN §1]",
    )
    tiers: tuple[Tier, ...] = Field((Tier(day=10, troops=100_000), Tier(day=30, troops=200_000), Tier(day=180, troops=500_000)), min_length=1, max_length=20)
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
    clearance_hours: float | None = Field(None, ge=0, le=24 * MAX_DAY, description="lead time with clearance: custom")
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

    wagons_1435: int = Field(600, ge=0, le=100_000)
    wagons_1520: int = Field(600, ge=0, le=100_000)
    intermodal_wagons_1435: int | None = Field(None, ge=0, le=100_000, description="container (intermodal) "
                                               "wagons for containers moved by rail; default: the factor "
                                               "intermodal_wagons_default, stated in the run's assumptions")
    intermodal_wagons_1520: int | None = Field(None, ge=0, le=100_000, description="as intermodal_wagons_1435, "
                                               "on 1520 mm")
    locomotives_1435: int = Field(25, ge=0, le=10_000)
    locomotives_1520: int = Field(25, ge=0, le=10_000)
    hets: int = Field(0, ge=0, le=10_000)
    port_berths: int | None = Field(None, ge=0, le=100, description="military RoRo berths at every port; default: "
                                    "each port's berths in the network data (ports.csv)")
    roro_ships: int = Field(6, ge=0, le=1_000, description="RoRo ships available for sea lines of communication "
                            "(assumption); 0: no sealift, auto units stay on land")


class TerminalOverride(_Strict):
    """Set the ramps of a terminal (adds one if the node has none of that method); 0 closes it."""

    node: Id
    method: Literal["transload", "bogie_exchange", "ramp"]
    ramps: int = Field(ge=0, le=100, description="ramps, ramp pairs or machines; 0: none (no loading there)")


def _section_field(name: str) -> tuple[Any, Any]:
    a = SECTION_ATTRIBUTES[name]
    bounds = {"gt" if not a.low_inclusive else "ge": a.low, "le": a.high}
    if a.type is int:
        bounds = {k: int(v) for k, v in bounds.items()}
    return (a.type | None, Field(None, description=a.unit, **bounds))


SectionOverride = create_model(  # the attributes and types of SECTION_ATTRIBUTES (mobility.network.model)
    "SectionOverride", __config__=ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False),
    **{name: _section_field(name) for name in SECTION_ATTRIBUTES})


def _as_changes(v: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {sec: o.model_dump(exclude_unset=True) if isinstance(o, BaseModel) else dict(o) for sec, o in v.items()}


class Infrastructure(_Strict):
    """Infrastructure overrides: terminals and section attributes (e.g. trains_per_day, opens)."""

    terminals: tuple[TerminalOverride, ...] = Field((), max_length=1_000)
    holding_tracks: dict[Id, Annotated[int, Field(ge=0, le=100)]] = Field(  # type: ignore[valid-type]
        default_factory=dict, max_length=1_000,
        description="rail node id -> trains that can wait at it (a railhead or gauge terminal) beside those at "
                    "its ramps; overrides the network's holding_tracks.csv and the factor holding_tracks_default")
    sections: Annotated[dict[Id, SectionOverride], AfterValidator(_as_changes)] = Field(  # type: ignore[valid-type]
        default_factory=dict, max_length=10_000,
        description="section id -> attributes (see mobility.network.model.SECTION_ATTRIBUTES)")

    @field_serializer("sections")
    def _plain_sections(self, v: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        return _as_changes(v)


class Disruption(_Strict):
    """A section, node or terminal closed from ``from_day`` to ``to_day``."""

    section: Id | None = None
    node: Id | None = None
    terminal: Id | None = Field(None, description="node id of a gauge terminal or ramp")
    from_day: float = Field(ge=0, le=MAX_DAY)
    to_day: float = Field(le=MAX_DAY, description="a day after the horizon closes it for the rest of the run")

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

    factor: Id = Field(description="a planning-factor key, or 'section_delay_hours', 'breakdown_probability'")
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
        elif self.sigma > 5:
            raise ValueError(f"lognormal sigma {self.sigma:g} is above 5 (a spread of e^5 ~ 150x); give sigma <= 5")
        if self.factor == "breakdown_probability" and self.scale == "value":
            if self.distribution == "lognormal":
                raise ValueError("breakdown_probability is a probability in [0, 1]; use uniform or triangular")
            if not (0 <= (self.low or 0) and (self.high or 0) <= 1):
                raise ValueError("breakdown_probability is a probability: give low and high in [0, 1]")
        return self


class UnitTypeSpec(_Strict):
    """A unit type defined or overridden by the scenario."""

    name: str = Field(max_length=200)
    personnel: int = Field(ge=0, le=MAX_PERSONNEL)
    tracked: int = Field(ge=0, le=MAX_VEHICLES)
    wheeled: int = Field(ge=0, le=MAX_VEHICLES)
    trailers: int = Field(0, ge=0, le=MAX_VEHICLES)
    containers: int = Field(0, ge=0, le=MAX_VEHICLES)
    heavy: bool = False
    source: str = Field("scenario", max_length=1_000)
    brigade_class: Literal["heavy", "light", "other"] = "other"
    brigade_equivalents: float = Field(0.0, ge=0, le=10, allow_inf_nan=False)
    brigade_source: str = Field("scenario", max_length=1_000)


class Scenario(_Strict):
    """A validated scenario."""

    name: str = Field(max_length=200, description="title of the run; the default output folder is runs/<name> "
                      "when the name is a slug (lower case, digits, . _ -), else runs/<file stem>")
    description: str = ""
    network: Id = "baltic"
    year: int = Field(2026, ge=1900, le=2200)
    d_day: dt.date = dt.date(2026, 1, 1)
    horizon_days: int = Field(180, gt=0, le=730)
    seed: int = Field(0, ge=0, le=MAX_SEED)
    forces: tuple[ForceEntry, ...] = Field(min_length=1, max_length=MAX_UNITS)
    targets: Targets = Targets()
    force_list: str | None = Field(
        None, exclude=True, max_length=300,
        description="CSV file of force lines (path relative to the scenario), added to forces:; columns id, type, "
        "count, origin, ready_day, destination, required_day, priority, mode, in_place, stagger_days, personnel, "
        "airport, draws (mobility.forces.FORCE_LIST_COLUMNS); lines starting # are notes")
    stocks: tuple[StockSite, ...] = Field((), max_length=20, description="pre-positioned equipment sets")
    requirement: PlanRequirement | None = Field(
        None, description="a requirement from a plan (troops and brigade equivalents by day) instead of NFM targets")
    policies: Policies = Policies()
    resources: Resources = Resources()
    infrastructure: Infrastructure = Infrastructure()
    disruptions: tuple[Disruption, ...] = Field((), max_length=10_000)
    factors: dict[Id, float] = Field(default_factory=dict)
    uncertainties: tuple[Uncertainty, ...] = Field((), max_length=1_000)
    unit_types: dict[Id, UnitTypeSpec] = Field(default_factory=dict, max_length=1_000)
    threats: tuple[Threat, ...] = Field((), max_length=1_000,
                                        description="threat presets (files under scenarios/threats/) or inline")
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


def seed_arg(text: str) -> int:
    """An ``argparse`` type for ``--seed``: a whole number from 0 to ``MAX_SEED``."""
    import argparse

    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= n <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"{n} is outside 0 to {MAX_SEED} (2**64 - 1)")
    return n


def error_location(err: dict[str, Any]) -> str:
    """Dotted path of a pydantic error, e.g. ``forces[0].origin``."""
    parts: list[str] = []
    for p in err["loc"]:
        if isinstance(p, int):
            parts[-1:] = [f"{parts[-1]}[{p}]"] if parts else [f"[{p}]"]
        else:
            parts.append(_short(str(p), 60))
    return ".".join(parts) or "(top level)"


def _short(text: str, n: int = 60) -> str:
    """``text`` cut to ``n`` characters, on one line (ids in messages stay readable)."""
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _fix(err: dict[str, Any]) -> str:
    t = err["type"]
    if t == "extra_forbidden":
        return "remove it or check its spelling against scenarios/baseline.yaml"
    if t == "missing":
        return "add it"
    if t.startswith("literal_error"):
        return "use one of the allowed values"
    if t == "finite_number":
        return "give a finite number (no .nan or .inf)"
    if t in ("less_than_equal", "less_than", "too_long"):
        return "stay within the limit"
    return "correct the value"


def _message(err: dict[str, Any]) -> str:
    msg = err["msg"].replace("Value error, ", "")
    if err["type"] in ("less_than_equal", "less_than") and isinstance(err.get("input"), (int, float)):
        msg = f"{_short(repr(err['input']), 30)} is above the limit: {msg[0].lower()}{msg[1:]}"
    return _short(msg, 300)


def problems_error(source: str, problems: list[str]) -> ScenarioError:
    """One :class:`ScenarioError` listing ``problems`` (each one line naming ``source``), cut at MAX_PROBLEMS."""
    lines = [f"{source}: {p}" for p in problems[:MAX_PROBLEMS]]
    if len(problems) > MAX_PROBLEMS:
        lines.append(f"{source}: ... and {len(problems) - MAX_PROBLEMS} more problems (only the first "
                     f"{MAX_PROBLEMS} are listed)")
    exc = ScenarioError("\n".join(lines))
    exc.problems = lines  # type: ignore[attr-defined]
    return exc


def parse_scenario(data: Any, *, source: str = "<scenario>") -> Scenario:
    """Validate a scenario mapping.

    Raises
    ------
    ScenarioError
        Every problem found (up to ``MAX_PROBLEMS``), one line each, naming
        ``source``, the field and the fix.
    """
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: the file must hold a YAML mapping (name:, forces:, ...); it holds "
                            f"{type(data).__name__}")
    check_size(data, source)
    csv_lines: dict[int, str] = {}  # force line index -> "file:line" of a CSV force list
    if data.get("force_list") is not None:  # CSV force lines join the YAML ones, so a scenario travels whole
        from mobility.forces import force_list_rows

        if not isinstance(data["force_list"], str):
            raise ScenarioError(f"{source}: force_list: give the path of a CSV file (relative to the scenario)")
        here = Path(source).parent if Path(source).is_file() else Path.cwd()
        path = here / data["force_list"]
        rows = force_list_rows(path)
        yaml_lines = list(data.get("forces") or [])
        csv_lines = {len(yaml_lines) + i: f"{path}:{n}" for i, (n, _) in enumerate(rows)}
        data = {**data, "forces": [*yaml_lines, *(r for _, r in rows)]}
    if "threats" in data:  # threat files are read here, so a scenario travels as one mapping
        data = {**data, "threats": resolve_threats(data["threats"], source=source)}
    try:
        sc = Scenario.model_validate({**data, "source_file": source})
    except ValidationError as exc:
        errs = exc.errors(include_url=False)
        locs = [tuple(e["loc"]) for e in errs]
        # a parent's error that only follows from its children's (e.g. "at least 1 item") adds nothing
        errs = [e for e in errs if not any(len(o) > len(e["loc"]) and o[:len(e["loc"])] == tuple(e["loc"])
                                           for o in locs)]
        raise problems_error(source, [f"{error_location(e)}: {_message(e)}; {_fix(e)}" for e in errs]) from None
    problems = scenario_problems(sc)
    if problems:
        raise problems_error(source, [_in_csv(p, csv_lines) for p in problems])
    return sc


def _in_csv(problem: str, csv_lines: dict[int, str]) -> str:
    """``forces[i].field: ...`` of a force line read from CSV as ``file:line: field: ...``."""
    import re

    m = re.match(r"forces\[(\d+)\]\.?", problem)
    if m is None or int(m.group(1)) not in csv_lines:
        return problem
    return f"{csv_lines[int(m.group(1))]}: {problem[m.end():]}"


def check_size(data: Any, source: str) -> None:
    """:class:`ScenarioError` if ``data`` nests deeper than MAX_DEPTH or holds more than MAX_NODES values.

    Values reached twice through YAML aliases count twice, so an alias bomb
    stops here, after MAX_NODES steps, instead of exhausting memory later.
    """
    budget = MAX_NODES
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        obj, depth = stack.pop()
        budget -= 1
        if budget < 0:
            raise ScenarioError(f"{source}: the file holds more than {MAX_NODES:,} values (counting every use of "
                                "an alias); write the values out or use fewer aliases")
        if isinstance(obj, dict | list | tuple):
            if depth > MAX_DEPTH:
                raise ScenarioError(f"{source}: values nested deeper than {MAX_DEPTH} levels; a scenario needs "
                                    "at most 5 (see scenarios/baseline.yaml)")
            items = obj.values() if isinstance(obj, dict) else obj
            stack.extend((v, depth + 1) for v in items)
            if isinstance(obj, dict):
                stack.extend((k, depth + 1) for k in obj if not isinstance(k, str))


def expanded_ids(sc: Scenario) -> dict[str, int]:
    """Unit id -> index of its force line, as :func:`mobility.sim.engine.expand_forces` names them."""
    out: dict[str, int] = {}
    for i, f in enumerate(sc.forces):
        for k in range(f.count):
            out.setdefault(f.id if f.count == 1 else f"{f.id}-{k + 1}", i)
    return out


def _suggest(wanted: str, present: dict[str, str], absent: dict[str, str], n: int = 3) -> str:
    """``"; did you mean X (opens 2030)?"`` from the ids nearest ``wanted``; ``""`` if none is near."""
    pool = {**absent, **present}
    near = difflib.get_close_matches(wanted, list(pool), n=n, cutoff=0.8)
    near += [k for k in pool if k.startswith(wanted) and k not in near][: max(0, n - len(near))]
    near = [k for k in near if k != wanted]
    if not near:
        return ""
    ranked = sorted(near, key=lambda k: (k not in present, near.index(k)))
    return "; did you mean " + " or ".join(f"{k}{(' (' + pool[k] + ')') if pool[k] else ''}" for k in ranked) + "?"


def _years(d: dict[str, Any]) -> str:
    opens, closes = d.get("opens"), d.get("closes")
    if opens is not None and closes is not None:
        return f"open {opens}-{closes - 1}"
    if opens is not None:
        return f"opens {opens}"
    if closes is not None:
        return f"closed from {closes}"
    return ""


def scenario_problems(sc: Scenario) -> list[str]:
    """Every reference of ``sc`` that does not hold in its network and year, one line each.

    Checks unit types, origins and destinations, unit ids after expansion, factor
    overrides, uncertainties, and that every disruption, override and terminal names
    an item of the network *in the scenario's year* (an id of another year would
    silently change nothing), suggesting the nearest valid ids.
    """
    from mobility.factors import Factors, factor_problems
    from mobility.network import load_network
    from mobility.network.edits import at_year, sections, set_section_attrs

    src = sc.source_file or "<scenario>"
    problems: list[str] = [f"factors.{p}" if not p.startswith("factors.") else p for p in factor_problems(sc.factors)]
    try:
        every = load_network(sc.network, all_years=True)
    except NetworkError as exc:
        return [*problems, f"network: {exc}"]
    all_secs = sections(every)
    known_changes = {k: v for k, v in sc.infrastructure.sections.items() if k in all_secs}
    try:
        changed = set_section_attrs(every, known_changes, label="scenario sections") if known_changes else every
        net = at_year(changed, sc.year)
    except NetworkError as exc:
        return [*problems, f"network/year: {exc}"]
    edge_data = {}
    for g in (every.rail, every.road):
        for _, _, d in g.edges(data=True):
            edge_data.setdefault(d["section"], d)
    year_secs = sections(net)
    present = {k: _years(edge_data[k]) if k in edge_data else "" for k in year_secs}
    absent = {k: _years(edge_data[k]) for k in all_secs if k not in year_secs}
    year_nodes = set(net.node_ids)
    node_absent = {n: "not in " + str(sc.year) for n in every.node_ids if n not in year_nodes}
    node_present = {n: "" for n in year_nodes}

    def section_problem(field: str, sec: str) -> str | None:
        if sec in year_secs:
            return None
        when = f" ({absent[sec]})" if sec in absent and absent[sec] else ""
        what = (f"section {sec!r} is not in the {sc.network} network of {sc.year}{when}, so this would change "
                "nothing" if sec in all_secs else f"unknown section {_short(repr(sec))} in the {sc.network} network")
        return (f"{field}: {what} (ids: `mobility network --describe --sections --year {sc.year}`)"
                f"{_suggest(sec, present, absent)}")

    def node_problem(field: str, node: str) -> str | None:
        if node in year_nodes:
            return None
        what = (f"node {node!r} is not in the {sc.network} network of {sc.year}" if every.has_node(node)
                else f"unknown node {_short(repr(node))} in the {sc.network} network of {sc.year}")
        return (f"{field}: {what} (ids: `mobility network --describe --year {sc.year}`)"
                f"{_suggest(node, node_present, node_absent)}")

    cat = sc.catalogue()
    for i, f in enumerate(sc.forces):
        where = f"forces[{i}]"
        if f.type not in cat:
            problems.append(f"{where}.type: unknown unit type {_short(repr(f.type))}; use one of "
                            f"{', '.join(sorted(cat))} or define it under unit_types:")
        for fld in ("origin", "destination"):
            p = node_problem(f"{where}.{fld}", getattr(f, fld))
            if p:
                problems.append(p)
        problems += _force_line_problems(sc, f, net, where)
        if f.mode == "sea" and every.has_node(f.destination) and (
                every.sea is None or every.node(f.destination).get("country") not in ("LT", "LV", "EE")):
            problems.append(f"{where}.mode: sea, but the sea legs of the {sc.network} network lead to ports in "
                            f"LT, LV and EE and {f.destination!r} is not there; use mode auto, rail or road")
    problems += _stock_problems(sc, net, node_problem)
    seen: dict[str, int] = {}
    total = 0
    for i, f in enumerate(sc.forces):
        total += f.count
        for k in range(f.count):
            uid = f.id if f.count == 1 else f"{f.id}-{k + 1}"
            if uid in seen:
                first = seen[uid]
                why = "the same id" if sc.forces[first].id == f.id else \
                    f"line {first} expands to the same id ({sc.forces[first].id!r} with count > 1 gives -1, -2, ...)"
                problems.append(f"forces[{i}].id: duplicate unit id {_short(repr(uid))} with forces[{first}] ({why}); "
                                "give each unit its own id")
                break
            seen[uid] = i
    if total > MAX_UNITS:
        problems.append(f"forces: {total:,} units in all, above the limit of {MAX_UNITS:,}; model fewer, larger "
                        "units (unit_types:) or split the scenario")
    for sec, attrs in sc.infrastructure.sections.items():
        where = f"infrastructure.sections.{_short(sec)}"
        if sec not in all_secs:
            problems.append(section_problem(where, sec) or "")
            continue
        mode = all_secs[sec]
        for a in attrs:
            if mode not in SECTION_ATTRIBUTES[a].modes:
                problems.append(f"{where}.{a}: {sec} is a {mode} section and {a} applies to "
                                f"{' and '.join(SECTION_ATTRIBUTES[a].modes)} sections only; remove it")
        if set(attrs) - {"opens", "closes"} and sec not in year_secs:
            problems.append(section_problem(where, sec) or "")
    for i, t in enumerate(sc.infrastructure.terminals):
        p = node_problem(f"infrastructure.terminals[{i}].node", t.node)
        if p:
            problems.append(p)
    for node in sc.infrastructure.holding_tracks:
        p = node_problem(f"infrastructure.holding_tracks.{_short(node)}", node)
        if p is None and node not in net.rail:
            p = (f"infrastructure.holding_tracks.{_short(node)}: {net.label(node)} is not on the rail network, so "
                 "holding tracks there would change nothing; give a railhead or gauge terminal")
        if p:
            problems.append(p)
    for i, d in enumerate(sc.disruptions):
        if d.section is not None:
            p = section_problem(f"disruptions[{i}].section", d.section)
        elif d.node is not None:
            p = node_problem(f"disruptions[{i}].node", d.node)
        else:
            p = node_problem(f"disruptions[{i}].terminal", d.terminal or "")
            if p is None and not net.terminals_at(d.terminal or ""):
                have = sorted({t.node for t in net.terminals})
                p = (f"disruptions[{i}].terminal: {net.label(d.terminal or '')} has no terminal in {sc.year}, so this "
                     f"would change nothing{_suggest(d.terminal or '', {n: '' for n in have}, {})}; close the node "
                     "with node: instead")
        if p:
            problems.append(p)
        if d.from_day >= sc.horizon_days:
            problems.append(f"disruptions[{i}].from_day: {d.from_day:g} is at or after the horizon "
                            f"(horizon_days {sc.horizon_days}), so this would change nothing; give a day before it")
    try:
        check_targets(sc.threats, net, source=src, year=sc.year)
    except ScenarioError as exc:
        problems += [line.removeprefix(f"{src}: ") for line in str(exc).splitlines()]
    known_unc = set(Factors.defaults()) | {"section_delay_hours", "breakdown_probability"}
    for i, u in enumerate(sc.uncertainties):
        if u.factor not in known_unc:
            problems.append(f"uncertainties[{i}].factor: unknown factor {_short(repr(u.factor))}; use a planning "
                            "factor key or section_delay_hours / breakdown_probability")
            continue
        if u.factor in Factors.defaults():
            problems += [f"uncertainties[{i}]: {p}" for p in _uncertainty_range(u)]
    return [p for p in problems if p]


def _force_line_problems(sc: Scenario, f: ForceEntry, net: Any, where: str) -> list[str]:
    """A force line's personnel and stock references (mobility.sim.air, mobility.stocks)."""
    from mobility.sim.air import airports_in

    out = []
    if f.airport is not None:
        apods = airports_in(net)
        if f.airport not in apods:
            out.append(f"{where}.airport: {_short(repr(f.airport))} is not an airport of debarkation in the "
                       f"{sc.network} network of {sc.year}; use one of {', '.join(apods)}")
        if f.personnel != "air":
            out.append(f"{where}.airport: set personnel: air to fly the troops, or remove airport")
    if f.draws is not None:
        sites = {s.id: s for s in sc.stocks}
        site = sites.get(f.draws)
        if site is None:
            out.append(f"{where}.draws: unknown stock site {_short(repr(f.draws))}; declare it under stocks: "
                       f"(known: {', '.join(sites) or 'none'})")
        elif site.unit_type != f.type:
            out.append(f"{where}.draws: {site.id} holds {site.unit_type} sets, not {f.type}; "
                       "draw from a site of this type or change the type")
        if f.in_place:
            out.append(f"{where}.draws: a force in place draws no set; remove draws or in_place")
    return out


def _stock_problems(sc: Scenario, net: Any, node_problem: Any) -> list[str]:
    """Stock sites: their node in the year, unit type, and enough sets for the units drawing them."""
    out = []
    cat = sc.catalogue()
    for i, s in enumerate(sc.stocks):
        p = node_problem(f"stocks[{i}].node", s.node)
        if p:
            out.append(p)
        if s.unit_type not in cat:
            out.append(f"stocks[{i}].unit_type: unknown unit type {_short(repr(s.unit_type))}; use one of "
                       f"{', '.join(sorted(cat))}")
        drawn = sum(f.count for f in sc.forces if f.draws == s.id)
        if drawn > s.sets:
            out.append(f"stocks[{i}].sets: {drawn} units draw from {s.id} but it holds {s.sets} set(s); "
                       "raise sets or draw fewer")
    if len({s.id for s in sc.stocks}) != len(sc.stocks):
        out.append("stocks: give each stock site its own id")
    return out


def _uncertainty_range(u: Uncertainty) -> list[str]:
    """Problems if a uniform or triangular draw of ``u`` can leave the factor's accepted range."""
    from mobility.factors import Factors, factor_range

    if u.distribution == "lognormal":
        return []
    lo, hi = factor_range(u.factor)
    base = Factors.defaults()[u.factor]
    ends = [u.low or 0.0, u.high or 0.0]
    if u.scale == "multiply":
        ends = [e * base for e in ends]
    if min(ends) < lo or max(ends) > hi:
        return [f"draws of {u.factor} from {min(ends):g} to {max(ends):g} leave its accepted range {lo:g} to {hi:g}; "
                "narrow low/high"]
    return []


def scenario_warnings(sc: Scenario) -> list[str]:
    """Things that are legal but probably not meant, one line each (printed on stderr, the run goes on)."""
    out = []
    src = sc.source_file or sc.name
    for i, f in enumerate(sc.forces):
        last = f.ready_day + (f.count - 1) * f.stagger_days
        if f.ready_day >= sc.horizon_days:
            out.append(f"{src}: forces[{i}] ({f.id}): ready on D+{f.ready_day:g}, at or after the horizon "
                       f"(horizon_days {sc.horizon_days}): it never moves in this run")
        elif last >= sc.horizon_days:
            out.append(f"{src}: forces[{i}] ({f.id}): the last of its {f.count} units is ready on D+{last:g}, at or "
                       f"after the horizon (horizon_days {sc.horizon_days}): some never move in this run")
    return out


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys (the later one would silently win)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, Any] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=deep)
            try:
                dup = key in seen
            except TypeError:
                dup = False
            if dup:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {_short(repr(key), 40)} (first on line {seen[key] + 1})",
                    key_node.start_mark)
            try:
                seen[key] = key_node.start_mark.line
            except TypeError:
                pass
        return super().construct_mapping(node, deep=deep)


MAX_FILE_BYTES = 5_000_000
"""Largest scenario or candidates file read (the baseline is ~5 kB)."""


def read_yaml(path: str | Path, what: str = "scenario") -> Any:
    """Read a YAML file strictly: UTF-8, one document, no duplicate keys, bounded nesting and size.

    Raises
    ------
    ScenarioError
        One line naming the file (and the line of the problem).
    """
    p = Path(path)
    if not p.is_file():
        raise ScenarioError(f"{p}: no such {what} file; give the path of a .yaml file (see scenarios/)")
    try:
        if p.stat().st_size > MAX_FILE_BYTES:
            raise ScenarioError(f"{p}: {p.stat().st_size:,} bytes, above the limit of {MAX_FILE_BYTES:,} for a "
                                f"{what} file")
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{p}: not a UTF-8 text file (byte {exc.start}); save it as UTF-8") from None
    except OSError as exc:
        raise ScenarioError(f"{p}: cannot read it ({exc.strerror})") from None
    if "\x00" in text:
        raise ScenarioError(f"{p}: holds NUL characters, so it is not a text file; save it as UTF-8 YAML")
    try:
        loader = _StrictLoader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            _check_node_depth(node, p)
            return loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}:" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError(f"{p}:{where} not valid YAML ({_short(problem, 120)}); fix the syntax") from None
    except RecursionError:
        raise ScenarioError(f"{p}: values nested deeper than {MAX_DEPTH} levels; a {what} needs at most 5") from None


def _check_node_depth(node: yaml.Node, p: Path) -> None:
    """Refuse deep nesting and alias bombs on the composed YAML, before anything is built from it."""
    budget = MAX_NODES
    stack: list[tuple[yaml.Node, int]] = [(node, 1)]
    while stack:
        n, depth = stack.pop()
        budget -= 1
        if budget < 0:
            raise ScenarioError(f"{p}: the file holds more than {MAX_NODES:,} values (counting every use of an "
                                "alias); write the values out or use fewer aliases")
        if depth > MAX_DEPTH:
            raise ScenarioError(f"{p}: values nested deeper than {MAX_DEPTH} levels; the schema needs at most 5")
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                stack.append((k, depth + 1))
                stack.append((v, depth + 1))
        elif isinstance(n, yaml.SequenceNode):
            stack.extend((v, depth + 1) for v in n.value)


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario YAML file.

    Raises
    ------
    ScenarioError
        One line per problem (up to ``MAX_PROBLEMS``), each naming the file, the field and the fix.
    """
    return parse_scenario(read_yaml(path, "scenario"), source=str(path))
