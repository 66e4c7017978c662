"""Property-based fuzzing of every file a user hands to mobility: scenarios, candidates, OSM files, run folders.

Each generated input must either be accepted or be refused under the contract of
:mod:`cli_contract`: exit 2, one line per problem naming the file (and field), no
traceback, no partial output, and no hang (every case runs under a time limit).

The CLI runs in this process (fast). ``MOBILITY_FUZZ=deep`` runs a larger profile
(20 times the cases, fresh random seeds each time); the default profile runs 550 cases in CI,
derandomized so CI is reproducible.
"""

from __future__ import annotations

import contextlib
import copy
import gzip
import json
import math
import os
import shutil
import signal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from cli_contract import EXIT_BAD_INPUT, Outcome, assert_refused, leftovers, run_cli
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
DEEP = os.environ.get("MOBILITY_FUZZ", "") == "deep"
SCALE = int(os.environ.get("MOBILITY_FUZZ_SCALE", "20" if DEEP else "1"))
"""Cases are the CI profile's times SCALE (``MOBILITY_FUZZ=deep``: 20, random seeds; or ``MOBILITY_FUZZ_SCALE=N``)."""
CASE_SECONDS = 30 if DEEP else 20
"""Time limit of one case: a case that runs longer counts as a hang."""


def profile(n: int) -> settings:
    return settings(max_examples=n * SCALE, deadline=None, derandomize=not DEEP, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                           HealthCheck.data_too_large])


class Hang(BaseException):
    """A case ran past its time limit."""


@contextlib.contextmanager
def time_limit(seconds: float):
    def _alarm(_s, _f):
        raise Hang(f"no answer within {seconds} s")
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def cli(argv: list[str]) -> Outcome:
    with time_limit(CASE_SECONDS):
        return run_cli(argv)


def check(res: Outcome, file: Path, *, out: Path | None = None) -> None:
    """Accepted, or refused under the contract."""
    event(f"exit {res.code}")
    assert "Traceback" not in res.err, res.err
    if res.code == 0:
        return
    assert res.code == EXIT_BAD_INPUT, (res.code, res.err)
    assert_refused(res, file=file, lines=None, out_dir=out)


# -- values and mutations --------------------------------------------------------------------------
WEIRD = st.one_of(
    st.none(), st.booleans(), st.integers(-10**20, 10**20), st.sampled_from([-1, 0, 1, 2**63, 10**6, 10**7]),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([math.nan, math.inf, -math.inf, -0.0, 1e-9, 1e300]),
    st.text(max_size=30), st.sampled_from(["", "many", "soon", "../x", "rail:suwalki-trakiszki:1435", "x" * 5000,
                                           "budzisko", "2026-13-45", "\u202e", "<script>", "1e400"]),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def paths(obj: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += paths(v, (*prefix, i))
    return out


@st.composite
def mutated(draw, base: dict) -> dict:
    """``base`` with 1-3 random edits: a value replaced, a key removed, an unknown key added."""
    data = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.sampled_from(paths(data)[1:]))
        parent = data
        for k in where[:-1]:
            parent = parent[k]
        action = draw(st.sampled_from(["replace", "replace", "replace", "delete", "add"]))
        if action == "delete":
            del parent[where[-1]]
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=12))] = draw(WEIRD)
        else:
            parent[where[-1]] = draw(WEIRD)
        if not paths(data)[1:]:
            break
    return data


