"""Reads every reader sees alike, kept while they stay true (issue 15).

A large network's pages read hundreds of rows that are the same whoever reads them: the
network's challenges, an envelope's money trail, a challenge's rounds. People logged in get
pages of their own, so the page cache (`web/page_cache.py`) cannot serve them; these reads, and
the parts of pages built from them (`web/fragments.py`), are kept instead, per app process:

    challenges = await kept(("network-challenges", network_id), lambda: _read(network_id))

**Never stale.** Each request starts by reading the data version (`begin`), before anything
else it reads; every write a page may show changes that version in its own transaction
(`db/data_version.py`). A value is kept under the version its request read first, so it holds
the data of that version or of a later one, never of an earlier one; the next request after a
write, in any process, reads a new version and reads the rows again. A value also expires at the
next moment of the calendar (`services/calendar.py`: an envelope's dates, a round's deadline)
and after a minute in any case, since pages also follow the clock.

**What may be kept:** a value that depends on its key and the data only. Whatever a reader's
roles, lieux or language change (a form, a permission, a draft only its proposers see) is
computed per request on top of the kept value. Kept values are shared by the requests running
at once: they are frozen Structs and tuples, never changed in place.

**One build at a time.** Sixteen readers arriving just after a write would otherwise read the
same rows sixteen times; the first builds, the others wait for its value (or build their own if
it fails).

Outside a request (the CLI, the outbox, tests calling a service), nothing is kept.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TypeVar, cast

from cobudget.db.engine import read_data_version
from cobudget.services.calendar import next_moment
from cobudget.services.clock import now

T = TypeVar("T")
MAX_AGE = dt.timedelta(seconds=60)
Key = tuple[Hashable, ...]


@dataclass(frozen=True)
class Moment:
    """What a request's kept values are valid for: the data version read at its start, and the
    time (monotonic) until which the calendar changes nothing."""

    version: int
    until: float


class Keeper:
    """One app's kept values, the least recently used out first past `max_entries`."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self.version: int | None = None
        self.until = 0.0
        self.values: OrderedDict[Key, object] = OrderedDict()
        self._building: dict[Key, tuple[asyncio.AbstractEventLoop, int, asyncio.Future[object]]]
        self._building = {}

    async def moment(self, version: int | None = None) -> Moment:
        """The moment of a request starting now: one query for the version (none when the page
        cache has read it), a few more when the version or the calendar moved."""
        if version is None:
            version = await read_data_version()
        if version != self.version or self.until <= time.monotonic():
            started = now()
            bound = await next_moment(started)
            limit = min(bound, started + MAX_AGE) if bound is not None else started + MAX_AGE
            self.values.clear()
            self.version = version
            self.until = time.monotonic() + max(0.0, (limit - now()).total_seconds())
        return Moment(version, self.until)

    def holds(self, moment: Moment) -> bool:
        """Whether values kept now are valid at `moment` (its version is still the newest this
        app has seen, and the calendar has not moved since)."""
        return moment.version == self.version and moment.until > time.monotonic()

    async def get_or_build(self, moment: Moment, key: Key, build: Callable[[], Awaitable[T]]) -> T:
        if self.max_entries <= 0 or not self.holds(moment):
            return await build()
        if key in self.values:
            self.values.move_to_end(key)
            return cast(T, self.values[key])
        loop = asyncio.get_running_loop()
        pending = self._building.get(key)
        if pending is not None and pending[0] is loop and pending[1] == moment.version:
            return await self._wait_for(pending[2], build)
        future: asyncio.Future[object] = loop.create_future()
        self._building[key] = (loop, moment.version, future)
        try:
            value = await build()
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as error:
            future.set_exception(error)
            future.exception()  # retrieved: the waiters build their own
            raise
        finally:
            if self._building.get(key, (None, None, None))[2] is future:
                del self._building[key]
        future.set_result(value)
        if self.holds(moment):
            self.values[key] = value
            while len(self.values) > self.max_entries:
                self.values.popitem(last=False)
        return value

    @staticmethod
    async def _wait_for(future: asyncio.Future[object], build: Callable[[], Awaitable[T]]) -> T:
        """The value another request is building; our own if its build fails or stops."""
        try:
            return cast(T, await asyncio.shield(future))
        except asyncio.CancelledError:
            if future.cancelled():  # the builder stopped, not this request
                return await build()
            raise
        except Exception:
            return await build()


@dataclass(frozen=True)
class _Request:
    keeper: Keeper
    moment: Moment


_current: ContextVar[_Request | None] = ContextVar("cobudget_kept_reads", default=None)


async def begin(keeper: Keeper, version: int | None = None) -> None:
    """Start a request that may use kept values: read its moment before anything else (the
    web app's middleware, for the pages it reads; `version` when the page cache read it)."""
    _current.set(None)
    _current.set(_Request(keeper, await keeper.moment(version)))


def end() -> None:
    """A request that keeps nothing (one that writes)."""
    _current.set(None)


def current_moment() -> Moment | None:
    request = _current.get()
    return request.moment if request is not None else None


def current_keeper() -> Keeper | None:
    request = _current.get()
    return request.keeper if request is not None else None


async def kept(key: Key, build: Callable[[], Awaitable[T]]) -> T:
    """The value `build` reads, kept under `key` for this request's moment (see the module).
    The key names the read and every argument it depends on."""
    request = _current.get()
    if request is None:
        return await build()
    return await request.keeper.get_or_build(request.moment, key, build)
