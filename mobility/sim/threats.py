"""Threats to the lines of communication: attacks, their damage and its repair.

A **threat** is a list of **attacks**. Each attack strikes one target — a
section, a bridge (a section flagged as a bridge), a node, a terminal, a
border crossing or a port — either at scheduled days (``strikes``) or as a
Poisson process (``rate_per_day`` between ``from_day`` and ``to_day``). A
strike does its **damage** (``closure``: the target is shut; ``capacity``:
the target loses ``capacity_lost`` of its capacity) until it is **repaired**
after a time drawn from ``repair_days``. Every attack names where its rate
and its repair time come from (DOMAIN.md source keys) or says ``assumption``.

Movers use the machinery the model has for scheduled disruptions: a unit
planning its route while a target is shut routes around it where another
way exists; a mover that meets a shut target waits for it to reopen. A
target that only lost capacity is not routed around: movers queue at it.
Lost capacity is modelled as the target being shut for the lost share of
each :data:`CAPACITY_CYCLE_H`-hour cycle (an assumption: single-track working
of a double-track line alternates directions in blocks the same way), so a
saturated target passes ``1 - capacity_lost`` of its traffic.

Strikes are drawn per run from their own random streams, one per attack,
seeded from the run's seed and the attack's id only: the arms of a
comparison (same seeds, common random numbers) meet the same strikes, and
adding an uncertainty or another attack does not move them.

>>> t = parse_threat({"name": "demo", "attacks": [{"id": "a", "section": "rail:x-y:1435", "strikes": [2],
...     "repair_days": 1.5, "source": "assumption", "rate_source": "assumption",
...     "repair_source": "assumption"}]}, source="demo")
>>> [(s.target, s.at_h, s.until_h) for s in draw_strikes((t,), seed=1, horizon_h=240)]
[('rail:x-y:1435', 48.0, 84.0)]
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from mobility.errors import ScenarioError

if TYPE_CHECKING:
    import simpy

    from mobility.network.model import Network
    from mobility.sim.log import EventLog

__all__ = [
    "CAPACITY_CYCLE_H",
    "TARGET_KINDS",
    "Attack",
    "Repair",
    "Strike",
    "Threat",
    "check_targets",
    "closure_windows",
    "draw_strikes",
    "load_threat",
    "parse_threat",
    "resolve_threats",
    "strike_process",
]

CAPACITY_CYCLE_H = 12.0  # assumption: lost capacity = shut for that share of each 12 h block
TARGET_KINDS = ("section", "bridge", "node", "terminal", "border_crossing", "port")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Repair(_Strict):
    """Distribution of the time to repair a strike's damage, in days."""

    distribution: Literal["fixed", "uniform", "triangular", "lognormal", "exponential"]
    days: float | None = Field(None, ge=0, description="fixed: the repair time")
    low: float | None = Field(None, ge=0)
    mode: float | None = Field(None, ge=0)
    high: float | None = Field(None, ge=0)
    mean: float | None = Field(None, gt=0, description="lognormal: median; exponential: mean")
    sigma: float | None = Field(None, ge=0, description="lognormal: sigma of the log")

    @model_validator(mode="after")
    def _parameters(self) -> Repair:
        d = self.distribution
        if d == "fixed" and self.days is None:
            raise ValueError("fixed needs days")
        if d == "uniform" and (self.low is None or self.high is None or self.low > self.high):
            raise ValueError("uniform needs low <= high")
        if d == "triangular" and (None in (self.low, self.mode, self.high)
                                  or not (self.low <= self.mode <= self.high and self.low < self.high)):
            raise ValueError("triangular needs low <= mode <= high with low < high")
        if d == "lognormal" and (self.mean is None or self.sigma is None):
            raise ValueError("lognormal needs mean (the median, days) and sigma")
        if d == "exponential" and self.mean is None:
            raise ValueError("exponential needs mean (days)")
        return self

    def draw(self, rng: np.random.Generator) -> float:
        """One repair time in days."""
        d = self.distribution
        if d == "fixed":
            return float(self.days)  # type: ignore[arg-type]
        if d == "uniform":
            return float(rng.uniform(self.low, self.high))
        if d == "triangular":
            return float(rng.triangular(self.low, self.mode, self.high))
        if d == "exponential":
            return float(rng.exponential(self.mean))
        return float(rng.lognormal(math.log(self.mean), self.sigma))  # type: ignore[arg-type]


