"""Scheduled disruptions in the event log: a ``disrupted`` event when a scenario's closure starts,
``reopened`` when it ends (the closing itself is :class:`mobility.sim.engine.Closures`' job).

With these (and a threat's ``attack`` / ``repaired``), the map, the report and the console read
what was closed, and when, from the one event log.
"""

from __future__ import annotations

from typing import Any

import simpy

from mobility.sim.log import EventLog


def disruption_process(env: simpy.Environment, log: EventLog, target: str, from_h: float, to_h: float,
                       number: int) -> Any:
    """A simpy process logging ``disrupted`` at ``from_h`` and ``reopened`` at ``to_h`` for ``target``.

    ``target`` is a section id, a node id or ``terminal:<node>``; the event's place is the
    section or node, its resource ``disruption:<number>`` (1-based, the scenario's order).
    """
    from mobility.sim.resources import Who

    who = Who("", "", "disruption", 0, 0, 0)
    place = target.removeprefix("terminal:")
    resource = f"disruption:{number}"
    yield env.timeout(max(from_h - env.now, 0.0))
    log.add(env.now, who, "disrupted", place, resource, 0)
    yield env.timeout(max(to_h - env.now, 0.0))
    log.add(env.now, who, "reopened", place, resource, 0)
