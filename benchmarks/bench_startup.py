"""Start-up of the command line: ``mobility --help`` and ``mobility validate``, each in a fresh interpreter.

Run: ``python benchmarks/bench_startup.py [--repeats 15] [--no-libraries] [--also DIR]``.
Writes ``benchmarks/results/startup.json``.

Each command runs as ``python -m mobility ...`` in a new process from this checkout (``PYTHONPATH`` is
set to it), interleaved with a bare ``python -c pass`` measured in the same rounds: round 1 runs
pass, --help, validate; round 2 the same; ... so load on the machine hits all alike. For each:
the median wall time with min and max, and the median CPU time (user + system of the child; on
a shared machine waiting for a core is not counted there).

With the libraries (the default), the same rounds also time the imports ``validate`` cannot avoid,
added one at a time in fresh interpreters (yaml and pydantic; + numpy; + networkx; + shapely;
+ simpy): what each costs on top of the ones before, so what is left of ``validate``'s time beyond
them is the project's own import and work. A last step adds scipy.sparse.csgraph, which
``validate`` no longer imports (routes on the embedded networks are solved without it).

``--also DIR`` runs ``--help`` and ``validate`` from another checkout too (e.g. an older commit
extracted with ``git archive``), interleaved in the same rounds: before and after under the same load.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from provenance import git_commit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

COMMANDS: dict[str, list[str]] = {
    "python -c pass": ["-c", "pass"],
    "mobility --help": ["-m", "mobility", "--help"],
    "mobility validate scenarios/baseline.yaml": ["-m", "mobility", "validate", "scenarios/baseline.yaml"],
}

#: The libraries validate needs (it reads the scenario, loads the network and plans every unit),
#: each step importing one more than the step before.
LIBRARY_STEPS: dict[str, str] = {
    "import yaml, pydantic": "import yaml, pydantic",
    "+ numpy": "import yaml, pydantic, numpy",
    "+ networkx": "import yaml, pydantic, numpy, networkx",
    "+ shapely": "import yaml, pydantic, numpy, networkx, shapely.geometry",
    "+ simpy": "import yaml, pydantic, numpy, networkx, shapely.geometry, simpy",
    "+ scipy.sparse.csgraph": "import yaml, pydantic, numpy, networkx, shapely.geometry, simpy, scipy.sparse.csgraph",
}


def run_once(args: list[str], root: Path) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one fresh interpreter running ``args`` in checkout ``root``."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, *args], cwd=root, env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def stats(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=15, help="rounds (each runs every command once)")
    ap.add_argument("--no-libraries", action="store_true", help="skip the library import steps")
    ap.add_argument("--also", type=Path, default=None, metavar="DIR",
                    help="another checkout whose --help and validate run in the same rounds")
    opts = ap.parse_args()

    roots = [ROOT] + ([opts.also.resolve()] if opts.also else [])
    for root in roots:
        where = subprocess.run([sys.executable, "-c", "import mobility; print(mobility.__file__)"], cwd=root,
                               env={**os.environ, "PYTHONPATH": str(root)}, capture_output=True, text=True,
                               check=True).stdout.strip()
        assert Path(where).resolve().is_relative_to(root), f"mobility imported from {where}, not {root}"

    jobs: dict[str, tuple[list[str], Path]] = {name: (args, ROOT) for name, args in COMMANDS.items()}
    if opts.also:
        also = opts.also.name  # name the folder after its commit
        jobs |= {f"{name} [{also}]": (args, opts.also.resolve()) for name, args in COMMANDS.items()
                 if name != "python -c pass"}
    if not opts.no_libraries:
        jobs |= {name: (["-c", code], ROOT) for name, code in LIBRARY_STEPS.items()}
    for args, root in jobs.values():  # warm the file cache and the bytecode once, not timed
        run_once(args, root)
    load_before = os.getloadavg()
    wall: dict[str, list[float]] = {n: [] for n in jobs}
    cpu: dict[str, list[float]] = {n: [] for n in jobs}
    for _ in range(opts.repeats):
        for name, (args, root) in jobs.items():
            w, c = run_once(args, root)
            wall[name].append(w)
            cpu[name].append(c)
    load_after = os.getloadavg()

    results: dict[str, Any] = {name: {"wall_s": stats(wall[name]), "cpu_s": stats(cpu[name]),
                                      "runs_wall_s": [round(x, 4) for x in wall[name]]} for name in jobs}
    base = results["python -c pass"]
    for r in results.values():
        r["wall_over_bare_python_s"] = r["wall_s"]["median"] - base["wall_s"]["median"]
        r["cpu_over_bare_python_s"] = r["cpu_s"]["median"] - base["cpu_s"]["median"]
    if not opts.no_libraries:
        prev = base
        for name in LIBRARY_STEPS:
            r = results[name]
            r["cpu_added_s"] = r["cpu_s"]["median"] - prev["cpu_s"]["median"]
            prev = r
    out = {
        "benchmark": "startup",
        "command": "python benchmarks/bench_startup.py " + " ".join(sys.argv[1:]),
        "commit": git_commit(),
        "date_utc": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average_before_after": [round(load_before[0], 2), round(load_after[0], 2)],
        "repeats": opts.repeats,
        "results": results,
    }
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "startup.json").write_text(json.dumps(out, indent=2), encoding="utf-8")

    print(f"commit {out['commit']}, {out['date_utc']}, {opts.repeats} interleaved rounds, "
          f"load average {load_before[0]:.2f} -> {load_after[0]:.2f}")
    print(f"{'':<44}{'wall median (min-max)':>26}{'CPU median (min-max)':>26}{'CPU over bare':>15}")
    for name, r in results.items():
        w, c = r["wall_s"], r["cpu_s"]
        extra = f"  (+{r['cpu_added_s']:.3f} s)" if "cpu_added_s" in r else ""
        print(f"{name:<44}{w['median']:>9.3f} s ({w['min']:.3f}-{w['max']:.3f}){c['median']:>9.3f} s "
              f"({c['min']:.3f}-{c['max']:.3f}){r['cpu_over_bare_python_s']:>13.3f} s{extra}")


if __name__ == "__main__":
    main()
