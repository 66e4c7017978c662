"""Command-line glue: ``mobility compare`` and ``mobility run --replications``.

This module never imports :mod:`mobility.cli`; the CLI imports it and calls :func:`add_commands`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mobility.output_folder import atomic_dir, check_target, default_out

if TYPE_CHECKING:
    from mobility.scenario import Scenario

# Every start of `mobility` builds these parsers: the commands import what they run on (pandas,
# the model, Dask) when they run, so `mobility --help` stays light.


def run_replications_cli(scenario: Scenario, args: argparse.Namespace, out: Path) -> int:
    """``mobility run SCENARIO --replications N``: bands, P(met) per tier, files written atomically."""
    from mobility.analysis.experiments.candidates import (
        load_uncertainties,
        threat_line,
        with_threats,
        with_uncertainties,
    )
    from mobility.analysis.experiments.replications import replicate
    from mobility.analysis.experiments.text import format_bands, format_tier_probabilities

    n = int(args.replications)
    if getattr(args, "uncertainties", None):
        scenario = with_uncertainties(scenario, load_uncertainties(args.uncertainties))
    scenario = with_threats(scenario, getattr(args, "threat", None) or ())
    rep = replicate(scenario, n, seed=args.seed, workers=args.workers, scheduler=getattr(args, "scheduler", None),
                    check=bool(getattr(args, "check", False)))
    summary = rep.summary()
    with atomic_dir(out) as tmp:
        rep.runs.to_parquet(tmp / "replications.parquet", index=False)
        rep.bands.to_csv(tmp / "closure_bands.csv", index=False)
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
        if not getattr(args, "no_map", False):
            # one replication (the first seed) briefs in full; the chart and report carry the bands
            from mobility.briefing import report
            from mobility.simulation import simulate

            first = simulate(scenario, seed=int(rep.runs["seed"].iloc[0]))
            report.write_run_outputs(first, tmp, bands=rep.bands, uncertainty=rep.tiers)
            # the replication shown, as a complete run folder: `mobility map` and `export` read it
            from mobility.briefing.runs import write_shown_replication

            write_shown_replication(first, tmp)
    from mobility.requirement import requirement_of

    print(f"{scenario.name}: {n} replications (seeds from SeedSequence({rep.seed}); "
          f"requirement: {requirement_of(scenario).label()})")
    if not scenario.uncertainties and not scenario.threats:
        print("  note: the scenario declares no uncertainties, so every replication is the same run")
    if threat_line(scenario):
        print(f"  {threat_line(scenario)}")
    print("troops closed (percentiles over replications):")
    print(format_bands(rep))
    print("tiers:")
    print(format_tier_probabilities(rep))
    print(f"wrote {out}/")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    """``mobility compare SCENARIO --candidates FILE ...``."""
    import pandas as pd

    from mobility.analysis.experiments.candidates import threat_line, with_threats
    from mobility.analysis.experiments.comparison import compare
    from mobility.analysis.experiments.designs import BASELINE
    from mobility.analysis.experiments.text import format_contributions, format_ranking
    from mobility.scenario import load_scenario

    sc = with_threats(load_scenario(args.scenario), args.threat or ())
    out = Path(args.out) if args.out else default_out(sc.name, args.scenario, suffix="-compare")
    check_target(out)  # refuse a folder that is not an earlier run before any work
    journal = partial_journal(out)
    try:
        cmp = compare(sc, args.candidates, replications=args.replications, max_combination=args.max_combination,
                      workers=args.workers, scheduler=args.scheduler, seed=args.seed, extremes=not args.no_extremes,
                      ready_by=args.ready_by, threat_free=args.threat_free, journal=journal)
    except (KeyboardInterrupt, RuntimeError):
        _say_kept(journal)
        raise
    ranked = pd.concat([cmp.arms[cmp.arms["arm"] == BASELINE], cmp.ranking], ignore_index=True)
    with atomic_dir(out) as tmp:
        shutil.copyfile(journal, tmp / "runs.jsonl")  # every run as it came back; the tables are built from it
        ranked.to_parquet(tmp / "comparison.parquet", index=False)
        ranked.to_csv(tmp / "comparison.csv", index=False)
        cmp.contributions.to_csv(tmp / "contributions.csv", index=False)
        cmp.runs.to_parquet(tmp / "runs.parquet", index=False)
        (tmp / "summary.json").write_text(json.dumps(cmp.summary(), indent=2), encoding="utf-8")
        _write_page(tmp, comparison=cmp)
    n_arms = len(cmp.arms)
    print(f"{sc.name}: {len(cmp.candidates.candidates)} candidates, {n_arms} arms x {len(cmp.seeds)} replications "
          f"(common random numbers, seeds from SeedSequence({cmp.seed}))")
    if threat_line(cmp.scenario):
        print(f"  {threat_line(cmp.scenario)}" + ("; every arm also ran without it" if cmp.arms_threat_free
                                                   is not None else ""))
    print(f"ranked by troops gained at D+{cmp.days[-1]} (paired with the baseline, 90 % CI):")
    print(format_ranking(cmp))
    print("contributions (troops gained):")
    print(format_contributions(cmp))
    for note in cmp.notes:
        print(f"  note: {note}")
    print(f"wrote {out}/")
    journal.unlink(missing_ok=True)  # it is in the folder now, as runs.jsonl
    return 0


def partial_journal(out: Path) -> Path:
    """Where a sweep into ``out`` appends its runs until it is done: ``<out>.partial.jsonl`` beside it."""
    return out.with_name(f"{out.name}.partial.jsonl")


def _say_kept(journal: Path) -> None:
    """One line on stderr saying how many finished runs an unfinished sweep left in its journal."""
    import sys

    from mobility.analysis.experiments.journal import finished_runs

    n = finished_runs(journal)
    if n:
        print(f"mobility: compare: {n} finished run(s) kept in {journal}; the same command resumes from them",
              file=sys.stderr)


def cmd_explore(args: argparse.Namespace) -> int:
    """``mobility explore SCENARIO --design lhs -n 32 [--vary KEY=LOW:HIGH ...]``."""
    from mobility.analysis.experiments.candidates import threat_line, with_threats
    from mobility.analysis.experiments.exploration import (
        explore,
        format_points,
        format_sobol,
        parameters_of,
        parse_ranges,
    )
    from mobility.scenario import load_scenario

    sc = with_threats(load_scenario(args.scenario), args.threat or ())
    out = Path(args.out) if args.out else default_out(sc.name, args.scenario, suffix=f"-explore-{args.design}")
    check_target(out)
    given = parse_ranges(args.vary or [])
    mine = {p.key for p in given}
    params = [*given, *([p for p in parameters_of(sc) if p.key not in mine] if not args.only_vary else [])]
    exp = explore(sc, design=args.design, n=args.n, parameters=params, seed=args.seed, workers=args.workers,
                  scheduler=args.scheduler)
    with atomic_dir(out) as tmp:
        exp.runs.to_parquet(tmp / "runs.parquet", index=False)
        exp.runs.to_csv(tmp / "runs.csv", index=False)
        if exp.sobol is not None:
            exp.sobol.to_csv(tmp / "sobol.csv", index=False)
        (tmp / "summary.json").write_text(json.dumps(exp.summary(), indent=2), encoding="utf-8")
        _write_page(tmp, exploration=exp)
    print(f"{sc.name}: {args.design} design, {len(exp.runs)} points over {len(exp.parameters)} parameters "
          f"({', '.join(p.key for p in exp.parameters)}); every point runs seed {exp.run_seed} "
          "(common random numbers)")
    if threat_line(sc):
        print(f"  {threat_line(sc)}")
    print(format_points(exp))
    if exp.sobol is not None:
        print(format_sobol(exp))
    print(f"wrote {out}/")
    return 0


def _seed(text: str) -> int:
    """``--seed``, checked as the scenario's seed is (imported when an argument is parsed)."""
    from mobility.scenario import seed_arg

    return seed_arg(text)


