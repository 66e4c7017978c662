"""A run read back from its folder.

:func:`load_run` reads a run folder written by ``mobility run`` so that the map
and the exports can be rebuilt without running again
(:func:`mobility.briefing.compose.run_map`).

A run folder holds ``events.parquet``, ``summary.json``, ``closure.csv``,
``units.csv``, ``bottlenecks.csv`` and, when the map and report were written,
``scenario.yaml`` (the scenario exactly as run). With ``scenario.yaml`` the
network is rebuilt with the scenario's infrastructure overrides; without it
(runs made with ``--no-map``) it is the embedded network of the run's year
as it stands now, without those overrides.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from mobility.errors import MobilityError
from mobility.network.model import Network
from mobility.scenario import Scenario

RUN_FILES = ("events.parquet", "summary.json")


@dataclass
class RunData:
    """A run read back from its folder: what the map and the exports need.

    Attributes mirror :class:`~mobility.simulation.SimulationResult` where they
    exist there (``events``, ``closure``, ``units``, ``bottlenecks``, ``tiers``,
    ``network``, ``scenario``); ``scenario`` is ``None`` when the folder has no
    ``scenario.yaml``.
    """

    folder: Path
    summary: dict[str, Any]
    events: pd.DataFrame
    closure: pd.DataFrame
    units: pd.DataFrame
    bottlenecks: pd.DataFrame
    tiers: pd.DataFrame
    network: Network
    scenario: Scenario | None

    @property
    def name(self) -> str:
        """Scenario name."""
        return str(self.summary.get("scenario", self.folder.name))

    @property
    def year(self) -> int | None:
        """Infrastructure year of the run."""
        y = self.summary.get("year")
        return int(y) if y is not None else None


def _missing(folder: Path, what: str) -> MobilityError:
    return MobilityError(f"{folder}: {what}; run `mobility run SCENARIO --out {folder}` first")


#: in a replications folder (``mobility run --replications N``), the replication its map and report show
SHOWN_REPLICATION = "shown-replication"


def check_run_dir(folder: str | Path) -> Path:
    """The folder as a Path if it holds a run; else :class:`MobilityError` naming the fix.

    A replications folder stands for the replication its map and report show (its
    ``shown-replication/`` subfolder, a complete run folder).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise _missing(folder, "no such run folder")
    if (folder / "replications.parquet").is_file() and not (folder / "events.parquet").is_file():
        shown = folder / SHOWN_REPLICATION
        if (shown / "events.parquet").is_file():
            return check_run_dir(shown)
        raise MobilityError(f"{folder}: a replications folder written with --no-map keeps no replication's event "
                            "log; run the scenario again without --no-map (its shown-replication/ is what map "
                            "and export read), or run one replication with --seed")
    for name in RUN_FILES:
        if not (folder / name).is_file():
            raise _missing(folder, f"not a run folder (no {name})")
    return folder


def _run_network(folder: Path, summary: dict[str, Any]) -> tuple[Network, Scenario | None]:
    from mobility.infrastructure import scenario_network
    from mobility.network import load_network
    from mobility.scenario import load_scenario

    sc_file = folder / "scenario.yaml"
    if sc_file.is_file():
        sc = load_scenario(sc_file)
        return scenario_network(sc), sc
    try:
        return load_network(summary.get("network", "baltic"), year=summary.get("year")), None
    except MobilityError as exc:
        raise MobilityError(f"{folder / 'summary.json'}: network {summary.get('network')!r}, year "
                            f"{summary.get('year')!r}: {str(exc).splitlines()[0]}") from None


def load_run(folder: str | Path) -> RunData:
    """Read a run folder written by ``mobility run``.

    Parameters
    ----------
    folder
        The run's output folder.

    Returns
    -------
    RunData

    Raises
    ------
    MobilityError
        The folder or one of its files is missing or unreadable (one line
        naming the path and the fix), or the event log names sections the
        network no longer has (the network data changed since the run).
    """
    from mobility.runfolder import read_events, read_summary, read_table

    folder = check_run_dir(folder)
    summary = read_summary(folder)
    events = read_events(folder)
    bottlenecks = read_table(folder, "bottlenecks.csv")
    for col in ("place", "buys", "doubled"):  # text columns; buys/doubled only where the run tried its what-if
        if col in bottlenecks.columns:
            bottlenecks[col] = bottlenecks[col].fillna("").astype(str)
    tiers = pd.DataFrame(summary.get("tiers") or [], columns=["day", "required", "closed", "met_day", "shortfall"])
    tiers["met_day"] = pd.to_numeric(tiers["met_day"], errors="coerce")
    network, scenario = _run_network(folder, summary)
    run = RunData(folder=folder, summary=summary, events=events, closure=read_table(folder, "closure.csv"),
                  units=read_table(folder, "units.csv"), bottlenecks=bottlenecks, tiers=tiers,
                  network=network, scenario=scenario)
    check_sections(run.events, run.network, where=str(folder))
    return run


def check_sections(events: pd.DataFrame, network: Network, *, where: str) -> None:
    """:class:`MobilityError` if ``enter`` events name sections ``network`` does not have."""
    from mobility.network.io import sections_gdf

    known: set[str] = set()
    for mode in ("rail", "road", "sea"):
        gdf = sections_gdf(network, mode)
        if len(gdf):
            known |= set(gdf["section"].astype(str))
    used = set(events.loc[events["event"] == "enter", "place"].astype(str))
    unknown = sorted(used - known)
    if unknown:
        raise MobilityError(f"{where}: the events use {len(unknown)} section(s) the {network.name} network of "
                            f"{network.year} does not have (e.g. {unknown[0]}): the network data changed since "
                            "the run; run the scenario again")


def scenario_yaml(scenario: Scenario) -> str:
    """The scenario as YAML that :func:`mobility.load_scenario` reads back to an equal scenario."""
    import yaml

    data = scenario.model_dump(mode="json")
    head = (f"# The scenario exactly as run (from {scenario.source_file}); written by mobility.\n"
            if scenario.source_file else "# The scenario exactly as run; written by mobility.\n")
    return head + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)



def write_shown_replication(result: Any, folder: str | Path) -> Path:
    """Write the replication a replications folder's map and report show into ``folder/shown-replication/``:
    ``events.parquet``, ``closure.csv``, ``units.csv``, ``bottlenecks.csv``, ``summary.json`` and
    ``scenario.yaml``, so that ``mobility map`` and ``mobility export`` rebuild from it."""
    out = Path(folder) / SHOWN_REPLICATION
    out.mkdir(parents=True, exist_ok=True)
    result.events.to_parquet(out / "events.parquet", index=False)
    result.closure.to_csv(out / "closure.csv", index=False)
    result.units.to_csv(out / "units.csv", index=False)
    result.bottlenecks.to_csv(out / "bottlenecks.csv", index=False)
    (out / "summary.json").write_text(json.dumps(result.summary(), indent=2), encoding="utf-8")
    (out / "scenario.yaml").write_text(scenario_yaml(result.scenario), encoding="utf-8")
    return out
