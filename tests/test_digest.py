"""Event-log digests of the shipped scenarios at seed 1: a refactor or speed-up must leave them unchanged.

Each shipped scenario (``scenarios/*.yaml`` with a ``name:``) is run at seed 1 and the SHA-256
of its event log (:func:`mobility.sim.log.event_log_digest`) is compared with the one stored in
``tests/data/event_log_digests.json``.

A change that alters the model's behaviour ON PURPOSE regenerates the stored digests, from the
repository root, with::

    python -m tests.test_digest --update

and says in its commit message why the event log changed. The digests are exact floating-point
results: they hold for this code on this platform (x86-64, the pinned numpy/simpy); a different
platform may need its own regeneration.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
STORE = ROOT / "tests" / "data" / "event_log_digests.json"
SEED = 1
UPDATE = "python -m tests.test_digest --update"


def shipped_scenarios() -> list[str]:
    """Names (file stems) of the shipped scenario files: ``scenarios/*.yaml`` with a ``name:`` (not the
    candidate lists, which hold ``candidates:`` only)."""
    names = []
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and "name" in data:
            names.append(path.stem)
    return names


def record(name: str) -> dict[str, object]:
    """Run scenario ``name`` at seed 1: rows, last event time and digest of its event log."""
    from mobility import load_scenario, simulate
    from mobility.sim.log import event_log_digest

    result = simulate(load_scenario(ROOT / "scenarios" / f"{name}.yaml"), seed=SEED)
    ev = result.events
    return {"rows": len(ev), "last_h": float(ev["time"].max()) if len(ev) else 0.0,
            "sha256": event_log_digest(ev)}


def stored() -> dict[str, dict[str, object]]:
    """The stored digests by scenario name."""
    return json.loads(STORE.read_text(encoding="utf-8"))["scenarios"]


def test_every_shipped_scenario_has_a_stored_digest() -> None:
    assert sorted(stored()) == shipped_scenarios(), f"scenarios added or removed: run `{UPDATE}`"


@pytest.mark.parametrize("name", shipped_scenarios())
def test_event_log_matches_stored_digest(name: str) -> None:
    want = stored().get(name)
    assert want is not None, f"no stored digest for scenarios/{name}.yaml: run `{UPDATE}`"
    got = record(name)
    assert got == want, (f"scenarios/{name}.yaml at seed {SEED}: event log changed ({want['rows']} -> "
                         f"{got['rows']} rows). If the model changed on purpose, run `{UPDATE}` and say why "
                         f"in the commit message; a refactor must leave it unchanged.")


def test_routers_reused_from_an_earlier_run_leave_the_event_log_unchanged() -> None:
    """A second run in the same process takes its routers (closures, detours) from the first: same log."""
    from mobility.sim.routers import SHARED

    SHARED.clear()
    assert record("contested") == stored()["contested"]  # builds its routers
    built, reused = SHARED.built, SHARED.reused
    assert record("contested") == stored()["contested"]
    assert SHARED.built == built  # the same seed: the same closures and detours, every router reused
    assert SHARED.reused - reused > 10


def test_digest_sees_one_changed_value() -> None:
    """The digest changes when one value of one row changes, and not when the frame is only copied."""
    import pandas as pd

    from mobility.sim.log import event_log_digest

    ev = pd.DataFrame({"time": [0.0, 1.5], "unit": pd.Categorical(["a", "b"]), "amount": [1, 2]})
    same = ev.copy()
    same["unit"] = same["unit"].astype(object)  # stored differently, same content
    moved = ev.copy()
    moved.loc[1, "time"] = 1.5000000000000002
    assert event_log_digest(ev) == event_log_digest(same)
    assert event_log_digest(ev) != event_log_digest(moved)
    assert event_log_digest(ev) != event_log_digest(ev.iloc[::-1].reset_index(drop=True))


def update() -> None:
    """Run every shipped scenario at seed 1 and store its digest."""
    out = {"seed": SEED, "command": UPDATE, "scenarios": {}}
    for name in shipped_scenarios():
        out["scenarios"][name] = record(name)
        print(f"{name}: {out['scenarios'][name]['rows']} rows {out['scenarios'][name]['sha256'][:16]}")
    STORE.write_text(json.dumps(out, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {STORE.relative_to(ROOT)}")


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit(f"usage: {UPDATE}  (from the repository root)")
    update()