def _write_page(folder: Path, **kwargs: Any) -> None:
    """``comparison.html`` beside the tables, when the page module is present."""
    try:
        from mobility.analysis.experiments.page import write_page
    except ImportError:
        return
    write_page(folder / "comparison.html", **kwargs)


def _extend_run(sub: Any) -> None:
    """Give ``mobility run`` the replication options it lacks: --scheduler, --uncertainties."""
    run = getattr(sub, "choices", {}).get("run")
    if run is None:
        return
    with contextlib.suppress(argparse.ArgumentError):
        run.add_argument("--scheduler", default=None,
                         help="with --replications: address of a running Dask scheduler (instead of --workers)")
    with contextlib.suppress(argparse.ArgumentError):
        run.add_argument("--uncertainties", default=None, metavar="FILE",
                         help="with --replications: add the uncertainties: list of FILE (e.g. "
                              "scenarios/candidates.yaml) to the scenario's")
    with contextlib.suppress(argparse.ArgumentError):
        run.add_argument("--set", action="append", default=None, metavar="KEY=VALUE",
                         help="run at a given value of a factor or uncertainty (e.g. section_delay_hours=0.5) or "
                              "a lever (resources.wagons_1435=900, terminals.sestokai.transload=3); repeatable")
    with contextlib.suppress(argparse.ArgumentError):
        run.add_argument("--threat", action="append", default=None, metavar="FILE",
                         help="with --replications: add a threat preset (scenarios/threats/*.yaml); repeatable")


