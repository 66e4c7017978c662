"""Road and rail networks: the embedded corridor network, OSM import, edits and routing."""

from __future__ import annotations

from mobility.errors import NetworkError
from mobility.network.builtin import available_networks, builtin_network, network_meta
from mobility.network.model import Network, Terminal, edge_gauges

__all__ = [
    "Network",
    "Terminal",
    "available_networks",
    "edge_gauges",
    "from_osm",
    "load_network",
]


def load_network(name: str = "baltic", *, year: int | None = None, all_years: bool = False) -> Network:
    """Load an embedded network, as it stands in ``year``.

    Parameters
    ----------
    name
        Embedded network name (``"baltic"``: Warsaw and the Polish ports through
        the Suwałki corridor to Lithuania, Latvia and Estonia).
    year
        Infrastructure year; default the network's ``default_year``. Edges and
        terminals not open that year are left out.
    all_years
        Return every edge with its ``opens``/``closes`` instead of one year.

    Raises
    ------
    NetworkError
        Unknown name, or a year outside the data.
    """
    from mobility.network.edits import at_year

    meta = network_meta(name)
    net = builtin_network(name)
    if all_years:
        return net
    lo, hi = meta["years"]
    y = meta["default_year"] if year is None else year
    if not lo <= y <= hi:
        raise NetworkError(f"year {y} is outside the {name!r} network's data ({lo}-{hi}); choose a year in that range")
    return at_year(net, y)


def from_osm(*args, **kwargs) -> Network:  # noqa: D401 - thin re-export
    """Build a network from OpenStreetMap; see :func:`mobility.network.osm.from_osm`."""
    from mobility.network.osm import from_osm as _from_osm

    return _from_osm(*args, **kwargs)
