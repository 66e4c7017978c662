"""The network model: a rail graph and a road graph in osmnx conventions.

Schema (the one place it is documented)
---------------------------------------
Both graphs are :class:`networkx.MultiDiGraph` with ``graph["crs"] = "EPSG:4326"``
and ``graph["name"]``; a two-way section is two directed edges, as osmnx does.

Nodes (on whichever graph they belong to):

``x``, ``y``          longitude, latitude (degrees, WGS84)
``kind``              station, junction, gauge_terminal, railhead, port,
                      border_crossing, base or town
``name``, ``country`` display name, ISO 3166-1 alpha-2
``source``            where the position comes from (``osm:...``, ``R45`` ...)
``osmid``             OSM node id where the node comes from OSM

Rail edges:

``gauge``             ``"1435"``, ``"1520"`` or ``"1435;1520"`` (dual gauge: carries both)
``tracks``            1 or 2 (``None`` = unknown; capacity then uses single track)
``electrified``       True / False / None (unknown)
``maxspeed``          freight line speed, km/h (None = unknown)
``max_train_length_m`` longest train the section takes, m
``trains_per_day``    per direction; from the data or from ``tracks``
                      (10 single / 30 double, US Army TR0603, R107)
``trains_per_day_source`` ``"data"`` or ``"R107 default"``
``opens``, ``closes`` years (None = always / never)
``name``, ``line``, ``status``, ``source``, ``confidence``
``length``            metres; ``length_source`` says ``published``, ``geometry (osm)``,
                      ``geometry (naturalearth)`` or ``schematic: straight line x ...``
``geometry``          shapely LineString (lon/lat), first node to second; ``geometry_source``
                      says ``osm``, ``naturalearth`` or ``schematic`` (a straight line
                      between the nodes), ``geometry_detail`` the data set
                      (:mod:`mobility.network.geometry`)
``osmid``             OSM way id(s) where from OSM
``section``           id of the two-way section, ``rail:<from>-<to>:<gauge>``

Road edges:

``highway``           OSM class: motorway, trunk, primary, secondary
``ref``, ``name``, ``lanes`` (per direction), ``maxspeed`` (km/h)
``mlc``               lowest Military Load Class on the edge (None = unknown, never guessed)
``maxweight``         legal weight limit, t (None = none known)
``bridge``            True / False
``border_crossing``   True when one end is a border crossing node
``opens``, ``closes``, ``source``, ``confidence``, ``length``, ``geometry``, ``section``

Terminals (:class:`Terminal`, ``Network.terminals``): a transfer facility at a node
with its ``method`` (``transload``, ``bogie_exchange``, ``axle_changer``, ``ramp``),
``ramps`` (ramps, ramp pairs or machines), ``rate`` text with its source, and
``opens``/``closes``. A *gauge terminal* is a node with a transload, bogie-exchange
or axle-changer terminal on both gauges; *transfer nodes* join the rail and the
road graph.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import networkx as nx

GAUGE_CHANGE_METHODS = ("transload", "bogie_exchange", "axle_changer")


@dataclass(frozen=True)
class SectionAttribute:
    """Type and plausible range of a section attribute a scenario may set (the schema above, typed)."""

    type: type
    low: float
    high: float
    unit: str
    modes: tuple[str, ...]  # "rail", "road": the graphs on which the attribute means something
    low_inclusive: bool = True


#: The section attributes a scenario may override, with their types and ranges.
SECTION_ATTRIBUTES: dict[str, SectionAttribute] = {
    "trains_per_day": SectionAttribute(float, 0, 500, "trains/day/direction", ("rail",), low_inclusive=False),
    "tracks": SectionAttribute(int, 1, 8, "tracks", ("rail",)),
    "maxspeed": SectionAttribute(float, 0, 350, "km/h", ("rail", "road"), low_inclusive=False),
    "max_train_length_m": SectionAttribute(float, 0, 5000, "m", ("rail",), low_inclusive=False),
    "opens": SectionAttribute(int, 1800, 2200, "year", ("rail", "road")),
    "closes": SectionAttribute(int, 1800, 2200, "year", ("rail", "road")),
    "mlc": SectionAttribute(float, 0, 200, "MLC", ("road",), low_inclusive=False),
    "maxweight": SectionAttribute(float, 0, 500, "t", ("road",), low_inclusive=False),
    "lanes": SectionAttribute(int, 1, 8, "lanes per direction", ("road",)),
}
MILITARY_GAUGE_CHANGE_METHODS = ("transload", "bogie_exchange")
CRS = "EPSG:4326"


@dataclass(frozen=True)
class Terminal:
    """A loading ramp or a gauge-change facility at a node."""

    node: str
    method: str
    ramps: int | None
    description: str = ""
    rate: str = ""
    opens: int | None = None
    closes: int | None = None
    source: str = ""
    confidence: str = ""
    ramps_source: str = ""

    def is_open(self, year: int | None) -> bool:
        """Whether the terminal works in ``year`` (None: ignore dates)."""
        if year is None:
            return True
        return (self.opens is None or self.opens <= year) and (
            self.closes is None or year < self.closes
        )


@functools.lru_cache(maxsize=256)
def edge_gauges(gauge: str | int | None) -> frozenset[int]:
    """The gauges a rail edge carries: ``"1435;1520"`` gives ``{1435, 1520}``.

    Cached: a network has a handful of gauge values and routing asks for them on every edge."""
    if gauge is None or gauge == "":
        return frozenset()
    out = set()
    for part in str(gauge).replace(",", ";").split(";"):
        part = part.strip()
        if part.isdigit():
            out.add(int(part))
    return frozenset(out)


@dataclass(frozen=True)
class Network:
    """Rail and road graphs of one area, optionally fixed to one year.

    Parameters
    ----------
    rail, road
        ``MultiDiGraph`` s following the schema in this module's docstring.
    terminals
        Ramps and gauge-change facilities.
    name
        Network name (``"baltic"`` for the embedded one).
    year
        The year the graphs show, or ``None`` for all years (every edge keeps
        its ``opens``/``closes``).
    attribution
        Licence text to show wherever the data is shown (ODbL for OSM data).
    sea
        Sea legs between ports (``MultiDiGraph``, both directions; edges carry
        ``section`` ``sea:<from>-<to>``, ``length`` in m, ``distance_nm``,
        ``geometry`` along the drawn lanes, ``source``), or None.
    """

    rail: nx.MultiDiGraph
    road: nx.MultiDiGraph
    terminals: tuple[Terminal, ...] = ()
    name: str = "network"
    year: int | None = None
    attribution: str = "© OpenStreetMap contributors (ODbL 1.0)"
    changes: tuple[str, ...] = field(default=())
    sea: nx.MultiDiGraph | None = None

    # -- nodes -----------------------------------------------------------------
    def node(self, node_id: str) -> dict[str, Any]:
        """Attributes of a node of either graph; KeyError if on neither."""
        if node_id in self.rail:
            return self.rail.nodes[node_id]
        if node_id in self.road:
            return self.road.nodes[node_id]
        raise KeyError(node_id)

    def has_node(self, node_id: str) -> bool:
        """Whether ``node_id`` is on the rail or the road graph."""
        return node_id in self.rail or node_id in self.road

    @property
    def node_ids(self) -> list[str]:
        """Every node id, rail and road, sorted."""
        return sorted(set(self.rail.nodes) | set(self.road.nodes))

    def label(self, node_id: str) -> str:
        """Display name of a node (its id if it has none)."""
        try:
            return str(self.node(node_id).get("name") or node_id)
        except KeyError:
            return node_id

    @property
    def transfer_nodes(self) -> list[str]:
        """Nodes on both graphs, where loads move between rail and road (not where ramps are set to 0)."""
        return sorted(n for n in set(self.rail.nodes) & set(self.road.nodes) if not self.no_ramps(n))

    def no_ramps(self, node_id: str) -> bool:
        """True where the node's open ramp rows all say 0 ramps: nothing is loaded or unloaded there."""
        rows = [t for t in self.terminals_at(node_id, method="ramp")]
        return bool(rows) and all(t.ramps == 0 for t in rows)

    def terminals_at(self, node_id: str, *, method: str | None = None) -> list[Terminal]:
        """Open terminals at a node, optionally of one method."""
        return [
            t
            for t in self.terminals
            if t.node == node_id and t.is_open(self.year) and (method is None or t.method == method)
        ]

    def gauges_at(self, node_id: str) -> frozenset[int]:
        """Gauges of the rail edges touching a node."""
        if node_id not in self.rail:
            return frozenset()
        out: set[int] = set()
        for _, _, d in self.rail.edges(node_id, data=True):
            out |= edge_gauges(d.get("gauge"))
        for _, _, d in self.rail.in_edges(node_id, data=True):
            out |= edge_gauges(d.get("gauge"))
        return frozenset(out)

    @property
    def gauge_terminals(self) -> list[str]:
        """Nodes where a train can change gauge: a usable method and both gauges present."""
        nodes = {t.node for t in self.terminals
                 if t.method in GAUGE_CHANGE_METHODS and t.is_open(self.year) and t.ramps != 0}
        return sorted(n for n in nodes if {1435, 1520} <= self.gauges_at(n))

    # -- edits -----------------------------------------------------------------
    def with_graphs(
        self,
        *,
        rail: nx.MultiDiGraph | None = None,
        road: nx.MultiDiGraph | None = None,
        terminals: Iterable[Terminal] | None = None,
        year: int | None | str = "keep",
        change: str | None = None,
    ) -> Network:
        """A copy with some parts replaced (the network itself is never mutated)."""
        return replace(
            self,
            rail=self.rail if rail is None else rail,
            road=self.road if road is None else road,
            terminals=self.terminals if terminals is None else tuple(terminals),
            year=self.year if year == "keep" else year,  # type: ignore[arg-type]
            changes=self.changes + ((change,) if change else ()),
        )

    # -- summaries -------------------------------------------------------------
    def __repr__(self) -> str:
        return (
            f"Network({self.name!r}, year={self.year}, rail={self.rail.number_of_nodes()} nodes/"
            f"{self.rail.number_of_edges()} edges, road={self.road.number_of_nodes()} nodes/"
            f"{self.road.number_of_edges()} edges, terminals={len(self.terminals)})"
        )