def dump(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def small_scenario() -> dict:
    d = yaml.safe_load((ROOT / "scenarios" / "baseline.yaml").read_text(encoding="utf-8"))
    d.update(name="fuzz", horizon_days=20, forces=[
        {"id": "a", "type": "mech_bde", "origin": "bialystok", "destination": "rukla", "ready_day": 1},
        {"id": "b", "type": "us_sbct", "count": 2, "origin": "warszawa_wsch", "destination": "vilnius",
         "mode": "road"}],
        disruptions=[{"section": "road:suwalki-budzisko", "from_day": 2, "to_day": 4}],
        infrastructure={"sections": {"rail:augustow-suwalki:1435": {"trains_per_day": 12}},
                        "terminals": [{"node": "sestokai", "method": "transload", "ramps": 2}]},
        uncertainties=[{"factor": "load_hours_per_wagon", "distribution": "uniform", "low": 0.2, "high": 0.4}],
        factors={"shunting_hours": 1.5})
    return d


SCENARIO = small_scenario()


# -- scenario files --------------------------------------------------------------------------------
@profile(220)
@given(data=mutated(SCENARIO))
def test_fuzz_scenario_files(tmp_path_factory, data):
    p = tmp_path_factory.mktemp("sc") / "fuzz.yaml"
    p.write_text(dump(data), encoding="utf-8")
    check(cli(["validate", str(p)]), p)


TEXT_DAMAGE = st.sampled_from(["truncate", "latin1", "dupkey", "deep", "alias", "tab", "nul", "bom", "tag"])


@profile(60)
@given(kind=TEXT_DAMAGE, cut=st.floats(0, 1))
def test_fuzz_scenario_text(tmp_path_factory, kind, cut):
    text = dump(SCENARIO)
    p = tmp_path_factory.mktemp("sct") / "fuzz.yaml"
    raw = text.encode("utf-8")
    if kind == "truncate":
        raw = raw[: int(len(raw) * cut)]
    elif kind == "latin1":
        raw = (text.replace("fuzz", "Łódź ä") if cut < 0.5 else text + "# Ä\n").encode("latin-1", "replace")
        raw = raw.replace(b"?", b"\xe4")
    elif kind == "dupkey":
        raw = (text + "seed: 4\n").encode()
    elif kind == "deep":
        n = int(10 + cut * 3000)
        raw = (text + "extra: " + "[" * n + "]" * n + "\n").encode()
    elif kind == "alias":
        n = int(2 + cut * 8)
        lines = ["a0: &a0 [x, x, x, x, x, x, x, x]"] + [
            f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 8) + "]" for i in range(1, n)]
        raw = (text + "bomb:\n" + "\n".join("  " + ln for ln in lines) + "\n").encode()
    elif kind == "tab":
        raw = text.replace("  ", "\t", 1).encode()
    elif kind == "nul":
        raw = raw[: int(len(raw) * cut)] + b"\x00" + raw[int(len(raw) * cut):]
    elif kind == "bom":
        raw = b"\xef\xbb\xbf" + raw
    elif kind == "tag":
        raw = (text + "evil: !!python/object/apply:os.system ['true']\n").encode()
    p.write_bytes(raw)
    check(cli(["validate", str(p)]), p)


