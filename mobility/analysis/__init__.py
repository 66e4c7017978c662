"""Outputs computed from the event log: closure, tiers, bottlenecks, units, invariants."""
