"""``mobility map`` and ``mobility export``: rebuild outputs from a run folder.

Both read the folder ``mobility run`` wrote (``events.parquet``, ``summary.json``,
the CSV tables and, when present, ``scenario.yaml``) and never run the model again.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from mobility.errors import MobilityError

MAPS_DIR = Path("maps")
"""Where ``mobility map`` writes by default: ``maps/<run folder name>.html`` (see maps/README.md)."""


def default_map_path(run_dir: str | Path) -> Path:
    """``maps/<name of the run folder>.html``, the name made safe for any file system."""
    from mobility.output_folder import slug

    return MAPS_DIR / f"{slug(Path(run_dir).resolve().name) or 'run'}.html"


def check_map_target(out: Path, flag: str) -> None:
    """:class:`MobilityError` unless ``out`` may be (re)written: absent, or a map mobility wrote."""
    from mobility.briefing.maps.base import is_map_file

    if out.suffix.lower() not in (".html", ".htm"):
        raise MobilityError(f"{flag} {out}: the map is one HTML page; use a .html file name")
    if out.is_dir():
        raise MobilityError(f"{flag} {out}: is a folder; give a file name ending in .html")
    if out.exists() and not is_map_file(out):
        raise MobilityError(f"{flag} {out}: the file exists and is not a map mobility wrote, so it is left "
                            "alone; choose another name with --out, or move the file")


def cmd_map(args: argparse.Namespace) -> int:
    """Rebuild a run's map from its folder into ``maps/<run>.html`` (or ``--out FILE``), atomically.

    An existing file is replaced only when it is a map mobility wrote.
    """
    from mobility.briefing.compose import run_map
    from mobility.briefing.maps import save_map
    from mobility.briefing.runs import load_run

    out = Path(args.out) if args.out else default_map_path(args.run_dir)
    flag = "--out" if args.out else "map"
    check_map_target(out, flag)
    run = load_run(args.run_dir)
    check_map_target(out, flag)  # something may have appeared while the run was read
    try:
        save_map(run_map(run, tiles=args.tiles), out)
    except OSError as exc:
        raise MobilityError(f"{flag} {out}: cannot write there ({exc.strerror}); choose another file with --out") from None
    print(f"wrote {out}" + _shown(run, args.run_dir))
    return 0


def _shown(run: Any, run_dir: str) -> str:
    """Words for a replications folder: which replication the output shows."""
    if Path(run.folder).resolve() == Path(run_dir).resolve():
        return ""
    return f" (replications folder: the replication its report shows, seed {run.summary.get('seed')})"


def cmd_export(args: argparse.Namespace) -> int:
    """Write a GeoPackage and/or CSV files from a run folder (default: both, in the folder)."""
    from mobility.briefing.export import export_csv, export_gpkg
    from mobility.briefing.runs import load_run

    run_dir = Path(args.run_dir)
    gpkg = Path(args.gpkg) if args.gpkg else None
    csv = Path(args.csv) if args.csv else None
    if gpkg is None and csv is None:
        gpkg, csv = run_dir / "run.gpkg", run_dir / "csv"
    if gpkg is not None and gpkg.suffix.lower() != ".gpkg":
        raise MobilityError(f"--gpkg {gpkg}: the export is a GeoPackage; use a .gpkg file name")
    if csv is not None and csv.exists() and not csv.is_dir():
        raise MobilityError(f"--csv {csv}: exists and is not a folder; give a folder for the CSV files")
    run = load_run(run_dir)
    if gpkg is not None:
        export_gpkg(run, gpkg)
        sea = ", sea" if run.network.sea is not None else ""
        print(f"wrote {gpkg} (layers rail, road, nodes, flows{sea}){_shown(run, args.run_dir)}")
    if csv is not None:
        files = export_csv(run, csv)
        print(f"wrote {csv}/ ({', '.join(p.name for p in files)})")
    return 0


def add_commands(subparsers: Any) -> None:
    """Add ``map`` and ``export`` to the ``mobility`` command's subparsers."""
    m = subparsers.add_parser("map", help="rebuild a run's briefing map from its folder into maps/ (no re-run)")
    m.add_argument("run_dir", metavar="RUN_DIR", help="folder written by `mobility run`")
    m.add_argument("--out", metavar="FILE",
                   help="map file to write (default maps/<RUN_DIR name>.html); an existing file is replaced "
                        "only if it is a map mobility wrote")
    m.add_argument("--tiles", action="store_true",
                   help="add OpenStreetMap tiles (needs the internet; the default base map is offline)")
    m.set_defaults(func=cmd_map)

    e = subparsers.add_parser("export", help="write a run as a GeoPackage (QGIS) and CSV files (spreadsheets)")
    e.add_argument("run_dir", metavar="RUN_DIR", help="folder written by `mobility run`")
    e.add_argument("--gpkg", metavar="FILE", help="GeoPackage with layers rail, road, nodes, flows")
    e.add_argument("--csv", metavar="DIR", help="folder for events, closure, units, bottlenecks, flows .csv")
    e.set_defaults(func=cmd_export)