def add_commands(sub: Any) -> None:
    """Add ``mobility compare`` to the CLI (and ``--scheduler``, ``--uncertainties`` to ``mobility run``)."""
    p = sub.add_parser("compare", help="compare candidate investments alone and combined (Dask, common random "
                                       "numbers) and write comparison.csv / comparison.parquet")
    p.add_argument("scenario")
    p.add_argument("--candidates", required=True, help="candidates YAML file (see scenarios/candidates.yaml)")
    p.add_argument("--replications", type=int, default=20, help="replications per arm (default 20)")
    p.add_argument("--max-combination", type=int, default=2, help="largest combination run in full (default 2)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=None, help="local Dask worker processes (default 2)")
    where.add_argument("--scheduler", default=None, help="address of a running Dask scheduler")
    p.add_argument("--out", help="output folder (default runs/<scenario name>-compare)")
    p.add_argument("--seed", type=_seed, default=None, help="root seed of the replications (default: the scenario's)")
    p.add_argument("--ready-by", type=int, default=None, help="leave out candidates not ready by this year")
    p.add_argument("--no-extremes", action="store_true",
                   help="do not add the all-in and leave-one-out arms beyond --max-combination")
    p.add_argument("--threat", action="append", default=None, metavar="FILE",
                   help="add a threat preset (scenarios/threats/*.yaml) to the scenario's; repeatable")
    p.add_argument("--threat-free", action=argparse.BooleanOptionalAction, default=None,
                   help="also run every arm without the threat, for P(met) with and without it "
                        "(default: on when the scenario has threats)")
    p.set_defaults(func=cmd_compare)
    _extend_run(sub)

    e = sub.add_parser("explore", help="run a Monte Carlo, Latin hypercube or Sobol design over uncertainties "
                                       "and levers (SALib); write runs.parquet and Sobol indices")
    e.add_argument("scenario")
    e.add_argument("--design", choices=("mc", "lhs", "sobol"), default="lhs", help="design (default lhs)")
    e.add_argument("-n", type=int, default=32, help="points (sobol: base samples, n*(k+2) runs; default 32)")
    e.add_argument("--vary", action="append", default=None, metavar="KEY=LOW:HIGH",
                   help="explore KEY (a factor, resources.<field>, terminals.<node>.<method>, ...) over a range; "
                        "repeatable; the scenario's uncertainties are explored too unless --only-vary")
    e.add_argument("--only-vary", action="store_true", help="explore only the --vary keys")
    e.add_argument("--threat", action="append", default=None, metavar="FILE", help="add a threat preset")
    where = e.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=None, help="local Dask worker processes (default 2)")
    where.add_argument("--scheduler", default=None, help="address of a running Dask scheduler")
    e.add_argument("--out", help="output folder (default runs/<scenario name>-explore-<design>)")
    e.add_argument("--seed", type=int, default=None, help="root seed (default: the scenario's)")
    e.set_defaults(func=cmd_explore)
