"""A comparison on a real Dask cluster: a scheduler and two workers as separate processes.

``mobility compare --scheduler tcp://HOST:PORT`` must give the same results as a
local run: the replication seeds come from one ``SeedSequence`` and every
arm shares them, so where a run executes cannot change what it computes.
The cluster here is what ``dask scheduler`` / ``dask worker`` start on a real
machine (no in-process ``LocalCluster``), bound to the loopback address.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import yaml

from mobility.cli import main

ROOT = Path(__file__).resolve().parents[1]
DASK = Path(sys.executable).with_name("dask")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stop(procs: list[subprocess.Popen]) -> None:
    for p in reversed(procs):
        if p.poll() is None:
            p.terminate()
    for p in reversed(procs):
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=10)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Address of a running scheduler with two single-threaded worker processes."""
    if not DASK.exists() and shutil.which("dask") is None:
        pytest.fail("the `dask` command is missing: install the project (pip install -e .)")
    exe = str(DASK if DASK.exists() else shutil.which("dask"))
    logs = tmp_path_factory.mktemp("cluster")
    address = f"tcp://127.0.0.1:{_free_port()}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # the workers import this checkout's package
    procs: list[subprocess.Popen] = []

    def start(name: str, *args: str) -> None:
        log = (logs / f"{name}.log").open("w")
        procs.append(subprocess.Popen([exe, *args], stdout=log, stderr=subprocess.STDOUT, env=env,
                                      stdin=subprocess.DEVNULL, cwd=logs))

    host, port = address.removeprefix("tcp://").split(":")
    # --no-dashboard alone still serves HTTP on :8787: an ephemeral loopback port instead
    start("scheduler", "scheduler", "--host", host, "--port", port, "--no-dashboard",
          "--dashboard-address", "127.0.0.1:0")
    for i in range(2):
        start(f"worker{i}", "worker", address, "--nthreads", "1", "--nworkers", "1", "--no-dashboard",
              "--host", "127.0.0.1", "--name", f"w{i}")
    try:
        from distributed import Client

        deadline = time.monotonic() + 90
        while True:
            try:
                with Client(address, timeout="5s") as client:
                    client.wait_for_workers(2, timeout=60)
                    assert len(client.scheduler_info()["workers"]) == 2
                break
            except (OSError, TimeoutError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)
        yield address
    finally:
        _stop(procs)


def _inputs(tmp_path: Path) -> tuple[Path, Path]:
    """A small scenario (the baseline's first force lines over 20 days) and two candidates."""
    data = yaml.safe_load((ROOT / "scenarios" / "baseline.yaml").read_text(encoding="utf-8"))
    data |= {"name": "cluster-small", "horizon_days": 20, "forces": data["forces"][:2]}
    scenario = tmp_path / "small.yaml"
    scenario.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    candidates = {
        "description": "two levers for the cluster test",
        "uncertainties": [{"factor": "load_hours_per_wagon", "distribution": "triangular", "low": 0.8,
                           "mode": 1.0, "high": 1.6, "scale": "multiply"}],
        "candidates": [
            {"id": "more-wagons", "name": "more 1435 mm wagons", "cost_eur": 1e8, "ready_year": 2027,
             "source": "test", "resources": {"wagons_1435": 1200}},
            {"id": "fast-clearance", "name": "6 h clearance", "cost_eur": 1e6, "ready_year": 2026,
             "source": "test", "policies": {"clearance": "custom", "clearance_hours": 6}},
        ],
    }
    cfile = tmp_path / "candidates.yaml"
    cfile.write_text(yaml.safe_dump(candidates, sort_keys=False), encoding="utf-8")
    return scenario, cfile


def test_compare_on_a_real_scheduler_equals_the_local_run(cluster: str, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    scenario, cfile = _inputs(tmp_path)
    common = [str(scenario), "--candidates", str(cfile), "--replications", "3", "--seed", "7"]
    assert main(["compare", *common, "--scheduler", cluster, "--out", str(tmp_path / "remote")]) == 0
    assert main(["compare", *common, "--workers", "1", "--out", str(tmp_path / "local")]) == 0
    capsys.readouterr()

    remote = pd.read_parquet(tmp_path / "remote" / "runs.parquet")
    local = pd.read_parquet(tmp_path / "local" / "runs.parquet")
    assert len(remote) == 4 * 3  # baseline, two candidates, the pair; three replications each
    key = ["arm", "replication"]
    pd.testing.assert_frame_equal(remote.sort_values(key).reset_index(drop=True),
                                  local.sort_values(key).reset_index(drop=True), check_exact=True)
    assert (tmp_path / "remote" / "comparison.csv").read_bytes() == \
        (tmp_path / "local" / "comparison.csv").read_bytes()
    # the runs really differ between arms and replications, so equality above is not vacuous
    assert remote.drop(columns=key).drop_duplicates().shape[0] > 1


def test_an_unreachable_scheduler_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario, cfile = _inputs(tmp_path)
    dead = f"tcp://127.0.0.1:{_free_port()}"
    code = main(["compare", str(scenario), "--candidates", str(cfile), "--replications", "1",
                 "--scheduler", dead, "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1 and dead in err
    assert not (tmp_path / "out").exists()


def test_a_local_cluster_serves_no_dashboard_and_leaves_port_8787_alone() -> None:
    """Another cluster (or anything) holding port 8787 neither moves nor warns a local sweep; nothing listens
    beyond the loopback address; the worker processes run with the quiet settings (no profiler, slow ticks)."""
    import warnings

    import dask

    from mobility.analysis.experiments.evaluation import QUIET, _client

    with contextlib.ExitStack() as stack:
        holder = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
        with contextlib.suppress(OSError):  # already held by something else: just as good
            holder.bind(("0.0.0.0", 8787))
            holder.listen()
        caught = stack.enter_context(warnings.catch_warnings(record=True))
        warnings.simplefilter("always")
        client = stack.enter_context(_client(2, None))
        scheduler = client.run_on_scheduler(lambda dask_scheduler: (dask_scheduler.http_server.address,
                                                                     dask_scheduler.http_server.port))
        try:  # the dashboard's page is not served
            status = urllib.request.urlopen(f"http://127.0.0.1:{scheduler[1]}/status", timeout=10).status
        except urllib.error.HTTPError as exc:
            status = exc.code
        workers = client.run(lambda dask_worker: (dask_worker.http_server.address, dask_worker.http_server.port))
        quiet = client.run(lambda: {k: dask.config.get(k) for k in QUIET})  # the workers' own processes
    assert all(got == QUIET for got in quiet.values()) and len(quiet) == 2
    assert [str(w.message) for w in caught if "8787" in str(w.message)] == []
    assert scheduler[0] == "127.0.0.1" and scheduler[1] != 8787 and status == 404
    assert len(workers) == 2 and all(h == "127.0.0.1" and p != 8787 for h, p in workers.values())
