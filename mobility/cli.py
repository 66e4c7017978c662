"""The ``mobility`` command: run, validate, network, map, export, compare.

Errors a user can cause print one line on stderr and exit with code 2; output
folders and files appear whole or not at all.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from mobility.errors import InvariantError, MobilityError
from mobility.limits import WHAT_IF_DEFAULT
from mobility.output_folder import atomic_dir, check_target, default_out

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, as argparse does, without the usage block
        self.exit(EXIT_USAGE, f"mobility: error: {message} (see `{self.prog} --help`)\n")


@contextlib.contextmanager
def progress_bar(label: str) -> Iterator[Callable[[float], None]]:
    """A rich progress bar on stderr when it is a terminal; silent otherwise."""
    if not sys.stderr.isatty():
        yield lambda _f: None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn(label), BarColumn(), TextColumn("{task.percentage:>3.0f}%"), TimeRemainingColumn(),
                  transient=True, console=__import__("rich.console").console.Console(stderr=True)) as prog:
        task = prog.add_task(label, total=1.0)
        yield lambda f: prog.update(task, completed=f)


def _fmt_lines(lines) -> str:  # noqa: ANN001
    """Troops and vehicles closed through each line of communication, one line each."""
    total = max(int(lines["troops"].sum()), 1) if len(lines) else 1
    out = ["lines of communication (closed through each):"]
    for r in lines.to_dict("records"):
        out.append(f"  {r['name']:<42} {r['troops']:>9,} troops ({r['troops'] / total:4.0%}) {r['vehicles']:>7,} vehicles")
    return "\n".join(out if len(out) > 1 else out + ["  none closed"])


def _fmt_tiers(tiers) -> str:  # noqa: ANN001
    lines = [f"  {'tier':<8}{'required':>10}{'closed':>10}  met"]
    for r in tiers.to_dict("records"):
        met = f"D+{int(r['met_day'])}" if r["met_day"] == r["met_day"] else "not met"
        status = "met" if r["met_day"] == r["met_day"] and r["met_day"] <= r["day"] else (
            f"late ({met})" if r["met_day"] == r["met_day"] else f"short by {int(r['shortfall']):,}")
        lines.append(f"  D+{int(r['day']):<6}{int(r['required']):>10,}{int(r['closed']):>10,}  {status}")
    return "\n".join(lines)


def _fmt_bottlenecks(bn, n: int = 5) -> str:  # noqa: ANN001
    lines = [f"  {'resource':<46}{'util':>6}{'waits':>7}{'mean h':>8}{'worst h':>9}"]
    for r in bn.head(n).to_dict("records"):
        util = f"{r['utilisation']:.0%}" if r["utilisation"] == r["utilisation"] else "-"
        lines.append(f"  {r['resource'][:45]:<46}{util:>6}{r['requests']:>7}"
                     f"{r['mean_wait_h']:>8.1f}{r['max_wait_h']:>9.1f}")
    return "\n".join(lines)


def _fmt_true_bottlenecks(waits, whatif, top: int, seconds: float) -> str:  # noqa: ANN001
    """The bottleneck table a planner can trust: what doubling each of the longest waits buys."""
    from mobility.analysis.bottlenecks import true_bottlenecks

    table = true_bottlenecks(waits, whatif)
    lines = [f"bottlenecks: what doubling each of the {top} longest waits buys (the model rerun, same seed, "
             f"{seconds:.0f} s):"]
    if table.empty:
        lines.append("  none: doubling any of them moves no tier day earlier")
    else:
        lines.append(f"  {'resource':<40}{'waits':>6}{'mean h':>8}{'idle h':>8}  {'doubled':<26}{'tiers met':<22}buys")
        for r in table.to_dict("records"):
            lines.append(f"  {r['resource'][:39]:<40}{r['requests']:>6}{r['mean_wait_h']:>8.1f}{r['idle_held_h']:>8.1f}"
                         f"  {r['change'][:25]:<26}{r['met_days']:<22}{r['days_earlier']:+d} tier days, "
                         f"{r['gain_troops']:+,} troops by tier days")
            lines.append("    reproduce: " + " ".join(f"--set {kv}" for kv in r["point"].split()))
    rest = whatif[~whatif["buys"]]
    if len(rest):
        lines.append("  waited on, but doubling buys nothing (not bottlenecks): " + "; ".join(
            f"{r.resource} ({r.change}: {r.met_days}{', later' if r.later else ''})" for r in rest.itertuples()))
    lines.append("  (`--whatif N` tries the N longest waits, `--whatif 0` skips; idle h: held idle waiting "
                 "for stock, apart from the waits)")
    return "\n".join(lines)


def _fmt_units(units, n: int = 5) -> str:  # noqa: ANN001
    lines = [f"  {'unit':<16}{'ready':>7}{'closed':>8}{'delay d':>9}  main wait"]
    late = units.sort_values(["delay_days", "unit"], ascending=[False, True], na_position="first").head(n)
    for r in late.to_dict("records"):
        closed = f"D+{r['closed_day']:.1f}" if r["closed_day"] == r["closed_day"] else "open"
        wait = f"{r['main_wait']} ({r['main_wait_days']:.1f} d)" if r["main_wait"] else "-"
        lines.append(f"  {r['unit'][:15]:<16}{'D+' + format(r['ready_day'], '.0f'):>7}{closed:>8}"
                     f"{r['delay_days']:>9.1f}  {wait}")
    return "\n".join(lines)


def cmd_validate(args: argparse.Namespace) -> int:
    from mobility.scenario import load_scenario
    from mobility.simulation import preflight

    sc = load_scenario(args.scenario)
    _warn(sc)
    preflight(sc, max_movers=args.max_movers)
    print(f"{args.scenario}: valid ({len(sc.forces)} force lines, {sc.total_troops():,} troops, "
          f"network {sc.network} {sc.year})")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from mobility.scenario import load_scenario
    from mobility.simulation import simulate

    sc = load_scenario(args.scenario)
    if getattr(args, "set", None):  # a run at given values of factors, uncertainties and levers
        from mobility.analysis.experiments.points import at_point, parse_assignments

        sc = at_point(sc, parse_assignments(args.set))
    out = Path(args.out) if args.out else default_out(sc.name, args.scenario)
    check_target(out)  # refuse a folder that is not an earlier run before any work
    _warn(sc)
    if getattr(args, "replications", 1) and args.replications > 1:
        from mobility.analysis.experiments.commands import run_replications_cli

        return run_replications_cli(sc, args, out)
    with progress_bar(f"simulating {sc.name}") as tick:
        result = simulate(sc, seed=args.seed, progress=tick, check=args.check, max_movers=args.max_movers,
                          max_events=args.max_events)
    summary = result.summary()
    whatif = None
    if args.whatif:
        import time

        from mobility.analysis.bottlenecks import true_bottlenecks, what_if, with_what_if

        started = time.perf_counter()
        # progress on a terminal only, as the progress bar (stderr stays one line when interrupted)
        tell = (lambda line: print(line, file=sys.stderr, flush=True)) if sys.stderr.isatty() else None
        whatif = what_if(result, top=args.whatif, progress=tell)
        whatif_s = time.perf_counter() - started
        # the bottleneck table names only resources whose doubling buys closure, ranked by what it buys
        from mobility.simulation import _plain

        summary["bottlenecks"] = [{k: _plain(v) for k, v in r.items()}
                                  for r in true_bottlenecks(result.bottlenecks, whatif).to_dict("records")]
        summary["bottlenecks_ranked_by"] = (f"what doubling each of the {args.whatif} longest waits buys, "
                                            "measured by the model (same seed); only those that buy are named")
        summary["what_if_doubled"] = [{k: _plain(v) for k, v in r.items()} for r in whatif.to_dict("records")]
        waits = result.bottlenecks
        # every output (bottlenecks.csv, report, map) says of each wait tried whether doubling it buys closure
        result.bottlenecks = with_what_if(waits, whatif)
    else:
        summary["bottlenecks_ranked_by"] = ("total wait only (what-if skipped: --whatif 0); a resource here may "
                                            "buy nothing when doubled")
    with atomic_dir(out) as tmp:
        result.events.to_parquet(tmp / "events.parquet", index=False)
        result.closure.to_csv(tmp / "closure.csv", index=False)
        result.units.to_csv(tmp / "units.csv", index=False)
        result.bottlenecks.to_csv(tmp / "bottlenecks.csv", index=False)
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
        if not args.no_map:
            _write_outputs(result, tmp)
    print(f"{sc.name}: {summary['troops_closed']:,} of {summary['troops_total']:,} troops closed, "
          f"{summary['troops_combat_ready']:,} combat-ready (seed {result.seed})")
    for line in result.held:
        print(f"  note: {line}")
    from mobility.requirement import format_tiers

    print(format_tiers(result.tiers, result.requirement))
    print(_fmt_lines(result.lines_of_communication))
    from mobility.analysis.disruptions import closure_lines

    closures = closure_lines(result.events, result.network)
    if closures:
        print("closed by disruptions and attacks:")
        print("\n".join(closures))
    if result.assumptions:
        print("assumed where the data gives no figure:")
        print("\n".join(f"  {a}" for a in result.assumptions))
    if whatif is None:
        print("bottlenecks by total wait (what-if skipped: --whatif 0; a resource here may buy nothing "
              "when doubled):")
        print(_fmt_bottlenecks(result.bottlenecks))
    else:
        print(_fmt_true_bottlenecks(waits, whatif, args.whatif, whatif_s))
    print("latest units (delay over an unqueued transit; the longest wait of the mover that closed them):")
    print(_fmt_units(result.units))
    if args.check:
        print("checks: capacity never exceeded; troops conserved")
    print(f"wrote {out}/")
    return 0


def _write_outputs(result, folder: Path) -> None:  # noqa: ANN001
    """Map, charts and report, when those modules are present."""
    try:
        from mobility.briefing import report
    except ImportError:
        return
    report.write_run_outputs(result, folder)


def cmd_network(args: argparse.Namespace) -> int:
    from mobility.network import from_osm, load_network
    from mobility.network.io import describe, network_gpkg

    if args.osm:
        net = from_osm(args.osm)
        every = None
    else:
        net = load_network(args.name, year=args.year)
        every = load_network(args.name, all_years=True)
    listing = args.nodes or args.sections
    if args.describe or not (args.out or listing):
        print(describe(net, all_years=every))
    if listing:
        from mobility.network.ids import format_table, node_table, section_table

        when = f" in {net.year}" if net.year is not None else ""
        if args.nodes:
            nodes = node_table(net)
            print(f"{len(nodes)} nodes of the {net.name} network{when} (ids for origin, destination, node, terminal):")
            print(format_table(nodes))
        if args.sections:
            secs = section_table(net)
            print(f"{len(secs)} sections of the {net.name} network{when} (ids for infrastructure.sections, "
                  "disruptions, threats):")
            print(format_table(secs))
    if args.out:
        if not str(args.out).endswith(".gpkg"):
            raise MobilityError(f"--out {args.out}: the network is written as a GeoPackage; use a .gpkg file name")
        network_gpkg(net, args.out)
        print(f"wrote {args.out} (layers rail, road, nodes" + (", sea)" if net.sea is not None else ")"))
    return 0


def _seed(text: str) -> int:
    from mobility.scenario import seed_arg

    return seed_arg(text)


def _warn(sc) -> None:  # noqa: ANN001
    from mobility.scenario import scenario_warnings

    for line in scenario_warnings(sc):
        print(f"mobility: warning: {line}", file=sys.stderr)


def _count(text: str, *, least: int, meaning: str) -> int:
    """A whole number of at least ``least`` from the command line; ``meaning`` says what the least means."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if n < least:
        raise argparse.ArgumentTypeError(f"{n} must be {least}{meaning} or more")
    return n