# -- candidates files --------------------------------------------------------------------------------
CANDIDATES = yaml.safe_load((ROOT / "scenarios" / "candidates.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def fuzz_scenario_obj():
    from mobility.scenario import parse_scenario

    return parse_scenario(SCENARIO, source="fuzz.yaml")


@profile(100)
@given(data=mutated(CANDIDATES), latin1=st.booleans())
def test_fuzz_candidates_files(tmp_path_factory, fuzz_scenario_obj, data, latin1):
    """Candidates are read and checked against the scenario as ``compare`` does before any run."""
    from mobility.analysis.experiments.candidates import load_candidates, validate_candidates
    from mobility.errors import MobilityError

    p = tmp_path_factory.mktemp("cand") / "cands.yaml"
    text = dump(data) + ("# Świnoujście\n" if latin1 else "")
    p.write_bytes(text.encode("latin-1", "replace") if latin1 else text.encode("utf-8"))
    with time_limit(CASE_SECONDS):
        try:
            validate_candidates(fuzz_scenario_obj, load_candidates(p))
            event("accepted")
        except MobilityError as exc:
            event("refused")
            lines = str(exc).splitlines()
            assert 1 <= len(lines) <= 21 and all(p.name in ln for ln in lines), str(exc)


# -- OSM files ------------------------------------------------------------------------------------------
OSM = (ROOT / "tests" / "data" / "osm" / "handmade_gauge_break.osm").read_bytes()


@profile(70)
@given(kind=st.sampled_from(["truncate", "flip", "attr", "gzip", "empty", "json", "xxe", "ext"]),
       at=st.floats(0, 1), byte=st.integers(0, 255),
       value=st.sampled_from(["abc", "-1", "1e400", "NaN", "", "999999999999999999999", "1435;;", "\u00e4"]))
def test_fuzz_osm_files(tmp_path_factory, kind, at, byte, value):
    d = tmp_path_factory.mktemp("osm")
    name, raw = "fuzz.osm", OSM
    i = int(len(raw) * at)
    if kind == "truncate":
        raw = raw[:i]
    elif kind == "flip":
        raw = raw[:i] + bytes([byte]) + raw[i + 1:]
    elif kind == "attr":
        for attr in ("lat=", "lon=", 'v="1435"', 'v="120"', 'id="1003"', 'ref="1003"'):
            if at < 0.17 or attr in ('v="1435"',):
                raw = raw.replace(attr.encode(), attr.split("=")[0].encode() + f'="{value}"'.encode(), 1)
            at -= 0.17
    elif kind == "gzip":
        name, raw = "fuzz.osm.gz", gzip.compress(raw)[:max(i, 10)]
    elif kind == "empty":
        raw = b""
    elif kind == "json":
        name, raw = "fuzz.json", json.dumps({"elements": [{"type": "node", "id": value, "lat": value}]}).encode()
    elif kind == "xxe":
        raw = (b'<?xml version="1.0"?><!DOCTYPE osm [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
               b'<osm version="0.6"><node id="1" lat="1" lon="1"><tag k="name" v="&x;"/></node></osm>')
    elif kind == "ext":
        name = "fuzz.txt"
    p = d / name
    p.write_bytes(raw)
    res = cli(["network", "--osm", str(p)])
    check(res, p)
    assert "root:" not in res.out  # no external entity is ever read


# -- run folders ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def good_run(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("fuzzrun")
    p = base / "fuzz.yaml"
    p.write_text(dump({**SCENARIO, "uncertainties": []}), encoding="utf-8")
    out = base / "run"
    res = run_cli(["run", str(p), "--no-map", "--out", str(out)])
    assert res.code == 0, res.err
    return out


FILES = ["events.parquet", "summary.json", "closure.csv", "units.csv", "bottlenecks.csv"]


@st.composite
def damage(draw, name: str):
    kind = draw(st.sampled_from(["truncate", "flip", "cell", "drop", "rename", "type", "delete"]))
    return kind, draw(st.floats(0, 1)), draw(st.integers(0, 255)), draw(WEIRD)


@profile(100)
@given(name=st.sampled_from(FILES), dmg=damage("x"), command=st.sampled_from(["map", "export"]))
def test_fuzz_run_folders(tmp_path_factory, good_run, name, dmg, command):
    kind, at, byte, value = dmg
    d = tmp_path_factory.mktemp("rf")
    run = d / "run"
    shutil.copytree(good_run, run)
    f = run / name
    raw = f.read_bytes()
    i = int(len(raw) * at)
    if kind == "truncate":
        f.write_bytes(raw[:i])
    elif kind == "flip":
        f.write_bytes(raw[:i] + bytes([byte]) + raw[i + 1:])
    elif kind == "delete":
        f.unlink()
    elif name == "summary.json":
        s = json.loads(raw)
        key = sorted(s)[int(at * (len(s) - 1))]
        if kind == "drop":
            del s[key]
        else:
            s[key] = value
        f.write_text(json.dumps(s, default=str), encoding="utf-8")
    else:
        t = pd.read_parquet(f) if name.endswith(".parquet") else pd.read_csv(f)
        col = t.columns[int(at * (len(t.columns) - 1))]
        if kind == "drop":
            t = t.drop(columns=[col])
        elif kind == "rename":
            t = t.rename(columns={col: f"{col}_x"})
        elif kind == "type" or kind == "cell":
            t[col] = t[col].astype(object)
            if len(t):
                cell = value if kind == "cell" and not isinstance(value, dict | list) else str(value)
                t.at[t.index[int(at * (len(t) - 1))], col] = cell
            try:
                t[col] = t[col].astype(str) if kind == "type" else t[col]
            except (TypeError, ValueError):
                pass
        if name.endswith(".parquet"):
            try:
                t.to_parquet(f, index=False)
            except Exception:  # noqa: BLE001 - a value pyarrow cannot store: store it as text
                t[col] = t[col].astype(str)
                t.to_parquet(f, index=False)
        else:
            t.to_csv(f, index=False)
    out = d / ("m.html" if command == "map" else "csv")
    argv = ["map", str(run), "--out", str(out)] if command == "map" else ["export", str(run), "--csv", str(out)]
    res = cli(argv)
    event(f"exit {res.code}")
    assert "Traceback" not in res.err, res.err
    if res.code != 0:
        assert res.code == EXIT_BAD_INPUT, (res.code, res.err)
        lines = res.err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("mobility: "), res.err
        assert name in lines[0] or str(run) in lines[0], lines[0]
        assert not out.exists() and leftovers(d) == []
