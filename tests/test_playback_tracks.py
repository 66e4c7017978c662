"""The playback's vectorised track builder against the rule it implements, one event at a time.

``reference_tracks`` below is that rule written as a plain loop over each mover's events (the
builder the playback used before it was vectorised). The event logs are a SYNTHETIC one made by
hand on the real embedded network to reach the rule's corner cases, and a real run of the
baseline to D+60.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from mobility.briefing.maps import playback
from mobility.briefing.maps.network_layers import _coords
from mobility.network import load_network
from mobility.scenario import parse_scenario
from mobility.simulation import simulate

COLUMNS = ["time", "unit", "mover", "mode", "event", "place", "resource", "troops", "vehicles"]
RAIL = "rail:suwalki-trakiszki:1435"
ROAD = "road:suwalki-budzisko"


def reference_tracks(network, events):  # noqa: ANN001, ANN201
    """Per mover (sorted): unit, mode, start, arrive, troops, vehicles and steps (t0, t1, coords)."""
    runs: dict[str, list] = {}
    for graph in (network.rail, network.road, network.sea if network.sea is not None else network.road):
        for u, v, d in graph.edges(data=True):
            if d.get("section"):
                runs.setdefault(d["section"], []).append((u, v, _coords(d, u, v, network)))
    nodes = set(network.node_ids)
    points = {n: (float(network.node(n)["x"]), float(network.node(n)["y"])) for n in nodes}
    by_mover: dict[str, list] = {}
    for r in events.itertuples(index=False):
        mover = "" if pd.isna(r.mover) else str(r.mover)
        if mover and not math.isnan(float(r.time)):
            by_mover.setdefault(mover, []).append(
                (float(r.time), str(r.event), "" if pd.isna(r.place) else str(r.place),
                 "" if pd.isna(r.unit) else str(r.unit), "" if pd.isna(r.mode) else str(r.mode),
                 float(r.troops), float(r.vehicles)))
    out = []
    for mover in sorted(by_mover):
        recs = sorted(by_mover[mover], key=lambda x: x[0])
        modes = [x[4] for x in recs if x[4]]
        track = {"mover": mover, "unit": recs[0][3], "mode": modes[0] if modes else "", "start": recs[0][0],
                 "arrive": None, "troops": int(max(x[5] for x in recs)),
                 "vehicles": int(max(x[6] for x in recs)), "steps": []}
        node = None
        for i, (t, event, place, *_) in enumerate(recs):
            if event == "enter" and place in runs:
                cands = runs[place]
                choice = next((c for c in cands if c[0] == node), None)
                if choice is None:  # no known start: head for the next node or section mentioned
                    nxt = next((x[2] for x in recs[i + 1:] if x[2] in nodes or (x[1] == "enter" and x[2] in runs)),
                               None)
                    ends = {nxt} if nxt in nodes else {e for c in runs.get(nxt or "", []) for e in c[:2]}
                    choice = next((c for c in cands if c[1] in ends), cands[0])
                t1 = next((x[0] for x in recs[i + 1:] if x[1] == "leave" and x[2] == place), None)
                if t1 is None:
                    t1 = recs[i + 1][0] if i + 1 < len(recs) else t
                track["steps"].append((t, t1, choice[2]))
                node = choice[1]
            elif place in nodes and event != "leave":
                if event in ("request", "acquire", "release") and node is not None and place != node:
                    continue  # a resource elsewhere (a border ahead): not where the mover is
                node = place
                track["steps"].append((t, t, [points[place]]))
            if event == "arrive":
                track["arrive"] = t
        out.append(track)
    return out


def assert_same(network, events) -> int:  # noqa: ANN001
    expected = reference_tracks(network, events)
    got = playback._tracks(network, events)
    assert [t.mover for t in got] == [t["mover"] for t in expected]
    for g, e in zip(got, expected, strict=True):
        assert (g.unit, g.mode, g.start, g.arrive, g.troops, g.vehicles) == (
            e["unit"], e["mode"], e["start"], e["arrive"], e["troops"], e["vehicles"]), g.mover
        assert [(s[0], s[1], list(s[2])) for s in g.steps] == [(s[0], s[1], list(s[2])) for s in e["steps"]], g.mover
    return sum(len(t["steps"]) for t in expected)


@pytest.fixture(scope="module")
def network():  # noqa: ANN201
    return load_network(year=2026)


def synthetic_events() -> pd.DataFrame:
    """SYNTHETIC: the corner cases of the rule, rows deliberately out of time order."""
    t, r, v, x = "abct-1/rail/1", "abct-1/rail/2", "abct-1/road/1", "abct-1/road/2"
    rows = [
        (0.0, "abct-1", "", "", "ready", "suwalki", "", 1300, 240),  # no mover: not a track
        (1.0, "abct-1", t, "rail", "load", "suwalki", "ramp:suwalki", 400, 60),
        (2.0, "abct-1", t, "rail", "request", "trakiszki", "border:trakiszki", 400, 60),  # ahead: skipped
        (3.0, "abct-1", t, "rail", "enter", RAIL, f"track:{RAIL}:fwd", 400, 60),
        (5.0, "abct-1", t, "rail", "leave", RAIL, f"track:{RAIL}:fwd", 400, 60),
        (5.0, "abct-1", t, "rail", "request", "trakiszki", "border:trakiszki", 400, 60),  # there: a fix
        (6.0, "abct-1", t, "rail", "arrive", "trakiszki", "", 400, 60),
        (9.0, "abct-1", r, "rail", "enter", RAIL, f"track:{RAIL}:rev", 300, 50),  # no known start,
        (12.0, "abct-1", r, "rail", "halt", "suwalki", "", 300, 50),  # heads for Suwałki; no leave
        (4.0, "abct-1", v, "road", "request", "budzisko", "border:budzisko", 500, 120),  # first place counts
        (float("nan"), "abct-1", v, "road", "halt", "elk", "", 500, 120),  # no time: ignored
        (4.5, "abct-1", v, "road", "enter", ROAD, "", 500, 130),
        (4.0, "abct-1", x, None, "enter", ROAD, "", 10, 2),  # nothing else: runs to its own start
    ]
    return pd.DataFrame(rows, columns=COLUMNS)


def test_builder_follows_the_rule_on_its_corner_cases(network) -> None:  # noqa: ANN001
    events = synthetic_events()
    assert assert_same(network, events) == 9
    train = {t.mover: t for t in playback._tracks(network, events)}["abct-1/rail/1"]
    s = network.node("suwalki")
    assert train.position(2.5) == pytest.approx((s["x"], s["y"]))  # the border ahead did not move it


def test_builder_follows_the_rule_on_a_run_and_any_column_types(baseline_dict) -> None:  # noqa: ANN001
    result = simulate(parse_scenario({**baseline_dict, "horizon_days": 60}, source="baseline to D+60"))
    events = result.events
    assert assert_same(result.network, events) > 1000
    as_text = events.astype({c: object for c in ("unit", "mover", "mode", "event", "place", "resource")})
    steps = playback._steps(result.network, as_text, playback._directed_runs(result.network))
    same = playback._steps(result.network, events, playback._directed_runs(result.network))
    assert steps.movers == same.movers and np.array_equal(steps.t0, same.t0) and np.array_equal(steps.line, same.line)
