"""Work limits of one run: each error that enforces one names it and the flag that raises it."""

from __future__ import annotations

MAX_MOVERS = 20_000
"""Default limit on the trains and march units of one run (the baseline needs ~2,000); ``--max-movers``."""
MAX_EVENTS = 5_000_000
"""Default limit on the rows of one run's event log (the baseline logs ~100,000); ``--max-events``."""
WHAT_IF_DEFAULT = 3
"""Reruns a ``mobility run`` makes by default to measure its bottlenecks: one per longest wait, with that
resource doubled (:func:`mobility.analysis.bottlenecks.what_if`); ``--whatif N``, 0 skips them."""