def _positive(text: str) -> int:
    return _count(text, least=1, meaning="")


def _whatif_count(text: str) -> int:
    return _count(text, least=0, meaning=" (skip the what-if)")


def _limits(p: argparse.ArgumentParser, *, events: bool = True) -> None:
    from mobility.limits import MAX_EVENTS, MAX_MOVERS

    p.add_argument("--max-movers", type=_positive, default=MAX_MOVERS, metavar="N",
                   help=f"stop before a run that needs more than N trains and march units (default {MAX_MOVERS:,})")
    if events:
        p.add_argument("--max-events", type=_positive, default=MAX_EVENTS, metavar="N",
                       help=f"stop a run that logs more than N events (default {MAX_EVENTS:,})")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="mobility", description="Military mobility through the Suwałki corridor: simulate, map, compare.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    r = sub.add_parser("run", help="run a scenario and write events.parquet, closure.csv, summary.json")
    r.add_argument("scenario")
    r.add_argument("--out", help="output folder (default runs/<scenario name>)")
    r.add_argument("--seed", type=_seed, default=None, help="seed (default: the scenario's)")
    r.add_argument("--check", action="store_true", help="check invariants: capacity and troop conservation")
    r.add_argument("--replications", type=_positive, default=1, help="run N replications and report bands")
    r.add_argument("--workers", type=int, default=None, help="local Dask workers for replications")
    r.add_argument("--no-map", action="store_true", help="skip the map, charts and report")
    r.add_argument("--whatif", type=_whatif_count, default=WHAT_IF_DEFAULT, metavar="N",
                   help=f"rerun with each of the N longest-waited resources doubled (default {WHAT_IF_DEFAULT}) and "
                        "name as bottlenecks only those whose doubling moves a tier day earlier; 0 skips it "
                        "(the table is then by total wait, and says so)")
    _limits(r)
    r.set_defaults(func=cmd_run)

    v = sub.add_parser("validate", help="check a scenario file without running it")
    v.add_argument("scenario")
    _limits(v, events=False)
    v.set_defaults(func=cmd_validate)

    n = sub.add_parser("network", help="describe the network or write it as a GeoPackage")
    n.add_argument("--name", default="baltic", help="embedded network (default baltic)")
    n.add_argument("--year", type=int, default=None, help="infrastructure year (default: the network's)")
    n.add_argument("--osm", help="build from a local OpenStreetMap file (.osm, .osm.bz2, .osm.pbf)")
    n.add_argument("--out", help="write a GeoPackage with layers rail, road, nodes (and sea)")
    n.add_argument("--describe", action="store_true", help="print km by gauge and class, terminals, crossings")
    n.add_argument("--nodes", action="store_true", help="list every node id with its name, kind and terminals")
    n.add_argument("--sections", action="store_true",
                   help="list every section id in service in --year with its kind, name, ends and km")
    n.set_defaults(func=cmd_network)

    for extra in ("mobility.briefing.cli", "mobility.analysis.experiments.commands"):
        try:
            mod = __import__(extra, fromlist=["add_commands"])
        except ImportError:
            continue
        mod.add_commands(sub)
    return p


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM arrived; carries the signal number."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


