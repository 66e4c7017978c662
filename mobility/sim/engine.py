"""Build the simpy model from a scenario and a network, run it, return the event log.

The model knows no map, plot or file: it takes a validated
:class:`~mobility.scenario.Scenario`, a :class:`~mobility.network.Network`,
a :class:`~mobility.factors.Factors` table and a :class:`numpy.random.Generator`,
and writes one :class:`~mobility.sim.log.EventLog`.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Generator, Hashable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from mobility.errors import NoRouteError, ScenarioError, WorkLimitError
from mobility.factors import Factors
from mobility.forces import UnitType
from mobility.limits import MAX_EVENTS, MAX_MOVERS
from mobility.network.edits import close, with_capacity_defaults
from mobility.network.holding import holding_tracks
from mobility.network.loops import passing_loops
from mobility.network.model import Network
from mobility.network.routing import GAUGES, Leg, Mover, Route, Router
from mobility.scenario import Scenario
from mobility.sim._gc import paused_gc
from mobility.sim.air import airlift, airport_capacity, bus_hours, nearest_airport
from mobility.sim.disruptions import disruption_process
from mobility.sim.log import EventLog
from mobility.sim.rail import train, trains_needed, wagons_per_train
from mobility.sim.resources import Closures, Pool, Server, Who
from mobility.sim.road import MarchProfile, convoy
from mobility.sim.routers import SHARED as SHARED_ROUTERS
from mobility.sim.sea import Sealift, choose
from mobility.sim.threats import Strike, closure_windows, strike_process
from mobility.sim.uncertainty import draw_point
from mobility.stocks import draw_set

if TYPE_CHECKING:
    import pandas as pd

TYPICAL_WAGONS = 26  # a 600 m train: (600 - 23) // 22 wagons (factor table defaults), for planning estimates


@dataclass(frozen=True)
class Unit:
    """One unit of the force list (a force line with count N gives N units)."""

    id: str
    type: UnitType
    ready_h: float
    origin: str
    destination: str
    priority: int
    mode: str
    in_place: bool = False
    required_h: float | None = None
    rank: float = 0.0  # dispatch order among units of one priority: ready time, then place in the force list
    personnel: str = "with_vehicles"  # or "air"
    airport: str | None = None
    draws: str | None = None  # stock site id: the unit draws its equipment there, then moves from it
    personnel_origin: str = ""  # where personnel set off by road for a drawing unit


@dataclass(frozen=True)
class RoadStep:
    """What a march unit needs to drive one road edge (computed once per edge)."""

    section: str
    space: Server
    border: Server | None  # the crossing's check, when the edge crosses a border
    speed_kmh: float
    km: float


@dataclass(frozen=True)
class RailStep:
    """What a train needs to run one rail edge (computed once per edge)."""

    section: str
    track: Server | None  # the direction's headway slot (double track; single track without loop data)
    crosses_border: bool
    headway_h: float
    run_h: float
    blocks: tuple[Server, ...] = ()  # single track: loop-to-loop blocks in running order, shared by both directions


@dataclass(frozen=True)
class Plan:
    """How a unit moves: its rail route (if any) and its road routes."""

    rail: Route | None  # origin -> railhead
    rail_load: tuple[int, int, int]  # tracked, wheeled (with trailers), containers on rail
    road_from_railhead: Route | None
    road: Route | None  # origin -> destination, for what goes by road
    road_load: tuple[int, int]  # tracked, wheeled on road
    nominal_h: float  # unconstrained transit time


def expand_forces(scenario: Scenario) -> list[Unit]:
    """The force list as units, in a stable order."""
    cat = scenario.catalogue()
    units = []
    sites = {s.id: s for s in scenario.stocks}
    for f in scenario.forces:
        origin = sites[f.draws].node if f.draws is not None else f.origin
        for i in range(f.count):
            uid = f.id if f.count == 1 else f"{f.id}-{i + 1}"
            ready = (f.ready_day + i * f.stagger_days) * 24.0
            units.append(Unit(uid, cat[f.type], ready, origin, f.destination, f.priority, f.mode, f.in_place,
                              None if f.required_day is None else f.required_day * 24.0,
                              rank=ready + len(units) * 1e-6, personnel=f.personnel, airport=f.airport,
                              draws=f.draws, personnel_origin=f.origin))
    return units


class Model:
    """The simpy model of one run."""

    def __init__(self, scenario: Scenario, network: Network, factors: Factors, rng: np.random.Generator,
                 strikes: Sequence[Strike] = (), *, network_key: Hashable | None = None) -> None:
        self.scenario, self.factors, self.rng = scenario, factors, rng
        self.network = with_capacity_defaults(network, factors)
        self.env = simpy.Environment()
        self.log = EventLog()
        # network_key: what ``network`` was built from (mobility.infrastructure.network_key), so routers
        # built by earlier runs in this process on the same network and factors are reused
        self._network_key = network_key
        self._variants: dict[int, tuple] = {}
        self.router = self._shared_router((), lambda: Router(self.network, factors))
        self.loops = passing_loops(scenario.network)
        self.holding = holding_tracks(scenario.network)
        self.section_queue: dict[str, int] = {}  # trains routed over a section (by its queue) and not yet past it
        self._alternatives: dict[tuple, Route | None] = {}
        self._avoid_routers: dict[tuple, Router] = {}
        self.assumed: dict[str, str] = {}  # resource id -> the default it was given, for every output
        self._routers: dict[frozenset[str], Router] = {frozenset(): self.router}
        windows: dict[str, list[tuple[float, float]]] = {}
        for d in scenario.disruptions:
            windows.setdefault(d.target, []).append((d.from_day * 24.0, d.to_day * 24.0))
        # strikes of a threat (mobility.sim.threats) close their targets like scheduled disruptions
        self.strikes = tuple(strikes)
        struck, reroute = closure_windows(self.strikes, self.network)
        for target, ws in struck.items():
            windows.setdefault(target, []).extend(ws)
        self.closures = Closures(windows)
        self._section_targets = {d.section for d in scenario.disruptions if d.section} | reroute["section"]
        self._node_targets = {d.node for d in scenario.disruptions if d.node} | reroute["node"]
        self._route_targets = self._section_targets | self._node_targets | reroute["terminal"] | {
            f"terminal:{d.terminal}" for d in scenario.disruptions if d.terminal}
        self.priority = scenario.policies.convoy_priority
        self.servers: dict[str, Server] = {}
        self.committed: dict[str, int] = {}
        # trains planned to load at each node and not yet at its ramps (their unit still at the berth,
        # or the train waiting for its clearance): the queue a unit choosing now will meet there
        self.ramp_pending: dict[str, int] = {}
        self._heads: dict[tuple, tuple[tuple[float, float], str | None]] = {}
        self._road_steps: dict[tuple[str, str, int], RoadStep] = {}
        self._rail_steps: dict[tuple[str, str, int], RailStep] = {}  # trains routed through each gauge terminal and not yet through
        r = scenario.resources
        self.wagons = {g: Pool(self.env, self.log, f"wagons:{g}", "wagons", f"pool:{g}", getattr(r, f"wagons_{g}"))
                       for g in GAUGES}
        self.locos = {g: Pool(self.env, self.log, f"locomotives:{g}", "locomotives", f"pool:{g}",
                              getattr(r, f"locomotives_{g}")) for g in GAUGES}
        self.intermodal = {g: Pool(self.env, self.log, f"intermodal:{g}", "intermodal", f"pool:{g}",
                                   self._intermodal_size(g)) for g in GAUGES}
        self.het_pool = Pool(self.env, self.log, "het", "het", "pool:het", r.hets)
        self.clearance_h = scenario.clearance_hours(factors)
        self.stock_sites = {s.id: s for s in scenario.stocks}
        # each mover draws from its own stream, so arms run with the same seed (common random
        # numbers) give a mover the same delays even when the order of events differs
        self._stream_seed = int(rng.integers(2**63))
        self._streams: dict[str, np.random.Generator] = {}
        self.sealift = Sealift(self, r.roro_ships)

    def _intermodal_size(self, gauge: int) -> int:
        n = getattr(self.scenario.resources, f"intermodal_wagons_{gauge}")
        return int(self.factors["intermodal_wagons_default"]) if n is None else n

    def intermodal_pool(self, gauge: int) -> Pool:
        """Intermodal (container) wagons of ``gauge``; the default size is stated when a train uses it."""
        if getattr(self.scenario.resources, f"intermodal_wagons_{gauge}") is None:
            self.assumed.setdefault(f"intermodal:{gauge}", (
                f"{self.intermodal[gauge].capacity} intermodal wagons of {gauge} mm for containers moved by rail "
                f"(factor intermodal_wagons_default; set resources.intermodal_wagons_{gauge} to change it)"))
        return self.intermodal[gauge]

    # -- resources, created on first use -------------------------------------------
    def _server(self, rid: str, kind: str, place: str, capacity: int, close_targets: tuple[str, ...],
                *, dispatch: bool = False) -> Server:
        """The server ``rid``; ``dispatch``: always served by unit priority (a movement
        control office dispatching trains at a ramp), whatever the convoy priority policy."""
        s = self.servers.get(rid)
        if s is None:
            s = Server(self.env, self.log, rid, kind, place, capacity, closures=self.closures,
                       close_targets=close_targets, use_priority=self.priority or dispatch)
            self.servers[rid] = s
        return s

    def track(self, u: str, v: str, k: int) -> Server:
        """Entry slot of a rail section in one direction: one train per headway."""
        d = self.network.rail.edges[u, v, k]
        sec = d["section"]
        direction = "fwd" if sec.split(":")[1] == f"{u}-{v}" else "rev"
        return self._server(f"track:{sec}:{direction}", "track", sec, 1, (sec, u, v))

    def blocks(self, u: str, v: str, k: int) -> tuple[Server, ...]:
        """A single-track section as blocks from passing loop to passing loop, in the order
        a train from ``u`` to ``v`` runs them; one track for both directions."""
        sec = self.network.rail.edges[u, v, k]["section"]
        loops = self.loops.get(sec)
        if loops is None:  # no loop data: the whole section is one block
            return (self._server(f"track:{sec}:both", "track", sec, 1, (sec, u, v)),)
        out = tuple(self._server(f"track:{sec}:block{i + 1}", "track", sec, 1, (sec, u, v))
                    for i in range(loops.loops + 1))
        return out if sec.split(":")[1] == f"{u}-{v}" else out[::-1]

    def ramp(self, node: str) -> Server:
        """Loading/unloading ramps at a node (data, or the default mobile ramp)."""
        ramps = sum((t.ramps or 0) for t in self.network.terminals_at(node, method="ramp"))
        if ramps == 0:
            ramps = int(self.factors["default_ramps"])
            self.assumed.setdefault(f"ramp:{node}", (
                f"{self.network.label(node)}: {ramps} loading ramp(s) assumed (factor default_ramps; the data "
                "gives no ramp count; set infrastructure.terminals for this node to change it)"))
        return self._server(f"ramp:{node}", "ramp", node, ramps, (node, f"terminal:{node}"), dispatch=True)

    def standing(self, node: str) -> Server:
        """Holding tracks at a stop (railhead or gauge terminal): trains that can wait there beside
        those at its ramps; from the scenario's ``infrastructure.holding_tracks``, else the network's
        ``holding_tracks.csv``, else the stated default."""
        s = self.servers.get(f"standing:{node}")
        if s is not None:
            return s
        row, f = self.holding.get(node), self.factors
        if node in self.scenario.infrastructure.holding_tracks:
            n = self.scenario.infrastructure.holding_tracks[node]
        elif row is None:
            n = int(f["holding_tracks_default"])
            self.assumed.setdefault(f"standing:{node}", (
                f"{self.network.label(node)}: {n} train(s) can wait on holding tracks (factor holding_tracks_default; "
                "the data gives no figure; add a row to the network's holding_tracks.csv to change it)"))
        else:
            n = row.count(f["max_train_length_m"])
            if row.trains is None:
                self.assumed.setdefault(f"standing:{node}", (
                    f"{self.network.label(node)}: {n} train(s) can wait on holding tracks ({row.track_m:g} m of "
                    f"track ({row.source}) over {f['max_train_length_m']:g} m trains (factor max_train_length_m), "
                    "rounded down)"))
        return self._server(f"standing:{node}", "standing", node, n, (node,))

    def terminal(self, node: str, method: str) -> Server:
        """A gauge-change terminal: its ramp pairs or machines."""
        terms = self.network.terminals_at(node, method=method)
        ramps = sum((t.ramps or 0) for t in terms)
        if ramps == 0:
            ramps = int(self.factors["transload_ramp_pairs_default"])
            self.assumed.setdefault(f"terminal:{node}:{method}", (
                f"{self.network.label(node)}: {ramps} {method} ramp pair(s) assumed (factor "
                "transload_ramp_pairs_default; the data gives no count; set infrastructure.terminals to change it)"))
        return self._server(f"terminal:{node}:{method}", "terminal", node, ramps, (node, f"terminal:{node}"))

    def border(self, node: str) -> Server:
        """A road border crossing: lanes checking march units."""
        return self._server(f"border:{node}", "border", node, int(self.factors["border_lanes"]), (node,))

    def road_slot(self, u: str, v: str, k: int) -> Server:
        """Road space of a section in one direction: one march unit passes at a time."""
        d = self.network.road.edges[u, v, k]
        sec = d["section"]
        direction = "fwd" if sec.split(":", 1)[1].split(":")[0] == f"{u}-{v}" else "rev"
        return self._server(f"{sec}:{direction}", "road", sec, 1, (sec, u, v))

    def berth(self, node: str) -> Server:
        """Military RoRo berths of a port: the scenario's ``port_berths`` if set, else the port's data."""
        n = self.scenario.resources.port_berths
        if n is None:
            n = self.network.node(node).get("berths") or int(self.factors["port_berths_default"])
        if n < 1:
            raise ScenarioError(f"resources.port_berths is 0 but a unit uses the port {self.network.label(node)}; "
                                "give the ports at least one military berth")
        return self._server(f"berth:{node}", "berth", node, n, (node,))

    def road_step(self, u: str, v: str, k: int) -> RoadStep:
        """The cached :class:`RoadStep` of a road edge."""
        step = self._road_steps.get((u, v, k))
        if step is None:
            d = self.network.road.edges[u, v, k]
            border = None
            if self.crosses_border(u, v):
                node = u if self.network.road.nodes[u].get("kind") == "border_crossing" else v
                border = self.border(node)
            step = RoadStep(d["section"], self.road_slot(u, v, k), border, self.router._march_speed(d),
                            d["length"] / 1000.0)
            self._road_steps[(u, v, k)] = step
        return step

    def rail_step(self, u: str, v: str, k: int) -> RailStep:
        """The cached :class:`RailStep` of a rail edge."""
        step = self._rail_steps.get((u, v, k))
        if step is None:
            f = self.factors
            d = self.network.rail.edges[u, v, k]
            speed = min(d.get("maxspeed") or f["default_freight_speed_kmh"], f["military_train_speed_kmh"])
            headway, run = 24.0 / max(d["trains_per_day"], 1e-6), d["length"] / 1000.0 / speed
            if (d.get("tracks") or 1) >= 2:
                step = RailStep(d["section"], self.track(u, v, k), self.crosses_border(u, v), headway, run)
            else:  # single track; with no loop data, TR0603's trains a day per direction as well (R107)
                blocks = self.blocks(u, v, k)
                slot = self.track(u, v, k) if len(blocks) == 1 else None
                step = RailStep(d["section"], slot, self.crosses_border(u, v), headway, run, blocks=blocks)
            self._rail_steps[(u, v, k)] = step
        return step

    def crosses_border(self, u: str, v: str) -> bool:
        """Whether moving from ``u`` to ``v`` crosses a national border."""
        a, b = self.network.node(u), self.network.node(v)
        return a.get("country") != b.get("country") or (
            a.get("kind") == "border_crossing" and b.get("kind") != "border_crossing")

    # -- uncertainty ----------------------------------------------------------------
    def stream(self, mover: str) -> np.random.Generator:
        """The random stream of one mover, derived from the run's seed and the mover's id."""
        g = self._streams.get(mover)
        if g is None:
            g = self._streams[mover] = np.random.default_rng([self._stream_seed, zlib.crc32(mover.encode())])
        return g

    def section_delay(self, who: Who) -> float:
        """Random extra running time of a section for ``who``: exponential with mean ``section_delay_hours``."""
        mean = self.factors["section_delay_hours"]
        return float(self.stream(who.mover).exponential(mean)) if mean > 0 else 0.0

    def breakdown_hours(self, who: Who) -> float:
        """Delay of a march unit from a breakdown, with probability ``breakdown_probability`` (factor table)."""
        p = self.factors["breakdown_probability"]
        if p and self.stream(who.mover).random() < p:
            return self.factors["breakdown_hours"]
        return 0.0

    # -- planning -------------------------------------------------------------------
    def _shared_router(self, variant: tuple, build: Callable[[], Router]) -> Router:
        """A router of this run's network: from the process's shared routers when the network has a key."""
        if self._network_key is None:
            r = build()
        else:
            r = SHARED_ROUTERS.get(self._network_key, self.factors, variant, build)
        self._variants[id(r)] = variant
        return r

    def router_at(self, now: float) -> Router:
        """Router on the network without the sections, nodes and terminals closed at ``now``."""
        active = self.closures.active(now) & self._route_targets
        r = self._routers.get(active)
        if r is None:
            def build() -> Router:
                net = close(self.network, sections_=active & self._section_targets,
                            nodes=active & self._node_targets)
                shut = {t.split(":", 1)[1] for t in active if t.startswith("terminal:")}
                if shut:
                    net = net.with_graphs(terminals=[t for t in net.terminals if t.node not in shut],
                                          change=f"terminals closed at {sorted(shut)}")
                # the whole network's layout less the closed edges (laid out afresh when nodes or
                # terminals are closed): Router(net, self.factors), built faster
                return self.router.without_edges(net)
            r = self._shared_router(("closed", *sorted(active)), build)
            self._routers[active] = r
        return r

    def convoy_mover(self, tracked: bool, heavy: bool = True) -> tuple[Mover, MarchProfile, bool]:
        """Mover and march profile of a march unit; third value: on HETs.

        ``heavy``: the unit's tracked vehicles are MBT-class (MLC and weight of
        ``mlc_tracked``/``tracked_weight_t``), else light tracked (IFV-class).
        """
        f, p = self.factors, self.scenario.policies
        enforce = p.enforce_weight_limits
        wheeled_day = MarchProfile(None, f["daily_driving_hours"], f["daily_march_km"])
        if not tracked:
            return (Mover.convoy(mlc=f["mlc_wheeled"], weight_t=f["wheeled_weight_t"] if enforce else None),
                    wheeled_day, False)
        mlc = f["mlc_tracked"] if heavy else f["mlc_tracked_light"]
        weight = f["tracked_weight_t"] if heavy else f["tracked_light_weight_t"]
        if p.tracked_on == "het" and self.scenario.resources.hets > 0:
            return (Mover.convoy(mlc=f["mlc_het_loaded"] if heavy else mlc, weight_t=weight if enforce else None,
                                 speed_kmh=f["het_speed_kmh"]),
                    MarchProfile(f["het_speed_kmh"], f["daily_driving_hours"], f["daily_march_km"]), True)
        return (Mover.convoy(mlc=mlc, weight_t=weight if enforce else None, speed_kmh=f["tracked_march_speed_kmh"]),
                MarchProfile(f["tracked_march_speed_kmh"], f["daily_driving_hours"], f["tracked_daily_km"]), False)

    def plan(self, unit: Unit, now: float, *, disrupted: bool = True) -> Plan:
        """How ``unit`` moves by land (for mode ``sea``: its nominal time by sea); see :meth:`land_plan`."""
        if unit.mode == "sea":
            best = choose(self, self.sealift, unit, now)
            return Plan(None, (0, 0, 0), None, None, (0, 0), best.expected_h if best else math.inf)
        return self.land_plan(unit, now, disrupted=disrupted)

    def land_plan(self, unit: Unit, now: float, *, disrupted: bool = True) -> Plan:
        """Choose how ``unit`` moves, on the network as it is at ``now``.

        Sections and nodes closed at ``now`` are avoided where another route
        exists; where none does the unit plans on the whole network and its
        movers wait at the closure. ``disrupted=False`` ignores closures
        (validation before the run, unconstrained transit times).
        """
        if disrupted and self.router_at(now) is not self.router:
            try:
                return self._plan(self.router_at(now), unit)
            except NoRouteError:
                pass
        return self._plan(self.router, unit)

    def _plan(self, router: Router, unit: Unit) -> Plan:
        t = unit.type
        heavy = t.heavy
        wants_rail = (unit.mode in ("rail", "auto") and unit.origin in router.network.rail
                      and not router.network.no_ramps(unit.origin))
        if unit.mode == "rail" and unit.origin not in router.network.rail:
            raise NoRouteError(f"unit {unit.id}: mode rail but its origin {self.network.label(unit.origin)} "
                               "is not on the rail network; use mode road or auto, or start at a railhead")
        if unit.mode == "rail" and router.network.no_ramps(unit.origin):
            raise NoRouteError(f"unit {unit.id}: mode rail but its origin {self.network.label(unit.origin)} "
                               "has 0 ramps (infrastructure.terminals); give it ramps or use mode road or auto")
        rail_route = road_after = None
        rail_err: NoRouteError | None = None
        if wants_rail:
            try:
                rail_route, road_after = self._rail_plan(router, unit)
            except NoRouteError as exc:
                rail_err = exc
                if unit.mode == "rail":
                    raise NoRouteError(f"unit {unit.id}: {exc}") from None
        # on rail, wheeled vehicles and their trailers take wagon space (R93); on the road
        # trailers are towed and containers carried by the unit's trucks (DOMAIN §13)
        if rail_route is not None:
            if unit.mode == "rail":
                rail_load, road_load = (t.tracked, t.wheeled + t.trailers, t.containers), (0, 0)
            else:  # auto: tracked by rail; wheeled by road, carrying the containers (DOMAIN §13),
                # so no heavy flat carries a container
                rail_load, road_load = (t.tracked, 0, 0), (0, t.wheeled)
        else:
            rail_load, road_load = (0, 0, 0), (t.tracked, t.wheeled)
        road_route = None
        if sum(road_load):
            mover, _, _ = self.convoy_mover(tracked=road_load[0] > 0, heavy=heavy)
            try:
                road_route = router.route(unit.origin, unit.destination, mover)
            except NoRouteError as exc:
                why = f"{exc}" + (f"; by rail: {rail_err}" if rail_err else "")
                raise NoRouteError(f"unit {unit.id}: {why}") from None
        nominal = max(
            (rail_route.hours + (road_after.hours if road_after else 0.0)) if rail_route else 0.0,
            road_route.hours if road_route else 0.0,
        )
        return Plan(rail_route, rail_load, road_after, road_route, road_load, nominal)

    def _path(self, router: Router, a: str, b: str, mover: Mover, congested: bool) -> Route:
        """The rail route from ``a`` to ``b``: the fastest, or with ``congested`` the one of
        the fast candidates (the fastest, and the fastest avoiding each single-track section
        of it) with the least expected time including the queues committed trains make."""
        best = router.route(a, b, mover)
        if not congested:
            return best
        options = [best]
        for sec in self._single_sections(best):
            key = (id(router), a, b, mover, sec)
            alt = self._alternatives.get(key, False)
            if alt is False:
                avoiding = self._avoiding(router, sec)
                try:  # no detour is common: asked first by hours, it costs no explanation of why not
                    alt = avoiding.route(a, b, mover) if math.isfinite(avoiding.hours(a, b, mover)) else None
                except NoRouteError:
                    alt = None
                self._alternatives[key] = alt
            if alt is not None and all(alt.legs != o.legs for o in options):
                options.append(alt)
        return min(options, key=self.expected_hours) if len(options) > 1 else best

    def _single_sections(self, route: Route) -> list[str]:
        out = []
        for leg in route.legs:
            if leg.mode == "rail":
                for e in leg.edges:
                    d = self.network.rail.edges[e]
                    if (d.get("tracks") or 1) < 2 and d["section"] not in out:
                        out.append(d["section"])
        return out

    def _avoiding(self, router: Router, section: str) -> Router:
        key = (id(router), section)
        r = self._avoid_routers.get(key)
        if r is None:
            r = self._avoid_routers[key] = self._shared_router(
                (*self._variants[id(router)], "avoiding", section),
                lambda: router.without_edges(close(router.network, sections_=[section])))
        return r

    def expected_hours(self, route: Route) -> float:
        """Running hours of ``route`` plus the queue that trains already routed over its
        sections and not yet past them would make a train starting now wait."""
        h = route.hours
        for leg in route.legs:
            if leg.mode == "rail":
                for u, v, k in leg.edges:
                    step = self.rail_step(u, v, k)
                    h += self.section_queue.get(self._queue_key(step), 0) * self._hold_h(step)
        return h

    @staticmethod
    def _queue_key(step: RailStep) -> str:
        return step.blocks[0].rid if step.blocks else step.track.rid

    @staticmethod
    def _hold_h(step: RailStep) -> float:
        if step.blocks:
            return max(step.run_h / len(step.blocks), step.headway_h if len(step.blocks) == 1 else 0.0)
        return step.headway_h

    def commit(self, route: Route, amount: int) -> None:
        """Count a train routed over ``route`` (``amount`` 1) or past one of its sections (-1 per edge)."""
        for leg in route.legs:
            if leg.mode == "rail":
                for u, v, k in leg.edges:
                    key = self._queue_key(self.rail_step(u, v, k))
                    self.section_queue[key] = self.section_queue.get(key, 0) + amount

    def _rail_plan(self, router: Router, unit: Unit, congested: bool = False) -> tuple[Route, Route | None]:
        """Rail route to the best railhead, changing gauge where it is quickest now.

        Every gauge terminal is a candidate; its cost is the running time plus
        the change itself plus the queue at the terminal at this moment, so
        trains spread over terminals as a movement planner would send them.
        """
        net = router.network
        cmover, _, _ = self.convoy_mover(tracked=unit.type.tracked > 0, heavy=unit.type.heavy)
        options: list[tuple[float, float, int, int, str | None, str]] = []
        for gauge in sorted(router.node_gauges[unit.origin] & set(GAUGES)):
            other = 1520 if gauge == 1435 else 1435
            direct, after = Mover.train(gauge=gauge), Mover.train(gauge=other)
            (road_h, rail_h), head = self._to_railhead(router, unit.origin, unit.destination, direct, cmover)
            if head is not None:
                options.append((road_h, rail_h, gauge, 0, None, head))
            for i, term in enumerate(router.gauge_terminals, start=1):
                if term == unit.origin:  # start on the other gauge's stock instead
                    continue
                h1 = router.hours(unit.origin, term, direct)
                if not math.isfinite(h1):
                    continue
                method = router._gauge_change_method(term) or "transload"
                (road_h, rail_h), head = self._to_railhead(router, term, unit.destination, after, cmover)
                if head is None:
                    continue
                options.append((road_h, h1 + self._terminal_cost(router, term, method) + rail_h, gauge, i, term,
                                head))
        if not options:
            gauge = 1435 if 1435 in router.node_gauges[unit.origin] else 1520
            try:
                router.route(unit.origin, unit.destination, Mover.train(gauge=gauge, change_gauge=True))
            except NoRouteError as exc:
                raise NoRouteError(f"{exc}; and no railhead from which {net.label(unit.destination)} "
                                   "can be reached by road") from None
            raise NoRouteError(f"no rail route from {net.label(unit.origin)} to a railhead from which "
                               f"{net.label(unit.destination)} can be reached by road")
        _, _, gauge, _, term, head = min(options)
        direct = Mover.train(gauge=gauge)
        if term is None:
            rail = self._path(router, unit.origin, head, direct, congested)
        else:
            after = Mover.train(gauge=1520 if gauge == 1435 else 1435)
            method = router._gauge_change_method(term) or "transload"
            change = Leg("gauge_change", (term,), (), router.gauge_change_hours(method, TYPICAL_WAGONS), 0.0,
                         method=method)
            legs = (*self._path(router, unit.origin, term, direct, congested).legs, change,
                    *self._path(router, term, head, after, congested).legs)
            rail = Route(unit.origin, head, Mover.train(gauge=gauge, change_gauge=True), legs)
        road = router.route(head, unit.destination, cmover) if head != unit.destination else None
        return rail, road

    def _to_railhead(self, router: Router, start: str, destination: str, train: Mover,
                     convoy: Mover) -> tuple[tuple[float, float], str | None]:
        """The railhead (other than ``start``) on ``train``'s gauge nearest the destination by road.

        Returns ``((road hours after it, rail hours to it), railhead)``: a unit
        that moves by rail rides as far as rail takes it and marches the rest,
        as movement planners route tracked equipment.

        Static for one router, so memoised: many trains ask the same question.
        """
        key = (id(router), start, destination, train, convoy)
        hit = self._heads.get(key)  # routers live as long as the model, so their ids are stable keys
        if hit is None:
            hit = self._heads[key] = self._find_railhead(router, start, destination, train, convoy)
        return hit

    def _find_railhead(self, router: Router, start: str, destination: str, train: Mover,
                       convoy: Mover) -> tuple[tuple[float, float], str | None]:
        net = router.network
        gauges = router.node_gauges
        heads = [n for n in net.transfer_nodes if train.gauge in gauges[n] and n != start]
        if destination in net.rail and train.gauge in gauges[destination] and not net.no_ramps(destination):
            heads.append(destination)
        best: tuple[tuple[float, float], str | None] = ((math.inf, math.inf), None)
        for head in heads:
            rail_h = router.hours(start, head, train)
            if not math.isfinite(rail_h):
                continue
            road_h = 0.0
            if head != destination:
                road_h = router.hours(head, destination, convoy) if destination in net.road else math.inf
            if math.isfinite(road_h) and (road_h, rail_h) < best[0]:
                best = ((road_h, rail_h), head)
        return best

    def _terminal_cost(self, router: Router, node: str, method: str) -> float:
        """Hours a train arriving now would spend at a gauge terminal: the change plus the queue.
        (Asking creates no server, so a terminal no train uses states no assumption.)"""
        server = self.servers.get(f"terminal:{node}:{method}")
        capacity = server.capacity if server is not None else (
            sum((t.ramps or 0) for t in self.network.terminals_at(node, method=method))
            or int(self.factors["transload_ramp_pairs_default"]))
        hold = router.gauge_change_hours(method, TYPICAL_WAGONS)
        return hold + self.committed.get(node, 0) * hold / max(capacity, 1)

    # -- processes ------------------------------------------------------------------
    def unit_process(self, unit: Unit) -> Generator[Any, Any, None]:
        """A unit: ready, (discharged at a port), its trains and march units or ships, closed."""
        env = self.env
        t = unit.type
        whole = Who(unit.id, "", "", t.personnel, t.vehicles, unit.priority, unit.rank)
        if unit.ready_h > 0:
            yield env.timeout(unit.ready_h)
        self.log.add(env.now, whole, "ready", unit.origin)
        if unit.in_place:  # stationed where it is needed: closed and ready where it stands, no transport
            self.log.add(env.now, whole, "closed", unit.destination)
            self.log.add(env.now, whole, "combat_ready", unit.destination)
            return
        if unit.draws is not None:  # personnel come to the stock site and draw the set, then move with it
            yield from draw_set(self, unit, whole, self.stock_sites[unit.draws])
            unit = replace(unit, personnel="with_vehicles")
        cleared_at = env.now + self.clearance_h
        jobs: list[simpy.Process] = []
        if unit.personnel == "air":  # troops fly apart from their equipment; closed when both are in
            apod = unit.airport or nearest_airport(self, unit.destination)
            jobs.append(env.process(airlift(self, Who(unit.id, f"{unit.id}/air/1", "air", t.personnel, 0,
                                                      unit.priority), apod, unit.destination)))
        by_sea = choose(self, self.sealift, unit, env.now)
        if by_sea is not None:
            jobs.append(env.process(self.sealift.move(unit, by_sea, cleared_at)))
        else:
            jobs.append(env.process(self._by_land(unit, whole, cleared_at)))
        yield env.all_of(jobs)
        self.log.add(env.now, whole, "closed", unit.destination)
        # reception and staging at the destination before the unit is combat-ready
        yield env.timeout(self.rsom_hours(unit))
        self.log.add(env.now, whole, "combat_ready", unit.destination)

    def nominal_hours(self, unit: Unit) -> float:
        """Unconstrained hours from ready to closed: personnel to a stock site and the draw, or the airlift,
        and the equipment's transit; 0 for a force in place."""
        if unit.in_place:
            return 0.0
        h = self.plan(unit, 0.0, disrupted=False).nominal_h
        f = self.factors
        if unit.draws is not None:
            site = self.stock_sites[unit.draws]
            come = f["airlift_hours"] if unit.personnel == "air" else bus_hours(self, unit.personnel_origin, site.node)
            return come + site.draw_days * 24.0 + h
        if unit.personnel == "air":
            apod = unit.airport or nearest_airport(self, unit.destination)
            fly = (f["airlift_hours"] + unit.type.personnel / (airport_capacity(self, apod) / 24.0)
                   + bus_hours(self, apod, unit.destination))
            return max(h, fly)
        return h

    def rsom_hours(self, unit: Unit) -> float:
        """Reception and staging (marry-up) at the destination, by the unit's brigade class."""
        return self.factors[f"rsom_days_{unit.type.brigade_class}"] * 24.0

    def _by_land(self, unit: Unit, whole: Who, cleared_at: float) -> Generator[Any, Any, None]:
        """Discharge at the origin port (a unit arriving from overseas), then the trains and march units."""
        t, node = unit.type, self.network.node(unit.origin)
        if node.get("kind") == "port":
            rate_h = (node.get("pieces_per_berth_day") or self.factors["port_berth_vehicles_per_day"]) / 24.0
            # the unit's trains are bound for the port's ramps from now: units choosing meanwhile see them
            plan = self.land_plan(unit, self.env.now)
            n = movers_estimate(self, unit, replace(plan, road_load=(0, 0)))
            self.ramp_pending[unit.origin] = self.ramp_pending.get(unit.origin, 0) + n
            pieces = t.vehicles + t.trailers  # at the berths, for the sea options of units choosing meanwhile
            self.sealift.queued[unit.origin] = self.sealift.queued.get(unit.origin, 0.0) + pieces
            yield from self.berth(unit.origin).use(whole, pieces / rate_h, event=("discharge", "discharged"))
            self.sealift.queued[unit.origin] -= pieces
            self.ramp_pending[unit.origin] -= n
        yield from self.move_by_land(unit, cleared_at)

    def move_by_land(self, unit: Unit, cleared_at: float, *, carry_troops: bool = True,
                     tag: str = "") -> Generator[Any, Any, None]:
        """Plan ``unit``'s trains and march units now and run them until all have arrived.

        ``carry_troops=False``: the movers carry no troops (a land stage of a sea move: the ships count them);
        ``tag`` prefixes the mover ids so the stages of one unit stay distinct.
        """
        env = self.env
        plan = self.land_plan(unit, env.now)
        movers = self._movers(unit, plan, carry_troops=carry_troops, tag=tag)
        if plan.rail is not None:  # bound for the origin's ramps until each train asks for one
            origin = plan.rail.origin
            self.ramp_pending[origin] = self.ramp_pending.get(origin, 0) + sum(k == "rail" for k, _ in movers)
        jobs = [env.process(self._mover(kind, args, cleared_at)) for kind, args in movers]
        if jobs:
            yield env.all_of(jobs)

    def _movers(self, unit: Unit, plan: Plan, *, carry_troops: bool = True, tag: str = "") -> list[tuple[str, tuple]]:
        t = unit.type
        total_vehicles = max(t.vehicles + t.trailers + t.containers, 1)
        out: list[tuple[str, tuple]] = []
        loads: list[tuple[str, int, int, Any]] = []  # kind, vehicles, tracked, detail
        if plan.rail is not None:
            per = wagons_per_train(self, plan.rail)
            router = self.router_at(self.env.now)
            for wagons, tr, wh, co, inter in trains_needed(self, *plan.rail_load, per):
                # each train is routed on its own, so trains spread over the gauge terminals
                try:
                    rail, road_after = self._rail_plan(router, unit, congested=True)
                except NoRouteError:  # cut off for now: plan on the whole network and wait at the closure
                    rail, road_after = self._rail_plan(self.router, unit, congested=True)
                self.commit(rail, 1)
                for leg in rail.legs:
                    if leg.mode == "gauge_change":
                        self.committed[leg.start] = self.committed.get(leg.start, 0) + 1
                loads.append(("rail", tr + wh + co, tr, (wagons, tr, wh, rail, road_after, inter)))
        mu = int(self.factors["march_unit_vehicles"])
        tracked_road, wheeled_road = plan.road_load
        for tracked, count in ((True, tracked_road), (False, wheeled_road)):
            n = math.ceil(count / mu) if count else 0
            for i in range(n):
                size = count // n + (1 if i < count % n else 0)
                loads.append(("road", size, size if tracked else 0, None))
        # flown troops travel apart; a land stage of a sea move carries none (the ships count them)
        personnel = 0 if unit.personnel == "air" or not carry_troops else t.personnel
        troops_left = personnel
        for i, (kind, vehicles, tracked, detail) in enumerate(loads):
            troops = round(personnel * vehicles / total_vehicles) if i < len(loads) - 1 else troops_left
            troops = min(troops, troops_left)
            troops_left -= troops
            who = Who(unit.id, f"{unit.id}/{tag}{kind}/{i + 1}", kind, troops, vehicles, unit.priority, unit.rank)
            out.append((kind, (who, plan, tracked, detail, t.heavy)))
        return out

    def hours_to_border(self, route: Route) -> float | None:
        """Nominal hours from the start of ``route`` to its first border crossing (None: it crosses none)."""
        h = 0.0
        for leg in route.legs:
            g = self.network.rail if leg.mode == "rail" else self.network.road
            for u, v, k in leg.edges:
                if self.crosses_border(u, v):
                    return h
                h += leg.hours * g.edges[u, v, k]["length"] / 1000.0 / max(leg.km, 1e-9)
            if leg.mode not in ("rail", "road"):
                h += leg.hours
        return None

    def _mover(self, kind: str, args: tuple, cleared_at: float) -> Generator[Any, Any, None]:
        who, plan, tracked, detail, heavy = args
        env = self.env
        # a mover does not set off (or take stock) only to wait at the border for its clearance
        first = detail[3] if kind == "rail" else plan.road
        to_border = self.hours_to_border(first)
        if to_border is None and kind == "rail" and detail[4] is not None:
            after = self.hours_to_border(detail[4])
            to_border = None if after is None else first.hours + after
        if to_border is not None and cleared_at - to_border > env.now:
            self.log.add(env.now, who, "request", first.origin, "clearance", 0)
            yield env.timeout(cleared_at - to_border - env.now)
            self.log.add(env.now, who, "cleared", first.origin, "", 0)
        if kind == "rail":
            wagons, tr, wh, rail, road_after, inter = detail
            self.ramp_pending[rail.origin] -= 1  # now in the ramp's own queue
            yield from train(self, who, rail, wagons, cleared_at, intermodal=inter)
            if road_after is not None:
                _, profile, het = self.convoy_mover(tracked=tr > 0, heavy=heavy)
                # the train's vehicles march on from the railhead as one serial
                yield from convoy(self, who, road_after, profile, cleared_at,
                                  hets=min(tr, self.het_pool.capacity) if het else 0)
        else:
            _, profile, het = self.convoy_mover(tracked=tracked > 0, heavy=heavy)
            hets = min(tracked, self.het_pool.capacity) if het else 0
            yield from convoy(self, who, plan.road, profile, cleared_at, hets=hets)
        dest = plan.road.destination if kind == "road" else (
            detail[4].destination if detail[4] is not None else detail[3].destination)
        self.log.add(env.now, who, "arrive", dest)

    def resources_frame(self) -> pd.DataFrame:
        """Every resource used: id, kind, place, capacity."""
        import pandas as pd

        rows = [{"resource": s.rid, "kind": s.kind, "place": s.place, "capacity": s.capacity,
                 "unit": "servers"} for s in self.servers.values()]
        for p in [*self.wagons.values(), *self.intermodal.values(), *self.locos.values(), self.het_pool]:
            rows.append({"resource": p.rid, "kind": p.kind, "place": p.place, "capacity": p.capacity,
                         "unit": p.kind})
        if self.log.uses("clearance"):
            rows.append({"resource": "clearance", "kind": "clearance", "place": "",
                         "capacity": 0, "unit": "authorisation"})
        return pd.DataFrame(rows, columns=["resource", "kind", "place", "capacity", "unit"])


