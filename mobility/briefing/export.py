"""Exports of a run for GIS and spreadsheet users: a GeoPackage and CSV files.

Both take a :class:`~mobility.simulation.SimulationResult` or a run folder
written by ``mobility run`` (see :mod:`mobility.briefing` for how a folder is
read back, and what network it is drawn on).

GeoPackage layers (EPSG:4326, open in QGIS):

``rail``, ``road``  one row per two-way section, as :func:`mobility.network.io.sections_gdf`
``nodes``           every node, with the waits at the resources placed there
                    (ramps, gauge terminals, border crossings, berths): ``resources``,
                    ``requests``, ``mean_wait_h``, ``max_wait_h``, ``total_wait_h``
                    and ``utilisation`` (of the busiest of them)
``flows``           one row per section (rail and road): ``troops``, ``vehicles`` and
                    ``movers`` that entered it (both directions, summed over ``enter``
                    events), with the waits at its track or road resources
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

import geopandas as gpd
import pandas as pd

from mobility.network.model import CRS, Network

if TYPE_CHECKING:
    from mobility.briefing.runs import RunData
    from mobility.simulation import SimulationResult

Source = Union["SimulationResult", "RunData", str, os.PathLike]
"""What the exports take: a result, a run read back, or a run folder."""

FLOW_COLUMNS = ["section", "mode", "name", "u", "v", "length_km", "troops", "vehicles", "movers",
                "requests", "mean_wait_h", "max_wait_h", "total_wait_h", "utilisation"]
WAIT_COLUMNS = ["resources", "requests", "mean_wait_h", "max_wait_h", "total_wait_h", "utilisation"]
CSV_FILES = ("events.csv", "closure.csv", "units.csv", "bottlenecks.csv", "flows.csv")


def _run(source: Source) -> Any:
    """A result-like object (``events``, ``network``, ``bottlenecks``, ...) from a result or a folder."""
    if isinstance(source, (str, os.PathLike)):
        from mobility.briefing.runs import load_run

        return load_run(source)
    return source


def waits_by_place(bottlenecks: pd.DataFrame | None) -> pd.DataFrame:
    """Waits of the resources at each place (node or section id), one row per place.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``place``: ``resources`` (ids joined by ``; ``), ``requests``,
        ``mean_wait_h`` (over all requests there), ``max_wait_h``, ``total_wait_h``
        and ``utilisation`` (the highest of the resources there).
    """
    if bottlenecks is None or bottlenecks.empty:
        return pd.DataFrame(columns=WAIT_COLUMNS, index=pd.Index([], name="place"))
    b = bottlenecks.copy()
    b["place"] = b["place"].fillna("").astype(str)
    b = b[b["place"] != ""]
    if b.empty:
        return pd.DataFrame(columns=WAIT_COLUMNS, index=pd.Index([], name="place"))
    g = b.groupby("place")
    out = pd.DataFrame({
        "resources": g["resource"].agg(lambda s: "; ".join(sorted(map(str, s)))),
        "requests": g["requests"].sum().astype(int),
        "max_wait_h": g["max_wait_h"].max().astype(float),
        "total_wait_h": g["total_wait_h"].sum().astype(float),
        "utilisation": g["utilisation"].max().astype(float),
    })
    out["mean_wait_h"] = (out["total_wait_h"] / out["requests"].where(out["requests"] > 0)).fillna(0.0)
    return out[WAIT_COLUMNS]


def _with_waits(frame: pd.DataFrame, key: str, waits: pd.DataFrame) -> pd.DataFrame:
    out = frame.join(waits, on=key)
    out["resources"] = out["resources"].fillna("")
    out["requests"] = out["requests"].fillna(0).astype(int)
    for c in ("mean_wait_h", "max_wait_h", "total_wait_h"):
        out[c] = out[c].fillna(0.0).astype(float)
    out["utilisation"] = out["utilisation"].astype(float)
    return out


def section_flows(network: Network, events: pd.DataFrame,
                  bottlenecks: pd.DataFrame | None = None) -> gpd.GeoDataFrame:
    """Troops, vehicles and movers per section, with geometry, for every section of ``network``.

    Parameters
    ----------
    network
        The network the run moved on.
    events
        The event log; ``enter`` events are summed per section (both directions).
    bottlenecks
        Optional bottleneck table: adds the waits of the section's track/road resources.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns :data:`FLOW_COLUMNS` and ``geometry``; sections nobody used have zeros.
    """
    from mobility.network.io import sections_gdf

    parts = []
    for mode in ("rail", "road", "sea"):
        gdf = sections_gdf(network, mode)
        if len(gdf):
            parts.append(gdf.assign(mode=mode).reindex(
                columns=["section", "mode", "name", "u", "v", "length_km", "geometry"]))
    secs = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=CRS)
    enter = events.loc[events["event"] == "enter", ["place", "mover", "troops", "vehicles"]]
    enter = enter.astype({"place": str, "mover": str})
    totals = enter.groupby("place").agg(troops=("troops", "sum"), vehicles=("vehicles", "sum"),
                                        movers=("mover", "nunique"))
    out = secs.join(totals, on="section")
    for c in ("troops", "vehicles", "movers"):
        out[c] = out[c].fillna(0).astype("int64")
    out = _with_waits(out, "section", waits_by_place(bottlenecks)).drop(columns="resources")
    return gpd.GeoDataFrame(out[[*FLOW_COLUMNS, "geometry"]], geometry="geometry", crs=CRS)


def node_waits(network: Network, bottlenecks: pd.DataFrame) -> gpd.GeoDataFrame:
    """Every node (as :func:`mobility.network.io.nodes_gdf`) with the waits at its resources."""
    from mobility.network.io import nodes_gdf

    nodes = nodes_gdf(network)
    out = _with_waits(nodes, "id", waits_by_place(bottlenecks))
    return gpd.GeoDataFrame(out, geometry="geometry", crs=CRS)


def gpkg_layers(source: Source) -> dict[str, gpd.GeoDataFrame]:
    """The layers :func:`export_gpkg` writes: ``rail``, ``road``, ``nodes``, ``flows`` and ``sea`` (the sea legs,
    when the network has any; their flows are in ``flows`` with ``mode`` ``sea``)."""
    from mobility.network.io import sections_gdf

    run = _run(source)
    net = run.network
    layers = {"rail": sections_gdf(net, "rail"), "road": sections_gdf(net, "road"),
              "nodes": node_waits(net, run.bottlenecks),
              "flows": section_flows(net, run.events, run.bottlenecks)}
    if net.sea is not None and net.sea.number_of_edges():
        layers["sea"] = sections_gdf(net, "sea")
    return layers


def export_gpkg(source: Source, path: str | Path) -> Path:
    """Write a run as a GeoPackage (layers ``rail``, ``road``, ``nodes``, ``flows``), atomically.

    Parameters
    ----------
    source
        A :class:`~mobility.simulation.SimulationResult`, a
        :class:`~mobility.briefing.RunData` or a run folder.
    path
        The ``.gpkg`` file to write (replaced whole, or not at all).

    Returns
    -------
    Path
        ``path``.
    """
    from mobility.network.io import write_gpkg

    return write_gpkg(gpkg_layers(source), path)


def _atomic_csv(frame: pd.DataFrame, path: Path) -> Path:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
    os.close(fd)
    try:
        # utf-8 with a BOM: spreadsheet programs then read place names (Gdańsk, Šeštokai) right
        frame.to_csv(tmp, index=False, encoding="utf-8-sig")
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def csv_tables(source: Source) -> dict[str, Callable[[], pd.DataFrame]]:
    """The tables :func:`export_csv` writes, by file name (each built when called)."""
    run = _run(source)

    def events() -> pd.DataFrame:  # categorical columns are written as their text, as they are
        return run.events

    def flows() -> pd.DataFrame:
        return pd.DataFrame(section_flows(run.network, run.events, run.bottlenecks).drop(columns="geometry"))

    return {"events.csv": events, "closure.csv": lambda: run.closure, "units.csv": lambda: run.units,
            "bottlenecks.csv": lambda: run.bottlenecks, "flows.csv": flows}


def export_csv(source: Source, folder: str | Path) -> list[Path]:
    """Write ``events.csv``, ``closure.csv``, ``units.csv``, ``bottlenecks.csv``, ``flows.csv``.

    Parameters
    ----------
    source
        A :class:`~mobility.simulation.SimulationResult`, a
        :class:`~mobility.briefing.RunData` or a run folder.
    folder
        Created if needed; each file is written atomically (UTF-8 with a BOM,
        so spreadsheet programs show accented place names right).

    Returns
    -------
    list of Path
        The files written.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return [_atomic_csv(make(), folder / name) for name, make in csv_tables(source).items()]
