"""The error hierarchy of :mod:`mobility`.

Every error a user can cause by bad input is one of these; the CLI turns each
into one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations


class MobilityError(Exception):
    """Base class of every error raised on purpose by mobility."""


class ScenarioError(MobilityError, ValueError):
    """A scenario file or a scenario value is invalid.

    The message names the file, the field and the fix.
    """


class NetworkError(MobilityError):
    """A network cannot be loaded or built (unknown name, unreadable OSM file, bad year)."""


class NoRouteError(MobilityError):
    """No feasible route exists for a mover; the message says where and why, in one sentence."""


class WorkLimitError(MobilityError):
    """A run would exceed its work limit (movers, events); the message states the figure and the limit."""


class InvariantError(MobilityError):
    """A simulation result broke an invariant (capacity exceeded, troops not conserved)."""