def sample_factors(scenario: Scenario, factors: Factors, seed: int | np.random.Generator) -> Factors:
    """The factor table with this run's draws of the scenario's uncertain factors.

    Each uncertainty draws from its own stream of the run's seed
    (:func:`mobility.sim.uncertainty.draw_point`), so setting one to a value
    leaves the others' draws, the movers' streams and the strikes unchanged.
    """
    if isinstance(seed, np.random.Generator):
        seed = int(seed.integers(2**63))
    point = draw_point(scenario.uncertainties, factors, seed=seed)
    for i, u in enumerate(scenario.uncertainties):
        try:
            factors.with_overrides({u.factor: point[u.factor]})
        except ScenarioError as exc:
            raise ScenarioError(f"uncertainties[{i}] ({u.factor}): this run drew {point[u.factor]:g}: "
                                f"{str(exc).split(': ', 1)[-1]}; narrow the distribution") from None
    return factors.with_overrides(point) if point else factors




def movers_estimate(model: Model, unit: Unit, plan: Plan) -> int:
    """Trains and march units ``unit`` needs on ``plan`` (cheap: no routing)."""
    n = 0
    if plan.rail is not None:
        n += len(trains_needed(model, *plan.rail_load, wagons_per_train(model, plan.rail)))
    mu = max(int(model.factors["march_unit_vehicles"]), 1)
    n += sum(math.ceil(c / mu) for c in plan.road_load if c)
    return n


