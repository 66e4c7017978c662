"""Run folders: safe default paths, the run marker, refusing foreign folders, swaps and signals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from cli_contract import assert_refused, leftovers, run_cli

from mobility.output_folder import (
    MARKER,
    TMP_MARKER,
    atomic_dir,
    default_out,
    is_run_folder,
    slug,
    tidy,
)

ROOT = Path(__file__).resolve().parents[1]


def small(baseline_dict: dict, **over) -> dict:
    d = {**baseline_dict, "horizon_days": 10, "forces": [
        {"id": "u", "type": "mech_bde", "origin": "bialystok", "destination": "rukla", "ready_day": 1}]}
    d.update(over)
    return d


def write(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize("name", ["../victim", "../../victim", "/tmp/x", "", ".", "..", "runs/../..", "A B/..\\c"])
def test_default_out_is_a_child_of_runs(name):
    out = default_out(name, "scen/my file.yaml")
    assert out.parent == Path("runs")
    assert out.name not in ("", ".", "..") and "/" not in out.name and "\\" not in out.name


def test_default_out_uses_the_name_when_it_is_a_slug_else_the_stem():
    assert default_out("rail-baltica-2030", "x.yaml") == Path("runs/rail-baltica-2030")
    assert default_out("../victim", "dir/Colleague Scenario.yaml") == Path("runs/colleague-scenario")
    assert default_out("", "...yaml") == Path("runs/run")
    assert slug("Ünïcode ../ name") == "n-code-name"


@pytest.mark.parametrize("name", ["../victim", "", "VICTIM_ABS"])
def test_scenario_name_never_deletes_a_folder(tmp_path, monkeypatch, baseline_dict, name):
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "precious.txt").write_text("keep", encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    (work / "runs").mkdir()
    (work / "runs" / "notes.txt").write_text("mine", encoding="utf-8")
    monkeypatch.chdir(work)
    sc = write(work / "colleague.yaml", small(baseline_dict, name=str(victim) if name == "VICTIM_ABS" else name))
    res = run_cli(["run", str(sc), "--no-map"])
    assert res.code == 0, res.err
    assert (victim / "precious.txt").read_text(encoding="utf-8") == "keep"
    assert sorted(p.name for p in victim.iterdir()) == ["precious.txt"]
    assert (work / "runs" / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert (work / "runs" / "colleague" / MARKER).is_file()


def test_out_at_a_foreign_folder_is_refused_and_left_alone(tmp_path, baseline_dict):
    sc = write(tmp_path / "s.yaml", small(baseline_dict, name="s"))
    foreign = tmp_path / "thesis"
    foreign.mkdir()
    (foreign / "chapter1.tex").write_text("x", encoding="utf-8")
    res = run_cli(["run", str(sc), "--no-map", "--out", str(foreign)])
    line = assert_refused(res, file=foreign, field="--out")
    assert "not an earlier run" in line
    assert [p.name for p in foreign.iterdir()] == ["chapter1.tex"]
    assert leftovers(tmp_path) == []


def test_a_run_replaces_an_earlier_run_and_an_empty_folder(tmp_path, baseline_dict):
    sc = write(tmp_path / "s.yaml", small(baseline_dict, name="s"))
    out = tmp_path / "out"
    out.mkdir()
    assert run_cli(["run", str(sc), "--no-map", "--out", str(out)]).code == 0
    assert is_run_folder(out)
    (out / "stale.txt").write_text("from the earlier run", encoding="utf-8")
    assert run_cli(["run", str(sc), "--no-map", "--out", str(out)]).code == 0
    assert not (out / "stale.txt").exists() and (out / "summary.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "s.yaml"]


def test_a_folder_of_an_older_version_without_marker_counts_as_a_run(tmp_path):
    old = tmp_path / "old"
    old.mkdir()
    for f in ("summary.json", "events.parquet", "closure.csv"):
        (old / f).write_text("{}", encoding="utf-8")
    assert is_run_folder(old)
    (old / "my-notes.docx").write_text("x", encoding="utf-8")
    assert not is_run_folder(old)


def test_failure_inside_leaves_the_earlier_run(tmp_path):
    out = tmp_path / "out"
    with atomic_dir(out) as tmp:
        (tmp / "a.txt").write_text("1", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_dir(out) as tmp:
        (tmp / "a.txt").write_text("2", encoding="utf-8")
        raise RuntimeError("boom")
    assert (out / "a.txt").read_text(encoding="utf-8") == "1"
    assert leftovers(tmp_path) == []


def test_stale_temp_folders_of_killed_runs_are_removed(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    pid = int(dead.stdout)
    stale = tmp_path / ".out.tmp-abc123"
    stale.mkdir()
    (stale / TMP_MARKER).write_text(str(pid), encoding="utf-8")
    (stale / "events.parquet").write_bytes(b"half")
    live = tmp_path / ".other.tmp-xyz"  # a run in progress in another process: left alone
    live.mkdir()
    (live / TMP_MARKER).write_text(str(os.getppid()), encoding="utf-8")
    with atomic_dir(tmp_path / "out") as tmp:
        (tmp / "a.txt").write_text("1", encoding="utf-8")
    assert not stale.exists()
    assert live.exists()


def test_a_swap_cut_between_the_renames_is_undone(tmp_path):
    out = tmp_path / "out"
    with atomic_dir(out) as tmp:
        (tmp / "a.txt").write_text("earlier", encoding="utf-8")
    os.replace(out, tmp_path / ".out.old")  # SIGKILL after the first rename of the swap
    tidy(out)
    assert (out / "a.txt").read_text(encoding="utf-8") == "earlier"
    assert not (tmp_path / ".out.old").exists()


_LAUNCH = ("import runpy, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); print('up', flush=True); "
           "sys.argv[0] = 'mobility'; runpy.run_module('mobility', run_name='__main__', alter_sys=True)")


def _interrupt(argv: list[str], delay: float, signum: int, cwd: Path) -> subprocess.CompletedProcess:
    """Run ``python -m mobility ARGV`` and send ``signum`` ``delay`` s after the interpreter is up.

    The interpreter's own start-up (site, before any mobility code) is waited out: a
    signal there is CPython's business, not ours.
    """
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    p = subprocess.Popen([sys.executable, "-c", _LAUNCH, *argv], cwd=cwd, env=env, text=True,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert p.stdout.readline() == "up\n"
    time.sleep(delay)
    p.send_signal(signum)
    out, err = p.communicate(timeout=60)
    return subprocess.CompletedProcess(p.args, p.returncode, out, err)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_signals_at_any_moment_give_one_line(tmp_path, baseline_dict, signum):
    sc = write(tmp_path / "s.yaml", small(baseline_dict, name="s"))
    out = tmp_path / "out"
    for delay in (0.0, 0.02, 0.1, 0.3, 0.6, 1.0):
        r = _interrupt(["run", str(sc), "--no-map", "--out", str(out)], delay, signum, tmp_path)
        assert "Traceback" not in r.stderr, (delay, r.stderr)
        if "wrote " in r.stdout:  # the run was done before the signal: its folder is whole
            assert is_run_folder(out) and (out / "summary.json").is_file()
        elif r.returncode == -signum and delay < 0.1:  # killed before mobility's handlers: nothing printed
            assert r.stderr == "", r.stderr
        else:
            assert r.returncode == 128 + signum, (delay, r.returncode, r.stderr)
            assert r.stderr.strip().splitlines() == [
                f"mobility: interrupted ({signal.Signals(signum).name}); no output written"], r.stderr
        assert leftovers(tmp_path) == []