_RECEIVED: list[int] = []  # signals received by this process (signal handling is process-wide by nature)


def _stop(signum: int, _frame: object) -> None:
    _RECEIVED.append(signum)
    raise Interrupted(signum)


def install_signal_handlers() -> None:
    """SIGINT and SIGTERM both stop a command the same way: no output written, exit 128 + signal."""
    with contextlib.suppress(ValueError):  # not the main thread (e.g. an embedding application)
        for s in (signal.SIGINT, signal.SIGTERM):
            signal.signal(s, _stop)


def interrupted_exit(exc: KeyboardInterrupt) -> int:
    """Print the one line of an interrupted command and return its exit code."""
    with contextlib.suppress(ValueError):
        for s in (signal.SIGINT, signal.SIGTERM):
            signal.signal(s, signal.SIG_IGN)  # a second Ctrl-C must not turn the exit into a traceback
    signum = getattr(exc, "signum", signal.SIGINT)
    print(f"mobility: interrupted ({signal.Signals(signum).name}); no output written", file=sys.stderr)
    return 128 + int(signum)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mobility`` console script."""
    _RECEIVED.clear()
    install_signal_handlers()
    try:
        args = build_parser().parse_args(argv)
        return int(args.func(args) or 0)
    except InvariantError as exc:
        print(f"mobility: invariant broken: {exc}", file=sys.stderr)
        return 1
    except MobilityError as exc:
        for line in str(exc).splitlines() or [type(exc).__name__]:  # one line per problem
            print(f"mobility: {line}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt as exc:
        return interrupted_exit(exc)
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0
    except Exception:
        if _RECEIVED:  # a library turned the interrupt into its own error (e.g. pandas' ImportError)
            return interrupted_exit(Interrupted(_RECEIVED[-1]))
        raise


if __name__ == "__main__":
    sys.exit(main())