def plan_all(model: Model, units: list[Unit], *, max_movers: int = MAX_MOVERS) -> dict[str, Plan]:
    """Plan every unit on the undisrupted network and bound the run's work.

    Raises
    ------
    NoRouteError
        A unit has no route (the message names it).
    WorkLimitError
        The units need more than ``max_movers`` trains and march units.
    """
    plans, movers = {}, 0
    for u in units:
        if u.in_place:
            continue
        plans[u.id] = plan = model.plan(u, 0.0, disrupted=False)
        movers += movers_estimate(model, u, plan)
    if movers > max_movers:
        raise WorkLimitError(f"forces: the units need {movers:,} trains and march units, above the limit of "
                             f"{max_movers:,}; check counts, unit_types and factors (e.g. tracked_per_wagon, "
                             "march_unit_vehicles), or raise the limit with --max-movers")
    return plans


@paused_gc()
def run_model(scenario: Scenario, network: Network, factors: Factors, rng: np.random.Generator,
              *, progress: Callable[[float], None] | None = None, strikes: Sequence[Strike] = (),
              max_movers: int = MAX_MOVERS, max_events: int = MAX_EVENTS,
              network_key: Hashable | None = None) -> Model:
    """Run the model to the horizon (or until every unit has closed) and return it.

    The work is bounded: more than ``max_movers`` movers or ``max_events`` events
    stop the run with a :class:`WorkLimitError` that states the figure and the limit.
    ``network_key``: what ``network`` was built from, to reuse routers (see :class:`Model`).
    """
    model = Model(scenario, network, factors, rng, strikes, network_key=network_key)
    for s in model.strikes:
        model.env.process(strike_process(model.env, model.log, s))
    for i, d in enumerate(scenario.disruptions, start=1):  # logged, so that outputs can show them
        model.env.process(disruption_process(model.env, model.log, d.target, d.from_day * 24.0, d.to_day * 24.0, i))
    units = expand_forces(scenario)
    # plan every unit up front on the undisrupted network: a unit with no route fails now, clearly
    plan_all(model, units, max_movers=max_movers)
    procs = [model.env.process(model.unit_process(u)) for u in units]
    horizon = scenario.horizon_days * 24.0
    done = model.env.all_of(procs)
    step = 24.0 * 5
    t = 0.0
    while not done.triggered and t < horizon:
        t = min(t + step, horizon)
        model.env.run(until=t)
        if len(model.log) > max_events:
            raise WorkLimitError(f"forces: the run logged {len(model.log):,} events by D+{t / 24:.0f}, above the "
                                 f"limit of {max_events:,}; check the force list and factors, or raise the limit "
                                 "with --max-events")
        if progress:
            progress(t / horizon)
    return model