class Attack(_Strict):
    """Strikes on one target: scheduled or at a rate, with their damage and repair."""

    id: str = Field(min_length=1)
    section: str | None = None
    bridge: str | None = Field(None, description="a section id whose section is a bridge")
    node: str | None = None
    terminal: str | None = Field(None, description="node id of a terminal (gauge change or ramps)")
    border_crossing: str | None = None
    port: str | None = None
    strikes: tuple[float, ...] = Field((), description="days after D of scheduled strikes")
    rate_per_day: float | None = Field(None, gt=0, description="Poisson rate of strikes per day")
    from_day: float = Field(0.0, ge=0, description="with rate_per_day: first day strikes may fall")
    to_day: float | None = Field(None, gt=0, description="with rate_per_day: strikes stop (default: horizon)")
    damage: Literal["closure", "capacity"] = "closure"
    capacity_lost: float | None = Field(None, gt=0, lt=1, description="damage capacity: share of capacity lost")
    repair_days: Repair
    source: str = Field(min_length=1, description="why this target: DOMAIN.md keys or 'assumption: ...'")
    rate_source: str = Field(min_length=1, description="source of the rate or strike days, or 'assumption: ...'")
    repair_source: str = Field(min_length=1, description="source of the repair time, or 'assumption: ...'")

    @field_validator("repair_days", mode="before")
    @classmethod
    def _fixed_number(cls, v: Any) -> Any:
        return {"distribution": "fixed", "days": v} if isinstance(v, (int, float)) else v

    @model_validator(mode="after")
    def _consistent(self) -> Attack:
        given = [k for k in TARGET_KINDS if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one target: one of {', '.join(TARGET_KINDS)}")
        if not self.strikes and self.rate_per_day is None:
            raise ValueError("give strikes: [days] or rate_per_day")
        if any(s < 0 for s in self.strikes):
            raise ValueError("strikes are days after D, 0 or more")
        if self.to_day is not None and self.to_day <= self.from_day:
            raise ValueError("to_day must be after from_day")
        if (self.damage == "capacity") != (self.capacity_lost is not None):
            raise ValueError("damage: capacity needs capacity_lost (0..1), and capacity_lost needs damage: capacity")
        return self

    @property
    def kind(self) -> str:
        """Which kind of target: section, bridge, node, terminal, border_crossing or port."""
        return next(k for k in TARGET_KINDS if getattr(self, k) is not None)

    @property
    def target_id(self) -> str:
        """The id the attack gives (a section or node id)."""
        return str(getattr(self, self.kind))

    @property
    def target(self) -> str:
        """The key the model closes: a section id, a node id, or ``terminal:<node>``."""
        return f"terminal:{self.terminal}" if self.terminal is not None else self.target_id


class Threat(_Strict):
    """A threat preset: named attacks (see ``scenarios/threats/``)."""

    name: str = Field(min_length=1)
    description: str = ""
    file: str | None = Field(None, description="the file it was read from (set when loaded)")
    attacks: tuple[Attack, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> Threat:
        ids = [a.id for a in self.attacks]
        dup = next((i for i in ids if ids.count(i) > 1), None)
        if dup is not None:
            raise ValueError(f"attack id {dup!r} is given twice; give each attack its own id")
        return self


@dataclass(frozen=True)
class Strike:
    """One strike of one run: its target, when it hit and when it was repaired (hours after D)."""

    threat: str
    attack: str
    kind: str  # section, node or terminal: what the model closes
    target: str
    at_h: float
    until_h: float
    damage: str
    capacity_lost: float | None = None

    def windows(self) -> list[tuple[float, float]]:
        """The closure windows of this strike: one for a closure, blocks for lost capacity."""
        if self.damage == "closure":
            return [(self.at_h, self.until_h)]
        out, t, shut = [], self.at_h, CAPACITY_CYCLE_H * float(self.capacity_lost or 0.0)
        while t < self.until_h:
            out.append((t, min(t + shut, self.until_h)))
            t += CAPACITY_CYCLE_H
        return out


# ---------------------------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------------------------
def _one_line(exc: ValidationError, source: str) -> str:
    from mobility.scenario import error_location

    err = exc.errors()[0]
    msg = str(err["msg"]).replace("Value error, ", "")
    hint = {"extra_forbidden": "remove it or check its spelling against scenarios/threats/sabotage.yaml",
            "missing": "add it"}.get(err["type"], "correct the value")
    more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
    return f"{source}: {error_location(err)}: {msg}; {hint}{more}"


def parse_threat(data: Any, *, source: str = "<threat>") -> Threat:
    """Validate a threat mapping; :class:`ScenarioError` names the source, the field and the fix."""
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: a threat file holds a mapping (name:, attacks:); it holds "
                            f"{type(data).__name__}")
    try:
        return Threat.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_one_line(exc, source)) from None


