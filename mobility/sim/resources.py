"""Logged simpy resources: servers (ramps, terminals, track slots, crossings, berths) and pools.

Each wrapper writes ``request`` / ``acquire`` / ``release`` rows to the event
log so waits and utilisation are computed from the log alone.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Generator
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

import simpy
from simpy.events import PENDING, Event
from simpy.resources.resource import SortedQueue

from mobility.errors import ScenarioError
from mobility.sim.log import EventLog


@dataclass(frozen=True)
class Who:
    """The mover using a resource, as it appears in the log."""

    unit: str
    mover: str
    mode: str
    troops: int
    vehicles: int
    priority: int
    rank: float = 0.0  # dispatch order within a priority: the unit's place in the force list
    #: Queue key at a server: unit priority first, then the unit's rank (keeps a unit's trains
    #: together). Computed once: it is read on every request.
    key: tuple[int, float] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", (self.priority, self.rank))


class Closures:
    """Scheduled closures of sections, nodes and terminals, in hours."""

    def __init__(self, windows: dict[str, list[tuple[float, float]]] | None = None) -> None:
        self.windows = windows or {}

    def closed_until(self, targets: tuple[str, ...], now: float) -> float | None:
        """End of the closure covering ``now`` for any of ``targets``, else None."""
        end = None
        for t in targets:
            for a, b in self.windows.get(t, ()):
                if a <= now < b:
                    end = b if end is None else max(end, b)
        return end

    def active(self, now: float) -> frozenset[str]:
        """Targets closed at ``now``."""
        return frozenset(t for t, ws in self.windows.items() if any(a <= now < b for a, b in ws))


_KEY = attrgetter("key")
_NO_KEY = (0, 0.0)  # the queue key of every request at a first-come-first-served server


class _RequestQueue(list):  # type: ignore[type-arg]
    """simpy's ``SortedQueue`` without the sort on every request: a request goes in after every
    queued request whose key is not greater, which is where simpy's stable sort puts it (priority,
    then request time, then order of request), in O(log n) instead of O(n log n). Requests arrive in
    time order, so the priority alone places them: among equal priorities the later comes last."""

    maxlen = None

    def append(self, item: Any) -> None:
        key = item.key
        if not self or self[-1].key <= key:
            super().append(item)
        else:
            self.insert(bisect_right(self, key, key=_KEY), item)


class _Request(Event):
    """A request for one server of a :class:`_Servers`: an event that fires when it is granted."""

    def __init__(self, servers: _Servers, key: Any) -> None:
        self.env = servers.env
        self.callbacks: list[Any] = []
        self._value = PENDING
        self.resource = servers
        self.key = key

    def cancel(self) -> None:
        """Withdraw the request if it is still waiting (as simpy's ``Request.cancel``)."""
        if self._value is PENDING:
            self.resource.queue.remove(self)


class _Servers:
    """``simpy.PriorityResource`` (no preemption) in a few lines, with the same events.

    simpy's resource goes through its generic put/get machinery on every request and release (a
    dozen calls). This one does what that machinery does for a priority resource, step for step:

    - a request joins the queue in key order (:class:`_RequestQueue`); then, if a server is idle,
      the request at the head of the queue is granted: it takes the server and its event is
      scheduled (simpy's ``_trigger_put``, which looks at the head only);
    - a release frees the server at once and schedules a release event; when that event is
      processed, the head of the queue is granted if a server is idle (simpy's ``Release`` event
      and its ``_trigger_put`` callback).

    So the same events are scheduled at the same moments, in the same order, and requests are
    granted in the same order as simpy's (``tests/test_resources.py`` checks both against simpy).
    """

    def __init__(self, env: simpy.Environment, capacity: int) -> None:
        if capacity <= 0:
            raise ValueError(f'"capacity" must be > 0, not {capacity}')
        self.env, self.capacity = env, capacity
        self.users: list[_Request] = []
        self.queue = _RequestQueue()

    def request(self, priority: Any = _NO_KEY) -> _Request:
        """A request with queue key ``priority`` (lower first; equal keys first come first served)."""
        req = _Request(self, priority)
        queue = self.queue
        if not queue:
            if len(self.users) < self.capacity:
                self._grant(req)
                return req
            queue.append(req)
        else:
            queue.append(req)
            if len(self.users) < self.capacity:
                self._grant(queue.pop(0))
        return req

    def release(self, req: _Request) -> Event:
        """Give back the server ``req`` holds (nothing, if it holds none); returns the release event."""
        try:
            self.users.remove(req)
        except ValueError:
            pass
        env = self.env
        done = Event(env)
        done.callbacks.append(self._next)
        done._ok, done._value = True, None
        env.schedule(done)
        return done

    def _grant(self, req: _Request) -> None:
        self.users.append(req)
        req._ok, req._value = True, None
        self.env.schedule(req)

    def _next(self, _event: Event) -> None:
        if self.queue and len(self.users) < self.capacity:
            self._grant(self.queue.pop(0))


class Server:
    """A resource with ``capacity`` servers that a mover holds for a time.

    Served by priority (lower first) when ``priority`` is on, else first come first served.
    """

    def __init__(self, env: simpy.Environment, log: EventLog, rid: str, kind: str, place: str,
                 capacity: int, *, closures: Closures, close_targets: tuple[str, ...] = (),
                 use_priority: bool = True) -> None:
        self.env, self.log, self.rid, self.kind, self.place = env, log, rid, kind, place
        self.capacity = capacity
        self.res = _Servers(env, max(capacity, 1))
        self.closures = closures
        self.close_targets = close_targets or (place,)
        self.use_priority = use_priority
        # the closure windows of this server's targets, read once: the windows are fixed for a run
        # (:class:`Closures` is built with the model); no windows, no check on each request
        self._closable = any(closures.windows.get(t) for t in self.close_targets)

    @property
    def free(self) -> bool:
        """Whether a mover asking now would get a server at once (one is idle and none is queued)."""
        return self.capacity > 0 and len(self.res.users) < self.res.capacity and not self.res.queue

    def acquire(self, who: Who) -> Generator[Any, Any, _Request]:
        """Wait for a server (and for the place to reopen) and keep it until :meth:`release`."""
        env, log = self.env, self.log
        log.add(env.now, who, "request", self.place, self.rid, 1)
        req = self.res.request(who.key if self.use_priority else _NO_KEY)
        yield req
        if self._closable:
            yield from self._reopened()
        log.add(env.now, who, "acquire", self.place, self.rid, 1)
        return req

    def release(self, who: Who, req: _Request) -> None:
        """Give back a server taken with :meth:`acquire`."""
        self.log.add(self.env.now, who, "release", self.place, self.rid, 1)
        self.res.release(req)

    def release_after(self, who: Who, req: _Request, hold_h: float,
                      until: simpy.Event | None = None) -> None:
        """Release ``req`` once ``hold_h`` hours have passed and ``until`` (if given) has fired."""
        def _later() -> Generator[Any, Any, None]:
            if hold_h > 0:
                yield self.env.timeout(hold_h)
            if until is not None:
                yield until
            self.release(who, req)
        self.env.process(_later())

    def _reopened(self) -> Generator[Any, Any, None]:
        """Once a server is granted: wait until the place is open (a closure covering now has ended).

        Callers wait for their request, then for this only when the server has closure windows,
        then log the acquire (inlined: these steps run on every request)."""
        while True:
            end = self.closures.closed_until(self.close_targets, self.env.now)
            if end is None:
                return
            yield self.env.timeout(end - self.env.now)

    def use(self, who: Who, hold_h: float, *, event: tuple[str, str] | None = None) -> Generator[Any, Any, None]:
        """Wait for a server (and for the place to reopen), hold it ``hold_h`` hours, release."""
        env, log = self.env, self.log
        req = yield from self.acquire(who)
        if event:
            log.add(env.now, who, event[0], self.place, "", 0)
        if hold_h > 0:
            yield env.timeout(hold_h)
        if event:
            log.add(env.now, who, event[1], self.place, "", 0)
        self.release(who, req)

    def occupy(self, who: Who, hold_h: float) -> Generator[Any, Any, None]:
        """Wait for a server (and for the place to reopen), then keep it ``hold_h`` hours
        while the caller goes on at once: a headway slot on a track, road space behind a column."""
        env, log = self.env, self.log
        log.add(env.now, who, "request", self.place, self.rid, 1)
        req = self.res.request(who.key if self.use_priority else _NO_KEY)
        yield req
        if self._closable:
            yield from self._reopened()
        log.add(env.now, who, "acquire", self.place, self.rid, 1)

        def _release(_event: Any) -> None:
            log.add(env.now, who, "release", self.place, self.rid, 1)
            self.res.release(req)

        env.timeout(max(hold_h, 0.0)).callbacks.append(_release)


class _StockGet(simpy.resources.container.ContainerGet):
    """A request for stock, queued by its ``key``."""

    def __init__(self, container: simpy.Container, amount: int, key: tuple[int, float]) -> None:
        self.key = key  # read by the sorted queue when the request is appended
        super().__init__(container, amount)


class _StockContainer(simpy.Container):
    """A container whose waiting requests are served in key order (FIFO among equal keys);
    the first in order is served first, the others wait behind it."""

    GetQueue = SortedQueue


class Pool:
    """A pool of stock (wagons, locomotives, HETs, ships): taken, and given back after a delay.

    Waiting requests are served by unit priority, then the unit's rank (:attr:`Who.key`), as a
    movement control office allocates stock: a train of a later unit does not take the wagons that
    an earlier one is waiting for.
    """

    def __init__(self, env: simpy.Environment, log: EventLog, rid: str, kind: str, place: str,
                 capacity: int) -> None:
        self.env, self.log, self.rid, self.kind, self.place = env, log, rid, kind, place
        self.capacity = capacity
        self.container = _StockContainer(env, capacity=max(capacity, 1), init=capacity)

    def take(self, who: Who, amount: int) -> Generator[Any, Any, None]:
        """Wait until ``amount`` is free and take it."""
        if amount > self.capacity:
            field = {"wagons": "wagons_", "locomotives": "locomotives_", "intermodal": "intermodal_wagons_"}.get(
                self.kind, "")
            field = f"resources.{field}{self.rid.split(':')[-1]}" if field else "resources.hets"
            raise ScenarioError(f"{field}: {who.mover} of unit {who.unit} needs {amount} at once but the pool "
                                f"holds {self.capacity}; raise {field}")
        self.log.add(self.env.now, who, "request", self.place, self.rid, amount)
        if amount:
            yield _StockGet(self.container, amount, who.key)
        self.log.add(self.env.now, who, "acquire", self.place, self.rid, amount)

    def give_back(self, who: Who, amount: int, delay_h: float) -> None:
        """Return ``amount`` after ``delay_h`` hours (the empty return trip)."""
        def _back() -> Generator[Any, Any, None]:
            if delay_h > 0:
                yield self.env.timeout(delay_h)
            self.log.add(self.env.now, who, "release", self.place, self.rid, amount)
            if amount:
                yield self.container.put(amount)
        self.env.process(_back())
