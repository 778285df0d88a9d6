"""The engine's runs, off the event loop: in worker processes, a few at a time, each with a
time limit, and remembered by what they were computed from.

Why processes: a rule on a large envelope is seconds of pure Python. In the event loop it stops
the whole process answering (issue 14: a visitor's verification froze every other page for
7–10 s); in a thread it still holds the interpreter's lock most of the time, and a thread that
overruns cannot be stopped. A worker process can be: when a run passes its time limit, the
worker is killed and replaced (`pebble`), and the request gets a clear "réessayez" (503).

Only bytes cross between processes: canonical inputs in, settlement bytes out (both msgspec
JSON, what the settlement's digest and `cobudget verify` read anyway).

Two guards bound what requests can make the server do:
- at most `workers` runs at once in a process, and a request waits `queue_seconds` at most
  for its turn;
- runs are single-flight and remembered by a key that names their inputs (the inputs' digest):
  a thousand visitors asking for one verification make one run, the first time only.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import multiprocessing
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

import pebble

from cobudget.domain.errors import Busy
from cobudget.engine import canonical
from cobudget.engine.errors import InvalidEnvelope
from cobudget.engine.settle import settle as settle_here
from cobudget.engine.settle import settle_encoded
from cobudget.engine.settlement import Settlement
from cobudget.engine.types import EnvelopeInput

T = TypeVar("T")

# Defaults, changed by `configure` from the settings when the app starts.
_config = {"workers": 2, "time_limit_seconds": 120.0, "queue_seconds": 10.0}
_pool: pebble.ProcessPool | None = None
_slots: asyncio.Semaphore | None = None
_slots_loop: asyncio.AbstractEventLoop | None = None
_REMEMBERED: OrderedDict[tuple[object, ...], object] = OrderedDict()
_RUNNING: dict[tuple[int, tuple[object, ...]], asyncio.Future[Any]] = {}
REMEMBER_AT_MOST = 128
# Runs started, and runs stopped at their time limit, since the process started (tests).
STATS = {"runs": 0, "timeouts": 0}


def configure(*, workers: int, time_limit_seconds: float, queue_seconds: float) -> None:
    global _slots
    _slots = None
    _config.update(
        workers=max(1, workers), time_limit_seconds=time_limit_seconds, queue_seconds=queue_seconds
    )


def _the_pool() -> pebble.ProcessPool:
    """Started at the first run: most requests never need it. `forkserver`: each worker is
    forked from a clean process that has imported the engine once, never from this one (its
    threads and sockets), and a killed worker is replaced in milliseconds."""
    global _pool
    if _pool is None or not _pool.active:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["cobudget.engine.settle"])
        _pool = pebble.ProcessPool(max_workers=int(_config["workers"]), context=context)
    return _pool


def _the_slots() -> asyncio.Semaphore:
    global _slots, _slots_loop
    loop = asyncio.get_running_loop()
    if _slots is None or _slots_loop is not loop:
        _slots, _slots_loop = asyncio.Semaphore(int(_config["workers"])), loop
    return _slots


def shutdown() -> None:
    """Stop the workers (the app's lifespan, at its end)."""
    global _pool
    if _pool is not None:
        _pool.stop()  # type: ignore[no-untyped-call]  # pebble leaves stop() unannotated
        _pool.join(timeout=5)
        _pool = None
    _REMEMBERED.clear()


async def run(function: Callable[..., T], *args: object, time_limit: float | None = None) -> T:
    """`function(*args)` in a worker process; `Busy` when no worker frees up in time or the run
    passes its time limit. `function` must be a module-level function of the engine."""
    slots = _the_slots()
    try:
        await asyncio.wait_for(slots.acquire(), timeout=float(_config["queue_seconds"]))
    except TimeoutError:
        raise Busy(retry_after_seconds=max(1, round(float(_config["queue_seconds"])))) from None
    try:
        STATS["runs"] += 1
        limit = float(_config["time_limit_seconds"]) if time_limit is None else time_limit
        future = _the_pool().schedule(function, args=args, timeout=limit)
        try:
            return await asyncio.wrap_future(future)
        except concurrent.futures.TimeoutError:
            STATS["timeouts"] += 1
            raise Busy(retry_after_seconds=60) from None
        except pebble.ProcessExpired:
            raise Busy(retry_after_seconds=10) from None
    finally:
        slots.release()


async def remembered(key: tuple[object, ...], compute: Callable[[], Awaitable[T]]) -> T:
    """`compute()` once per `key` in this process, shared by the requests that ask at the same
    time; a failure is not remembered. `key` must name everything the result depends on."""
    if key in _REMEMBERED:
        _REMEMBERED.move_to_end(key)
        return cast(T, _REMEMBERED[key])  # what `compute` returned for this key
    loop = asyncio.get_running_loop()
    running: asyncio.Future[Any] | None = _RUNNING.get((id(loop), key))
    if running is None:
        running = asyncio.ensure_future(compute())
        _RUNNING[(id(loop), key)] = running
        running.add_done_callback(lambda _f: _RUNNING.pop((id(loop), key), None))
    value: T = await asyncio.shield(running)
    _REMEMBERED[key] = value
    while len(_REMEMBERED) > REMEMBER_AT_MOST:
        _REMEMBERED.popitem(last=False)
    return value


async def settle(
    inputs: bytes, *, time_limit: float | None = None
) -> tuple[bytes | None, str | None]:
    """The settlement bytes of canonical inputs, or why the engine refused them."""
    return await run(settle_encoded, inputs, time_limit=time_limit)


# The rules whose run costs about as much as reading and encoding their inputs (one pass over
# the pledges, sorted): a worker would save the event loop nothing and add the round trip
# (about 10 ms on 5,000 pledges). Equal shares can take seconds: always in a worker.
_AS_CHEAP_AS_THEIR_INPUTS = frozenset({"cofunding", "matching"})


async def settle_inputs(inputs: EnvelopeInput) -> tuple[Settlement | None, str | None]:
    """The settlement of live inputs (the projection), or why the engine refused them: here
    for the rules that cost no more than their inputs, in a worker for the others."""
    if inputs.rule in _AS_CHEAP_AS_THEIR_INPUTS:
        try:
            return settle_here(inputs), None
        except InvalidEnvelope as error:
            return None, f"{error.item}: {error.reason}"
    encoded, refusal = await settle(canonical.encode_input(inputs))
    return (canonical.decode_settlement(encoded) if encoded is not None else None), refusal