def load_threat(path: str | Path) -> Threat:
    """Read and validate a threat YAML file (see ``scenarios/threats/``)."""
    import yaml

    p = Path(path)
    if not p.is_file():
        raise ScenarioError(f"{p}: no such threat file; give the path of a .yaml file (see scenarios/threats/)")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise ScenarioError(f"{p}:{where}: not valid YAML ({getattr(exc, 'problem', exc)}); fix the syntax") from None
    threat = parse_threat(data, source=str(p))
    return threat.model_copy(update={"file": str(p)})


def resolve_threats(raw: Any, *, source: str) -> Any:
    """A scenario's ``threats:`` list with file names read (relative to the scenario's folder).

    Mappings are kept as given (a scenario may write a threat inline); other
    values are left for the schema to refuse.
    """
    if not isinstance(raw, list):
        return raw
    here = Path(source).parent if source and not source.startswith("<") else Path(".")
    out = []
    for i, item in enumerate(raw):
        if isinstance(item, str):
            p = Path(item)
            if not p.is_absolute() and not p.is_file() and (here / p).is_file():
                p = here / p
            if not p.is_file():
                raise ScenarioError(f"{source}: threats[{i}]: no threat file {item!r} (looked beside the scenario "
                                    "and in the working folder); see scenarios/threats/")
            out.append(load_threat(p).model_dump(mode="json"))
        else:
            out.append(item)
    return out


def check_targets(threats: Sequence[Threat], network: Network, *, source: str, year: int | None = None) -> None:
    """Refuse (one line) an attack whose target is not in ``network`` or is not of the kind it says."""
    from mobility.network.edits import sections

    secs = sections(network)
    in_year = f" in the {network.name} network of {year}" if year is not None else ""
    for ti, threat in enumerate(threats):
        for ai, a in enumerate(threat.attacks):
            where = f"{source}: threats[{ti}] ({threat.file or threat.name}): attacks[{ai}] ({a.id}).{a.kind}"
            tid = a.target_id
            if a.kind in ("section", "bridge"):
                if tid not in secs:
                    raise ScenarioError(f"{where}: unknown section {tid!r}{in_year}; list section ids with "
                                        "`mobility network --describe --sections`")
                if a.kind == "bridge" and not _is_bridge(network, tid):
                    raise ScenarioError(f"{where}: section {tid!r} is not a bridge; use section: for it, or "
                                        f"bridge: one of {', '.join(_bridges(network)) or '(none)'}")
                continue
            if not network.has_node(tid):
                raise ScenarioError(f"{where}: unknown node {tid!r}{in_year}; list nodes with "
                                    "`mobility network --describe`")
            kind = network.node(tid).get("kind")
            if a.kind == "terminal" and not network.terminals_at(tid):
                raise ScenarioError(f"{where}: {tid!r} has no terminal{in_year}; use node: for it")
            if a.kind in ("border_crossing", "port") and kind != a.kind:
                raise ScenarioError(f"{where}: {tid!r} is a {kind}, not a {a.kind.replace('_', ' ')}; use node: "
                                    "for it")


def _is_bridge(network: Network, section: str) -> bool:
    return any(d.get("section") == section and d.get("bridge") for g in (network.rail, network.road)
               for _, _, d in g.edges(data=True))


def _bridges(network: Network) -> list[str]:
    return sorted({d["section"] for g in (network.rail, network.road) for _, _, d in g.edges(data=True)
                   if d.get("bridge")})


# ---------------------------------------------------------------------------------------------
# drawing and running
# ---------------------------------------------------------------------------------------------
def attack_stream(seed: int, threat: str, attack: str) -> np.random.Generator:
    """The random stream of one attack in one run: from the run's seed and the attack's id only."""
    key = zlib.crc32(f"threat:{threat}:{attack}".encode())
    return np.random.default_rng(np.random.SeedSequence([int(seed) % 2**63, key]))


def draw_strikes(threats: Iterable[Threat], *, seed: int, horizon_h: float) -> list[Strike]:
    """Every strike of one run, in time order (strikes at or after the horizon are dropped)."""
    out = []
    for threat in threats:
        for a in threat.attacks:
            rng = attack_stream(seed, threat.name, a.id)
            days = [float(s) for s in a.strikes]
            if a.rate_per_day is not None:
                t, end = a.from_day, (a.to_day if a.to_day is not None else horizon_h / 24.0)
                while True:
                    t += float(rng.exponential(1.0 / a.rate_per_day))
                    if t >= end:
                        break
                    days.append(t)
            kind = {"bridge": "section", "section": "section", "terminal": "terminal"}.get(a.kind, "node")
            for day in sorted(days):
                at = day * 24.0
                if at >= horizon_h:
                    continue
                out.append(Strike(threat.name, a.id, kind, a.target, at, at + 24.0 * a.repair_days.draw(rng),
                                  a.damage, a.capacity_lost))
    return sorted(out, key=lambda s: (s.at_h, s.threat, s.attack))


def closure_windows(strikes: Iterable[Strike], network: Network) -> tuple[dict[str, list[tuple[float, float]]],
                                                                         dict[str, set[str]]]:
    """Closure windows keyed by target, and the targets movers route around, by kind.

    Returns ``(windows, reroute)`` where ``reroute`` maps ``section``, ``node``
    and ``terminal`` to the targets shut outright (lost capacity is queued at,
    not routed around). Sections missing from ``network`` (e.g. replaced by an
    arm's investment) are skipped: they cannot be struck.
    """
    from mobility.network.edits import sections

    secs = sections(network)
    windows: dict[str, list[tuple[float, float]]] = {}
    reroute: dict[str, set[str]] = {"section": set(), "node": set(), "terminal": set()}
    for s in strikes:
        if s.kind == "section" and s.target not in secs:
            continue
        if s.kind != "section" and not network.has_node(s.target.removeprefix("terminal:")):
            continue
        windows.setdefault(s.target, []).extend(s.windows())
        if s.damage == "closure":
            reroute[s.kind].add(s.target)
    return windows, reroute


def strike_process(env: simpy.Environment, log: EventLog, strike: Strike) -> Any:
    """A simpy process that logs a strike (``attack``) and its repair (``repaired``) at their times."""
    from mobility.sim.resources import Who

    who = Who("", "", "threat", 0, 0, 0)
    place = strike.target.removeprefix("terminal:")
    resource = f"threat:{strike.threat}:{strike.attack}"
    yield env.timeout(max(strike.at_h - env.now, 0.0))
    log.add(env.now, who, "attack", place, resource, 0)
    yield env.timeout(max(strike.until_h - env.now, 0.0))
    log.add(env.now, who, "repaired", place, resource, 0)


def strikes_table(strikes: Sequence[Strike]) -> list[Mapping[str, Any]]:
    """Strikes as plain rows (for summaries): threat, attack, target, from/to day, damage."""
    return [{"threat": s.threat, "attack": s.attack, "target": s.target, "from_day": s.at_h / 24.0,
             "to_day": s.until_h / 24.0, "damage": s.damage, "capacity_lost": s.capacity_lost} for s in strikes]
